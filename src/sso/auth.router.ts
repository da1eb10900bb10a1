/**
 * The browser side of single sign-on (issue 6), mounted at /auth:
 *   GET  /login?email=…&returnTo=…          home-realm discovery by verified email domain (a picker when several)
 *   GET  /login/{connectionId}?returnTo=…   starts a sign-in at that connection's IdP
 *   POST /saml/{id}/acs                     SAML response (HTTP-POST binding)
 *   GET  /saml/{id}/metadata                this connection's SP metadata
 *   GET|POST /saml/{id}/slo                 SAML single logout (IdP-initiated request, or the IdP's response)
 *   GET  /oidc/{id}/callback                OIDC authorization response
 *   GET  /session                           the signed-in person, organization and effective access
 *   POST /logout                            ends the session (and starts SAML single logout when the IdP has it)
 *   GET  /step-up?returnTo=…                a fresh sign-in for the signed-in person (sensitive actions)
 * Pre-login state lives in PostgreSQL (any instance can finish a sign-in); a refusal renders an HTML page with
 * the reason code and request id, is logged and audited, and creates nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { AccessEngine } from "../access/engine/access-engine.js";
import { presentEffective } from "../access/http/present.js";
import { isUuid } from "../directory/validation.js";
import { ApiError } from "../http/errors.js";
import { requestIdOf } from "../http/request-id.js";
import type { Db } from "../store/db.js";
import { findLiveSessionById, revokeSamlSessions, revokeSession, type SessionRecord } from "../store/sessions.repository.js";
import {
  connectionsForVerifiedDomain,
  findConnectionById,
  insertLoginState,
  rememberMessage,
  takeLoginState,
  type ConnectionRecord,
  type LoginStateRecord,
} from "../store/sso.repository.js";
import type { ConnectionService } from "./connections.service.js";
import { SignInRejected, type ReplayStore, type SignInIdentity } from "./identity.js";
import { newOidcPending } from "./oidc/adapter.js";
import type { ReturnToPolicy } from "./return-to.js";
import { readCookies, type SessionService } from "./sessions.js";
import type { SamlHttpMessage } from "./saml/logout.js";
import type { SignIn } from "./sign-in.js";

/** Step-up: a sign-in no older than this counts as fresh (issue 6: "within the last 5 minutes"). */
export const STEP_UP_SECONDS = 300;
const OIDC_BINDING_COOKIE = "gatehouse_oidc_state";

export interface AuthRouterDeps {
  db: Db;
  engine: Pick<AccessEngine, "effective">;
  connections: ConnectionService;
  sessions: SessionService;
  signIn: SignIn;
  returnTo: ReturnToPolicy;
  logger: Logger;
  loginStateTtlSeconds: number;
  /** This server's public base URL: the callback URL the IdP redirected to is rebuilt on it. */
  publicBaseUrl: string;
}

const handleHash = (handle: string): Buffer => createHash("sha256").update(`login-state:${handle}`).digest();
const newHandle = (): string => randomBytes(32).toString("base64url");

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set("Content-Type", "text/html; charset=utf-8")
    .set("Cache-Control", "no-store")
    .set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .set("X-Frame-Options", "DENY")
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

const clientIp = (req: Request): string | null => req.ip ?? null;
const one = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { db, connections, sessions, signIn, returnTo, logger } = deps;
  const router = express.Router();
  const forms = express.urlencoded({ extended: false, limit: "1mb", parameterLimit: 20 });
  const replay: ReplayStore = { remember: (connectionId, messageId, expiresAt) => rememberMessage(db, connectionId, messageId, expiresAt) };

  const handle =
    (work: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req, res, next) => {
      work(req, res).catch(next);
    };

  async function connectionFor(req: Request, res: Response): Promise<ConnectionRecord | null> {
    const id = String(req.params.id);
    const connection = isUuid(id) ? await findConnectionById(db, id.toLowerCase()) : null;
    if (!connection || !connection.enabled) {
      page(res, 404, "Unknown sign-in connection", "<p>This sign-in link is not valid. Ask your administrator for the right one.</p>");
      return null;
    }
    return connection;
  }

  /** Starts a sign-in (or a step-up) at the connection's IdP: the pre-login state is stored, the browser sent on. */
  async function start(req: Request, res: Response, connection: ConnectionRecord, purpose: "login" | "step_up", stepUpSession: SessionRecord | null): Promise<void> {
    const handle = newHandle();
    const target = returnTo.resolve(req.query.returnTo);
    const base = {
      handleHash: handleHash(handle),
      organizationId: connection.organizationId,
      connectionId: connection.id,
      returnTo: target,
      purpose,
      sessionId: stepUpSession?.id ?? null,
      ttlSeconds: deps.loginStateTtlSeconds,
    };
    const forceLogin = purpose === "step_up";
    if (connection.protocol === "saml") {
      const { url, requestId } = await connections.samlAdapter(connection).loginRedirect({ relayState: handle, forceAuthn: forceLogin });
      await insertLoginState(db, { ...base, requestId, nonce: null, codeVerifier: null });
      res.redirect(303, url);
      return;
    }
    const pending = newOidcPending(forceLogin ? STEP_UP_SECONDS : null);
    pending.state = handle;
    const loginHint = one(req.query.loginHint);
    const url = await connections.oidcAdapter(connection).authorizationUrl(pending, { forceLogin, ...(loginHint ? { loginHint } : {}) });
    await insertLoginState(db, { ...base, requestId: null, nonce: pending.nonce, codeVerifier: pending.codeVerifier });
    // The callback is a top-level GET, so this Lax cookie comes back with it: the state is bound to this browser.
    res.cookie(OIDC_BINDING_COOKIE, handle, { httpOnly: true, secure: sessions.secure, sameSite: "lax", path: `/auth/oidc/${connection.id}`, maxAge: deps.loginStateTtlSeconds * 1000 });
    res.redirect(303, url.href);
  }

  async function refuse(req: Request, res: Response, connection: ConnectionRecord, error: unknown, subject: string | null = null): Promise<void> {
    const requestId = requestIdOf(res);
    if (!(error instanceof SignInRejected)) throw error;
    logger.warn({ requestId, connectionId: connection.id, organizationId: connection.organizationId, reason: error.reason, detail: error.message }, "sign-in refused");
    await signIn.recordFailure(connection, error, { ip: clientIp(req), requestId, subject }).catch((auditError: unknown) => logger.error({ err: auditError, requestId }, "could not audit a refused sign-in"));
    page(
      res,
      error.reason === "user_deactivated" || error.reason === "user_deleted" || error.reason === "jit_disabled" || error.reason === "domain_not_allowed" ? 403 : 400,
      "Sign-in failed",
      `<p>${escapeHtml(error.message)}</p><p>Reason: <code>${escapeHtml(error.reason)}</code> · request id <code>${escapeHtml(requestId)}</code></p>`,
    );
  }

  async function finish(req: Request, res: Response, connection: ConnectionRecord, identity: SignInIdentity, state: LoginStateRecord | null, fallbackReturnTo?: string): Promise<void> {
    if (state?.purpose === "logout") throw new SignInRejected("unknown_in_response_to", "this response answers a logout, not a sign-in");
    const purpose = state?.purpose ?? "login";
    // The step-up's session comes from its pre-login state (bound to that session when it started): the SAML ACS
    // is a cross-site POST, which carries no SameSite=Lax cookie. It must still be live.
    const stepUpSession = purpose === "step_up" && state?.sessionId ? await findLiveSessionById(db, state.sessionId) : null;
    if (purpose === "step_up" && !stepUpSession) {
      throw new SignInRejected("step_up_session_ended", "the session asking to re-authenticate has ended; sign in again");
    }
    const result = await signIn.run({ connection, identity, purpose, stepUpSession, ip: clientIp(req), userAgent: req.get("user-agent") ?? null, requestId: requestIdOf(res) });
    if (result.token) sessions.setCookie(res, result.token, result.session);
    res.set("Cache-Control", "no-store");
    res.redirect(303, state?.returnTo ?? returnTo.resolve(fallbackReturnTo));
  }

  // --- discovery and start --------------------------------------------------------------------------------

  router.get(
    "/login",
    handle(async (req, res) => {
      const email = one(req.query.email)?.trim() ?? "";
      const at = email.lastIndexOf("@");
      const domain = at > 0 ? email.slice(at + 1).toLowerCase() : "";
      if (!/^[a-z0-9.-]{1,253}$/.test(domain) || !domain.includes(".")) {
        page(res, 400, "Sign in", "<p>Enter your work email address: <code>/auth/login?email=you@company.com</code>.</p>");
        return;
      }
      const found = await connectionsForVerifiedDomain(db, domain);
      const suffix = typeof req.query.returnTo === "string" ? `?returnTo=${encodeURIComponent(req.query.returnTo)}` : "";
      if (found.length === 0) {
        page(res, 404, "No single sign-on for this address", `<p>No organization has set up single sign-on for ${escapeHtml(domain)}.</p>`);
        return;
      }
      if (found.length === 1) {
        res.redirect(303, `/auth/login/${(found[0] as ConnectionRecord).id}${suffix}`);
        return;
      }
      const links = found.map((c) => `<li><a href="/auth/login/${c.id}${escapeHtml(suffix)}">${escapeHtml(c.name)}</a></li>`).join("");
      page(res, 200, "Choose how to sign in", `<ul>${links}</ul>`);
    }),
  );

  router.get(
    "/login/:id",
    handle(async (req, res) => {
      const connection = await connectionFor(req, res);
      if (connection) await start(req, res, connection, "login", null);
    }),
  );

  router.get(
    "/step-up",
    handle(async (req, res) => {
      const session = await sessions.authenticate(req);
      if (!session) throw new ApiError(401, "unauthorized", "sign in first");
      const connection = session.connectionId ? await findConnectionById(db, session.connectionId) : null;
      if (!connection || !connection.enabled) throw new ApiError(409, "conflict", "this session's sign-in connection no longer exists; sign in again");
      await start(req, res, connection, "step_up", session);
    }),
  );

  // --- SAML -------------------------------------------------------------------------------------------------

  router.get(
    "/saml/:id/metadata",
    handle(async (req, res) => {
      const connection = await connectionFor(req, res);
      if (!connection) return;
      if (connection.protocol !== "saml") {
        page(res, 404, "Not a SAML connection", "<p>This connection uses OpenID Connect.</p>");
        return;
      }
      res.set("Content-Type", "application/samlmetadata+xml; charset=utf-8").send(connections.samlAdapter(connection).serviceProviderMetadata());
    }),
  );

  router.post(
    "/saml/:id/acs",
    forms,
    handle(async (req, res) => {
      const connection = await connectionFor(req, res);
      if (!connection) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        if (connection.protocol !== "saml") throw new SignInRejected("wrong_protocol", "this connection does not use SAML");
        const relayState = one(body.RelayState);
        const state = relayState && relayState.length <= 100 ? await takeLoginState(db, handleHash(relayState)) : null;
        if (state && state.connectionId !== connection.id) throw new SignInRejected("wrong_connection", "this response belongs to a sign-in started at another connection");
        const identity = await connections.samlAdapter(connection).validateLoginResponse(body, { requestId: state?.requestId ?? null, connectionId: connection.id }, replay);
        // IdP-initiated (no pending request): RelayState, if any, is only a place to go — through the allow-list.
        await finish(req, res, connection, identity, state, state ? undefined : relayState);
      } catch (error) {
        await refuse(req, res, connection, error);
      }
    }),
  );

  const singleLogout = handle(async (req, res) => {
    const connection = await connectionFor(req, res);
    if (!connection) return;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const query = req.method === "GET" ? req.originalUrl.slice(req.originalUrl.indexOf("?") + 1) : "";
    const message: SamlHttpMessage = req.method === "GET" ? { binding: "redirect", rawQuery: query } : { binding: "post", form };
    const fields = req.method === "GET" ? (req.query as Record<string, unknown>) : form;
    const adapter = connections.samlAdapter(connection);
    try {
      if (connection.protocol !== "saml") throw new SignInRejected("wrong_protocol", "this connection does not use SAML");
      if (typeof fields.SAMLRequest === "string") {
        const request = await adapter.handleLogoutRequest(message);
        const ended = await revokeSamlSessions(db, connection.id, request.nameId, request.sessionIndex);
        logger.info({ connectionId: connection.id, sessions: ended.length, requestId: requestIdOf(res) }, "SAML single logout from the IdP");
        sessions.clearCookie(res);
        res.redirect(303, request.responseUrl);
        return;
      }
      if (typeof fields.SAMLResponse === "string") {
        const relayState = one(fields.RelayState);
        const state = relayState && relayState.length <= 100 ? await takeLoginState(db, handleHash(relayState)) : null;
        if (!state || state.purpose !== "logout" || state.connectionId !== connection.id || !state.requestId) {
          throw new SignInRejected("unknown_in_response_to", "this logout response answers no logout we started");
        }
        await adapter.validateLogoutResponse(message, { requestId: state.requestId });
        sessions.clearCookie(res);
        res.redirect(303, state.returnTo ?? returnTo.resolve(undefined));
        return;
      }
      page(res, 400, "Single logout", "<p>Expected a SAMLRequest or SAMLResponse.</p>");
    } catch (error) {
      if (!(error instanceof SignInRejected)) throw error;
      logger.warn({ connectionId: connection.id, reason: error.reason, detail: error.message, requestId: requestIdOf(res) }, "SAML logout message refused");
      page(res, 400, "Single logout failed", `<p>Reason: <code>${escapeHtml(error.reason)}</code></p>`);
    }
  });
  router.get("/saml/:id/slo", singleLogout);
  router.post("/saml/:id/slo", forms, singleLogout);

  // --- OIDC -------------------------------------------------------------------------------------------------

  router.get(
    "/oidc/:id/callback",
    handle(async (req, res) => {
      const connection = await connectionFor(req, res);
      if (!connection) return;
      res.clearCookie(OIDC_BINDING_COOKIE, { httpOnly: true, secure: sessions.secure, sameSite: "lax", path: `/auth/oidc/${connection.id}` });
      try {
        if (connection.protocol !== "oidc") throw new SignInRejected("wrong_protocol", "this connection does not use OpenID Connect");
        const stateParam = one(req.query.state);
        if (!stateParam || stateParam.length > 100) throw new SignInRejected("state_mismatch", "the response carries no valid state");
        const bound = readCookies(req.get("cookie")).get(OIDC_BINDING_COOKIE);
        const state = await takeLoginState(db, handleHash(stateParam));
        if (!state) throw new SignInRejected("state_mismatch", "this sign-in has expired or was already used; start again");
        if (state.connectionId !== connection.id) throw new SignInRejected("wrong_connection", "this response belongs to a sign-in started at another connection");
        if (bound !== stateParam) throw new SignInRejected("state_not_bound", "this sign-in was started in another browser; start again");
        const pending = { state: stateParam, nonce: state.nonce ?? "", codeVerifier: state.codeVerifier ?? "", maxAgeSeconds: state.purpose === "step_up" ? STEP_UP_SECONDS : null };
        const callbackUrl = new URL(req.originalUrl, `${deps.publicBaseUrl}/`);
        const identity = await connections.oidcAdapter(connection).completeCallback(callbackUrl, pending, { ...replay, connectionId: connection.id });
        await finish(req, res, connection, identity, state);
      } catch (error) {
        await refuse(req, res, connection, error);
      }
    }),
  );

  // --- the session ------------------------------------------------------------------------------------------

  router.get(
    "/session",
    handle(async (req, res) => {
      res.set("Cache-Control", "no-store");
      const session = await sessions.authenticate(req);
      if (!session) throw new ApiError(401, "unauthorized", "not signed in");
      const resolved = await deps.engine.effective(session.organizationId, session.userId);
      const { organizationId: _o, userId: _u, ...access } = presentEffective(resolved.access, resolved.version);
      res.set("Gatehouse-Access-Version", String(resolved.version)).json({
        user: { id: session.userId, userName: session.userName, displayName: session.displayName },
        organization: { id: session.organizationId, name: session.organizationName },
        session: {
          id: session.id,
          connectionId: session.connectionId,
          authenticatedAt: session.authenticatedAt,
          createdAt: session.createdAt,
          idleExpiresAt: session.idleExpiresAt,
          absoluteExpiresAt: session.absoluteExpiresAt,
        },
        csrfToken: sessions.csrfToken(session.id),
        access,
      });
    }),
  );

  router.post(
    "/logout",
    handle(async (req, res) => {
      res.set("Cache-Control", "no-store");
      const session = await sessions.authenticate(req);
      if (!session) {
        sessions.clearCookie(res);
        res.json({ signedOut: true, redirect: null });
        return;
      }
      const crossSite = sessions.refuseCrossSite(req, session.id);
      if (crossSite) throw new ApiError(403, "csrf_failed", crossSite);
      await revokeSession(db, session.id, "logout");
      sessions.clearCookie(res);
      let redirect: string | null = null;
      const connection = session.connectionId ? await findConnectionById(db, session.connectionId) : null;
      if (connection?.protocol === "saml" && connection.enabled && session.nameId) {
        const handle = newHandle();
        const slo = await connections.samlAdapter(connection).logoutRedirect({ nameId: session.nameId, nameIdFormat: session.nameIdFormat, sessionIndex: session.sessionIndex, relayState: handle });
        if (slo) {
          await insertLoginState(db, {
            handleHash: handleHash(handle),
            organizationId: connection.organizationId,
            connectionId: connection.id,
            requestId: slo.requestId,
            nonce: null,
            codeVerifier: null,
            returnTo: returnTo.resolve(req.query.returnTo),
            purpose: "logout",
            sessionId: session.id,
            ttlSeconds: deps.loginStateTtlSeconds,
          });
          redirect = slo.url;
        }
      }
      res.json({ signedOut: true, redirect });
    }),
  );

  return router;
}
