/** Sign-in sessions (issue 6): only the SHA-256 of the session token is stored. */
import type { Db } from "./db.js";

export interface SessionInput {
  organizationId: string;
  userId: string;
  tokenHash: Buffer;
  connectionId: string | null;
  authenticatedAt: Date;
  idleMinutes: number;
  absoluteMinutes: number;
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionRecord {
  id: string;
  organizationId: string;
  userId: string;
  connectionId: string | null;
  authenticatedAt: Date;
  createdAt: Date;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

/** A live session with what `GET /auth/session` shows of its person and organization (one statement). */
export interface LiveSession extends SessionRecord {
  userName: string;
  displayName: string | null;
  organizationName: string;
}

const COLUMNS = `s.id, s.organization_id AS "organizationId", s.user_id AS "userId", s.connection_id AS "connectionId",
  s.authenticated_at AS "authenticatedAt", s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt",
  s.idle_expires_at AS "idleExpiresAt", s.absolute_expires_at AS "absoluteExpiresAt",
  s.name_id AS "nameId", s.name_id_format AS "nameIdFormat", s.session_index AS "sessionIndex"`;

export async function insertSession(db: Db, input: SessionInput): Promise<SessionRecord> {
  const { rows } = await db.query<SessionRecord>(
    `INSERT INTO sessions AS s (organization_id, user_id, token_hash, connection_id, authenticated_at, idle_expires_at, absolute_expires_at,
       name_id, name_id_format, session_index, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, least(now() + make_interval(mins => $6), now() + make_interval(mins => $7)), now() + make_interval(mins => $7),
       $8, $9, $10, $11, $12)
     RETURNING ${COLUMNS}`,
    [input.organizationId, input.userId, input.tokenHash, input.connectionId, input.authenticatedAt, input.idleMinutes, input.absoluteMinutes,
     input.nameId, input.nameIdFormat, input.sessionIndex, input.ip, input.userAgent],
  );
  return rows[0] as SessionRecord;
}

/**
 * The live session holding this token: not revoked, within both lifetimes, its user active. Slides the idle
 * expiry (at most once a minute, so a busy session does not write on every request).
 */
export async function findLiveSession(db: Db, tokenHash: Buffer): Promise<LiveSession | null> {
  const { rows } = await db.query<LiveSession & { touch: boolean; idleMinutes: number }>(
    `SELECT ${COLUMNS}, s.last_seen_at < now() - interval '1 minute' AS touch, o.session_idle_minutes AS "idleMinutes",
            u.user_name AS "userName", u.display_name AS "displayName", o.name AS "organizationName"
       FROM sessions s JOIN users u ON u.id = s.user_id AND u.organization_id = s.organization_id
       JOIN organizations o ON o.id = s.organization_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.absolute_expires_at > now() AND u.active`,
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return null;
  const { touch, idleMinutes, ...session } = row;
  if (touch) {
    await db.query(
      `UPDATE sessions SET last_seen_at = now(), idle_expires_at = least(absolute_expires_at, now() + make_interval(mins => $2)) WHERE id = $1`,
      [session.id, idleMinutes],
    );
  }
  return session;
}

/** A live session by id (step-up finishing at the SAML ACS, a cross-site POST that carries no Lax cookie). */
export async function findLiveSessionById(db: Db, sessionId: string): Promise<SessionRecord | null> {
  const { rows } = await db.query<SessionRecord>(
    `SELECT ${COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id AND u.organization_id = s.organization_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.absolute_expires_at > now() AND u.active`,
    [sessionId],
  );
  return rows[0] ?? null;
}

export async function revokeSession(db: Db, sessionId: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`, [sessionId, reason]);
  return rowCount > 0;
}

/** Ends every live session of a user (admin revocation, SAML single logout by NameID). */
export async function revokeUserSessions(db: Db, organizationId: string, userId: string, reason: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE organization_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    [organizationId, userId, reason],
  );
  return rowCount;
}

/** Ends one live session of a user (admin revocation); false when the user has no such live session (as listUserSessions lists them). */
export async function revokeUserSession(db: Db, organizationId: string, userId: string, sessionId: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $4 WHERE organization_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL
        AND absolute_expires_at > now() AND idle_expires_at > now()`,
    [organizationId, userId, sessionId, reason],
  );
  return rowCount > 0;
}

/** SAML single logout from the IdP: the sessions of this connection for this NameID (and SessionIndex, if given). */
export async function revokeSamlSessions(db: Db, connectionId: string, nameId: string, sessionIndex: string | null): Promise<Array<{ id: string; userId: string; organizationId: string }>> {
  const { rows } = await db.query<{ id: string; userId: string; organizationId: string }>(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = 'idp_logout'
      WHERE connection_id = $1 AND name_id = $2 AND ($3::text IS NULL OR session_index = $3) AND revoked_at IS NULL
      RETURNING id, user_id AS "userId", organization_id AS "organizationId"`,
    [connectionId, nameId, sessionIndex],
  );
  return rows;
}

/** Step-up finished: the session's person proved who they are again just now. */
export async function markReauthenticated(db: Db, sessionId: string, authenticatedAt: Date): Promise<void> {
  await db.query(`UPDATE sessions SET authenticated_at = $2 WHERE id = $1`, [sessionId, authenticatedAt]);
}

export interface SessionSummary {
  id: string;
  userId: string;
  connectionId: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  absoluteExpiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export async function listUserSessions(db: Db, organizationId: string, userId: string): Promise<SessionSummary[]> {
  const { rows } = await db.query<SessionSummary>(
    `SELECT id, user_id AS "userId", connection_id AS "connectionId", created_at AS "createdAt", last_seen_at AS "lastSeenAt",
            absolute_expires_at AS "absoluteExpiresAt", ip, user_agent AS "userAgent"
       FROM sessions WHERE organization_id = $1 AND user_id = $2 AND revoked_at IS NULL AND absolute_expires_at > now() AND idle_expires_at > now()
      ORDER BY created_at DESC`,
    [organizationId, userId],
  );
  return rows;
}
