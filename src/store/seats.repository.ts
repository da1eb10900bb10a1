/**
 * The seats report's reads: every seat candidate's access facts in a handful of statements for the whole
 * organization, in the shape loadUserFacts (access.repository.ts) gives one user — the same membership rule
 * (IdP members ∪ sign-in claims; pins and excludes as overrides) — so resolve() judges them exactly as a check
 * would. One snapshot (REPEATABLE READ): the counts never mix two states of the organization.
 */
import type { AttachmentFact, GrantFact, GroupFact, OverrideFact } from "../access/facts.js";
import type { UserFacts } from "./access.repository.js";
import type { Db } from "./db.js";

export interface SeatCandidate {
  id: string;
  userName: string;
}

/**
 * Active users with a grant of their own or of a group they may be in (IdP member, sign-in claim, or pin).
 * Everyone else holds no role, so no seat; resolve() then decides for each candidate (an exclude may still
 * leave one with nothing).
 */
const CANDIDATES = `SELECT u.id, u.user_name AS "userName" FROM users u
  WHERE u.organization_id = $1 AND u.active AND (
    EXISTS (SELECT 1 FROM grants g WHERE g.organization_id = $1 AND g.user_id = u.id)
    OR EXISTS (SELECT 1 FROM grants g WHERE g.organization_id = $1 AND g.group_id IN (
      SELECT group_id FROM group_members WHERE user_id = u.id
      UNION SELECT group_id FROM claim_memberships WHERE user_id = u.id
      UNION SELECT group_id FROM membership_overrides WHERE user_id = u.id AND kind = 'pin')))
  ORDER BY lower(u.user_name), u.id`;

interface GrantRow {
  id: string;
  user_id: string | null;
  group_id: string | null;
  built_in: boolean;
  key: string | null;
  role_id: string;
  scope_type: GrantFact["scope"]["type"];
  workspace_id: string | null;
  space_id: string | null;
  resource_id: string | null;
  source: string;
}

function toGrant(row: GrantRow): GrantFact {
  const principal = row.user_id !== null ? { type: "user" as const, id: row.user_id } : { type: "group" as const, id: row.group_id ?? "" };
  const role = row.built_in && row.key !== null ? { kind: "built-in" as const, key: row.key } : { kind: "custom" as const, id: row.role_id };
  const workspaceId = row.workspace_id ?? "";
  const scope: GrantFact["scope"] =
    row.scope_type === "organization"
      ? { type: "organization" }
      : row.scope_type === "workspace"
        ? { type: "workspace", workspaceId }
        : row.scope_type === "space"
          ? { type: "space", workspaceId, spaceId: row.space_id ?? "" }
          : { type: "resource", workspaceId, resourceId: row.resource_id ?? "" };
  return { id: row.id, principal, role, scope, source: row.source };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface OrganizationRows {
  candidates: SeatCandidate[];
  memberships: Array<{ user_id: string; group_id: string }>;
  overrides: Array<{ group_id: string; user_id: string; kind: "pin" | "exclude"; author: string; reason: string }>;
  groups: Array<{ id: string; display_name: string; origin: "scim" | "manual" }>;
  grants: GrantRow[];
  attachments: Array<{ group_id: string; space_id: string }>;
}

async function readOrganization(db: Db, organizationId: string): Promise<OrganizationRows> {
  return db.transaction(async (tx) => {
    await tx.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
    const rows = async <T>(sql: string) => (await tx.query<T>(sql, [organizationId])).rows;
    return {
      candidates: await rows<SeatCandidate>(CANDIDATES),
      memberships: await rows(`SELECT user_id, group_id FROM group_members WHERE organization_id = $1
                               UNION SELECT user_id, group_id FROM claim_memberships WHERE organization_id = $1`),
      overrides: await rows(`SELECT group_id, user_id, kind, author, reason FROM membership_overrides WHERE organization_id = $1`),
      groups: await rows(`SELECT id, display_name, origin FROM groups WHERE organization_id = $1`),
      grants: await rows(`SELECT g.id, g.user_id, g.group_id, r.built_in, r.key, r.id AS role_id, g.scope_type, g.workspace_id, g.space_id,
                            g.resource_id, g.source FROM grants g JOIN roles r ON r.id = g.role_id WHERE g.organization_id = $1 ORDER BY g.created_at, g.id`),
      attachments: await rows(`SELECT group_id, space_id FROM space_attachments WHERE organization_id = $1`),
    };
  });
}

/** Each seat candidate with their facts (no resources: a seat needs roles, not resource labels). */
export async function loadSeatFacts(db: Db, organizationId: string): Promise<Array<{ person: SeatCandidate; facts: UserFacts }>> {
  const found = await readOrganization(db, organizationId);
  const memberOf = new Map<string, string[]>();
  for (const row of found.memberships) push(memberOf, row.user_id, row.group_id);
  const overrides = new Map<string, OverrideFact[]>();
  for (const row of found.overrides) push(overrides, row.user_id, { groupId: row.group_id, userId: row.user_id, kind: row.kind, author: row.author, reason: row.reason });
  const groups = new Map<string, GroupFact>(found.groups.map((row) => [row.id, { id: row.id, displayName: row.display_name, origin: row.origin }]));
  const userGrants = new Map<string, GrantFact[]>();
  const groupGrants = new Map<string, GrantFact[]>();
  for (const row of found.grants) {
    if (row.user_id !== null) push(userGrants, row.user_id, toGrant(row));
    else push(groupGrants, row.group_id ?? "", toGrant(row));
  }
  const attachments = new Map<string, AttachmentFact[]>();
  for (const row of found.attachments) push(attachments, row.group_id, { groupId: row.group_id, spaceId: row.space_id });

  return found.candidates.map((person) => {
    const listed = [...new Set(memberOf.get(person.id) ?? [])].sort();
    const own = overrides.get(person.id) ?? [];
    const mine = [...new Set([...listed, ...own.map((override) => override.groupId)])];
    const facts: UserFacts = {
      version: 0,
      structureVersion: 0,
      user: { id: person.id, active: true },
      memberOf: listed,
      overrides: own,
      groups: mine.flatMap((id) => groups.get(id) ?? []),
      grants: [...(userGrants.get(person.id) ?? []), ...mine.flatMap((id) => groupGrants.get(id) ?? [])],
      attachments: mine.flatMap((id) => attachments.get(id) ?? []),
      resources: [],
    };
    return { person, facts };
  });
}
