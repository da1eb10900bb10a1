/**
 * Owner grants (migration 1795400700000-ownership): the one grant per organization and per workspace whose
 * `owner_of` names what it owns. The database refuses to create, move or delete one outside a transaction
 * that called beginOwnershipChange().
 */
import type { Db } from "./db.js";

export interface OwnerRow {
  grantId: string;
  userId: string;
  userName: string;
  active: boolean;
  /** null: the organization's Owner; otherwise the workspace owned. */
  workspaceId: string | null;
}

export interface OwnedScope {
  id: string;
  name: string;
}

/** Keeps `roles.owner` in step with the policy's owner roles (the policy file lives outside the database). */
export async function markOwnerRoles(db: Db, ownerKeys: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE roles SET owner = (key = ANY($1::text[])) WHERE built_in AND owner IS DISTINCT FROM (key = ANY($1::text[]))`,
    [[...ownerKeys]],
  );
}

/** Lets this transaction (only) create, move or delete owner grants. */
export async function beginOwnershipChange(db: Db): Promise<void> {
  await db.query(`SELECT set_config('gatehouse.ownership', 'transfer', true)`);
}

export async function endOwnershipChange(db: Db): Promise<void> {
  await db.query(`SELECT set_config('gatehouse.ownership', '', true)`);
}

/** The organization, locked: ownership changes of one organization happen one at a time. */
export async function lockOrganization(db: Db, organizationId: string): Promise<OwnedScope | null> {
  const { rows } = await db.query<OwnedScope>(`SELECT id, name FROM organizations WHERE id = $1 FOR UPDATE`, [organizationId]);
  return rows[0] ?? null;
}

export async function findWorkspace(db: Db, organizationId: string, workspaceId: string): Promise<OwnedScope | null> {
  const { rows } = await db.query<OwnedScope>(`SELECT id, title AS name FROM workspaces WHERE organization_id = $1 AND id = $2`, [organizationId, workspaceId]);
  return rows[0] ?? null;
}

const OWNER_SELECT = `SELECT g.id AS "grantId", g.user_id AS "userId", u.user_name AS "userName", u.active, g.workspace_id AS "workspaceId"
  FROM grants g JOIN users u ON u.id = g.user_id`;

/** The Owner of the organization (workspaceId null) or of one workspace. */
export async function findOwner(db: Db, organizationId: string, workspaceId: string | null): Promise<OwnerRow | null> {
  const { rows } = await db.query<OwnerRow>(`${OWNER_SELECT} WHERE g.organization_id = $1 AND g.owner_of = $2`, [organizationId, workspaceId ?? organizationId]);
  return rows[0] ?? null;
}

/** Every Owner of the organization: its own and its workspaces'. */
export async function listOwners(db: Db, organizationId: string): Promise<OwnerRow[]> {
  const { rows } = await db.query<OwnerRow>(`${OWNER_SELECT} WHERE g.organization_id = $1 AND g.owner_of IS NOT NULL`, [organizationId]);
  return rows;
}

/** Ids of the organization's owner grants (a reconcile leaves them alone). */
export async function ownerGrantIds(db: Db, organizationId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM grants WHERE organization_id = $1 AND owner_of IS NOT NULL`, [organizationId]);
  return new Set(rows.map((row) => row.id));
}

export async function isOwnerGrant(db: Db, organizationId: string, grantId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM grants WHERE organization_id = $1 AND id = $2 AND owner_of IS NOT NULL`, [organizationId, grantId]);
  return rows.length > 0;
}

export interface Member {
  id: string;
  userName: string;
  active: boolean;
}

/**
 * A user of the organization by id, or by userName (case-insensitive, RFC 7643 §4.1.1), locked FOR SHARE: a
 * concurrent SCIM delete of the new Owner waits for the transfer, then finds the ownership to report as lost.
 */
export async function findMember(db: Db, organizationId: string, idOrUserName: string, byId: boolean): Promise<Member | null> {
  const { rows } = await db.query<Member>(
    byId
      ? `SELECT id, user_name AS "userName", active FROM users WHERE organization_id = $1 AND id = $2::uuid FOR SHARE`
      : `SELECT id, user_name AS "userName", active FROM users WHERE organization_id = $1 AND lower(user_name) = lower($2) FOR SHARE`,
    [organizationId, idOrUserName],
  );
  return rows[0] ?? null;
}

/** The owner grant now names `toUserId`: the same row moves, so no moment exists without an Owner. */
export async function moveOwner(db: Db, grantId: string, toUserId: string, createdBy: string): Promise<void> {
  await db.query(`UPDATE grants SET user_id = $2, created_by = $3, created_at = now() WHERE id = $1`, [grantId, toUserId, createdBy]);
}

export async function builtInRoleId(db: Db, key: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM roles WHERE built_in AND key = $1`, [key]);
  return rows[0]?.id ?? null;
}

/** A system grant of a built-in role to a user at organization or workspace scope; an identical one is kept. */
export async function insertSystemGrant(db: Db, organizationId: string, grant: { userId: string; roleId: string; workspaceId: string | null; createdBy: string }): Promise<void> {
  await db.query(
    `INSERT INTO grants (organization_id, user_id, role_id, scope_type, workspace_id, source, created_by)
     VALUES ($1, $2, $3, $4, $5, 'system', $6) ON CONFLICT DO NOTHING`,
    [organizationId, grant.userId, grant.roleId, grant.workspaceId === null ? "organization" : "workspace", grant.workspaceId, grant.createdBy],
  );
}

export async function listWorkspaceTitles(db: Db, organizationId: string): Promise<OwnedScope[]> {
  const { rows } = await db.query<OwnedScope>(`SELECT id, title AS name FROM workspaces WHERE organization_id = $1 ORDER BY lower(title), id`, [organizationId]);
  return rows;
}
