/**
 * Every admin action is authorised by the access engine's pure check() (issue 5). An operator API key acts as
 * an active user holding the built-in Organization Admin role at organization scope (source "system") — so it
 * may do everything but the owner-only actions, which are refused with the missing permission named.
 * When people sign in (the SSO issue) their own effective access takes this place.
 */
import type { Request, RequestHandler, Response } from "express";
import { check } from "../access/check.js";
import type { AccessFacts, GrantFact, WorkspaceFact } from "../access/facts.js";
import type { Policy } from "../access/policy.types.js";
import { resolve } from "../access/resolve.js";
import type { OrganizationService } from "../directory/organizations.service.js";
import { apiKeyPrincipalOf, type ApiKeyPrincipal } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";

export const OPERATOR_KEY_ROLE = "organization.admin";

/** Finds the workspace a workspace-level permission is asked about (throws not_found for an unknown id). */
export type WorkspaceLocator = (req: Request, organizationId: string) => Promise<WorkspaceFact>;

export interface Authorizer {
  /** Refuses with 403 unless the caller holds `permission` (in the workspace, for a workspace-level one). */
  authorize(res: Response, permission: string, workspace?: WorkspaceFact): Promise<void>;
  /** The same as middleware; a workspace-level permission needs `workspaceOf`. */
  requirePermission(permission: string, workspaceOf?: WorkspaceLocator): RequestHandler;
}

function operatorKeyFacts(policy: Policy, principal: ApiKeyPrincipal, plan: AccessFacts["organization"]["plan"], workspace?: WorkspaceFact): AccessFacts {
  const grant: GrantFact = {
    id: `api_key:${principal.keyId}`,
    principal: { type: "user", id: principal.keyId },
    role: { kind: "built-in", key: OPERATOR_KEY_ROLE },
    scope: { type: "organization" },
    source: "system",
  };
  return {
    policy,
    organization: { id: principal.organizationId, plan },
    user: { id: principal.keyId, active: true },
    memberOf: [],
    overrides: [],
    groups: [],
    grants: [grant],
    workspaces: workspace ? [{ id: workspace.id, title: workspace.title, spacesEnabled: workspace.spacesEnabled }] : [],
    spaces: [],
    attachments: [],
    customRoles: [],
    resources: [],
  };
}

export function createAuthorizer({ policy, organizations }: { policy: Policy; organizations: Pick<OrganizationService, "get"> }): Authorizer {
  async function authorize(res: Response, permission: string, workspace?: WorkspaceFact): Promise<void> {
    const principal = apiKeyPrincipalOf(res);
    const { plan } = await organizations.get(principal.organizationId);
    const access = resolve(operatorKeyFacts(policy, principal, plan, workspace));
    const decision = check(access, { permission, ...(workspace ? { workspaceId: workspace.id } : {}) });
    if (!decision.allowed) throw new ApiError(403, "forbidden", decision.missing ?? `${permission} is not granted`, { permission });
  }

  return {
    authorize,
    requirePermission: (permission, workspaceOf) => async (req, res, next) => {
      const workspace = workspaceOf ? await workspaceOf(req, apiKeyPrincipalOf(res).organizationId) : undefined;
      await authorize(res, permission, workspace);
      next();
    },
  };
}
