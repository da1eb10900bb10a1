/**
 * A user's sign-in sessions (issue 6: "revocable by admins"): list the live ones, end one, end them all.
 * A revoked session stops working on its next request (session lookups read the database). Each revocation
 * commits with its audit event; what is shown and audited never includes the session token or its hash.
 */
import type { Router } from "express";
import { isUuid } from "../directory/validation.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { Db } from "../store/db.js";
import { listUserSessions, revokeUserSession, revokeUserSessions, type SessionSummary } from "../store/sessions.repository.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { notFound } from "../directory/domain-error.js";
import { methodNotAllowed, param } from "./route-helpers.js";

/** Why the session ended, as sessions.revoked_reason keeps it. */
const REVOKED_BY_ADMIN = "admin_revoked";

export function presentSession(session: SessionSummary) {
  return {
    id: session.id,
    userId: session.userId,
    connectionId: session.connectionId,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.absoluteExpiresAt.toISOString(),
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

export function mountSessionRoutes(router: Router, { directory, write, authorizer, db }: AdminRouteDeps & { db: Db }): void {
  const { requirePermission } = authorizer;

  router
    .route("/users/:id/sessions")
    .get(requirePermission("users:read"), async (req, res) => {
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const user = await directory.users.get(organizationId, param(req, "id"));
      const items = (await listUserSessions(db, organizationId, user.id)).map(presentSession);
      res.json({ items, total: items.length });
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      const revoked = await write(res, async ({ directory: tx, db: txDb, principal, audit }) => {
        const user = await tx.users.get(principal.organizationId, param(req, "id"));
        const live = (await listUserSessions(txDb, principal.organizationId, user.id)).map(presentSession);
        const count = await revokeUserSessions(txDb, principal.organizationId, user.id, REVOKED_BY_ADMIN);
        // Signing out someone with no live session changes nothing, so it leaves no event.
        if (count > 0) await audit("user.sessions.revoke", { type: "user", id: user.id }, { before: { sessions: live }, after: { sessions: [] }, revoked: count });
        return count;
      });
      res.json({ revoked });
    })
    .all(methodNotAllowed("GET", "DELETE"));

  router
    .route("/users/:id/sessions/:sessionId")
    .delete(requirePermission("users:manage"), async (req, res) => {
      await write(res, async ({ directory: tx, db: txDb, principal, audit }) => {
        const user = await tx.users.get(principal.organizationId, param(req, "id"));
        const sessionId = param(req, "sessionId");
        const session = isUuid(sessionId) ? (await listUserSessions(txDb, principal.organizationId, user.id)).find((live) => live.id === sessionId.toLowerCase()) : undefined;
        if (!session || !(await revokeUserSession(txDb, principal.organizationId, user.id, session.id, REVOKED_BY_ADMIN))) throw notFound("session", sessionId);
        await audit("session.revoke", { type: "session", id: session.id }, { before: presentSession(session), after: null, userId: user.id });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("DELETE"));
}
