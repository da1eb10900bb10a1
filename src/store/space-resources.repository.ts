/**
 * The resources registered in a Space, as deleting the Space sees them: how many, a few of them by name, and
 * moving all of them to another Space of the same workspace (the foreign key to spaces names the workspace,
 * so a Space of another workspace is refused by the database too).
 */
import type { Db } from "./db.js";

export interface SpaceResourceSample {
  type: string;
  id: string;
}

/** How many resources the Space holds, and the first `sampleSize` of them (type and the product's id). */
export async function findSpaceResources(db: Db, organizationId: string, spaceId: string, sampleSize: number): Promise<{ count: number; sample: SpaceResourceSample[] }> {
  const { rows } = await db.query<{ type: string; external_id: string; total: string }>(
    `SELECT type, external_id, count(*) OVER () AS total FROM resources WHERE organization_id = $1 AND space_id = $2
      ORDER BY type, external_id LIMIT $3`,
    [organizationId, spaceId, sampleSize],
  );
  return { count: Number(rows[0]?.total ?? 0), sample: rows.map((row) => ({ type: row.type, id: row.external_id })) };
}

/** Moves every resource of `fromSpaceId` into `toSpaceId`; returns how many moved. */
export async function moveSpaceResources(db: Db, organizationId: string, fromSpaceId: string, toSpaceId: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE resources SET space_id = $3, updated_at = now() WHERE organization_id = $1 AND space_id = $2`,
    [organizationId, fromSpaceId, toSpaceId],
  );
  return rowCount;
}

/** Locks the Space row: a resource registered into it meanwhile (its foreign key check) waits for the deletion. */
export async function lockSpace(db: Db, organizationId: string, spaceId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM spaces WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [organizationId, spaceId]);
  return rows.length > 0;
}
