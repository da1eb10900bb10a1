import type { GroupRecord } from "../../directory/groups.service.js";
import { CORE_GROUP_SCHEMA } from "../protocol/schema.js";
import { ScimError } from "../protocol/scim-error.js";
import { compact, invalidValue, isObject, pick, readArray, readString, rejectUnstorable } from "./attributes.js";
import { etagOf } from "./users.mapper.js";

export interface GroupBody {
  displayName: string;
  externalId: string | null;
  /** undefined when the body has no `members`: a PUT without members leaves them as they are. */
  memberIds: string[] | undefined;
  extraAttributes: Record<string, unknown>;
}

const KNOWN = new Set(["id", "meta", "schemas", "displayname", "externalid", "members"]);

function readMemberIds(body: Record<string, unknown>): string[] | undefined {
  const members = pick(body, "members");
  if (members === undefined) return undefined;
  if (members === null) return [];
  return readArray(body, "members").map((member, i) => {
    const value = isObject(member) ? pick(member, "value") : undefined;
    if (typeof value !== "string" || value === "") throw invalidValue(`members[${i}].value must be a user id`);
    return value;
  });
}

/** A SCIM Group body (POST or PUT) → directory input. Entra's extra group URN in `schemas` is tolerated. */
export function groupBodyFromScim(body: unknown): GroupBody {
  if (!isObject(body)) throw new ScimError(400, "invalidSyntax", "The request body must be a JSON object");
  rejectUnstorable(body);
  const schemas = pick(body, "schemas");
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((schema) => String(schema).toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase()))) {
    throw new ScimError(400, "invalidSyntax", `schemas must include ${CORE_GROUP_SCHEMA}`);
  }
  const displayName = readString(body, "displayName");
  if (!displayName || displayName.trim() === "") throw invalidValue("displayName is required");
  const extraAttributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN.has(key.toLowerCase())) extraAttributes[key] = value;
  return { displayName, externalId: readString(body, "externalId"), memberIds: readMemberIds(body), extraAttributes };
}

/** The group without its members: members are streamed separately so a huge group is never held in memory. */
export function groupToScim(group: GroupRecord, baseUrl: string): Record<string, unknown> {
  const extensionUrns = Object.keys(group.extraAttributes).filter((key) => key.startsWith("urn:"));
  return {
    schemas: [CORE_GROUP_SCHEMA, ...extensionUrns],
    id: group.id,
    ...compact({ externalId: group.externalId }),
    displayName: group.displayName,
    ...group.extraAttributes,
    meta: {
      resourceType: "Group",
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${baseUrl}/Groups/${group.id}`,
      version: etagOf(group.version),
    },
  };
}

/** The representation Group PATCH works on (members are handled as deltas, never materialised). */
export function patchableGroup(group: GroupRecord, baseUrl: string): Record<string, unknown> {
  const { meta: _meta, ...rest } = groupToScim(group, baseUrl);
  return rest;
}

export function memberToScim(member: { userId: string; userName: string; displayName: string | null }, baseUrl: string): Record<string, unknown> {
  return { value: member.userId, $ref: `${baseUrl}/Users/${member.userId}`, display: member.displayName ?? member.userName, type: "User" };
}
