/**
 * Role grants of groups and users (issue 5): workspace roles, organization roles, custom roles on one
 * resource. Admin grants are the rows of source "manual:<API key id>" (DESIGN.md, Grant); a grant the API
 * lists may come from any source, and DELETE /grants/{id} revokes any of them.
 */
import type { Request, RequestHandler, Response, Router } from "express";
import type { PrincipalRef } from "../access/facts.js";
import type { Directory } from "../directory/directory.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import type { Authorizer } from "./authorize.js";
import { presentGrant } from "./present-access.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type GrantCreateBody } from "./schemas.js";
import { authorOf } from "./admin-auth.js";

type PrincipalType = PrincipalRef["type"];

/** The user or group named by `:id`, checked to be this organization's (404 otherwise). */
async function principalOf(directory: Directory, organizationId: string, type: PrincipalType, id: string): Promise<PrincipalRef> {
  const found = type === "group" ? await directory.groups.get(organizationId, id) : await directory.users.get(organizationId, id);
  return { type, id: found.id };
}

/**
 * A grant in one workspace also needs "members:manage" there (the workspace's admins manage its roles): the
 * workspace is the scope's own, or the Space's. Unknown ids are left for the grant service to refuse.
 */
async function authorizeScope(authorizer: Authorizer, directory: Directory, res: Response, scope: GrantCreateBody["scope"]): Promise<void> {
  const organizationId = apiKeyPrincipalOf(res).organizationId;
  let workspaceId: string | undefined;
  if (scope.type === "workspace") workspaceId = scope.workspaceId;
  if (scope.type === "space") workspaceId = (await directory.spaces.get(organizationId, scope.spaceId)).workspaceId;
  if (workspaceId === undefined) return;
  await authorizer.authorize(res, "members:manage", await directory.workspaces.get(organizationId, workspaceId));
}

export function mountGrantRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;

  const list =
    (type: PrincipalType): RequestHandler =>
    async (req: Request, res) => {
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const principal = await principalOf(directory, organizationId, type, param(req, "id"));
      const items = (await directory.grants.list(organizationId, { principal })).map(presentGrant);
      res.json({ items, total: items.length });
    };

  const grant =
    (type: PrincipalType): RequestHandler =>
    async (req: Request, res) => {
      const body = validateBody<GrantCreateBody>("GrantCreate", req.body);
      await authorizeScope(authorizer, directory, res, body.scope);
      const created = await write(res, async ({ directory: tx, principal: key, audit }) => {
        const organizationId = key.organizationId;
        const principal = await principalOf(tx, organizationId, type, param(req, "id"));
        const existing = new Set((await tx.grants.list(organizationId, { principal })).map((row) => row.id));
        const after = presentGrant(
          await tx.grants.grant(organizationId, { principal, role: body.role, scope: body.scope, source: `manual:${key.keyId}`, createdBy: authorOf(res) }),
        );
        if (existing.has(after.id)) return { grant: after, created: false };
        await audit("grant.create", { type: "grant", id: after.id }, { before: null, after });
        return { grant: after, created: true };
      });
      res.status(created.created ? 201 : 200).json(created.grant);
    };

  for (const [path, type] of [
    ["/groups/:id/grants", "group"],
    ["/users/:id/grants", "user"],
  ] as const) {
    router.route(path).get(requirePermission("users:read"), list(type)).post(requirePermission("users:manage"), grant(type)).all(methodNotAllowed("GET", "POST"));
  }

  router
    .route("/grants/:id")
    .get(requirePermission("users:read"), async (req, res) => {
      res.json(presentGrant(await directory.grants.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"))));
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      const existing = await directory.grants.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"));
      if (existing.scope.type !== "organization") await authorizer.authorize(res, "members:manage", await directory.workspaces.get(existing.organizationId, existing.scope.workspaceId));
      await write(res, async ({ directory: tx, principal, audit }) => {
        const before = presentGrant(await tx.grants.get(principal.organizationId, existing.id));
        await tx.grants.revoke(principal.organizationId, before.id);
        await audit("grant.delete", { type: "grant", id: before.id }, { before, after: null });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "DELETE"));
}
