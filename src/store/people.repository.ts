/**
 * The Admin API's view of people (issue 5, Users): a page of the organization's users — or of those with
 * access to one workspace — and, for a whole page at once, every role grant that reaches them with the path
 * it takes (their own grant, or a group's through an IdP membership, a sign-in claim or a pinned override).
 * A fixed number of statements per page, whatever its size: no query per person.
 */
import type { Level } from "../access/policy.types.js";
import type { Db } from "./db.js";

export interface PersonRow {
  id: string;
  userName: string;
  displayName: string | null;
  email: string | null;
  active: boolean;
  origin: "scim" | "sso" | "invite" | "manual";
  createdAt: Date;
}

/** How a person is in a group, as far as access goes. */
export type MembershipKind = "idp" | "manual" | "sso_claim" | "pin";

export interface RoleGrantRow {
  userId: string;
  grantId: string;
  role: { id: string; key: string | null; name: string; level: Level; builtIn: boolean };
  scope: { type: "organization" | "workspace" | "space" | "resource"; workspaceId: string | null; spaceId: string | null; resourceId: string | null };
  workspaceTitle: string | null;
  source: string;
  /** null for the person's own grant; the group (and how they are in it) for a group's. */
  group: { id: string; displayName: string; origin: "scim" | "manual"; membership: MembershipKind[] } | null;
}

export interface GroupOfPerson {
  id: string;
  displayName: string;
  origin: "scim" | "manual";
  membership: MembershipKind[];
  /** Whether the membership counts for access: false when an exclude override keeps them out. */
  effective: boolean;
  override: { kind: "pin" | "exclude"; reason: string; author: string; createdAt: Date } | null;
}

export interface PeopleQuery {
  search?: string;
  /** Only people with a role in this workspace (their own, a group's, or an organization role implying one). */
  workspaceId?: string;
  /** Organization roles that imply a workspace role (their row ids). */
  implyingRoleIds: readonly string[];
  limit: number;
  offset: number;
}

/** A person's group memberships that count for access: IdP/manual members, sign-in claims, pins; less excludes. */
const EFFECTIVE_MEMBERSHIP = (users: string) => `membership AS (
    SELECT m.user_id, m.group_id, CASE WHEN gr.origin = 'scim' THEN 'idp' ELSE 'manual' END AS how
      FROM group_members m JOIN groups gr ON gr.id = m.group_id WHERE m.organization_id = $1 AND ${users.replace("$u", "m.user_id")}
    UNION ALL SELECT c.user_id, c.group_id, 'sso_claim' FROM claim_memberships c WHERE c.organization_id = $1 AND ${users.replace("$u", "c.user_id")}
    UNION ALL SELECT o.user_id, o.group_id, 'pin' FROM membership_overrides o WHERE o.organization_id = $1 AND o.kind = 'pin' AND ${users.replace("$u", "o.user_id")}),
  effective AS (
    SELECT m.user_id, m.group_id, array_agg(DISTINCT m.how ORDER BY m.how) AS how FROM membership m
    WHERE NOT EXISTS (SELECT 1 FROM membership_overrides x WHERE x.organization_id = $1 AND x.kind = 'exclude' AND x.user_id = m.user_id AND x.group_id = m.group_id)
    GROUP BY m.user_id, m.group_id)`;

/** Grants that count in workspace `$w` (when given): its own scopes, and organization roles implying a workspace role. */
const IN_WORKSPACE = `($w::uuid IS NULL OR g.workspace_id = $w OR (g.scope_type = 'organization' AND g.role_id = ANY($implying::uuid[])))`;

const GRANT_COLUMNS = "g.id, g.role_id, g.scope_type, g.workspace_id, g.space_id, g.resource_id, g.source, g.created_at";

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const PERSON_SELECT = `SELECT u.id, u.user_name AS "userName", u.display_name AS "displayName", u.active, u.origin, u.created_at AS "createdAt",
    (SELECT e.value FROM user_emails e WHERE e.user_id = u.id ORDER BY e.is_primary DESC, e.position LIMIT 1) AS email
  FROM users u`;

export async function findPerson(db: Db, organizationId: string, id: string): Promise<PersonRow | null> {
  const { rows } = await db.query<PersonRow>(`${PERSON_SELECT} WHERE u.organization_id = $1 AND u.id = $2`, [organizationId, id]);
  return rows[0] ? { ...rows[0], createdAt: new Date(rows[0].createdAt) } : null;
}

/** One page of people, ordered by userName, with the total across pages. */
export async function searchPeople(db: Db, organizationId: string, query: PeopleQuery): Promise<{ items: PersonRow[]; total: number }> {
  const params = [organizationId, query.search === undefined || query.search === "" ? null : likePattern(query.search), query.workspaceId ?? null, [...query.implyingRoleIds]];
  const inWorkspace = IN_WORKSPACE.replaceAll("$w", "$3").replace("$implying", "$4");
  const where = `u.organization_id = $1
    AND ($2::text IS NULL OR u.user_name ILIKE $2 OR u.display_name ILIKE $2 OR u.name_formatted ILIKE $2
         OR concat_ws(' ', u.name_given, u.name_family) ILIKE $2
         OR EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND e.value ILIKE $2))
    AND ($3::uuid IS NULL OR u.id IN (
      SELECT g.user_id FROM grants g WHERE g.organization_id = $1 AND g.user_id IS NOT NULL AND ${inWorkspace}
      UNION
      SELECT m.user_id FROM (
          SELECT user_id, group_id FROM group_members WHERE organization_id = $1
          UNION ALL SELECT user_id, group_id FROM claim_memberships WHERE organization_id = $1
          UNION ALL SELECT user_id, group_id FROM membership_overrides WHERE organization_id = $1 AND kind = 'pin') m
        WHERE m.group_id IN (SELECT g.group_id FROM grants g WHERE g.organization_id = $1 AND g.group_id IS NOT NULL AND ${inWorkspace})
          AND NOT EXISTS (SELECT 1 FROM membership_overrides x WHERE x.kind = 'exclude' AND x.user_id = m.user_id AND x.group_id = m.group_id)))`;
  const [page, count] = await Promise.all([
    db.query<PersonRow>(
      // The page's ids first: rows skipped by OFFSET are never projected (no email lookups for them). userName is
      // unique per organization case-insensitively, so (organization_id, lower(user_name)) orders the page alone.
      `WITH page AS (SELECT u.id, lower(u.user_name) AS sort FROM users u WHERE ${where} ORDER BY lower(u.user_name) LIMIT $5 OFFSET $6)
       ${PERSON_SELECT} JOIN page ON page.id = u.id ORDER BY page.sort`,
      [...params, query.limit, query.offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM users u WHERE ${where}`, params),
  ]);
  return { items: page.rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt) })), total: count.rows[0]?.total ?? 0 };
}

/**
 * Every grant reaching the people `userIds` — in workspace `workspaceId` only, when given — with its path.
 * Ordered by person, then role level, then role name, so the caller only groups.
 */
export async function listRoleGrantsOf(
  db: Db,
  organizationId: string,
  userIds: readonly string[],
  scope: { workspaceId?: string; implyingRoleIds: readonly string[] },
): Promise<RoleGrantRow[]> {
  if (userIds.length === 0) return [];
  const inWorkspace = IN_WORKSPACE.replaceAll("$w", "$3").replace("$implying", "$4");
  const { rows } = await db.query<RoleGrantRow>(
    `WITH ${EFFECTIVE_MEMBERSHIP("$u = ANY($2::uuid[])")},
     reaching AS (
       SELECT g.user_id, ${GRANT_COLUMNS}, NULL::uuid AS via_group, NULL::text[] AS how FROM grants g
         WHERE g.organization_id = $1 AND g.user_id = ANY($2::uuid[]) AND ${inWorkspace}
       UNION ALL
       SELECT e.user_id, ${GRANT_COLUMNS}, e.group_id AS via_group, e.how FROM effective e JOIN grants g ON g.group_id = e.group_id
         WHERE g.organization_id = $1 AND ${inWorkspace})
     SELECT x.user_id AS "userId", x.id AS "grantId",
       json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'level', r.level, 'builtIn', r.built_in) AS role,
       json_build_object('type', x.scope_type, 'workspaceId', x.workspace_id, 'spaceId', x.space_id, 'resourceId', x.resource_id) AS scope,
       w.title AS "workspaceTitle", x.source,
       CASE WHEN x.via_group IS NULL THEN NULL
            ELSE json_build_object('id', gr.id, 'displayName', gr.display_name, 'origin', gr.origin, 'membership', x.how) END AS "group"
     FROM reaching x JOIN roles r ON r.id = x.role_id
       LEFT JOIN workspaces w ON w.id = x.workspace_id
       LEFT JOIN groups gr ON gr.id = x.via_group
     ORDER BY x.user_id, r.level DESC, lower(w.title) NULLS FIRST, r.name, x.scope_type, x.created_at, x.id`,
    [organizationId, [...userIds], scope.workspaceId ?? null, [...scope.implyingRoleIds]],
  );
  return rows;
}

/** The person's groups with how they are in each, including excluded ones (with the override). */
export async function listGroupsOfPerson(db: Db, organizationId: string, userId: string): Promise<GroupOfPerson[]> {
  const { rows } = await db.query<GroupOfPerson & { override: (GroupOfPerson["override"] & { createdAt: string }) | null }>(
    `WITH how AS (
       SELECT m.group_id, CASE WHEN gr.origin = 'scim' THEN 'idp' ELSE 'manual' END AS how
         FROM group_members m JOIN groups gr ON gr.id = m.group_id WHERE m.organization_id = $1 AND m.user_id = $2
       UNION SELECT group_id, 'sso_claim' FROM claim_memberships WHERE organization_id = $1 AND user_id = $2
       UNION SELECT group_id, 'pin' FROM membership_overrides WHERE organization_id = $1 AND user_id = $2 AND kind = 'pin'
       UNION SELECT group_id, NULL FROM membership_overrides WHERE organization_id = $1 AND user_id = $2 AND kind = 'exclude')
     SELECT gr.id, gr.display_name AS "displayName", gr.origin,
       coalesce(array_agg(DISTINCT h.how ORDER BY h.how) FILTER (WHERE h.how IS NOT NULL), '{}') AS membership,
       NOT bool_or(h.how IS NULL) AS effective,
       (SELECT json_build_object('kind', o.kind, 'reason', o.reason, 'author', o.author, 'createdAt', o.created_at)
          FROM membership_overrides o WHERE o.group_id = gr.id AND o.user_id = $2) AS override
     FROM how h JOIN groups gr ON gr.id = h.group_id
     GROUP BY gr.id ORDER BY lower(gr.display_name), gr.id`,
    [organizationId, userId],
  );
  return rows.map((row) => ({ ...row, override: row.override ? { ...row.override, createdAt: new Date(row.override.createdAt) } : null }));
}

/** The person's grants of the given roles (owner roles), anywhere: who must transfer before being removed. */
export async function listGrantsOfRoles(db: Db, organizationId: string, userId: string, roleIds: readonly string[]): Promise<Array<{ id: string; roleKey: string | null; workspaceId: string | null }>> {
  const { rows } = await db.query<{ id: string; roleKey: string | null; workspaceId: string | null }>(
    `SELECT g.id, r.key AS "roleKey", g.workspace_id AS "workspaceId" FROM grants g JOIN roles r ON r.id = g.role_id
     WHERE g.organization_id = $1 AND g.user_id = $2 AND g.role_id = ANY($3::uuid[])`,
    [organizationId, userId, [...roleIds]],
  );
  return rows;
}

/**
 * Deletes the person's own grants that an admin or an invite gave (sources manual:… and invite:…) — in one
 * workspace (its own scopes) or everywhere — and returns what was deleted. Grants of the identity provider,
 * sign-in and the system stay: each is reconciled by its own writer (DESIGN.md, Grant).
 */
export async function deleteAdminGrantsOf(db: Db, organizationId: string, userId: string, workspaceId: string | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `DELETE FROM grants WHERE organization_id = $1 AND user_id = $2 AND (source LIKE 'manual:%' OR source LIKE 'invite:%')
       AND ($3::uuid IS NULL OR workspace_id = $3) RETURNING id`,
    [organizationId, userId, workspaceId],
  );
  return rows.map((row) => row.id);
}
