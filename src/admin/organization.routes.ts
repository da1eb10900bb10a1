/**
 * The organization's settings (issue 5): name, plan, SSO session lifetimes, just-in-time provisioning,
 * per-feature flags and audit retention. Reading needs organization:read; each changed field needs its own
 * permission (FIELD_PERMISSIONS), so a billing role may change the plan without managing the rest.
 */
import type { Router } from "express";
import type { Policy } from "../access/policy.types.js";
import { DomainError } from "../directory/domain-error.js";
import type { Directory } from "../directory/directory.js";
import type { OrganizationRecord, Plan } from "../directory/organizations.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { methodNotAllowed } from "./route-helpers.js";
import { validateBody, type OrganizationUpdateBody } from "./schemas.js";

/** The permission each changeable field needs (config/policy.default.json's organization permissions). */
const FIELD_PERMISSIONS: Record<keyof OrganizationUpdateBody, string> = {
  name: "organization:manage",
  plan: "billing:manage",
  sessionIdleMinutes: "organization:manage",
  sessionAbsoluteMinutes: "organization:manage",
  jitProvisioning: "organization:manage",
  featureFlags: "features:manage",
  auditRetentionDays: "organization:manage",
};

export function presentOrganization(organization: OrganizationRecord) {
  return {
    id: organization.id,
    name: organization.name,
    plan: organization.plan,
    sessionIdleMinutes: organization.sessionIdleMinutes,
    sessionAbsoluteMinutes: organization.sessionAbsoluteMinutes,
    jitProvisioning: organization.jitProvisioning,
    featureFlags: organization.featureFlags,
    auditRetentionDays: organization.auditRetentionDays,
    createdAt: organization.createdAt.toISOString(),
    updatedAt: organization.updatedAt.toISOString(),
  };
}

/**
 * A plan without custom roles while custom roles exist would leave grants the engine no longer honours and
 * roles no one may edit; an admin is told which roles to delete first.
 */
async function refuseLosingCustomRoles(directory: Directory, policy: Policy, organizationId: string, plan: Plan): Promise<void> {
  if (policy.customRoles.plans.includes(plan)) return;
  const custom = (await directory.roles.list(organizationId)).filter((role) => !role.builtIn);
  if (custom.length === 0) return;
  throw new DomainError("conflict", `the ${plan} plan has no custom roles; delete these first: ${custom.map((role) => `"${role.name}"`).join(", ")}`, {
    roles: custom.map((role) => ({ id: role.id, name: role.name, level: role.level })),
  });
}

export function mountOrganizationRoutes(router: Router, { directory, write, authorizer, policy }: AdminRouteDeps & { policy: Policy }): void {
  const { requirePermission } = authorizer;

  router
    .route("/organization")
    .get(requirePermission("organization:read"), async (_req, res) => {
      res.json(presentOrganization(await directory.organizations.get(apiKeyPrincipalOf(res).organizationId)));
    })
    .patch(async (req, res) => {
      const body = validateBody<OrganizationUpdateBody>("OrganizationUpdate", req.body);
      const needed = new Set(Object.keys(body).map((field) => FIELD_PERMISSIONS[field as keyof OrganizationUpdateBody]));
      for (const permission of needed) await authorizer.authorize(res, permission);
      const updated = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const before = presentOrganization(await tx.organizations.get(organizationId, { lock: true }));
        if (body.plan !== undefined && body.plan !== before.plan) await refuseLosingCustomRoles(tx, policy, organizationId, body.plan);
        const after = presentOrganization(await tx.organizations.update(organizationId, body));
        await audit("organization.update", { type: "organization", id: organizationId }, { before, after });
        return after;
      });
      res.json(updated);
    })
    .all(methodNotAllowed("GET", "PATCH"));
}
