import type { Db } from "./db.js";

export interface SpaceRecord {
  id: string;
  organizationId: string;
  workspaceId: string;
  name: string;
  description: string;
  dataFilter: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface SpaceRow {
  id: string;
  organization_id: string;
  workspace_id: string;
  name: string;
  description: string;
  data_filter: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, organization_id, workspace_id, name, description, data_filter, created_at, updated_at";

function toRecord(row: SpaceRow): SpaceRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    workspaceId: row.workspace_id,
    name: row.name,
    description: row.description,
    dataFilter: row.data_filter,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function insertSpace(
  db: Db,
  input: { organizationId: string; workspaceId: string; name: string; description: string; dataFilter: string | null },
): Promise<SpaceRecord> {
  const { rows } = await db.query<SpaceRow>(
    `INSERT INTO spaces (organization_id, workspace_id, name, description, data_filter) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [input.organizationId, input.workspaceId, input.name, input.description, input.dataFilter],
  );
  return toRecord(rows[0] as SpaceRow);
}

export async function findSpace(db: Db, organizationId: string, id: string): Promise<SpaceRecord | null> {
  const { rows } = await db.query<SpaceRow>(`SELECT ${COLUMNS} FROM spaces WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function listSpaces(db: Db, organizationId: string, workspaceId: string): Promise<SpaceRecord[]> {
  const { rows } = await db.query<SpaceRow>(
    `SELECT ${COLUMNS} FROM spaces WHERE organization_id = $1 AND workspace_id = $2 ORDER BY lower(name), id`,
    [organizationId, workspaceId],
  );
  return rows.map(toRecord);
}

export async function countSpaces(db: Db, organizationId: string, workspaceId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM spaces WHERE organization_id = $1 AND workspace_id = $2`,
    [organizationId, workspaceId],
  );
  return Number(rows[0]?.count ?? 0);
}

export async function updateSpace(
  db: Db,
  organizationId: string,
  id: string,
  changes: { name?: string; description?: string; dataFilter?: string | null },
): Promise<SpaceRecord | null> {
  const { rows } = await db.query<SpaceRow>(
    `UPDATE spaces SET
       name = COALESCE($3, name),
       description = COALESCE($4, description),
       data_filter = CASE WHEN $5 THEN $6 ELSE data_filter END,
       updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [organizationId, id, changes.name ?? null, changes.description ?? null, changes.dataFilter !== undefined, changes.dataFilter ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteSpace(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM spaces WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}
