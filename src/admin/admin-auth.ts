/**
 * Who may call the Admin API: an operator API key (`Authorization: Bearer …`), or a person signed in through
 * single sign-on (the session cookie) — an organization admin using the API with their own access. The
 * organization is always the key's or the session's, never the request's.
 *
 * With a session, every state-changing request needs the CSRF token of that session (X-CSRF-Token, from
 * GET /auth/session) and a same-origin Origin: the cookie alone never authorises a write.
 */
import type { RequestHandler, Response } from "express";
import type { CredentialService } from "../directory/credentials.service.js";
import { apiKeyPrincipalOf, authenticateApiKey, type ApiKeyPrincipal } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import type { SessionService } from "../sso/sessions.js";

/** A signed-in person calling the Admin API. */
export interface SessionCaller {
  userId: string;
  sessionId: string;
  /** When the person last proved who they are at the IdP (step-up). */
  authenticatedAt: Date;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function sessionCallerOf(res: Response): SessionCaller | null {
  return (res.locals.sessionCaller as SessionCaller | undefined) ?? null;
}

export function authenticateAdmin(credentials: CredentialService, sessions?: Pick<SessionService, "authenticate" | "refuseCrossSite">): RequestHandler {
  return async (req, res, next) => {
    const header = req.get("authorization");
    if (header === undefined && sessions) {
      const session = await sessions.authenticate(req);
      if (session) {
        if (!SAFE_METHODS.has(req.method)) {
          const refusal = sessions.refuseCrossSite(req, session.id);
          if (refusal) return next(new ApiError(403, "csrf_failed", refusal));
        }
        const caller: SessionCaller = { userId: session.userId, sessionId: session.id, authenticatedAt: new Date(session.authenticatedAt) };
        // Routes read the organization (and the author of manual rows) from the principal: for a person it is
        // their organization and their user id, so grants they make are `manual:<user id>`.
        const principal: ApiKeyPrincipal = { organizationId: session.organizationId, keyId: session.userId, keyName: "session" };
        res.locals.apiKeyPrincipal = principal;
        res.locals.sessionCaller = caller;
        res.locals.userId = session.userId;
        return next();
      }
    }
    const outcome = await authenticateApiKey(credentials, header);
    if (!outcome.ok) {
      res.set("WWW-Authenticate", outcome.challenge);
      return next(outcome.error);
    }
    res.locals.apiKeyPrincipal = outcome.principal;
    next();
  };
}

/** Sensitive actions (ownership transfer) need a sign-in at the IdP within the last `maxAgeSeconds`. */
export function requireRecentSignIn(res: Response, maxAgeSeconds: number, returnTo: string, now = new Date()): void {
  const caller = sessionCallerOf(res);
  if (!caller) return;
  const age = (now.getTime() - caller.authenticatedAt.getTime()) / 1000;
  if (age > maxAgeSeconds) {
    throw new ApiError(403, "step_up_required", `this action needs a sign-in within the last ${Math.round(maxAgeSeconds / 60)} minutes: sign in again`, {
      stepUpUrl: `/auth/step-up?returnTo=${encodeURIComponent(returnTo)}`,
      maxAgeSeconds,
    });
  }
}

/** Who made a row, as kept on it (grants' created_by, attachments, overrides): `user:<id>` or `api_key:<id>`. */
export function authorOf(res: Response): string {
  const caller = sessionCallerOf(res);
  return caller ? `user:${caller.userId}` : `api_key:${apiKeyPrincipalOf(res).keyId}`;
}
