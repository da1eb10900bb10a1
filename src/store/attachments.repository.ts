/**
 * Space attachments (DESIGN.md): which groups work in which Spaces. One table read two ways, by Space and by
 * group, through the same query, so the two views always agree.
 */
import type { Db } from "./db.js";

export interface AttachmentRecord {
  organizationId: string;
  groupId: string;
  groupName: string;
  spaceId: string;
  spaceName: string;
  workspaceId: string;
  createdBy: string | null;
  createdAt: Date;
}

interface AttachmentRow {
  organization_id: string;
  group_id: string;
  group_name: string;
  space_id: string;
  space_name: string;
  workspace_id: string;
  created_by: string | null;
  created_at: Date;
}

function toRecord(row: AttachmentRow): AttachmentRecord {
  return {
    organizationId: row.organization_id,
    groupId: row.group_id,
    groupName: row.group_name,
    spaceId: row.space_id,
    spaceName: row.space_name,
    workspaceId: row.workspace_id,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

/**
 * The Space, whether Spaces are on in its workspace, and whether the group exists. The Space row is share-locked
 * until the transaction ends: while it exists its workspace cannot switch Spaces off (workspaces service).
 */
export async function findAttachmentTargets(
  db: Db,
  organizationId: string,
  groupId: string,
  spaceId: string,
): Promise<{ groupExists: boolean; space: { workspaceId: string; spacesEnabled: boolean } | null }> {
  const { rows } = await db.query<{ group_exists: boolean; workspace_id: string | null; spaces_enabled: boolean | null }>(
    `SELECT EXISTS (SELECT 1 FROM groups WHERE organization_id = $1 AND id = $2) AS group_exists, s.workspace_id, s.spaces_enabled
     FROM (SELECT 1) one
     LEFT JOIN (SELECT sp.workspace_id, w.spaces_enabled FROM spaces sp JOIN workspaces w ON w.id = sp.workspace_id
                WHERE sp.organization_id = $1 AND sp.id = $3 FOR KEY SHARE OF sp) s ON true`,
    [organizationId, groupId, spaceId],
  );
  const row = rows[0];
  const space = row?.workspace_id ? { workspaceId: row.workspace_id, spacesEnabled: row.spaces_enabled === true } : null;
  return { groupExists: row?.group_exists === true, space };
}

/** Attaches unless already attached; an existing attachment keeps its author and time. */
export async function insertAttachment(db: Db, organizationId: string, groupId: string, spaceId: string, createdBy: string | null): Promise<void> {
  await db.query(
    `INSERT INTO space_attachments (organization_id, group_id, space_id, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [organizationId, groupId, spaceId, createdBy],
  );
}

export async function deleteAttachment(db: Db, organizationId: string, groupId: string, spaceId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM space_attachments WHERE organization_id = $1 AND group_id = $2 AND space_id = $3`, [
    organizationId,
    groupId,
    spaceId,
  ]);
  return rowCount > 0;
}

/** Attachments of one group, one Space, or one pair; ordered by group name then Space name. */
export async function listAttachments(db: Db, organizationId: string, filter: { groupId?: string; spaceId?: string }): Promise<AttachmentRecord[]> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT a.organization_id, a.group_id, g.display_name AS group_name, a.space_id, s.name AS space_name, s.workspace_id,
       a.created_by, a.created_at
     FROM space_attachments a JOIN groups g ON g.id = a.group_id JOIN spaces s ON s.id = a.space_id
     WHERE a.organization_id = $1 AND ($2::uuid IS NULL OR a.group_id = $2) AND ($3::uuid IS NULL OR a.space_id = $3)
     ORDER BY lower(g.display_name), a.group_id, lower(s.name), a.space_id`,
    [organizationId, filter.groupId ?? null, filter.spaceId ?? null],
  );
  return rows.map(toRecord);
}
