/**
 * Spaces (issue 5), only in workspaces where they are enabled: the directory refuses otherwise with
 * precondition_failed, reported with its status from the one table in src/http/errors.ts.
 */
import type { Router } from "express";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { workspaceOfParam, workspaceOfSpaceParam, type AdminRouteDeps } from "./admin-deps.js";
import { presentSpace } from "./present.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type SpaceCreateBody, type SpaceUpdateBody } from "./schemas.js";

export function mountSpaceRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;
  const workspaceOf = workspaceOfParam(directory);
  const workspaceOfSpace = workspaceOfSpaceParam(directory);

  router
    .route("/workspaces/:id/spaces")
    .get(requirePermission("workspace:read", workspaceOf), async (req, res) => {
      const spaces = await directory.spaces.list(apiKeyPrincipalOf(res).organizationId, param(req, "id"));
      res.json({ items: spaces.map(presentSpace), total: spaces.length });
    })
    .post(requirePermission("spaces:manage", workspaceOf), async (req, res) => {
      const body = validateBody<SpaceCreateBody>("SpaceCreate", req.body);
      const created = await write(res, async ({ directory: tx, principal, audit }) => {
        const space = presentSpace(await tx.spaces.create(principal.organizationId, param(req, "id"), body));
        await audit("space.create", { type: "space", id: space.id }, { before: null, after: space, workspaceId: space.workspaceId });
        return space;
      });
      res.status(201).location(`/admin/v1/spaces/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/spaces/:id")
    .get(requirePermission("workspace:read", workspaceOfSpace), async (req, res) => {
      res.json(presentSpace(await directory.spaces.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"))));
    })
    .patch(requirePermission("spaces:manage", workspaceOfSpace), async (req, res) => {
      const body = validateBody<SpaceUpdateBody>("SpaceUpdate", req.body);
      const updated = await write(res, async ({ directory: tx, principal, audit }) => {
        const before = presentSpace(await tx.spaces.get(principal.organizationId, param(req, "id")));
        const after = presentSpace(await tx.spaces.update(principal.organizationId, before.id, body));
        await audit("space.update", { type: "space", id: before.id }, { before, after, workspaceId: before.workspaceId });
        return after;
      });
      res.json(updated);
    })
    .delete(requirePermission("spaces:manage", workspaceOfSpace), async (req, res) => {
      await write(res, async ({ directory: tx, principal, audit }) => {
        const before = presentSpace(await tx.spaces.get(principal.organizationId, param(req, "id")));
        const detached = await tx.attachments.listForSpace(principal.organizationId, before.id);
        await tx.spaces.remove(principal.organizationId, before.id);
        await audit("space.delete", { type: "space", id: before.id }, {
          before,
          after: null,
          workspaceId: before.workspaceId,
          detachedGroups: detached.map((attachment) => ({ id: attachment.groupId, name: attachment.groupName })),
        });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));
}
