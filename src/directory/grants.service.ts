import type { PrincipalRef } from "../access/facts.js";
import type { Plan, Policy } from "../access/policy.types.js";
import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteGrant,
  deleteGrantsById,
  findGrant,
  insertGrant,
  insertGrants,
  listGrantKeysOfSource,
  listGrants,
  lockGrantSource,
  lookupGrantTargets,
  type GrantKey,
  type GrantRecord,
  type GrantRoleRef,
  type GrantTargets,
} from "../store/grants.repository.js";
import { isOwnerGrant, ownerGrantIds } from "../store/ownership.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, optionalText } from "./validation.js";

export type { GrantRecord };

/** A built-in role by its policy key, or a role by its row id (a custom role of this organization, or a built-in one). */
export type GrantRoleInput = { key: string } | { id: string };

/** Space and resource grants name only the Space or resource: the workspace is read from its row. */
export type GrantScopeInput =
  | { type: "organization" }
  | { type: "workspace"; workspaceId: string }
  | { type: "space"; spaceId: string }
  | { type: "resource"; resourceId: string };

export interface GrantTarget {
  principal: PrincipalRef;
  role: GrantRoleInput;
  scope: GrantScopeInput;
}

export interface GrantInput extends GrantTarget {
  /** Who owns the row (DESIGN.md, Grant): scim:<token>, sso:<connection>, manual:<admin>, invite:<id> or system. */
  source: string;
  createdBy?: string | null;
}

export interface GrantListFilter {
  principal?: PrincipalRef;
  workspaceId?: string;
  source?: string;
}

// Stricter than the table's CHECK: no control characters, and a length a person can read.
const SOURCE = /^(?:(?:scim|sso|manual|invite):\P{Cc}{1,200}|system)$/u;
const MAX_DESIRED = 10_000;

function parseSource(value: unknown): string {
  if (typeof value === "string" && SOURCE.test(value)) return value;
  throw new DomainError("invalid_value", "source must be scim:<id>, sso:<id>, manual:<id>, invite:<id> or system", { field: "source" });
}

/** Owner roles are never granted or revoked as ordinary grants (seed 002: one Owner, changed by transfer). */
function ownershipByTransferOnly(role: string): DomainError {
  return new DomainError("conflict", "ownership changes only by transfer", { role });
}

function invalid(field: string, message: string): DomainError {
  return new DomainError("invalid_value", `${field} ${message}`, { field });
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be an object");
  return value as Record<string, unknown>;
}

/** A well-formed id, lower-cased; anything else cannot name a row, so it is simply not found. */
function rowId(value: unknown, what: string): string {
  if (!isUuid(value)) throw notFound(what, String(value));
  return value.toLowerCase();
}

function parsePrincipal(value: unknown): PrincipalRef {
  const principal = record(value, "principal");
  if (principal.type !== "user" && principal.type !== "group") throw invalid("principal.type", 'must be "user" or "group"');
  return { type: principal.type, id: rowId(principal.id, principal.type) };
}

function parseRole(value: unknown): GrantRoleInput {
  const role = record(value, "role");
  if (role.id !== undefined) return { id: rowId(role.id, "role") };
  if (typeof role.key === "string" && role.key.trim() !== "") return { key: role.key };
  throw invalid("role", "must name a built-in role by key or a role by id");
}

function parseScope(value: unknown): GrantScopeInput {
  const scope = record(value, "scope");
  switch (scope.type) {
    case "organization":
      return { type: "organization" };
    case "workspace":
      return { type: "workspace", workspaceId: rowId(scope.workspaceId, "workspace") };
    case "space":
      return { type: "space", spaceId: rowId(scope.spaceId, "Space") };
    case "resource":
      return { type: "resource", resourceId: rowId(scope.resourceId, "resource") };
    default:
      throw invalid("scope.type", 'must be "organization", "workspace", "space" or "resource"');
  }
}

function parseTarget(value: unknown): GrantTarget {
  const target = record(value, "grant");
  return { principal: parsePrincipal(target.principal), role: parseRole(target.role), scope: parseScope(target.scope) };
}

/** Runs `work` for item `index` of a batch, prefixing any domain error with the item it is about. */
function atIndex<T>(index: number | null, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (index === null || !(error instanceof DomainError)) throw error;
    throw new DomainError(error.code, `desired[${index}]: ${error.message}`, { ...error.details, index });
  }
}

/** What the lookup found, indexed: a reconcile of thousands of grants checks each in constant time. */
interface Found {
  plan: Plan;
  users: Set<string>;
  groups: Set<string>;
  rolesByKey: Map<string, GrantRoleRef>;
  rolesById: Map<string, GrantRoleRef>;
  workspaces: Set<string>;
  spaces: Map<string, GrantTargets["spaces"][number]>;
  resources: Map<string, GrantTargets["resources"][number]>;
}

function indexed(found: GrantTargets & { plan: Plan }): Found {
  return {
    plan: found.plan,
    users: new Set(found.users),
    groups: new Set(found.groups),
    rolesByKey: new Map(found.roles.filter((role) => role.builtIn && role.key !== null).map((role) => [role.key as string, role])),
    rolesById: new Map(found.roles.map((role) => [role.id, role])),
    workspaces: new Set(found.workspaces),
    spaces: new Map(found.spaces.map((space) => [space.id, space])),
    resources: new Map(found.resources.map((resource) => [resource.id, resource])),
  };
}

function scopeKey(found: Found, scope: GrantScopeInput): Omit<GrantKey, "user_id" | "group_id" | "role_id"> {
  const none = { workspace_id: null, space_id: null, resource_id: null };
  switch (scope.type) {
    case "organization":
      return { scope_type: "organization", ...none };
    case "workspace":
      if (!found.workspaces.has(scope.workspaceId)) throw notFound("workspace", scope.workspaceId);
      return { scope_type: "workspace", ...none, workspace_id: scope.workspaceId };
    case "space": {
      const space = found.spaces.get(scope.spaceId);
      if (!space) throw notFound("Space", scope.spaceId);
      if (!space.spacesEnabled) {
        throw new DomainError("precondition_failed", "Spaces are not enabled for this Space's workspace", { workspaceId: space.workspaceId });
      }
      return { scope_type: "space", ...none, workspace_id: space.workspaceId, space_id: space.id };
    }
    case "resource": {
      const resource = found.resources.get(scope.resourceId);
      if (!resource) throw notFound("resource", scope.resourceId);
      return { scope_type: "resource", ...none, workspace_id: resource.workspaceId, resource_id: resource.id };
    }
  }
}

/** Checks one target against what the organization holds and turns it into the row to store. */
function toKey(found: Found, policy: Policy, target: GrantTarget): GrantKey {
  const { principal, role: wanted, scope } = target;
  if (!(principal.type === "user" ? found.users : found.groups).has(principal.id)) throw notFound(principal.type, principal.id);
  const stored = "key" in wanted ? found.rolesByKey.get(wanted.key) : found.rolesById.get(wanted.id);
  // A built-in row the current policy no longer names (startup only ever adds or updates them) is not a role.
  const role = stored && (!stored.builtIn || (stored.key ?? "") in policy.roles) ? stored : undefined;
  if (!role) throw notFound("role", "key" in wanted ? wanted.key : wanted.id);
  const key: GrantKey = {
    user_id: principal.type === "user" ? principal.id : null,
    group_id: principal.type === "group" ? principal.id : null,
    role_id: role.id,
    ...scopeKey(found, scope),
  };
  if (role.level === "organization" && scope.type !== "organization") {
    throw invalid("scope", `cannot hold "${role.name}": an organization-level role is granted at organization scope only`);
  }
  if (role.level === "workspace" && scope.type === "organization") {
    throw invalid("scope", `cannot hold "${role.name}": a workspace-level role needs a workspace, Space or resource scope`);
  }
  if (role.builtIn && policy.roles[role.key ?? ""]?.owner) throw ownershipByTransferOnly(role.key ?? role.id);
  if (!role.builtIn && !policy.customRoles.plans.includes(found.plan)) {
    throw new DomainError("precondition_failed", "custom roles need a paid plan", { plan: found.plan, roleId: role.id });
  }
  return key;
}

/** Resolves a batch of targets with one lookup; the first that does not fit stops the batch. */
async function resolveTargets(db: Db, organizationId: string, policy: Policy, targets: GrantTarget[], batch: boolean): Promise<GrantKey[]> {
  const ids = { users: [] as string[], groups: [] as string[], roleKeys: [] as string[], roleIds: [] as string[], workspaces: [] as string[], spaces: [] as string[], resources: [] as string[] };
  for (const { principal, role, scope } of targets) {
    (principal.type === "user" ? ids.users : ids.groups).push(principal.id);
    if ("key" in role) ids.roleKeys.push(role.key);
    else ids.roleIds.push(role.id);
    if (scope.type === "workspace") ids.workspaces.push(scope.workspaceId);
    if (scope.type === "space") ids.spaces.push(scope.spaceId);
    if (scope.type === "resource") ids.resources.push(scope.resourceId);
  }
  const found = await lookupGrantTargets(db, organizationId, ids);
  if (found.plan === null) throw notFound("organization", organizationId);
  const index = indexed({ ...found, plan: found.plan });
  return targets.map((target, at) => atIndex(batch ? at : null, () => toKey(index, policy, target)));
}

/** The grants_unique columns of a row, as one comparable string. */
const keyText = (key: GrantKey): string =>
  [key.user_id, key.group_id, key.role_id, key.scope_type, key.workspace_id, key.space_id, key.resource_id].join("|");

/** A row deleted between the lookup and the insert: the same answer the lookup would have given. */
async function withDeletedAsNotFound<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (classifyDatabaseError(error)?.kind === "foreign_key_violation") {
      throw new DomainError("not_found", "a principal, role or scope of this grant no longer exists");
    }
    throw error;
  }
}

export function createGrantService({ db, policy }: { db: Db; policy: () => Policy }) {
  async function get(organizationId: string, id: string): Promise<GrantRecord> {
    const grant = isUuid(id) ? await findGrant(db, organizationId, id) : null;
    if (!grant) throw notFound("grant", id);
    return grant;
  }

  /** Grants a role; an identical grant (principal, role, scope and source) is returned as it is. */
  async function grant(organizationId: string, input: GrantInput): Promise<GrantRecord> {
    const source = parseSource(record(input, "grant").source);
    const createdBy = optionalText(input.createdBy, "createdBy", 256);
    const target = parseTarget(input);
    return withDeletedAsNotFound(() =>
      db.transaction(async (tx) => {
        const [key] = await resolveTargets(tx, organizationId, policy(), [target], false);
        const id = await insertGrant(tx, organizationId, key as GrantKey, source, createdBy);
        return (await findGrant(tx, organizationId, id)) as GrantRecord;
      }),
    );
  }

  async function revoke(organizationId: string, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound("grant", id);
    await db.transaction(async (tx) => {
      if (await isOwnerGrant(tx, organizationId, id)) throw ownershipByTransferOnly(id);
      if (!(await deleteGrant(tx, organizationId, id))) throw notFound("grant", id);
    });
  }

  /** Grants in creation order. Unknown ids match nothing; malformed ones are refused. */
  async function list(organizationId: string, filter: GrantListFilter = {}): Promise<GrantRecord[]> {
    const { principal, workspaceId } = filter;
    if (principal !== undefined && ((principal.type !== "user" && principal.type !== "group") || !isUuid(principal.id))) {
      throw invalid("principal", "must be a user or group id");
    }
    if (workspaceId !== undefined && !isUuid(workspaceId)) throw invalid("workspaceId", "must be a workspace id");
    return listGrants(db, organizationId, {
      principal: principal && { type: principal.type, id: principal.id.toLowerCase() },
      workspaceId: workspaceId?.toLowerCase(),
      source: filter.source === undefined ? undefined : parseSource(filter.source),
    });
  }

  /**
   * Makes `source`'s grants exactly `desired`, as a delta in one transaction: grants of other sources are never
   * touched (STYLE.md rule 8). Any target that does not fit refuses the whole call, and nothing changes.
   */
  async function reconcile(organizationId: string, source: string, desired: GrantTarget[], createdBy?: string | null): Promise<{ added: number; removed: number }> {
    const owner = parseSource(source);
    const author = optionalText(createdBy, "createdBy", 256);
    if (!Array.isArray(desired)) throw invalid("desired", "must be a list of grants");
    if (desired.length > MAX_DESIRED) throw invalid("desired", `must hold at most ${MAX_DESIRED} grants`);
    const targets = desired.map((item, index) => atIndex(index, () => parseTarget(item)));
    return withDeletedAsNotFound(() =>
      db.transaction(async (tx) => {
        await lockGrantSource(tx, organizationId, owner);
        const wanted = new Map((await resolveTargets(tx, organizationId, policy(), targets, true)).map((key) => [keyText(key), key]));
        // An Owner grant (source system) is never the reconcile's to remove.
        const owners = await ownerGrantIds(tx, organizationId);
        const held = (await listGrantKeysOfSource(tx, organizationId, owner)).filter((row) => !owners.has(row.id));
        const heldKeys = new Set(held.map(keyText));
        const removed = await deleteGrantsById(tx, organizationId, held.filter((row) => !wanted.has(keyText(row))).map((row) => row.id));
        const missing = [...wanted].filter(([text]) => !heldKeys.has(text)).map(([, key]) => key);
        return { added: await insertGrants(tx, organizationId, owner, missing, author), removed };
      }),
    );
  }

  return { get, grant, revoke, list, reconcile };
}

export type GrantService = ReturnType<typeof createGrantService>;
