/**
 * Every admin action is authorised by the access engine's pure check() (issue 5). An operator API key acts as
 * an active user holding the built-in Organization Admin role at organization scope (source "system") — so it
 * may do everything but the owner-only actions, which are refused with the missing permission named.
 * A person signed in through SSO is authorised by their own effective access (the engine's, cached per access
 * version), so an Organization Admin may do what the key may, and the Owner the owner-only actions too.
 */
import type { Request, RequestHandler, Response } from "express";
import { check } from "../access/check.js";
import type { AccessFacts, GrantFact, WorkspaceFact } from "../access/facts.js";
import type { AccessEngine } from "../access/engine/access-engine.js";
import type { EffectiveAccess } from "../access/effective.js";
import type { Policy } from "../access/policy.types.js";
import { resolve } from "../access/resolve.js";
import type { OrganizationService } from "../directory/organizations.service.js";
import { apiKeyPrincipalOf, type ApiKeyPrincipal } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import { sessionCallerOf } from "./admin-auth.js";

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

export interface AuthorizerDeps {
  policy: Policy;
  organizations: Pick<OrganizationService, "get">;
  /** A signed-in person's effective access (the access engine): without it, only API keys are authorised. */
  effective?: AccessEngine["effective"];
}

export function createAuthorizer({ policy, organizations, effective }: AuthorizerDeps): Authorizer {
  /** The caller's access: a person's own (roles, groups, overrides), or an operator key's Organization Admin. */
  async function accessOf(res: Response, workspace?: WorkspaceFact): Promise<EffectiveAccess> {
    const principal = apiKeyPrincipalOf(res);
    const caller = sessionCallerOf(res);
    if (caller) {
      if (!effective) throw new ApiError(401, "unauthorized", "sessions are not accepted here");
      return (await effective(principal.organizationId, caller.userId)).access;
    }
    const { plan } = await organizations.get(principal.organizationId);
    return resolve(operatorKeyFacts(policy, principal, plan, workspace));
  }

  async function authorize(res: Response, permission: string, workspace?: WorkspaceFact): Promise<void> {
    const access = await accessOf(res, workspace);
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
