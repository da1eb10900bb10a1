/**
 * Sign-in sessions (issue 6). The browser holds a random 256-bit token in an HttpOnly, Secure, SameSite=Lax
 * cookie; PostgreSQL holds only its SHA-256, so a database leak does not leak sessions, and any instance can
 * check a session. Every sign-in makes a new session (new token): no fixation. State-changing requests made
 * with the cookie need a CSRF token bound to the session (HMAC of its id) and a same-origin `Origin`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";
import type { Db } from "../store/db.js";
import { findLiveSession, insertSession, type LiveSession, type SessionInput, type SessionRecord } from "../store/sessions.repository.js";

export type { LiveSession, SessionRecord };

export const SECURE_COOKIE = "__Host-gatehouse_session";
/** Plain-HTTP development on localhost only: browsers refuse `Secure` cookies (and `__Host-`) there. */
export const DEV_COOKIE = "gatehouse_session";
export const CSRF_HEADER = "X-CSRF-Token";

export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/** Cookies from the request's Cookie header (RFC 6265 §5.4); the first value of a repeated name wins. */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** True when the server is reached over plain HTTP on this machine: the only place Secure may be relaxed. */
export function isLocalDevelopment(publicBaseUrl: string): boolean {
  const url = new URL(publicBaseUrl);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

export interface SessionServiceDeps {
  db: Db;
  publicBaseUrl: string;
  /** Key for CSRF tokens (server_secrets `session_csrf`). */
  csrfKey: Buffer;
}

export function createSessionService({ db, publicBaseUrl, csrfKey }: SessionServiceDeps) {
  const secure = !isLocalDevelopment(publicBaseUrl);
  const cookieName = secure ? SECURE_COOKIE : DEV_COOKIE;
  const ownOrigin = new URL(publicBaseUrl).origin;

  function csrfToken(sessionId: string): string {
    return createHmac("sha256", csrfKey).update(`csrf:${sessionId}`).digest("base64url");
  }

  return {
    cookieName,
    secure,

    /** A new session for a person who just signed in; returns the token for the cookie (never stored). */
    async issue(tx: Db, input: Omit<SessionInput, "tokenHash">): Promise<{ token: string; session: SessionRecord }> {
      const token = randomBytes(32).toString("base64url");
      const session = await insertSession(tx, { ...input, tokenHash: hashToken(token) });
      return { token, session };
    },

    /** The live session of this request's cookie, or null (no cookie, unknown, expired, revoked, user inactive). */
    async authenticate(req: Request): Promise<LiveSession | null> {
      const token = readCookies(req.get("cookie")).get(cookieName);
      if (!token || token.length > 100) return null;
      return findLiveSession(db, hashToken(token));
    },

    setCookie(res: Response, token: string, session: SessionRecord): void {
      res.cookie(cookieName, token, {
        httpOnly: true,
        secure,
        sameSite: "lax",
        path: "/",
        expires: session.absoluteExpiresAt,
      });
    },

    clearCookie(res: Response): void {
      res.clearCookie(cookieName, { httpOnly: true, secure, sameSite: "lax", path: "/" });
    },

    csrfToken,

    /**
     * A state-changing request carried by the session cookie: the CSRF token must match (constant time) and the
     * Origin (or, without one, the Referer) must be this server's own. Returns why not, or null when it passes.
     */
    refuseCrossSite(req: Request, sessionId: string): string | null {
      const origin = req.get("origin") ?? originOf(req.get("referer"));
      if (origin !== ownOrigin) return origin ? `requests from ${origin} are not accepted with a session cookie` : "the Origin header is missing";
      const presented = Buffer.from(req.get(CSRF_HEADER) ?? "");
      const expected = Buffer.from(csrfToken(sessionId));
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return `the ${CSRF_HEADER} header is missing or wrong`;
      return null;
    },
  };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export type SessionService = ReturnType<typeof createSessionService>;
