import type { Db } from "./db.js";

export interface WorkspaceRecord {
  id: string;
  organizationId: string;
  title: string;
  slug: string;
  spacesEnabled: boolean;
  /** Audit events about the workspace are kept this many days; null: the organization's retention applies. */
  auditRetentionDays: number | null;
  createdAt: Date;
  updatedAt: Date;
}

interface WorkspaceRow {
  id: string;
  organization_id: string;
  title: string;
  slug: string;
  spaces_enabled: boolean;
  audit_retention_days: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, organization_id, title, slug, spaces_enabled, audit_retention_days, created_at, updated_at";

function toRecord(row: WorkspaceRow): WorkspaceRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    title: row.title,
    slug: row.slug,
    spacesEnabled: row.spaces_enabled,
    auditRetentionDays: row.audit_retention_days === null ? null : Number(row.audit_retention_days),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function insertWorkspace(
  db: Db,
  input: { organizationId: string; title: string; slug: string; spacesEnabled: boolean },
): Promise<WorkspaceRecord> {
  const { rows } = await db.query<WorkspaceRow>(
    `INSERT INTO workspaces (organization_id, title, slug, spaces_enabled) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [input.organizationId, input.title, input.slug, input.spacesEnabled],
  );
  return toRecord(rows[0] as WorkspaceRow);
}

/** Slugs in the organization that are `base` or `base-<n>`, to pick the next free one. */
export async function findSlugsLike(db: Db, organizationId: string, base: string): Promise<string[]> {
  const { rows } = await db.query<{ slug: string }>(
    `SELECT slug FROM workspaces WHERE organization_id = $1 AND (slug = $2 OR slug ~ ('^' || $3 || '-[0-9]+$'))`,
    [organizationId, base, base.replace(/[^a-z0-9]/g, (c) => `\\${c}`)],
  );
  return rows.map((row) => row.slug);
}

export async function findWorkspace(db: Db, organizationId: string, id: string, options: { lock?: boolean } = {}): Promise<WorkspaceRecord | null> {
  const { rows } = await db.query<WorkspaceRow>(
    `SELECT ${COLUMNS} FROM workspaces WHERE organization_id = $1 AND id = $2${options.lock ? " FOR UPDATE" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function updateWorkspace(
  db: Db,
  organizationId: string,
  id: string,
  changes: { title?: string; spacesEnabled?: boolean },
): Promise<WorkspaceRecord | null> {
  const { rows } = await db.query<WorkspaceRow>(
    `UPDATE workspaces SET title = COALESCE($3, title), spaces_enabled = COALESCE($4, spaces_enabled), updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [organizationId, id, changes.title ?? null, changes.spacesEnabled ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** null: the organization's retention applies to the workspace's events. */
export async function setWorkspaceAuditRetention(db: Db, organizationId: string, id: string, days: number | null): Promise<WorkspaceRecord | null> {
  const { rows } = await db.query<WorkspaceRow>(
    `UPDATE workspaces SET audit_retention_days = $3, updated_at = now() WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [organizationId, id, days],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteWorkspace(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM workspaces WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}

export type WorkspaceSort = "title" | "createdAt";

export interface WorkspaceQuery {
  search?: string;
  sort: WorkspaceSort;
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

/** Escapes LIKE wildcards so a search for "50%" finds titles containing "50%". */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listWorkspaces(db: Db, organizationId: string, query: WorkspaceQuery): Promise<{ items: WorkspaceRecord[]; total: number }> {
  const where = `organization_id = $1 AND ($2::text IS NULL OR title ILIKE '%' || $2 || '%')`;
  const params = [organizationId, query.search ? escapeLike(query.search) : null];
  const direction = query.order === "desc" ? "DESC" : "ASC";
  // Column and direction come from closed sets above, never from the caller's text; id breaks ties so pages are stable.
  const orderBy = query.sort === "title" ? `lower(title) ${direction}, id ${direction}` : `created_at ${direction}, seq ${direction}`;
  const [{ rows }, count] = await Promise.all([
    db.query<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE ${where} ORDER BY ${orderBy} LIMIT $3 OFFSET $4`, [...params, query.limit, query.offset]),
    db.query<{ count: string }>(`SELECT count(*) AS count FROM workspaces WHERE ${where}`, params),
  ]);
  return { items: rows.map(toRecord), total: Number(count.rows[0]?.count ?? 0) };
}
