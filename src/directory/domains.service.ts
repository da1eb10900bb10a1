/**
 * Allowed email domains (issue 5, Organization): each with the role a person signing in with an address of
 * the domain gets, and proof of ownership by a DNS TXT record. PUT never marks a domain verified; only the DNS
 * check (Admin API) or an operator (CLI) does, and a domain verified by one organization cannot be by another.
 */
import { Resolver } from "node:dns/promises";
import type { Policy } from "../access/policy.types.js";
import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteOrganizationDomain,
  findDomainOwnerElsewhere,
  findOrganizationDomain,
  listOrganizationDomains,
  markDomainVerified,
  upsertOrganizationDomain,
  type OrganizationDomainRecord,
} from "../store/domains.repository.js";
import { findOrganization } from "../store/organizations.repository.js";
import { findRole, listBuiltInRoles, type RoleRecord } from "../store/roles.repository.js";
import { findWorkspace } from "../store/workspaces.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid } from "./validation.js";

export type { OrganizationDomainRecord };

/** The same rule as organization_domains' CHECK: lower-case DNS labels, at least two, no trailing dot. */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
export const VERIFICATION_PREFIX = "gatehouse-verification=";

/** node:dns/promises resolveTxt's shape: each record's character strings. */
export type TxtResolver = (hostname: string) => Promise<string[][]>;

/** RFC 6761 §6.2–6.4 names: never in the global DNS, so never asked about. */
const SPECIAL_USE = /\.(test|invalid|localhost|example)$/;

/** The system resolver, bounded: 5 s a try, two tries; special-use names answer "no such name" at once. */
export function systemTxtResolver(): TxtResolver {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  return async (hostname) => {
    if (SPECIAL_USE.test(hostname)) throw Object.assign(new Error(`queryTxt ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return resolver.resolveTxt(hostname);
  };
}

export type DomainRoleInput = { key: string } | { id: string } | null;

export interface DomainSettings {
  defaultRole: DomainRoleInput;
  defaultWorkspaceId?: string | null;
}

/** Lower-cases the domain and checks it is a host name; invalid → 400 naming the rule. */
export function parseDomain(raw: string): string {
  const domain = raw.trim().toLowerCase();
  if (!DOMAIN.test(domain)) {
    throw new DomainError("invalid_value", `"${raw.slice(0, 253)}" is not a domain name such as example.com (letters, digits and hyphens; punycode for international names)`, {
      field: "domain",
    });
  }
  return domain;
}

export const verificationRecord = (record: OrganizationDomainRecord): string => `${VERIFICATION_PREFIX}${record.verificationToken}`;

/**
 * Whether `domain` publishes the TXT record `expected`. A domain with no TXT records (or no such name) has
 * not; a resolver failure (timeout, SERVFAIL) is reported as such, so an admin knows to try again.
 */
export async function publishesRecord(resolve: TxtResolver, domain: string, expected: string): Promise<boolean> {
  try {
    const records = await resolve(domain);
    return records.some((chunks) => chunks.join("") === expected);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENODATA" || code === "ENOTFOUND") return false;
    throw new DomainError("precondition_failed", `the DNS lookup of ${domain} failed (${typeof code === "string" ? code : "error"}); try again later`, { domain });
  }
}

export function createDomainService({ db, policy }: { db: Db; policy: Policy }) {
  async function get(organizationId: string, raw: string, options: { lock?: boolean } = {}): Promise<OrganizationDomainRecord> {
    const domain = parseDomain(raw);
    const found = await findOrganizationDomain(db, organizationId, domain, options);
    if (!found) throw notFound("domain", domain);
    return found;
  }

  async function findRoleInput(tx: Db, organizationId: string, input: Exclude<DomainRoleInput, null>): Promise<RoleRecord> {
    const role =
      "key" in input
        ? ((await listBuiltInRoles(tx)).find((candidate) => candidate.key === input.key && input.key in policy.roles) ?? null)
        : isUuid(input.id)
          ? await findRole(tx, organizationId, input.id.toLowerCase())
          : null;
    if (!role) throw notFound("role", "key" in input ? input.key : input.id);
    return role;
  }

  /** The default role and workspace, checked: a workspace role needs a workspace, an organization role none. */
  async function resolveSettings(tx: Db, organizationId: string, settings: DomainSettings) {
    const workspaceId = settings.defaultWorkspaceId ?? null;
    if (settings.defaultRole === null) {
      if (workspaceId !== null) throw new DomainError("invalid_value", "defaultWorkspaceId needs a workspace-level defaultRole", { field: "defaultWorkspaceId" });
      return { roleId: null, workspaceId: null };
    }
    const role = await findRoleInput(tx, organizationId, settings.defaultRole);
    if (role.builtIn && policy.roles[role.key ?? ""]?.owner) {
      throw new DomainError("invalid_value", `"${role.name}" is an Owner role: there is exactly one Owner, never a default`, { field: "defaultRole" });
    }
    if (!role.builtIn) {
      const organization = await findOrganization(tx, organizationId);
      if (!organization || !policy.customRoles.plans.includes(organization.plan)) {
        throw new DomainError("forbidden", "custom roles need a paid plan", { plan: organization?.plan ?? null });
      }
    }
    if (role.level === "organization") {
      if (workspaceId !== null) throw new DomainError("invalid_value", `"${role.name}" is an organization role: it takes no defaultWorkspaceId`, { field: "defaultWorkspaceId" });
      return { roleId: role.id, workspaceId: null };
    }
    if (workspaceId === null) throw new DomainError("invalid_value", `"${role.name}" is a workspace role: defaultWorkspaceId names the workspace`, { field: "defaultWorkspaceId" });
    const workspace = isUuid(workspaceId) ? await findWorkspace(tx, organizationId, workspaceId.toLowerCase()) : null;
    if (!workspace) throw notFound("workspace", workspaceId);
    return { roleId: role.id, workspaceId: workspace.id };
  }

  return {
    get,

    list: (organizationId: string) => listOrganizationDomains(db, organizationId),

    /** Adds the domain (unverified) or replaces its default role and workspace. */
    async put(organizationId: string, raw: string, settings: DomainSettings): Promise<{ domain: OrganizationDomainRecord; created: boolean }> {
      const domain = parseDomain(raw);
      return db.transaction(async (tx) => {
        const { roleId, workspaceId } = await resolveSettings(tx, organizationId, settings);
        const created = await upsertOrganizationDomain(tx, { organizationId, domain, defaultRoleId: roleId, defaultWorkspaceId: workspaceId });
        return { domain: (await findOrganizationDomain(tx, organizationId, domain)) as OrganizationDomainRecord, created };
      });
    },

    async remove(organizationId: string, raw: string): Promise<OrganizationDomainRecord> {
      const before = await get(organizationId, raw);
      if (!(await deleteOrganizationDomain(db, organizationId, before.domain))) throw notFound("domain", before.domain);
      return before;
    },

    /**
     * Marks the domain verified (the caller has checked DNS for `token`, or is an operator who vouches for it).
     * `changed` is false when it already was. 409 when another organization verified it first.
     */
    async markVerified(organizationId: string, raw: string, token?: string): Promise<{ domain: OrganizationDomainRecord; changed: boolean }> {
      return db.transaction(async (tx) => {
        const before = await createDomainService({ db: tx, policy }).get(organizationId, raw, { lock: true });
        if (before.verified) return { domain: before, changed: false };
        if (token !== undefined && token !== before.verificationToken) throw new DomainError("conflict", "the domain's verification token changed; look it up again", { domain: before.domain });
        const conflict = () =>
          new DomainError("conflict", `${before.domain} is already verified by another organization`, { domain: before.domain });
        if (await findDomainOwnerElsewhere(tx, organizationId, before.domain)) throw conflict();
        try {
          await markDomainVerified(tx, organizationId, before.domain);
        } catch (error) {
          if (classifyDatabaseError(error)?.constraint === "organization_domains_verified") throw conflict();
          throw error;
        }
        return { domain: (await findOrganizationDomain(tx, organizationId, before.domain)) as OrganizationDomainRecord, changed: true };
      });
    },
  };
}

export type DomainService = ReturnType<typeof createDomainService>;
