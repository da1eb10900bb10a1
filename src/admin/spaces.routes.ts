/**
 * Spaces (issue 5), only in workspaces where they are enabled: the directory refuses otherwise with
 * precondition_failed, reported with its status from the one table in src/http/errors.ts. A Space holding
 * resources is deleted only with `?moveResourcesTo=` (src/directory/space-removal.ts).
 */
import type { Request, Router } from "express";
import { removeSpace } from "../directory/space-removal.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { workspaceOfParam, workspaceOfSpaceParam, type AdminRouteDeps } from "./admin-deps.js";
import { presentSpace } from "./present.js";
import { invalidRequest, methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type SpaceCreateBody, type SpaceUpdateBody } from "./schemas.js";

/** `?moveResourcesTo=<Space id>`, the only query parameter DELETE takes. */
function parseDeleteQuery(req: Request): string | undefined {
  const problems: string[] = [];
  let moveTo: string | undefined;
  for (const [name, raw] of Object.entries(req.query)) {
    if (name !== "moveResourcesTo") problems.push(`${name}: unknown query parameter (use moveResourcesTo)`);
    else if (typeof raw !== "string") problems.push("moveResourcesTo: give it once, as a single value");
    else moveTo = raw;
  }
  if (problems.length > 0) throw invalidRequest(problems);
  return moveTo;
}

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
      const moveTo = parseDeleteQuery(req);
      await write(res, async ({ db, directory: tx, principal, audit }) => {
        const before = presentSpace(await tx.spaces.get(principal.organizationId, param(req, "id")));
        const detached = await tx.attachments.listForSpace(principal.organizationId, before.id);
        const { moved, movedTo } = await removeSpace(db, principal.organizationId, before.id, moveTo);
        await audit("space.delete", { type: "space", id: before.id }, {
          before,
          after: null,
          workspaceId: before.workspaceId,
          detachedGroups: detached.map((attachment) => ({ id: attachment.groupId, name: attachment.groupName })),
          ...(movedTo ? { resourcesMoved: { count: moved, toSpaceId: movedTo.id } } : {}),
        });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));
}
