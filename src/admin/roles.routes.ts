/**
 * Custom roles (issue 5, seed 004): organization- and workspace-level roles with chosen permissions, beside the
 * policy's built-in roles. Built-in roles: 403 on any change. On a plan without custom roles the issue asks for
 * 403 "custom roles need a paid plan": the role service says precondition_failed (412 in the shared table, which
 * other surfaces keep), so this file alone turns it into 403.
 */
import type { Router } from "express";
import { DomainError } from "../directory/domain-error.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { presentRole } from "./present-access.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type RoleCreateBody, type RoleUpdateBody } from "./schemas.js";

/** The plan refusal as the Admin API states it: 403, with the plan in details. */
async function planAsForbidden<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && error.code === "precondition_failed") throw new ApiError(403, "forbidden", error.message, error.details);
    throw error;
  }
}

export function mountRoleRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;

  router
    .route("/roles")
    .get(requirePermission("organization:read"), async (_req, res) => {
      const items = (await directory.roles.list(apiKeyPrincipalOf(res).organizationId)).map(presentRole);
      res.json({ items, total: items.length });
    })
    .post(requirePermission("roles:manage"), async (req, res) => {
      const body = validateBody<RoleCreateBody>("RoleCreate", req.body);
      const created = await planAsForbidden(() =>
        write(res, async ({ directory: tx, principal, audit }) => {
          const role = presentRole(await tx.roles.create(principal.organizationId, body));
          await audit("role.create", { type: "role", id: role.id }, { before: null, after: role });
          return role;
        }),
      );
      res.status(201).location(`/admin/v1/roles/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/roles/:id")
    .get(requirePermission("organization:read"), async (req, res) => {
      res.json(presentRole(await directory.roles.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"))));
    })
    .patch(requirePermission("roles:manage"), async (req, res) => {
      const body = validateBody<RoleUpdateBody>("RoleUpdate", req.body);
      const updated = await planAsForbidden(() =>
        write(res, async ({ directory: tx, principal, audit }) => {
          const before = presentRole(await tx.roles.get(principal.organizationId, param(req, "id")));
          const after = presentRole(await tx.roles.update(principal.organizationId, before.id, body));
          await audit("role.update", { type: "role", id: before.id }, { before, after });
          return after;
        }),
      );
      res.json(updated);
    })
    .delete(requirePermission("roles:manage"), async (req, res) => {
      await planAsForbidden(() =>
        write(res, async ({ directory: tx, principal, audit }) => {
          const before = presentRole(await tx.roles.get(principal.organizationId, param(req, "id")));
          await tx.roles.remove(principal.organizationId, before.id);
          await audit("role.delete", { type: "role", id: before.id }, { before, after: null });
        }),
      );
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));
}
