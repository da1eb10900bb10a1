import type { Db } from "./db.js";

export type GroupOrigin = "scim" | "manual";

export interface GroupRecord {
  id: string;
  organizationId: string;
  displayName: string;
  externalId: string | null;
  origin: GroupOrigin;
  extraAttributes: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface GroupRow {
  id: string;
  organization_id: string;
  display_name: string;
  external_id: string | null;
  origin: GroupOrigin;
  extra_attributes: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, organization_id, display_name, external_id, origin, extra_attributes, version, created_at, updated_at";
export { COLUMNS as GROUP_COLUMNS, toRecord as groupFromRow, type GroupRow };

function toRecord(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    displayName: row.display_name,
    externalId: row.external_id,
    origin: row.origin,
    extraAttributes: row.extra_attributes ?? {},
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface GroupData {
  displayName: string;
  externalId: string | null;
  origin: GroupOrigin;
  extraAttributes: Record<string, unknown>;
}

export async function insertGroup(db: Db, organizationId: string, data: GroupData): Promise<GroupRecord> {
  const { rows } = await db.query<GroupRow>(
    `INSERT INTO groups (organization_id, display_name, external_id, origin, extra_attributes) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [organizationId, data.displayName, data.externalId, data.origin, JSON.stringify(data.extraAttributes)],
  );
  return toRecord(rows[0] as GroupRow);
}

export async function findGroup(db: Db, organizationId: string, id: string, options: { lock?: boolean } = {}): Promise<GroupRecord | null> {
  const { rows } = await db.query<GroupRow>(
    `SELECT ${COLUMNS} FROM groups WHERE organization_id = $1 AND id = $2${options.lock ? " FOR UPDATE" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function findGroups(db: Db, organizationId: string, ids: string[]): Promise<GroupRecord[]> {
  const { rows } = await db.query<GroupRow>(`SELECT ${COLUMNS} FROM groups WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, ids]);
  return rows.map(toRecord);
}

export async function findGroupByDisplayName(db: Db, organizationId: string, displayName: string): Promise<GroupRecord | null> {
  const { rows } = await db.query<GroupRow>(
    `SELECT ${COLUMNS} FROM groups WHERE organization_id = $1 AND lower(display_name) = lower($2)`,
    [organizationId, displayName],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Updates the group's own attributes (not its members). Returns null if no row matched. */
export async function updateGroup(
  db: Db,
  organizationId: string,
  id: string,
  changes: Partial<Omit<GroupData, "origin">>,
  expectedVersion?: number,
): Promise<GroupRecord | null> {
  const { rows } = await db.query<GroupRow>(
    `UPDATE groups SET
       display_name = COALESCE($4, display_name),
       external_id = CASE WHEN $5 THEN $6 ELSE external_id END,
       extra_attributes = COALESCE($7::jsonb, extra_attributes),
       version = version + 1, updated_at = now()
     WHERE organization_id = $1 AND id = $2 AND ($3::int IS NULL OR version = $3) RETURNING ${COLUMNS}`,
    [
      organizationId,
      id,
      expectedVersion ?? null,
      changes.displayName ?? null,
      changes.externalId !== undefined,
      changes.externalId ?? null,
      changes.extraAttributes === undefined ? null : JSON.stringify(changes.extraAttributes),
    ],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteGroup(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM groups WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}

