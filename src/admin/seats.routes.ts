/** Seats (issue 5): author / viewer / free counts with the people behind them, per organization and per workspace. */
import type { Router } from "express";
import type { Policy } from "../access/policy.types.js";
import { createSeatService } from "../directory/seats.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { Db } from "../store/db.js";
import { workspaceOfParam, type AdminRouteDeps } from "./admin-deps.js";
import { methodNotAllowed, param } from "./route-helpers.js";

export function mountSeatRoutes(router: Router, { directory, authorizer, db, policy }: AdminRouteDeps & { db: Db; policy: Policy }): void {
  const { requirePermission } = authorizer;
  const seats = createSeatService({ db, policy: () => policy });

  router
    .route("/seats")
    .get(requirePermission("users:read"), async (_req, res) => {
      res.json(await seats.report(apiKeyPrincipalOf(res).organizationId));
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/workspaces/:id/seats")
    .get(requirePermission("members:list", workspaceOfParam(directory)), async (req, res) => {
      res.json(await seats.ofWorkspace(apiKeyPrincipalOf(res).organizationId, param(req, "id")));
    })
    .all(methodNotAllowed("GET"));
}
