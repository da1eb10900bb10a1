/**
 * Grants (DESIGN.md, Grant): `(principal, role, scope, source)` rows. Every statement names the organization,
 * so another organization's ids simply match nothing.
 */
import type { GrantScope, PrincipalRef } from "../access/facts.js";
import type { Level, Plan } from "../access/policy.types.js";
import type { Db } from "./db.js";

export interface GrantRoleRef {
  id: string;
  /** The policy key of a built-in role; null for a custom role. */
  key: string | null;
  name: string;
  level: Level;
  builtIn: boolean;
}

export interface GrantRecord {
  id: string;
  organizationId: string;
  principal: PrincipalRef;
  role: GrantRoleRef;
  scope: GrantScope;
  source: string;
  createdBy: string | null;
  createdAt: Date;
}

/** A grant as the table stores it: the columns of the grants_unique index, less organization and source. */
export interface GrantKey {
  user_id: string | null;
  group_id: string | null;
  role_id: string;
  scope_type: GrantScope["type"];
  workspace_id: string | null;
  space_id: string | null;
  resource_id: string | null;
}

interface GrantRow extends GrantKey {
  id: string;
  organization_id: string;
  role_key: string | null;
  role_name: string;
  role_level: Level;
  role_built_in: boolean;
  source: string;
  created_by: string | null;
  created_at: Date;
}

const SELECT = `SELECT g.id, g.organization_id, g.user_id, g.group_id, g.role_id, g.scope_type, g.workspace_id, g.space_id, g.resource_id,
    g.source, g.created_by, g.created_at, r.key AS role_key, r.name AS role_name, r.level AS role_level, r.built_in AS role_built_in
  FROM grants g JOIN roles r ON r.id = g.role_id`;

function scopeOf(row: GrantKey): GrantScope {
  const workspaceId = row.workspace_id ?? "";
  if (row.scope_type === "organization") return { type: "organization" };
  if (row.scope_type === "workspace") return { type: "workspace", workspaceId };
  if (row.scope_type === "space") return { type: "space", workspaceId, spaceId: row.space_id ?? "" };
  return { type: "resource", workspaceId, resourceId: row.resource_id ?? "" };
}

function toRecord(row: GrantRow): GrantRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    principal: row.user_id !== null ? { type: "user", id: row.user_id } : { type: "group", id: row.group_id ?? "" },
    role: { id: row.role_id, key: row.role_key, name: row.role_name, level: row.role_level, builtIn: row.role_built_in },
    scope: scopeOf(row),
    source: row.source,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

/** Inserts the grant unless an identical one exists (grants_unique, NULLS NOT DISTINCT); returns its id either way. */
export async function insertGrant(db: Db, organizationId: string, key: GrantKey, source: string, createdBy: string | null): Promise<string> {
  const params = [organizationId, key.user_id, key.group_id, key.role_id, key.scope_type, key.workspace_id, key.space_id, key.resource_id, source];
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO grants (organization_id, user_id, group_id, role_id, scope_type, workspace_id, space_id, resource_id, source, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
    [...params, createdBy],
  );
  if (inserted.rows[0]) return inserted.rows[0].id;
  // A separate statement: under READ COMMITTED it sees the row a concurrent insert just committed.
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM grants WHERE organization_id = $1 AND user_id IS NOT DISTINCT FROM $2 AND group_id IS NOT DISTINCT FROM $3
       AND role_id = $4 AND scope_type = $5 AND workspace_id IS NOT DISTINCT FROM $6 AND space_id IS NOT DISTINCT FROM $7
       AND resource_id IS NOT DISTINCT FROM $8 AND source = $9`,
    params,
  );
  if (!existing.rows[0]) throw new Error("grant neither inserted nor found");
  return existing.rows[0].id;
}

export async function findGrant(db: Db, organizationId: string, id: string): Promise<GrantRecord | null> {
  const { rows } = await db.query<GrantRow>(`${SELECT} WHERE g.organization_id = $1 AND g.id = $2`, [organizationId, id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteGrant(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM grants WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}

export interface GrantFilter {
  principal?: PrincipalRef;
  /** Grants scoped to the workspace, one of its Spaces or one of its resources. */
  workspaceId?: string;
  source?: string;
  roleId?: string;
}

export async function listGrants(db: Db, organizationId: string, filter: GrantFilter = {}): Promise<GrantRecord[]> {
  const { principal, workspaceId, source, roleId } = filter;
  const { rows } = await db.query<GrantRow>(
    `${SELECT} WHERE g.organization_id = $1
       AND ($2::uuid IS NULL OR g.user_id = $2) AND ($3::uuid IS NULL OR g.group_id = $3)
       AND ($4::uuid IS NULL OR g.workspace_id = $4) AND ($5::text IS NULL OR g.source = $5) AND ($6::uuid IS NULL OR g.role_id = $6)
     ORDER BY g.created_at, g.id`,
    [
      organizationId,
      principal?.type === "user" ? principal.id : null,
      principal?.type === "group" ? principal.id : null,
      workspaceId ?? null,
      source ?? null,
      roleId ?? null,
    ],
  );
  return rows.map(toRecord);
}

/** Serialises reconciles of one (organization, source) until the transaction ends, so two never interleave. */
export async function lockGrantSource(db: Db, organizationId: string, source: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`grants:${organizationId}:${source}`]);
}

/** The keys of the source's grants, to reconcile against (after lockGrantSource, so no other reconcile moves them). */
export async function listGrantKeysOfSource(db: Db, organizationId: string, source: string): Promise<Array<GrantKey & { id: string }>> {
  const { rows } = await db.query<GrantKey & { id: string }>(
    `SELECT id, user_id, group_id, role_id, scope_type, workspace_id, space_id, resource_id FROM grants WHERE organization_id = $1 AND source = $2`,
    [organizationId, source],
  );
  return rows;
}

export async function deleteGrantsById(db: Db, organizationId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await db.query(`DELETE FROM grants WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, [...ids]]);
  return rowCount;
}

/** Inserts grants of one source; ones it holds already are skipped. Returns how many were new. */
export async function insertGrants(db: Db, organizationId: string, source: string, keys: readonly GrantKey[], createdBy: string | null): Promise<number> {
  if (keys.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO grants (organization_id, user_id, group_id, role_id, scope_type, workspace_id, space_id, resource_id, source, created_by)
     SELECT $1::uuid, k.user_id, k.group_id, k.role_id, k.scope_type, k.workspace_id, k.space_id, k.resource_id, $2::text, $4::text
     FROM jsonb_to_recordset($3::jsonb) AS k(user_id uuid, group_id uuid, role_id uuid, scope_type text, workspace_id uuid, space_id uuid, resource_id uuid)
     ON CONFLICT DO NOTHING`,
    [organizationId, source, JSON.stringify(keys), createdBy],
  );
  return rowCount;
}

/** What a batch of grant targets names, as found in this organization (absent ids are simply missing). */
export interface GrantTargets {
  plan: Plan | null;
  users: string[];
  groups: string[];
  roles: GrantRoleRef[];
  workspaces: string[];
  spaces: Array<{ id: string; workspaceId: string; spacesEnabled: boolean }>;
  resources: Array<{ id: string; workspaceId: string }>;
}

export interface GrantTargetIds {
  users: string[];
  groups: string[];
  roleKeys: string[];
  /** Custom roles of the organization, or built-in roles by their row id. */
  roleIds: string[];
  workspaces: string[];
  spaces: string[];
  resources: string[];
}

/** One round trip for any number of targets. */
export async function lookupGrantTargets(db: Db, organizationId: string, ids: GrantTargetIds): Promise<GrantTargets> {
  const { rows } = await db.query<GrantTargets>(
    `SELECT (SELECT plan FROM organizations WHERE id = $1) AS plan,
       coalesce((SELECT json_agg(id) FROM users WHERE organization_id = $1 AND id = ANY($2::uuid[])), '[]') AS users,
       coalesce((SELECT json_agg(id) FROM groups WHERE organization_id = $1 AND id = ANY($3::uuid[])), '[]') AS groups,
       coalesce((SELECT json_agg(json_build_object('id', id, 'key', key, 'name', name, 'level', level, 'builtIn', built_in)) FROM roles
                 WHERE (built_in AND key = ANY($4::text[])) OR (id = ANY($5::uuid[]) AND (built_in OR organization_id = $1))), '[]') AS roles,
       coalesce((SELECT json_agg(id) FROM workspaces WHERE organization_id = $1 AND id = ANY($6::uuid[])), '[]') AS workspaces,
       coalesce((SELECT json_agg(json_build_object('id', s.id, 'workspaceId', s.workspace_id, 'spacesEnabled', w.spaces_enabled))
                 FROM spaces s JOIN workspaces w ON w.id = s.workspace_id WHERE s.organization_id = $1 AND s.id = ANY($7::uuid[])), '[]') AS spaces,
       coalesce((SELECT json_agg(json_build_object('id', id, 'workspaceId', workspace_id))
                 FROM resources WHERE organization_id = $1 AND id = ANY($8::uuid[])), '[]') AS resources`,
    [organizationId, ids.users, ids.groups, ids.roleKeys, ids.roleIds, ids.workspaces, ids.spaces, ids.resources],
  );
  return rows[0] as GrantTargets;
}
