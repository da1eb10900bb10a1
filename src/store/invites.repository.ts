/**
 * Invites (DESIGN.md, Invites): the rows of `invites` and `invite_roles`, and the two reads accepting one needs
 * (a resource's sharing, whether a person holds any workspace role). Every statement names the organization.
 * An invite's status is worked out against the caller's clock: pending, accepted, revoked or expired.
 */
import type { Level } from "../access/policy.types.js";
import type { Db } from "./db.js";

export type InviteStatus = "pending" | "accepted" | "expired" | "revoked";

export interface InviteRoleRef {
  id: string;
  key: string | null;
  name: string;
  level: Level;
  builtIn: boolean;
}

export interface InviteRecord {
  id: string;
  organizationId: string;
  email: string;
  workspace: { id: string; title: string } | null;
  resource: { id: string; type: string; externalId: string; level: string } | null;
  roles: InviteRoleRef[];
  status: InviteStatus;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedUserId: string | null;
  revokedAt: Date | null;
}

export interface InviteWrite {
  email: string;
  workspaceId: string | null;
  resourceId: string | null;
  shareLevel: string | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  roleIds: string[];
}

interface InviteRow extends Omit<InviteRecord, "createdAt" | "expiresAt" | "acceptedAt" | "revokedAt"> {
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

const STATUS = `CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked' WHEN i.accepted_at IS NOT NULL THEN 'accepted'
  WHEN i.expires_at <= $2::timestamptz THEN 'expired' ELSE 'pending' END`;

const SELECT = `SELECT i.id, i.organization_id AS "organizationId", i.email,
    CASE WHEN w.id IS NULL THEN NULL ELSE json_build_object('id', w.id, 'title', w.title) END AS workspace,
    CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object('id', r.id, 'type', r.type, 'externalId', r.external_id, 'level', i.share_level) END AS resource,
    coalesce((SELECT json_agg(json_build_object('id', ro.id, 'key', ro.key, 'name', ro.name, 'level', ro.level, 'builtIn', ro.built_in) ORDER BY ro.level, ro.name, ro.id)
              FROM invite_roles ir JOIN roles ro ON ro.id = ir.role_id WHERE ir.invite_id = i.id), '[]') AS roles,
    ${STATUS} AS status, i.created_by AS "createdBy", i.created_at AS "createdAt", i.expires_at AS "expiresAt",
    i.accepted_at AS "acceptedAt", i.accepted_user_id AS "acceptedUserId", i.revoked_at AS "revokedAt"
  FROM invites i
  LEFT JOIN workspaces w ON w.id = i.workspace_id
  LEFT JOIN resources r ON r.id = i.resource_id`;

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

function toRecord(row: InviteRow): InviteRecord {
  return {
    ...row,
    createdAt: new Date(row.createdAt),
    expiresAt: new Date(row.expiresAt),
    acceptedAt: date(row.acceptedAt),
    revokedAt: date(row.revokedAt),
  };
}

export async function insertInvite(db: Db, organizationId: string, input: InviteWrite): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO invites (organization_id, email, workspace_id, resource_id, share_level, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [organizationId, input.email, input.workspaceId, input.resourceId, input.shareLevel, input.createdBy, input.createdAt, input.expiresAt],
  );
  const id = (rows[0] as { id: string }).id;
  if (input.roleIds.length > 0) {
    await db.query(
      `INSERT INTO invite_roles (organization_id, invite_id, role_id) SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
      [organizationId, id, input.roleIds],
    );
  }
  return id;
}

export async function findInvite(db: Db, organizationId: string, id: string, now: Date): Promise<InviteRecord | null> {
  const { rows } = await db.query<InviteRow>(`${SELECT} WHERE i.organization_id = $1 AND i.id = $3`, [organizationId, now, id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface InviteListFilter {
  status?: InviteStatus;
  email?: string;
  workspaceId?: string;
  limit: number;
  offset: number;
}

/** Newest first, with the total across pages. */
export async function listInvites(db: Db, organizationId: string, now: Date, filter: InviteListFilter): Promise<{ items: InviteRecord[]; total: number }> {
  const where = `i.organization_id = $1 AND ($3::text IS NULL OR ${STATUS} = $3) AND ($4::text IS NULL OR i.email = lower($4))
    AND ($5::uuid IS NULL OR i.workspace_id = $5)`;
  const params = [organizationId, now, filter.status ?? null, filter.email ?? null, filter.workspaceId ?? null];
  const [page, count] = await Promise.all([
    db.query<InviteRow>(`${SELECT} WHERE ${where} ORDER BY i.created_at DESC, i.seq DESC LIMIT $6 OFFSET $7`, [...params, filter.limit, filter.offset]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM invites i WHERE ${where}`, params),
  ]);
  return { items: page.rows.map(toRecord), total: count.rows[0]?.total ?? 0 };
}

/** Identical pending invites (same address and scope), to refuse a duplicate. */
export async function findPendingDuplicate(
  db: Db,
  organizationId: string,
  now: Date,
  key: { email: string; workspaceId: string | null; resourceId: string | null },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM invites WHERE organization_id = $1 AND lower(email) = $3 AND accepted_at IS NULL AND revoked_at IS NULL
       AND expires_at > $2 AND workspace_id IS NOT DISTINCT FROM $4 AND resource_id IS NOT DISTINCT FROM $5 LIMIT 1`,
    [organizationId, now, key.email, key.workspaceId, key.resourceId],
  );
  return rows[0]?.id ?? null;
}

/** Revokes a pending (or expired) invite; false when there is none to revoke. */
export async function revokeInvite(db: Db, organizationId: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE invites SET revoked_at = $3 WHERE organization_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
    [organizationId, id, now],
  );
  return rowCount > 0;
}

/** Whether the address has a pending, unexpired invite in the organization. */
export async function hasPendingInvite(db: Db, organizationId: string, email: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM invites WHERE organization_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() LIMIT 1`,
    [organizationId, email.trim()],
  );
  return rows.length > 0;
}

/** The address's pending, unexpired invites, oldest first, locked until the caller's transaction ends. */
export async function lockPendingInvites(db: Db, organizationId: string, email: string, now: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM invites WHERE organization_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND revoked_at IS NULL
       AND expires_at > $3 ORDER BY created_at, seq FOR UPDATE`,
    [organizationId, email, now],
  );
  return rows.map((row) => row.id);
}

export async function markInviteAccepted(db: Db, organizationId: string, id: string, userId: string, now: Date): Promise<void> {
  await db.query(`UPDATE invites SET accepted_at = $4, accepted_user_id = $3 WHERE organization_id = $1 AND id = $2`, [organizationId, id, userId, now]);
}

export interface ResourceShareRow {
  id: string;
  workspaceId: string;
  shares: Array<{ principal: { type: string; id?: string }; level: string }>;
}

/** A registered resource by the product's (type, id), with its sharing. */
export async function findResourceByRef(db: Db, organizationId: string, type: string, externalId: string): Promise<ResourceShareRow | null> {
  const { rows } = await db.query<ResourceShareRow>(
    `SELECT id, workspace_id AS "workspaceId", sharing AS shares FROM resources WHERE organization_id = $1 AND type = $2 AND external_id = $3`,
    [organizationId, type, externalId],
  );
  return rows[0] ?? null;
}

export async function lockResource(db: Db, organizationId: string, id: string): Promise<ResourceShareRow | null> {
  const { rows } = await db.query<ResourceShareRow>(
    `SELECT id, workspace_id AS "workspaceId", sharing AS shares FROM resources WHERE organization_id = $1 AND id = $2 FOR UPDATE`,
    [organizationId, id],
  );
  return rows[0] ?? null;
}

export async function setResourceSharing(db: Db, organizationId: string, id: string, shares: ResourceShareRow["shares"]): Promise<void> {
  await db.query(`UPDATE resources SET sharing = $3::jsonb, updated_at = now() WHERE organization_id = $1 AND id = $2`, [organizationId, id, JSON.stringify(shares)]);
}

/**
 * Whether the user holds any workspace role in the workspace, from any source: their own grant or a group's
 * (effective membership: the IdP's members and sign-in claims, plus pins, less excludes) at the workspace or
 * one of its Spaces, or an organization role that implies one (`impliedBy`: those roles' ids).
 */
export async function holdsWorkspaceRole(db: Db, organizationId: string, userId: string, workspaceId: string, impliedBy: readonly string[]): Promise<boolean> {
  const { rows } = await db.query<{ holds: boolean }>(
    `WITH member_of AS (
       (SELECT group_id FROM group_members WHERE organization_id = $1 AND user_id = $2
        UNION SELECT group_id FROM claim_memberships WHERE organization_id = $1 AND user_id = $2
        UNION SELECT group_id FROM membership_overrides WHERE organization_id = $1 AND user_id = $2 AND kind = 'pin')
       EXCEPT SELECT group_id FROM membership_overrides WHERE organization_id = $1 AND user_id = $2 AND kind = 'exclude')
     SELECT EXISTS (
       SELECT 1 FROM grants g WHERE g.organization_id = $1 AND (g.user_id = $2 OR g.group_id IN (SELECT group_id FROM member_of))
         AND ((g.workspace_id = $3 AND g.scope_type IN ('workspace', 'space')) OR (g.scope_type = 'organization' AND g.role_id = ANY($4::uuid[])))
     ) AS holds`,
    [organizationId, userId, workspaceId, [...impliedBy]],
  );
  return rows[0]?.holds ?? false;
}

/** Built-in role rows by policy key (for the roles a policy names: Guest, the implying organization roles). */
export async function builtInRoleIds(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; key: string }>(`SELECT id, key FROM roles WHERE built_in AND key = ANY($1::text[])`, [[...keys]]);
  return new Map(rows.map((row) => [row.key, row.id]));
}

/** Roles an invite may name: built-in ones by key or id, the organization's custom ones by id. */
export async function lookupInviteRoles(db: Db, organizationId: string, keys: readonly string[], ids: readonly string[]): Promise<InviteRoleRef[]> {
  const { rows } = await db.query<InviteRoleRef>(
    `SELECT id, key, name, level, built_in AS "builtIn" FROM roles
     WHERE (built_in AND key = ANY($2::text[])) OR (id = ANY($3::uuid[]) AND (built_in OR organization_id = $1))`,
    [organizationId, [...keys], [...ids]],
  );
  return rows;
}
