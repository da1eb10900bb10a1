import type { Db } from "./db.js";

/** SCIM bearer tokens and operator API keys share one shape; only the table differs. */
export type CredentialKind = "scim_token" | "api_key";

const TABLE: Record<CredentialKind, string> = { scim_token: "scim_tokens", api_key: "api_keys" };

export interface CredentialRecord {
  id: string;
  organizationId: string;
  name: string;
  /** A recognisable, non-secret fragment such as "ghs_…x7Qa". */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface CredentialRow {
  id: string;
  organization_id: string;
  name: string;
  token_hint: string;
  token_hash: Buffer;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = "id, organization_id, name, token_hint, token_hash, created_at, last_used_at, expires_at, revoked_at";
const date = (value: Date | null): Date | null => (value === null ? null : new Date(value));

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    hint: row.token_hint,
    createdAt: new Date(row.created_at),
    lastUsedAt: date(row.last_used_at),
    expiresAt: date(row.expires_at),
    revokedAt: date(row.revoked_at),
  };
}

export async function insertCredential(
  db: Db,
  kind: CredentialKind,
  input: { organizationId: string; name: string; hash: Buffer; hint: string; expiresAt: Date | null },
): Promise<CredentialRecord> {
  const { rows } = await db.query<CredentialRow>(
    `INSERT INTO ${TABLE[kind]} (organization_id, name, token_hash, token_hint, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [input.organizationId, input.name, input.hash, input.hint, input.expiresAt],
  );
  return toRecord(rows[0] as CredentialRow);
}

export async function findCredentialByHash(db: Db, kind: CredentialKind, hash: Buffer): Promise<(CredentialRecord & { hash: Buffer }) | null> {
  const { rows } = await db.query<CredentialRow>(`SELECT ${COLUMNS} FROM ${TABLE[kind]} WHERE token_hash = $1`, [hash]);
  const row = rows[0];
  return row ? { ...toRecord(row), hash: Buffer.from(row.token_hash) } : null;
}

export async function listCredentials(db: Db, kind: CredentialKind, organizationId: string): Promise<CredentialRecord[]> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT ${COLUMNS} FROM ${TABLE[kind]} WHERE organization_id = $1 ORDER BY created_at, seq`,
    [organizationId],
  );
  return rows.map(toRecord);
}

/** Revokes a credential of the organization; returns it, or null when there is no such credential. */
export async function revokeCredential(db: Db, kind: CredentialKind, organizationId: string, id: string): Promise<CredentialRecord | null> {
  const { rows } = await db.query<CredentialRow>(
    `UPDATE ${TABLE[kind]} SET revoked_at = COALESCE(revoked_at, now()) WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [organizationId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Records use at most once a minute per credential, so authentication does not write on every request. */
export async function touchCredential(db: Db, kind: CredentialKind, id: string): Promise<void> {
  await db.query(
    `UPDATE ${TABLE[kind]} SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
