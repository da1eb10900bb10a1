/** Membership overrides (DESIGN.md, Override): an admin's pin or exclude of one user in one group. */
import type { Db } from "./db.js";

export type OverrideKind = "pin" | "exclude";

export interface OverrideRecord {
  id: string;
  organizationId: string;
  groupId: string;
  userId: string;
  kind: OverrideKind;
  reason: string;
  author: string;
  createdAt: Date;
}

interface OverrideRow {
  id: string;
  organization_id: string;
  group_id: string;
  user_id: string;
  kind: OverrideKind;
  reason: string;
  author: string;
  created_at: Date;
}

const COLUMNS = "id, organization_id, group_id, user_id, kind, reason, author, created_at";

function toRecord(row: OverrideRow): OverrideRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    groupId: row.group_id,
    userId: row.user_id,
    kind: row.kind,
    reason: row.reason,
    author: row.author,
    createdAt: new Date(row.created_at),
  };
}

/** Whether the group and the user are both of the organization. */
export async function findOverrideTargets(db: Db, organizationId: string, groupId: string, userId: string): Promise<{ group: boolean; user: boolean }> {
  const { rows } = await db.query<{ group: boolean; user: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM groups WHERE organization_id = $1 AND id = $2) AS "group",
            EXISTS (SELECT 1 FROM users WHERE organization_id = $1 AND id = $3) AS "user"`,
    [organizationId, groupId, userId],
  );
  return { group: rows[0]?.group === true, user: rows[0]?.user === true };
}

/**
 * One override per (group, user): a new one replaces the old kind, reason, author and time. Null only when the
 * (group, user) pair's row belongs to another organization, which the caller's checks already exclude.
 */
export async function upsertOverride(
  db: Db,
  input: { organizationId: string; groupId: string; userId: string; kind: OverrideKind; reason: string; author: string },
): Promise<OverrideRecord | null> {
  const { rows } = await db.query<OverrideRow>(
    `INSERT INTO membership_overrides (organization_id, group_id, user_id, kind, reason, author) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (group_id, user_id) DO UPDATE
       SET kind = EXCLUDED.kind, reason = EXCLUDED.reason, author = EXCLUDED.author, created_at = now()
       WHERE membership_overrides.organization_id = EXCLUDED.organization_id
     RETURNING ${COLUMNS}`,
    [input.organizationId, input.groupId, input.userId, input.kind, input.reason, input.author],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteOverride(db: Db, organizationId: string, groupId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM membership_overrides WHERE organization_id = $1 AND group_id = $2 AND user_id = $3`, [
    organizationId,
    groupId,
    userId,
  ]);
  return rowCount > 0;
}

export async function listOverrides(db: Db, organizationId: string, filter: { groupId?: string; userId?: string }): Promise<OverrideRecord[]> {
  const { rows } = await db.query<OverrideRow>(
    `SELECT ${COLUMNS} FROM membership_overrides
     WHERE organization_id = $1 AND ($2::uuid IS NULL OR group_id = $2) AND ($3::uuid IS NULL OR user_id = $3)
     ORDER BY created_at, id`,
    [organizationId, filter.groupId ?? null, filter.userId ?? null],
  );
  return rows.map(toRecord);
}
