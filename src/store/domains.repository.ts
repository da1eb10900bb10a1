/**
 * Allowed email domains (organization_domains): who signs in with an address of the domain gets its default
 * role. A domain is verified by a DNS TXT record; a verified domain belongs to one organization only (a unique
 * index), because home-realm discovery and linking by email trust it.
 */
import type { Level } from "../access/policy.types.js";
import type { Db } from "./db.js";

export interface DomainRole {
  id: string;
  /** The built-in role's policy key; null for a custom role. */
  key: string | null;
  name: string;
  level: Level;
  builtIn: boolean;
}

export interface OrganizationDomainRecord {
  organizationId: string;
  domain: string;
  verified: boolean;
  verifiedAt: Date | null;
  /** Published as the TXT record `gatehouse-verification=<token>` on the domain. */
  verificationToken: string;
  /** The same as defaultRole?.id (the shape findVerifiedDomain returns). */
  defaultRoleId: string | null;
  defaultRole: DomainRole | null;
  defaultWorkspaceId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What sign-in needs of a verified domain. */
export interface VerifiedDomain {
  organizationId: string;
  domain: string;
  defaultRoleId: string | null;
  defaultWorkspaceId: string | null;
}

interface DomainRow {
  organization_id: string;
  domain: string;
  verified: boolean;
  verified_at: Date | null;
  verification_token: string;
  default_role_id: string | null;
  default_workspace_id: string | null;
  role_key: string | null;
  role_name: string | null;
  role_level: Level | null;
  role_built_in: boolean | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT d.organization_id, d.domain, d.verified, d.verified_at, d.verification_token, d.default_role_id, d.default_workspace_id,
       r.key AS role_key, r.name AS role_name, r.level AS role_level, r.built_in AS role_built_in, d.created_at, d.updated_at
  FROM organization_domains d LEFT JOIN roles r ON r.id = d.default_role_id`;

function toRecord(row: DomainRow): OrganizationDomainRecord {
  return {
    organizationId: row.organization_id,
    domain: row.domain,
    verified: row.verified,
    verifiedAt: row.verified_at === null ? null : new Date(row.verified_at),
    verificationToken: row.verification_token,
    defaultRoleId: row.default_role_id,
    defaultRole:
      row.default_role_id === null
        ? null
        : { id: row.default_role_id, key: row.role_key, name: row.role_name ?? "", level: row.role_level ?? "organization", builtIn: row.role_built_in ?? false },
    defaultWorkspaceId: row.default_workspace_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * The organization that verified `domain` (lower case), with the domain's default role; null if none has.
 * A workspace role whose workspace was deleted since (the foreign key clears default_workspace_id) gives no role.
 */
export async function findVerifiedDomain(db: Db, domain: string): Promise<VerifiedDomain | null> {
  const { rows } = await db.query<{ organization_id: string; domain: string; default_role_id: string | null; default_workspace_id: string | null }>(
    `SELECT d.organization_id, d.domain, d.default_workspace_id,
            CASE WHEN r.level = 'workspace' AND d.default_workspace_id IS NULL THEN NULL ELSE d.default_role_id END AS default_role_id
       FROM organization_domains d LEFT JOIN roles r ON r.id = d.default_role_id
      WHERE d.domain = $1 AND d.verified`,
    [domain.toLowerCase()],
  );
  const row = rows[0];
  return row ? { organizationId: row.organization_id, domain: row.domain, defaultRoleId: row.default_role_id, defaultWorkspaceId: row.default_workspace_id } : null;
}

/** The organization's domains, verified or not, in domain order. */
export async function listOrganizationDomains(db: Db, organizationId: string): Promise<OrganizationDomainRecord[]> {
  const { rows } = await db.query<DomainRow>(`${SELECT} WHERE d.organization_id = $1 ORDER BY d.domain`, [organizationId]);
  return rows.map(toRecord);
}

/** `lock` holds the row until the transaction ends. */
export async function findOrganizationDomain(db: Db, organizationId: string, domain: string, options: { lock?: boolean } = {}): Promise<OrganizationDomainRecord | null> {
  if (options.lock) await db.query(`SELECT 1 FROM organization_domains WHERE organization_id = $1 AND domain = $2 FOR UPDATE`, [organizationId, domain]);
  const { rows } = await db.query<DomainRow>(`${SELECT} WHERE d.organization_id = $1 AND d.domain = $2`, [organizationId, domain]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Adds the domain (unverified) or changes its default role; `created` says which. */
export async function upsertOrganizationDomain(
  db: Db,
  input: { organizationId: string; domain: string; defaultRoleId: string | null; defaultWorkspaceId: string | null },
): Promise<boolean> {
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO organization_domains (organization_id, domain, default_role_id, default_workspace_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, domain) DO UPDATE SET default_role_id = EXCLUDED.default_role_id,
       default_workspace_id = EXCLUDED.default_workspace_id, updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [input.organizationId, input.domain, input.defaultRoleId, input.defaultWorkspaceId],
  );
  return rows[0]?.created ?? false;
}

export async function deleteOrganizationDomain(db: Db, organizationId: string, domain: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM organization_domains WHERE organization_id = $1 AND domain = $2`, [organizationId, domain]);
  return rowCount > 0;
}

/** The other organization that has verified `domain`, if any. */
export async function findDomainOwnerElsewhere(db: Db, organizationId: string, domain: string): Promise<string | null> {
  const { rows } = await db.query<{ organization_id: string }>(
    `SELECT organization_id FROM organization_domains WHERE domain = $2 AND verified AND organization_id <> $1`,
    [organizationId, domain],
  );
  return rows[0]?.organization_id ?? null;
}

/** Marks the domain verified (the unique index organization_domains_verified refuses a second organization). */
export async function markDomainVerified(db: Db, organizationId: string, domain: string): Promise<void> {
  await db.query(
    `UPDATE organization_domains SET verified = true, verified_at = now(), updated_at = now() WHERE organization_id = $1 AND domain = $2 AND NOT verified`,
    [organizationId, domain],
  );
}

/** The organization's email domains whose default role is `roleId` (a role cannot be deleted under them). */
export async function domainsDefaultingTo(db: Db, organizationId: string, roleId: string): Promise<string[]> {
  const { rows } = await db.query<{ domain: string }>(
    `SELECT domain FROM organization_domains WHERE organization_id = $1 AND default_role_id = $2 ORDER BY domain`,
    [organizationId, roleId],
  );
  return rows.map((row) => row.domain);
}
