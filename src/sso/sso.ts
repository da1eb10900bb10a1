/**
 * Single sign-on composed once (issue 6), the same way by the server (main.ts) and by the tests: connections,
 * sessions, the sign-in pipeline and the /auth router, over one database.
 */
import type { Router } from "express";
import type { Logger } from "pino";
import type { AccessEngine } from "../access/engine/access-engine.js";
import type { Policy } from "../access/policy.types.js";
import type { AuditService } from "../audit/audit.service.js";
import { acceptPendingInvites } from "../directory/directory.js";
import type { Db } from "../store/db.js";
import { loadServerSecret } from "../store/secrets.repository.js";
import { purgeExpiredSignInState } from "../store/sso.repository.js";
import { createAuthRouter } from "./auth.router.js";
import { createConnectionService, type ConnectionService } from "./connections.service.js";
import { createReturnToPolicy } from "./return-to.js";
import { createSecretBox } from "./secret-box.js";
import { createSessionService, type SessionService } from "./sessions.js";
import { createSignIn, type AcceptInvites } from "./sign-in.js";

export interface SsoDeps {
  db: Db;
  policy: Policy;
  audit: AuditService;
  engine: Pick<AccessEngine, "effective" | "afterWrite">;
  logger: Logger;
  publicBaseUrl: string;
  returnToOrigins: string;
  allowInsecureIdpRequests: boolean;
  loginStateTtlSeconds: number;
  /** Pending invites of the person signing in (default: the invites service). */
  acceptInvites?: AcceptInvites;
  /** Tests intercept OIDC traffic. */
  oidcFetch?: typeof fetch;
}

export interface Sso {
  router: Router;
  sessions: SessionService;
  connections: ConnectionService;
  /** Deletes pre-login states, replay entries and sessions past use, every `intervalMs`; returns the stopper. */
  startHousekeeping(intervalMs: number, onError: (error: unknown) => void): () => void;
}

export async function createSso(deps: SsoDeps): Promise<Sso> {
  const { db, publicBaseUrl } = deps;
  const [connectionKey, csrfKey] = await Promise.all([loadServerSecret(db, "connection_secrets"), loadServerSecret(db, "session_csrf")]);
  const sessions = createSessionService({ db, publicBaseUrl, csrfKey });
  const connections = createConnectionService({
    db,
    secretBox: createSecretBox(connectionKey),
    publicBaseUrl,
    allowInsecureIdpRequests: deps.allowInsecureIdpRequests,
    ...(deps.oidcFetch ? { oidcFetch: deps.oidcFetch } : {}),
  });
  const signIn = createSignIn({
    db,
    policy: deps.policy,
    audit: deps.audit,
    sessions,
    afterWrite: deps.engine.afterWrite,
    acceptInvites: deps.acceptInvites ?? ((tx, person) => acceptPendingInvites(tx, person, { policy: deps.policy })),
  });
  const router = createAuthRouter({
    db,
    engine: deps.engine,
    connections,
    sessions,
    signIn,
    returnTo: createReturnToPolicy(publicBaseUrl, deps.returnToOrigins),
    logger: deps.logger,
    loginStateTtlSeconds: deps.loginStateTtlSeconds,
    publicBaseUrl,
  });
  function startHousekeeping(intervalMs: number, onError: (error: unknown) => void): () => void {
    const timer = setInterval(() => {
      purgeExpiredSignInState(db).catch(onError);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
  return { router, sessions, connections, startHousekeeping };
}
