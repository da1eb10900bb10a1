/**
 * Single sign-on storage (issue 6): connections, pre-login state, the replay store, linked identities,
 * claim-derived memberships, tombstones and the organization settings a sign-in reads.
 */
import type { Db } from "./db.js";

export type SsoProtocol = "saml" | "oidc";

export interface ConnectionRecord {
  id: string;
  organizationId: string;
  protocol: SsoProtocol;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  secretCiphertext: Buffer | null;
  createdAt: Date;
  updatedAt: Date;
}

interface ConnectionRow {
  id: string;
  organization_id: string;
  protocol: SsoProtocol;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  secret_ciphertext: Buffer | null;
  created_at: Date;
  updated_at: Date;
}

const CONNECTION_COLUMNS = "id, organization_id, protocol, name, enabled, settings, secret_ciphertext, created_at, updated_at";

function toConnection(row: ConnectionRow): ConnectionRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    protocol: row.protocol,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    secretCiphertext: row.secret_ciphertext ? Buffer.from(row.secret_ciphertext) : null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function insertConnection(
  db: Db,
  input: { organizationId: string; protocol: SsoProtocol; name: string; enabled: boolean; settings: Record<string, unknown>; secretCiphertext: Buffer | null },
): Promise<ConnectionRecord> {
  const { rows } = await db.query<ConnectionRow>(
    `INSERT INTO sso_connections (organization_id, protocol, name, enabled, settings, secret_ciphertext)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${CONNECTION_COLUMNS}`,
    [input.organizationId, input.protocol, input.name, input.enabled, JSON.stringify(input.settings), input.secretCiphertext],
  );
  return toConnection(rows[0] as ConnectionRow);
}

export async function updateConnection(
  db: Db,
  organizationId: string,
  id: string,
  changes: { name?: string; enabled?: boolean; settings?: Record<string, unknown>; secretCiphertext?: Buffer },
): Promise<ConnectionRecord | null> {
  const { rows } = await db.query<ConnectionRow>(
    `UPDATE sso_connections SET
       name = COALESCE($3, name),
       enabled = COALESCE($4, enabled),
       settings = COALESCE($5::jsonb, settings),
       secret_ciphertext = COALESCE($6, secret_ciphertext),
       updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${CONNECTION_COLUMNS}`,
    [organizationId, id, changes.name ?? null, changes.enabled ?? null, changes.settings ? JSON.stringify(changes.settings) : null, changes.secretCiphertext ?? null],
  );
  return rows[0] ? toConnection(rows[0]) : null;
}

/** A connection by id alone: the sign-in routes name it in the URL, and the organization is the connection's. */
export async function findConnectionById(db: Db, id: string): Promise<ConnectionRecord | null> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${CONNECTION_COLUMNS} FROM sso_connections WHERE id = $1`, [id]);
  return rows[0] ? toConnection(rows[0]) : null;
}

export async function findConnection(db: Db, organizationId: string, id: string): Promise<ConnectionRecord | null> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${CONNECTION_COLUMNS} FROM sso_connections WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rows[0] ? toConnection(rows[0]) : null;
}

export async function listConnections(db: Db, organizationId: string, options: { enabledOnly?: boolean } = {}): Promise<ConnectionRecord[]> {
  const { rows } = await db.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM sso_connections WHERE organization_id = $1 AND ($2::boolean IS NOT TRUE OR enabled) ORDER BY created_at, seq`,
    [organizationId, options.enabledOnly ?? false],
  );
  return rows.map(toConnection);
}

export async function deleteConnection(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM sso_connections WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}

// ---------------------------------------------------------------------------------------------------------
// Home-realm discovery and the organization's sign-in settings

/** Organizations that verified this email domain (at most one: a unique index), with their enabled connections. */
export async function connectionsForVerifiedDomain(db: Db, domain: string): Promise<ConnectionRecord[]> {
  const { rows } = await db.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS.split(", ").map((c) => `c.${c}`).join(", ")}
       FROM organization_domains d JOIN sso_connections c ON c.organization_id = d.organization_id AND c.enabled
      WHERE d.domain = lower($1) AND d.verified ORDER BY c.created_at, c.seq`,
    [domain],
  );
  return rows.map(toConnection);
}

export interface SignInSettings {
  organizationId: string;
  organizationName: string;
  sessionIdleMinutes: number;
  sessionAbsoluteMinutes: number;
  jitProvisioning: boolean;
}

export async function loadSignInSettings(db: Db, organizationId: string): Promise<SignInSettings | null> {
  const { rows } = await db.query<SignInSettings>(
    `SELECT id AS "organizationId", name AS "organizationName", session_idle_minutes AS "sessionIdleMinutes",
            session_absolute_minutes AS "sessionAbsoluteMinutes", jit_provisioning AS "jitProvisioning"
       FROM organizations WHERE id = $1`,
    [organizationId],
  );
  return rows[0] ?? null;
}

export interface DomainRule {
  domain: string;
  verified: boolean;
  defaultRoleId: string | null;
  defaultWorkspaceId: string | null;
}

/** The organization's allowed-domain rules (all of them: an empty list means "no domain restriction"). */
export async function loadDomainRules(db: Db, organizationId: string): Promise<DomainRule[]> {
  const { rows } = await db.query<DomainRule>(
    // A workspace role whose workspace was deleted (the foreign key clears only the workspace) gives nothing.
    `SELECT d.domain, d.verified,
            CASE WHEN r.level = 'workspace' AND d.default_workspace_id IS NULL THEN NULL ELSE d.default_role_id END AS "defaultRoleId",
            d.default_workspace_id AS "defaultWorkspaceId"
       FROM organization_domains d LEFT JOIN roles r ON r.id = d.default_role_id
      WHERE d.organization_id = $1 ORDER BY d.domain`,
    [organizationId],
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Pre-login state and replay

export interface LoginStateInput {
  handleHash: Buffer;
  organizationId: string;
  connectionId: string;
  requestId: string | null;
  nonce: string | null;
  codeVerifier: string | null;
  returnTo: string | null;
  /** "logout": a LogoutRequest we sent, whose response comes back with this RelayState. */
  purpose: "login" | "step_up" | "logout";
  sessionId: string | null;
  ttlSeconds: number;
}

export type LoginStateRecord = Omit<LoginStateInput, "handleHash" | "ttlSeconds">;

export async function insertLoginState(db: Db, state: LoginStateInput): Promise<void> {
  await db.query(
    `INSERT INTO sso_login_states (handle_hash, organization_id, connection_id, request_id, nonce, code_verifier, return_to, purpose, session_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))`,
    [state.handleHash, state.organizationId, state.connectionId, state.requestId, state.nonce, state.codeVerifier, state.returnTo, state.purpose, state.sessionId, state.ttlSeconds],
  );
}

/** Takes (deletes and returns) an unexpired pre-login state: each can finish one sign-in only. */
export async function takeLoginState(db: Db, handleHash: Buffer): Promise<LoginStateRecord | null> {
  const { rows } = await db.query<LoginStateRecord & { expired: boolean }>(
    `DELETE FROM sso_login_states WHERE handle_hash = $1
     RETURNING organization_id AS "organizationId", connection_id AS "connectionId", request_id AS "requestId", nonce,
       code_verifier AS "codeVerifier", return_to AS "returnTo", purpose, session_id AS "sessionId", expires_at <= now() AS expired`,
    [handleHash],
  );
  const row = rows[0];
  if (!row || row.expired) return null;
  const { expired: _expired, ...state } = row;
  return state;
}

/** True the first time (connection, message id) is seen while unexpired; false for a replay. */
export async function rememberMessage(db: Db, connectionId: string, messageId: string, expiresAt: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO sso_replay (connection_id, message_id, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (connection_id, message_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE sso_replay.expires_at <= now()`,
    [connectionId, messageId, expiresAt],
  );
  return rowCount > 0;
}

/** Housekeeping: pre-login states, replay entries and sessions past use. Returns how many rows went. */
export async function purgeExpiredSignInState(db: Db, limit = 5_000): Promise<number> {
  let removed = 0;
  for (const [table, column] of [
    ["sso_login_states", "expires_at"],
    ["sso_replay", "expires_at"],
  ] as const) {
    const { rowCount } = await db.query(`DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < now() - interval '1 minute' LIMIT $1)`, [limit]);
    removed += rowCount;
  }
  const { rowCount } = await db.query(
    `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE absolute_expires_at < now() - interval '1 day'
       OR revoked_at < now() - interval '1 day' LIMIT $1)`,
    [limit],
  );
  return removed + rowCount;
}

// ---------------------------------------------------------------------------------------------------------
// Identities, users, claim memberships

export async function findLinkedUser(db: Db, connectionId: string, subject: string): Promise<string | null> {
  const { rows } = await db.query<{ user_id: string }>(`SELECT user_id FROM user_identities WHERE connection_id = $1 AND subject = $2`, [connectionId, subject]);
  return rows[0]?.user_id ?? null;
}

export async function linkIdentity(db: Db, input: { organizationId: string; connectionId: string; subject: string; userId: string }): Promise<void> {
  await db.query(
    `INSERT INTO user_identities (organization_id, connection_id, subject, user_id, last_sign_in_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (connection_id, subject) DO UPDATE SET last_sign_in_at = now() WHERE user_identities.user_id = EXCLUDED.user_id`,
    [input.organizationId, input.connectionId, input.subject, input.userId],
  );
}

export interface SignInUser {
  id: string;
  active: boolean;
  userName: string;
}

/** The organization's users holding this address as their userName or one of their emails (case-insensitive). */
export async function findUsersByEmail(db: Db, organizationId: string, email: string): Promise<SignInUser[]> {
  const { rows } = await db.query<SignInUser>(
    `SELECT id, active, user_name AS "userName" FROM users WHERE organization_id = $1 AND lower(user_name) = lower($2)
     UNION
     SELECT u.id, u.active, u.user_name FROM user_emails e JOIN users u ON u.id = e.user_id
      WHERE e.organization_id = $1 AND lower(e.value) = lower($2)`,
    [organizationId, email],
  );
  return rows;
}

export async function findSignInUser(db: Db, organizationId: string, userId: string): Promise<SignInUser | null> {
  const { rows } = await db.query<SignInUser>(`SELECT id, active, user_name AS "userName" FROM users WHERE organization_id = $1 AND id = $2 FOR SHARE`, [organizationId, userId]);
  return rows[0] ?? null;
}

export async function isTombstoned(db: Db, organizationId: string, identifier: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM user_tombstones WHERE organization_id = $1 AND identifier = lower($2)`, [organizationId, identifier]);
  return rows.length > 0;
}

/** The user groups claim values map to: explicit mappings, and (when asked) groups of that display name. */
export async function groupsForClaims(db: Db, organizationId: string, connectionId: string, values: readonly string[], byName: boolean): Promise<Array<{ id: string; displayName: string }>> {
  if (values.length === 0) return [];
  const { rows } = await db.query<{ id: string; displayName: string }>(
    `SELECT g.id, g.display_name AS "displayName" FROM sso_group_mappings m JOIN groups g ON g.id = m.group_id
      WHERE m.connection_id = $2 AND m.organization_id = $1 AND m.claim_value = ANY($3::text[])
     UNION
     SELECT g.id, g.display_name FROM groups g
      WHERE $4 AND g.organization_id = $1 AND lower(g.display_name) = ANY(SELECT lower(v) FROM unnest($3::text[]) v)
     ORDER BY 2`,
    [organizationId, connectionId, [...values], byName],
  );
  return rows;
}

/** Makes the user's claim memberships of `source` exactly `groupIds`; touches no other source's rows. */
export async function reconcileClaimMemberships(db: Db, organizationId: string, userId: string, source: string, groupIds: readonly string[]): Promise<{ added: string[]; removed: string[] }> {
  const removed = await db.query<{ group_id: string }>(
    `DELETE FROM claim_memberships WHERE organization_id = $1 AND user_id = $2 AND source = $3 AND NOT (group_id = ANY($4::uuid[])) RETURNING group_id`,
    [organizationId, userId, source, [...groupIds]],
  );
  const added = await db.query<{ group_id: string }>(
    `INSERT INTO claim_memberships (organization_id, group_id, user_id, source)
     SELECT $1, g, $2, $3 FROM unnest($4::uuid[]) g ON CONFLICT DO NOTHING RETURNING group_id`,
    [organizationId, userId, source, [...groupIds]],
  );
  return { added: added.rows.map((r) => r.group_id), removed: removed.rows.map((r) => r.group_id) };
}

export interface GroupMapping {
  claimValue: string;
  groupId: string;
  groupName: string;
}

export async function listGroupMappings(db: Db, organizationId: string, connectionId: string): Promise<GroupMapping[]> {
  const { rows } = await db.query<GroupMapping>(
    `SELECT m.claim_value AS "claimValue", m.group_id AS "groupId", g.display_name AS "groupName"
       FROM sso_group_mappings m JOIN groups g ON g.id = m.group_id
      WHERE m.organization_id = $1 AND m.connection_id = $2 ORDER BY m.claim_value, g.display_name`,
    [organizationId, connectionId],
  );
  return rows;
}

export async function replaceGroupMappings(db: Db, organizationId: string, connectionId: string, mappings: ReadonlyArray<{ claimValue: string; groupId: string }>): Promise<void> {
  await db.query(`DELETE FROM sso_group_mappings WHERE organization_id = $1 AND connection_id = $2`, [organizationId, connectionId]);
  if (mappings.length === 0) return;
  await db.query(
    `INSERT INTO sso_group_mappings (organization_id, connection_id, claim_value, group_id)
     SELECT $1, $2, v, g FROM unnest($3::text[], $4::uuid[]) AS m(v, g) ON CONFLICT DO NOTHING`,
    [organizationId, connectionId, mappings.map((m) => m.claimValue), mappings.map((m) => m.groupId)],
  );
}
