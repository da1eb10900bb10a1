/**
 * Ownership (issue 5): who owns the organization and each workspace, and the transfer endpoints. Transfer is
 * owner-only ("organization:transfer" / "workspace:transfer"): an operator API key never holds it (403), so
 * operators use the break-glass CLI (`gatehouse owner transfer`); the Owner transfers through their sign-in
 * session, signed in within the step-up window, repeating the organization's name or the workspace's title.
 */
import type { Request, RequestHandler, Response, Router } from "express";
import type { Policy } from "../access/policy.types.js";
import { describeOwnership, transferOwnership, workspaceHasOwner, type TransferResult } from "../directory/ownership.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import { requestIdOf } from "../http/request-id.js";
import type { Db } from "../store/db.js";
import { workspaceOfParam, type AdminRouteDeps } from "./admin-deps.js";
import { requireRecentSignIn } from "./admin-auth.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { STEP_UP_SECONDS } from "../sso/auth.router.js";
import { validateBody, type OwnershipTransferBody } from "./schemas.js";

export interface OwnershipRouteDeps extends AdminRouteDeps {
  db: Db;
  policy: Policy;
  afterWrite?: (organizationId: string) => Promise<unknown>;
}

/** The signed-in person behind the request (res.locals.userId, set by a session layer); none for an API key. */
function signedInUserOf(res: Response, permission: string): string {
  const userId = res.locals.userId as string | undefined;
  if (!userId) throw new ApiError(403, "forbidden", `${permission} is owner-only: the signed-in Owner transfers ownership, never an API key`, { permission });
  return userId;
}

export function presentTransfer(result: TransferResult) {
  const note = result.previousOwnerKeeps
    ? `${result.previousOwner?.userName ?? "The former Owner"} keeps ${result.previousOwnerKeeps.name}`
    : "There was no Owner before";
  return { ...result, note };
}

export function mountOwnershipRoutes(router: Router, { directory, authorizer, db, policy, afterWrite }: OwnershipRouteDeps): void {
  const { requirePermission } = authorizer;
  const workspaceOf = workspaceOfParam(directory);

  router
    .route("/ownership")
    .get(requirePermission("organization:read"), async (_req, res) => {
      res.json(await describeOwnership(db, apiKeyPrincipalOf(res).organizationId));
    })
    .all(methodNotAllowed("GET"));

  const transfer = (permission: string, workspaceIdOf: (req: Request) => string | null) =>
    async (req: Request, res: Response) => {
      const userId = signedInUserOf(res, permission);
      // Issue 6, step-up: the Owner proved who they are at the IdP within the last five minutes.
      requireRecentSignIn(res, STEP_UP_SECONDS, "/auth/session");
      const body = validateBody<OwnershipTransferBody>("OwnershipTransfer", req.body);
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const result = await transferOwnership(
        db,
        { organizationId, workspaceId: workspaceIdOf(req), fromUserId: userId, toUserId: body.toUserId, confirm: body.confirm, actor: { type: "user", userId, requestId: requestIdOf(res) } },
        policy,
      );
      await afterWrite?.(organizationId);
      res.json(presentTransfer(result));
    };

  router
    .route("/ownership/transfer")
    .post(requirePermission("organization:transfer"), transfer("organization:transfer", () => null))
    .all(methodNotAllowed("POST"));

  /**
   * A workspace with an Owner: its Owner (workspace:transfer there). A workspace without one is in the
   * organization Owner's hands (src/admin/README.md, Ownership), so naming its first Owner takes organization:transfer.
   */
  const authorizeWorkspaceTransfer: RequestHandler = async (req, res, next) => {
    const organizationId = apiKeyPrincipalOf(res).organizationId;
    const workspace = await workspaceOf(req, organizationId);
    if (await workspaceHasOwner(db, organizationId, workspace.id)) await authorizer.authorize(res, "workspace:transfer", workspace);
    else await authorizer.authorize(res, "organization:transfer");
    next();
  };

  router
    .route("/workspaces/:id/ownership/transfer")
    .post(authorizeWorkspaceTransfer, transfer("workspace:transfer", (req) => param(req, "id")))
    .all(methodNotAllowed("POST"));
}
