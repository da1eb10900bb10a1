import { randomUUID } from "node:crypto";
import { customRoleProblems } from "../access/custom-roles.js";
import type { Level, Policy } from "../access/policy.types.js";
import { classifyDatabaseError, type Db } from "../store/db.js";
import { domainsDefaultingTo } from "../store/domains.repository.js";
import { listGrants } from "../store/grants.repository.js";
import { findOrganization } from "../store/organizations.repository.js";
import {
  deleteCustomRole,
  findRole,
  insertCustomRole,
  listBuiltInRoles,
  listCustomRoles,
  updateCustomRole,
  type CustomRoleData,
  type RoleRecord,
} from "../store/roles.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, optionalText, requireText } from "./validation.js";

export type { RoleRecord };

export interface RoleInput {
  name: string;
  level: Level;
  description?: string;
  permissions: string[];
}

/** A role's level is fixed: its grants were checked against it (organization roles at organization scope only). */
export type RoleChanges = Partial<Omit<RoleInput, "level">> & { level?: Level };

const MAX_PERMISSIONS = 500;

/** Runs a check that throws, keeping its message as one problem among many. */
function collect<T>(problems: string[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

function permissionList(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((key) => typeof key !== "string")) throw new DomainError("invalid_value", "permissions must be a list of permission keys");
  if (value.length > MAX_PERMISSIONS) throw new DomainError("invalid_value", `permissions must hold at most ${MAX_PERMISSIONS} keys`);
  return [...new Set(value as string[])];
}

/** Every problem of a custom role at once (seed 004: the editor shows them together), or the clean role. */
function validRole(policy: Policy, id: string, input: Record<string, unknown>): CustomRoleData {
  const problems: string[] = [];
  const name = collect(problems, () => requireText(input.name, "name", 200));
  const description = collect(problems, () => optionalText(input.description, "description", 2000) ?? "");
  const level = input.level === "organization" || input.level === "workspace" ? input.level : undefined;
  if (!level) problems.push('level must be "organization" or "workspace"');
  const permissions = collect(problems, () => permissionList(input.permissions));
  if (level && permissions) problems.push(...customRoleProblems(policy, { id, name: name ?? "", level, permissions }));
  if (problems.length > 0 || name === undefined || description === undefined || !level || !permissions) {
    throw new DomainError("invalid_value", `the role is not valid: ${problems.join("; ")}`, { problems });
  }
  return { name, description, level, permissions };
}

function nameConflict(data: CustomRoleData): DomainError {
  return new DomainError("conflict", `a custom ${data.level} role named "${data.name}" already exists`, { field: "name" });
}

const builtInRefused = (id: string) => new DomainError("forbidden", "built-in roles cannot be changed", { id });

/**
 * Custom roles (seed 004), at organization or workspace level, on the plans the policy allows. Built-in roles
 * are listed beside them but never changed: they follow the policy file.
 */
export function createRoleService({ db, policy }: { db: Db; policy: () => Policy }) {
  async function requirePlan(tx: Db, organizationId: string): Promise<void> {
    const organization = isUuid(organizationId) ? await findOrganization(tx, organizationId) : null;
    if (!organization) throw notFound("organization", organizationId);
    if (!policy().customRoles.plans.includes(organization.plan)) {
      throw new DomainError("precondition_failed", "custom roles need a paid plan", { plan: organization.plan });
    }
  }

  /** The policy's built-in roles in policy order, then the organization's custom roles. */
  async function list(organizationId: string): Promise<RoleRecord[]> {
    if (!isUuid(organizationId) || !(await findOrganization(db, organizationId))) throw notFound("organization", organizationId);
    const rows = new Map((await listBuiltInRoles(db)).map((role) => [role.key, role]));
    const builtIn = Object.keys(policy().roles).map((key) => {
      const row = rows.get(key);
      // Written at startup (installPolicyRoles); a missing row is a deployment fault, not a client error.
      if (!row) throw new Error(`built-in role "${key}" has no roles row`);
      return row;
    });
    return [...builtIn, ...(await listCustomRoles(db, organizationId))];
  }

  async function get(organizationId: string, id: string): Promise<RoleRecord> {
    const role = isUuid(id) ? await findRole(db, organizationId, id.toLowerCase()) : null;
    if (!role) throw notFound("role", id);
    return role;
  }

  async function create(organizationId: string, input: RoleInput): Promise<RoleRecord> {
    const id = randomUUID();
    const data = validRole(policy(), id, { ...input });
    try {
      return await db.transaction(async (tx) => {
        await requirePlan(tx, organizationId);
        return insertCustomRole(tx, organizationId, id, data);
      });
    } catch (error) {
      if (classifyDatabaseError(error)?.constraint === "roles_custom_name") throw nameConflict(data);
      throw error;
    }
  }

  /** Changes name, description or permissions; absent fields keep their value. */
  async function update(organizationId: string, id: string, changes: RoleChanges): Promise<RoleRecord> {
    if (!isUuid(id)) throw notFound("role", id);
    let data: CustomRoleData | undefined;
    try {
      return await db.transaction(async (tx) => {
        const role = await findRole(tx, organizationId, id.toLowerCase(), { lock: true });
        if (!role) throw notFound("role", id);
        if (role.builtIn) throw builtInRefused(id);
        if (changes.level !== undefined && changes.level !== role.level) {
          throw new DomainError("invalid_value", "the role is not valid: level cannot be changed", { problems: ["level cannot be changed"] });
        }
        data = validRole(policy(), role.id, {
          name: changes.name === undefined ? role.name : changes.name,
          description: changes.description === undefined ? role.description : changes.description,
          level: role.level,
          permissions: changes.permissions === undefined ? role.permissions : changes.permissions,
        });
        await requirePlan(tx, organizationId);
        return (await updateCustomRole(tx, organizationId, role.id, data)) as RoleRecord;
      });
    } catch (error) {
      if (data && classifyDatabaseError(error)?.constraint === "roles_custom_name") throw nameConflict(data);
      throw error;
    }
  }

  /** Deletes a custom role no grant uses; otherwise refuses, naming who holds it where. */
  async function remove(organizationId: string, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound("role", id);
    try {
      await db.transaction(async (tx) => {
        // Locked: a grant naming the role (its foreign key check share-locks the row) waits for this to finish.
        const role = await findRole(tx, organizationId, id.toLowerCase(), { lock: true });
        if (!role) throw notFound("role", id);
        if (role.builtIn) throw builtInRefused(id);
        const holders = await listGrants(tx, organizationId, { roleId: role.id });
        if (holders.length > 0) {
          throw new DomainError("conflict", `role "${role.name}" is granted ${holders.length} time(s); revoke those grants first`, {
            holders: holders.map((grant) => ({ grantId: grant.id, principal: grant.principal, scope: grant.scope, source: grant.source })),
          });
        }
        const names = await domainsDefaultingTo(tx, organizationId, role.id);
        if (names.length > 0) {
          throw new DomainError("conflict", `role "${role.name}" is the default role of the email domain(s) ${names.join(", ")}; change their default role first`, {
            domains: names,
          });
        }
        await deleteCustomRole(tx, organizationId, role.id);
      });
    } catch (error) {
      // grants.role_id has no cascade: the database refuses too, should a grant slip in.
      if (classifyDatabaseError(error)?.kind === "foreign_key_violation") throw new DomainError("conflict", "the role is granted; revoke those grants first");
      throw error;
    }
  }

  return { list, get, create, update, remove };
}

export type RoleService = ReturnType<typeof createRoleService>;
