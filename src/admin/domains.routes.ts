/**
 * Allowed email domains (issue 5, Organization): list, add or change one with its default role, remove one,
 * and verify one by its DNS TXT record `gatehouse-verification=<token>`. organization:read to list,
 * organization:manage to change. The DNS lookup runs before the write's transaction, never inside it.
 */
import type { Router } from "express";
import type { Policy } from "../access/policy.types.js";
import { DomainError } from "../directory/domain-error.js";
import {
  createDomainService,
  publishesRecord,
  systemTxtResolver,
  verificationRecord,
  type OrganizationDomainRecord,
  type TxtResolver,
} from "../directory/domains.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { Db } from "../store/db.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type DomainPutBody } from "./schemas.js";

export function presentDomain(record: OrganizationDomainRecord) {
  return {
    domain: record.domain,
    verified: record.verified,
    verifiedAt: record.verifiedAt?.toISOString() ?? null,
    verification: { type: "TXT", name: record.domain, value: verificationRecord(record) },
    defaultRole: record.defaultRole,
    defaultWorkspaceId: record.defaultWorkspaceId,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export interface DomainRouteDeps extends AdminRouteDeps {
  db: Db;
  policy: Policy;
  resolveTxt?: TxtResolver;
}

export function mountDomainRoutes(router: Router, { db, policy, write, authorizer, resolveTxt = systemTxtResolver() }: DomainRouteDeps): void {
  const { requirePermission } = authorizer;
  const domains = createDomainService({ db, policy });
  const target = (domain: string) => ({ type: "domain", id: domain });

  router
    .route("/organization/domains")
    .get(requirePermission("organization:read"), async (_req, res) => {
      const items = (await domains.list(apiKeyPrincipalOf(res).organizationId)).map(presentDomain);
      res.json({ items, total: items.length });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/organization/domains/:domain")
    .get(requirePermission("organization:read"), async (req, res) => {
      res.json(presentDomain(await domains.get(apiKeyPrincipalOf(res).organizationId, param(req, "domain"))));
    })
    .put(requirePermission("organization:manage"), async (req, res) => {
      const body = validateBody<DomainPutBody>("DomainPut", req.body);
      const { created, after } = await write(res, async ({ db: tx, principal, audit }) => {
        const service = createDomainService({ db: tx, policy });
        const existing = await service.list(principal.organizationId);
        const put = await service.put(principal.organizationId, param(req, "domain"), body);
        const previous = existing.find((record) => record.domain === put.domain.domain);
        const change = { before: previous ? presentDomain(previous) : null, after: presentDomain(put.domain) };
        await audit(put.created ? "organization.domain.add" : "organization.domain.update", target(put.domain.domain), change);
        return { created: put.created, after: change.after };
      });
      res.status(created ? 201 : 200);
      if (created) res.location(`/admin/v1/organization/domains/${after.domain}`);
      res.json(after);
    })
    .delete(requirePermission("organization:manage"), async (req, res) => {
      await write(res, async ({ db: tx, principal, audit }) => {
        const before = await createDomainService({ db: tx, policy }).remove(principal.organizationId, param(req, "domain"));
        await audit("organization.domain.remove", target(before.domain), { before: presentDomain(before), after: null });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PUT", "DELETE"));

  router
    .route("/organization/domains/:domain/verify")
    .post(requirePermission("organization:manage"), async (req, res) => {
      const current = await domains.get(apiKeyPrincipalOf(res).organizationId, param(req, "domain"));
      if (current.verified) return void res.json(presentDomain(current));
      const expected = verificationRecord(current);
      if (!(await publishesRecord(resolveTxt, current.domain, expected))) {
        throw new DomainError("precondition_failed", `no TXT record "${expected}" found at ${current.domain}; publish it in DNS, then verify again`, {
          domain: current.domain,
          record: { type: "TXT", name: current.domain, value: expected },
        });
      }
      const verified = await write(res, async ({ db: tx, principal, audit }) => {
        const { domain, changed } = await createDomainService({ db: tx, policy }).markVerified(principal.organizationId, current.domain, current.verificationToken);
        if (changed) await audit("organization.domain.verify", target(domain.domain), { before: presentDomain(current), after: presentDomain(domain), method: "dns" });
        return presentDomain(domain);
      });
      res.json(verified);
    })
    .all(methodNotAllowed("POST"));
}
