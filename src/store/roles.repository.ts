/**
 * Roles (DESIGN.md, Role). Built-in rows follow the policy file (written at startup by syncBuiltInRoles) and
 * belong to no organization; custom rows belong to one and are only ever read or written through it.
 */
import type { Level } from "../access/policy.types.js";
import type { Db } from "./db.js";

export interface RoleRecord {
  id: string;
  /** null for a built-in role. */
  organizationId: string | null;
  /** The policy key of a built-in role; null for a custom role. */
  key: string | null;
  name: string;
  description: string;
  level: Level;
  permissions: string[];
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface RoleRow {
  id: string;
  organization_id: string | null;
  key: string | null;
  name: string;
  description: string;
  level: Level;
  permissions: string[];
  built_in: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, organization_id, key, name, description, level, permissions, built_in, created_at, updated_at";

function toRecord(row: RoleRow): RoleRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    key: row.key,
    name: row.name,
    description: row.description,
    level: row.level,
    permissions: row.permissions,
    builtIn: row.built_in,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function listBuiltInRoles(db: Db): Promise<RoleRecord[]> {
  const { rows } = await db.query<RoleRow>(`SELECT ${COLUMNS} FROM roles WHERE built_in ORDER BY key`);
  return rows.map(toRecord);
}

/** Custom roles of the organization: organization level first, then by name. */
export async function listCustomRoles(db: Db, organizationId: string): Promise<RoleRecord[]> {
  const { rows } = await db.query<RoleRow>(
    `SELECT ${COLUMNS} FROM roles WHERE organization_id = $1 AND NOT built_in
     ORDER BY CASE level WHEN 'organization' THEN 0 ELSE 1 END, lower(name), id`,
    [organizationId],
  );
  return rows.map(toRecord);
}

/** A built-in role, or a custom role of this organization; `lock` holds it until the transaction ends. */
export async function findRole(db: Db, organizationId: string, id: string, options: { lock?: boolean } = {}): Promise<RoleRecord | null> {
  const { rows } = await db.query<RoleRow>(
    `SELECT ${COLUMNS} FROM roles WHERE id = $2 AND (built_in OR organization_id = $1)${options.lock ? " FOR UPDATE" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface CustomRoleData {
  name: string;
  description: string;
  level: Level;
  permissions: string[];
}

export async function insertCustomRole(db: Db, organizationId: string, id: string, data: CustomRoleData): Promise<RoleRecord> {
  const { rows } = await db.query<RoleRow>(
    `INSERT INTO roles (id, organization_id, name, description, level, permissions, built_in) VALUES ($1, $2, $3, $4, $5, $6, false)
     RETURNING ${COLUMNS}`,
    [id, organizationId, data.name, data.description, data.level, data.permissions],
  );
  return toRecord(rows[0] as RoleRow);
}

/** Rewrites a custom role's name, description and permissions; built-in rows are never matched. */
export async function updateCustomRole(
  db: Db,
  organizationId: string,
  id: string,
  data: Omit<CustomRoleData, "level">,
): Promise<RoleRecord | null> {
  const { rows } = await db.query<RoleRow>(
    `UPDATE roles SET name = $3, description = $4, permissions = $5, updated_at = now()
     WHERE organization_id = $1 AND id = $2 AND NOT built_in RETURNING ${COLUMNS}`,
    [organizationId, id, data.name, data.description, data.permissions],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteCustomRole(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM roles WHERE organization_id = $1 AND id = $2 AND NOT built_in`, [organizationId, id]);
  return rowCount > 0;
}
