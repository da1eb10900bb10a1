/**
 * Membership overrides (issue 5): an admin pins or excludes a user in a group, with a reason; the override
 * survives every later IdP push (effective membership = IdP members ∪ pins − excludes), while the SCIM view
 * keeps showing the IdP's members only. The author is the API key.
 */
import type { Router } from "express";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { presentOverride } from "./present-access.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type OverrideSetBody } from "./schemas.js";
import { authorOf } from "./admin-auth.js";

export function mountOverrideRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;

  router
    .route("/groups/:id/overrides")
    .get(requirePermission("users:read"), async (req, res) => {
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const group = await directory.groups.get(organizationId, param(req, "id"));
      const items = (await directory.overrides.list(organizationId, { groupId: group.id })).map(presentOverride);
      res.json({ items, total: items.length });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/users/:id/overrides")
    .get(requirePermission("users:read"), async (req, res) => {
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const user = await directory.users.get(organizationId, param(req, "id"));
      const items = (await directory.overrides.list(organizationId, { userId: user.id })).map(presentOverride);
      res.json({ items, total: items.length });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/groups/:id/overrides/:userId")
    .put(requirePermission("users:manage"), async (req, res) => {
      const body = validateBody<OverrideSetBody>("OverrideSet", req.body);
      const { override, created } = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, param(req, "id"), { lock: true });
        const user = await tx.users.get(organizationId, param(req, "userId"));
        const [earlier] = await tx.overrides.list(organizationId, { groupId: group.id, userId: user.id });
        const before = earlier ? presentOverride(earlier) : null;
        if (before && before.kind === body.kind && before.reason === body.reason) return { override: before, created: false };
        const after = presentOverride(
          await tx.overrides.set(organizationId, { groupId: group.id, userId: user.id, kind: body.kind, reason: body.reason, author: authorOf(res) }),
        );
        await audit(`group.override.${body.kind}`, { type: "group", id: group.id }, { before, after, userId: user.id });
        return { override: after, created: before === null };
      });
      res.status(created ? 201 : 200).json(override);
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, param(req, "id"), { lock: true });
        const user = await tx.users.get(organizationId, param(req, "userId"));
        const [earlier] = await tx.overrides.list(organizationId, { groupId: group.id, userId: user.id });
        await tx.overrides.remove(organizationId, group.id, user.id);
        await audit("group.override.delete", { type: "group", id: group.id }, { before: earlier ? presentOverride(earlier) : null, after: null, userId: user.id });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("PUT", "DELETE"));
}
