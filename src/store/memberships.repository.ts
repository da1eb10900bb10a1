import type { Db } from "./db.js";

/**
 * Membership changes are deltas: rows are inserted or deleted by id, never loaded and rewritten,
 * so a 100,000-member group costs what the change costs.
 */
export async function insertMembers(db: Db, organizationId: string, groupId: string, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO group_members (organization_id, group_id, user_id)
     SELECT $1, $2, u FROM unnest($3::uuid[]) AS u ON CONFLICT DO NOTHING`,
    [organizationId, groupId, userIds],
  );
  return rowCount;
}

/**
 * Adds the users of `userIds` that exist in the organization, in one statement, and names those that do not
 * (the caller refuses the change then, and its transaction rolls the insert back).
 */
export async function insertExistingMembers(db: Db, organizationId: string, groupId: string, userIds: string[]): Promise<{ added: number; unknown: string[] }> {
  if (userIds.length === 0) return { added: 0, unknown: [] };
  const { rows } = await db.query<{ added: number; unknown: string[] | null }>(
    `WITH wanted AS (SELECT DISTINCT unnest($3::uuid[]) AS id),
          known AS (SELECT u.id FROM users u JOIN wanted w ON w.id = u.id WHERE u.organization_id = $1),
          inserted AS (INSERT INTO group_members (organization_id, group_id, user_id) SELECT $1, $2, id FROM known ON CONFLICT DO NOTHING RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS added,
            (SELECT array_agg(w.id::text) FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.id = w.id)) AS unknown`,
    [organizationId, groupId, userIds],
  );
  return { added: rows[0]?.added ?? 0, unknown: rows[0]?.unknown ?? [] };
}

export async function deleteMembers(db: Db, organizationId: string, groupId: string, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const { rowCount } = await db.query(
    `DELETE FROM group_members WHERE organization_id = $1 AND group_id = $2 AND user_id = ANY($3::uuid[])`,
    [organizationId, groupId, userIds],
  );
  return rowCount;
}

/** Deletes every member not in `keep`. */
export async function deleteMembersExcept(db: Db, organizationId: string, groupId: string, keep: string[]): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM group_members WHERE organization_id = $1 AND group_id = $2 AND NOT (user_id = ANY($3::uuid[]))`,
    [organizationId, groupId, keep],
  );
  return rowCount;
}

export interface MemberRow {
  userId: string;
  userName: string;
  displayName: string | null;
}

/** Members in user-id order, after `afterUserId` (keyset paging: no OFFSET scans on huge groups). */
export async function listMembers(db: Db, organizationId: string, groupId: string, page: { afterUserId?: string; limit: number }): Promise<MemberRow[]> {
  const { rows } = await db.query<{ user_id: string; user_name: string; display_name: string | null }>(
    // The page of ids comes first, in primary-key order with its LIMIT, and only those rows are joined:
    // each page costs the same wherever it is in the group, whatever the planner's statistics say.
    `SELECT m.user_id, u.user_name, u.display_name
     FROM (SELECT user_id FROM group_members
           WHERE organization_id = $1 AND group_id = $2 AND ($3::uuid IS NULL OR user_id > $3)
           ORDER BY user_id LIMIT $4) m
     JOIN users u ON u.id = m.user_id
     ORDER BY m.user_id`,
    [organizationId, groupId, page.afterUserId ?? null, page.limit],
  );
  return rows.map((row) => ({ userId: row.user_id, userName: row.user_name, displayName: row.display_name }));
}

export async function countMembers(db: Db, organizationId: string, groupId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM group_members WHERE organization_id = $1 AND group_id = $2`,
    [organizationId, groupId],
  );
  return Number(rows[0]?.count ?? 0);
}

export async function isMember(db: Db, organizationId: string, groupId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM group_members WHERE organization_id = $1 AND group_id = $2 AND user_id = $3`,
    [organizationId, groupId, userId],
  );
  return rows.length > 0;
}

export async function listGroupIdsOfUser(db: Db, organizationId: string, userId: string): Promise<Array<{ groupId: string; displayName: string }>> {
  const { rows } = await db.query<{ group_id: string; display_name: string }>(
    `SELECT m.group_id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
     WHERE m.organization_id = $1 AND m.user_id = $2 ORDER BY lower(g.display_name), g.id`,
    [organizationId, userId],
  );
  return rows.map((row) => ({ groupId: row.group_id, displayName: row.display_name }));
}

/** The groups of several users at once (for the readOnly `groups` attribute of a page of users). */
export async function listGroupsOfUsers(db: Db, organizationId: string, userIds: string[]): Promise<Map<string, Array<{ groupId: string; displayName: string }>>> {
  const { rows } = await db.query<{ user_id: string; group_id: string; display_name: string }>(
    `SELECT m.user_id, m.group_id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
     WHERE m.organization_id = $1 AND m.user_id = ANY($2::uuid[]) ORDER BY lower(g.display_name), g.id`,
    [organizationId, userIds],
  );
  const byUser = new Map<string, Array<{ groupId: string; displayName: string }>>();
  for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), { groupId: row.group_id, displayName: row.display_name }]);
  return byUser;
}

/**
 * Locks, in id order, the groups a user belongs to. Removing the user changes each of them (memberships
 * cascade, versions follow), and group writes lock the group first: taking the same locks in the same
 * order keeps a user deletion and a group PATCH from deadlocking.
 */
export async function lockGroupsOfUser(db: Db, organizationId: string, userId: string): Promise<void> {
  await db.query(
    `SELECT g.id FROM groups g JOIN group_members m ON m.group_id = g.id
     WHERE g.organization_id = $1 AND m.user_id = $2 ORDER BY g.id FOR UPDATE OF g`,
    [organizationId, userId],
  );
}
