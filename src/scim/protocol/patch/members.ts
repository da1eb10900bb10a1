/**
 * Group membership as deltas: every operation on `members` becomes a MemberChange so the store can run
 * INSERT … ON CONFLICT / DELETE … WHERE without loading the group (IDP-TRAFFIC: rewriting whole groups
 * takes minutes at a few thousand members and loses concurrent changes).
 */
import type { FilterNode, PatchPath } from "../filter/index.js";
import { CORE_GROUP_SCHEMA } from "../schema.js";
import { badRequest, isPlainObject, readKey, type JsonObject } from "./json.js";
import type { PatchOperation } from "./operation.js";

export type MemberChange =
  | { kind: "add"; ids: string[] }
  | { kind: "remove"; ids: string[] }
  | { kind: "replace"; ids: string[] }
  | { kind: "removeAll" };

const MEMBERS_KEYS = ["members", `${CORE_GROUP_SCHEMA}:members`].map((key) => key.toLowerCase());

function isMembersPath(path: PatchPath): boolean {
  const uri = path.uri?.toLowerCase();
  return path.attribute.toLowerCase() === "members" && (uri === undefined || uri === CORE_GROUP_SCHEMA.toLowerCase());
}

function idOf(item: unknown): string {
  const id = isPlainObject(item) ? readKey(item, "value") : item;
  if (typeof id !== "string" || id.length === 0) throw badRequest("invalidValue", "Each member needs a string \"value\" holding its id");
  return id;
}

/** `[{value: id}, …]`; a lone `{value: id}` is accepted too. */
function idsOfValue(value: unknown): string[] {
  return [...new Set((Array.isArray(value) ? value : [value]).map(idOf))];
}

/** `members[value eq "a"]`, or `value eq "a" or value eq "b"` (Okta, Entra aadOptscim062020). */
function idsOfFilter(filter: FilterNode): string[] {
  if (filter.kind === "or") return [...new Set([...idsOfFilter(filter.left), ...idsOfFilter(filter.right)])];
  const isValueEq = filter.kind === "compare" && filter.op === "eq" && filter.path.uri === undefined
    && filter.path.subAttribute === undefined && filter.path.attribute.toLowerCase() === "value";
  if (!isValueEq || typeof filter.value !== "string") {
    throw badRequest("invalidFilter", "A members filter can only select members by id: value eq \"id\" [or value eq \"id\" …]");
  }
  return [filter.value];
}

function changeOf(op: PatchOperation["op"], value: unknown, filter?: FilterNode): MemberChange {
  if (filter !== undefined) {
    if (op !== "remove") throw badRequest("invalidFilter", `A members filter only selects members to remove, not to ${op}`);
    return { kind: "remove", ids: idsOfFilter(filter) };
  }
  if (op === "remove") {
    // Entra legacy sends `Remove path=members value=[{value: id}]` meaning only those members: removing all
    // of them here is the data-loss bug IDP-TRAFFIC warns about. Only a remove without value empties the group.
    return value === undefined || value === null ? { kind: "removeAll" } : { kind: "remove", ids: idsOfValue(value) };
  }
  if (value === undefined) throw badRequest("invalidValue", `A ${op} of members needs a value`);
  return { kind: op, ids: value === null ? [] : idsOfValue(value) };
}

/** Splits a path-less value object: `members` keys become changes, the rest stays one operation. */
function splitValue(operation: PatchOperation, value: JsonObject, changes: MemberChange[], rest: PatchOperation[]): void {
  const others: Array<[string, unknown]> = [];
  for (const [key, item] of Object.entries(value)) {
    if (MEMBERS_KEYS.includes(key.toLowerCase())) changes.push(changeOf(operation.op, item));
    else others.push([key, item]);
  }
  // fromEntries defines keys, so a JSON "__proto__" key stays a key rather than becoming a prototype.
  if (others.length > 0) rest.push({ ...operation, value: Object.fromEntries(others) });
}

/** For Groups: member deltas in request order; the other operations are left for applyPatch. */
export function splitMemberOperations(ops: PatchOperation[]): { memberChanges: MemberChange[]; rest: PatchOperation[] } {
  const memberChanges: MemberChange[] = [];
  const rest: PatchOperation[] = [];
  for (const operation of ops) {
    const { path, value } = operation;
    if (path !== undefined && isMembersPath(path)) {
      if (path.subAttribute !== undefined) throw badRequest("invalidPath", "Members are changed whole: members sub-attributes are immutable");
      memberChanges.push(changeOf(operation.op, value, path.filter));
    } else if (path === undefined && operation.op !== "remove" && isPlainObject(value)) {
      splitValue(operation, value, memberChanges, rest);
    } else {
      rest.push(operation);
    }
  }
  return { memberChanges, rest };
}
