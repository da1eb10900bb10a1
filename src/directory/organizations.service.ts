import type { Db } from "../store/db.js";
import {
  deleteOrganization,
  findDemoOrganization,
  findOrganization,
  insertOrganization,
  listOrganizations,
  updateOrganization,
  type OrganizationRecord,
  type Plan,
} from "../store/organizations.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, requireText } from "./validation.js";

export type { OrganizationRecord, Plan };

const PLANS: readonly Plan[] = ["free", "paid", "enterprise"];
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface OrganizationInput {
  name: string;
  plan?: Plan;
  allowedEmailDomains?: string[];
}

function parsePlan(plan: unknown): Plan {
  if (!PLANS.includes(plan as Plan)) {
    throw new DomainError("invalid_value", `plan must be one of ${PLANS.join(", ")}`, { field: "plan" });
  }
  return plan as Plan;
}

function parseDomains(domains: unknown): string[] {
  if (!Array.isArray(domains)) throw new DomainError("invalid_value", "allowedEmailDomains must be a list", { field: "allowedEmailDomains" });
  const parsed = domains.map((domain) => (typeof domain === "string" ? domain.trim().toLowerCase() : ""));
  const bad = parsed.filter((domain) => !DOMAIN.test(domain));
  if (bad.length > 0) throw new DomainError("invalid_value", "allowedEmailDomains holds an invalid domain", { field: "allowedEmailDomains" });
  return [...new Set(parsed)];
}

export function createOrganizationService({ db }: { db: Db }) {
  async function get(id: string): Promise<OrganizationRecord> {
    const organization = isUuid(id) ? await findOrganization(db, id) : null;
    if (!organization) throw notFound("organization", id);
    return organization;
  }

  return {
    get,

    async create(input: OrganizationInput): Promise<OrganizationRecord> {
      const created = await insertOrganization(db, {
        name: requireText(input.name, "name", 200),
        plan: parsePlan(input.plan ?? "free"),
        allowedEmailDomains: parseDomains(input.allowedEmailDomains ?? []),
      });
      if (!created) throw new Error("organization insert returned no row");
      return created;
    },

    /** Creates the demo organization unless one exists; `created` says which. Safe to race. */
    async ensureDemo(name: string): Promise<{ organization: OrganizationRecord; created: boolean }> {
      const created = await insertOrganization(db, { name: requireText(name, "name", 200), plan: "free", allowedEmailDomains: [], isDemo: true });
      if (created) return { organization: created, created: true };
      const existing = await findDemoOrganization(db);
      if (!existing) throw new Error("demo organization vanished while being created");
      return { organization: existing, created: false };
    },

    list: () => listOrganizations(db),

    async update(id: string, changes: Partial<OrganizationInput>): Promise<OrganizationRecord> {
      const updated = isUuid(id)
        ? await updateOrganization(db, id, {
            name: changes.name === undefined ? undefined : requireText(changes.name, "name", 200),
            plan: changes.plan === undefined ? undefined : parsePlan(changes.plan),
            allowedEmailDomains: changes.allowedEmailDomains === undefined ? undefined : parseDomains(changes.allowedEmailDomains),
          })
        : null;
      if (!updated) throw notFound("organization", id);
      return updated;
    },

    /** Deletes the organization and everything in it; its audit trail stays. */
    async remove(id: string): Promise<void> {
      if (!isUuid(id) || !(await deleteOrganization(db, id))) throw notFound("organization", id);
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
