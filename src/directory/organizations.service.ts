import type { Db } from "../store/db.js";
import {
  deleteOrganization,
  findDemoOrganization,
  findOrganization,
  insertOrganization,
  listOrganizations,
  updateOrganization,
  type FeatureFlags,
  type OrganizationChanges,
  type OrganizationRecord,
  type Plan,
} from "../store/organizations.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, requireText } from "./validation.js";

export type { FeatureFlags, OrganizationRecord, Plan };

export const PLANS: readonly Plan[] = ["free", "paid", "enterprise"];
/** The bounds the schema enforces (migrations 1795400400000 and 1795400500000), checked first for a clear message. */
export const SETTING_BOUNDS = {
  sessionIdleMinutes: { min: 5, max: 43_200 },
  sessionAbsoluteMinutes: { min: 5, max: 525_600 },
  auditRetentionDays: { min: 1, max: 3_650 },
} as const;
export const FEATURE_FLAG_KEY = /^[a-z][a-z0-9]*([._-][a-z0-9]+)*$/;
export const MAX_FEATURE_FLAGS = 100;

export interface OrganizationInput {
  name: string;
  plan?: Plan;
}

/** What an admin may change; `featureFlags` is merged into the current flags, a null value removing the flag. */
export interface OrganizationSettingsChanges {
  name?: string;
  plan?: Plan;
  sessionIdleMinutes?: number;
  sessionAbsoluteMinutes?: number;
  jitProvisioning?: boolean;
  featureFlags?: Record<string, boolean | null>;
  auditRetentionDays?: number | null;
}

const invalid = (field: string, message: string) => new DomainError("invalid_value", `${field} ${message}`, { field });

function parsePlan(plan: unknown): Plan {
  if (!PLANS.includes(plan as Plan)) throw invalid("plan", `must be one of ${PLANS.join(", ")}`);
  return plan as Plan;
}

function bounded(value: unknown, field: keyof typeof SETTING_BOUNDS): number {
  const { min, max } = SETTING_BOUNDS[field];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw invalid(field, `must be a whole number from ${min} to ${max}`);
  return value as number;
}

function mergeFlags(current: FeatureFlags, patch: unknown): FeatureFlags {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw invalid("featureFlags", "must be an object of flag: true | false | null");
  const merged: FeatureFlags = { ...current };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key.length > 64 || !FEATURE_FLAG_KEY.test(key)) throw invalid("featureFlags", `key "${key.slice(0, 64)}" must be lower-case letters and digits, words joined by . _ or -, at most 64 characters`);
    if (value === null) delete merged[key];
    else if (typeof value === "boolean") merged[key] = value;
    else throw invalid("featureFlags", `"${key}" must be true, false or null (null removes it)`);
  }
  if (Object.keys(merged).length > MAX_FEATURE_FLAGS) throw invalid("featureFlags", `may hold at most ${MAX_FEATURE_FLAGS} flags`);
  return merged;
}

/** Every change checked against the current settings (idle ≤ absolute holds for the result). */
function settingsChanges(current: OrganizationRecord, changes: OrganizationSettingsChanges): OrganizationChanges {
  const parsed: OrganizationChanges = {};
  if (changes.name !== undefined) parsed.name = requireText(changes.name, "name", 200);
  if (changes.plan !== undefined) parsed.plan = parsePlan(changes.plan);
  if (changes.sessionIdleMinutes !== undefined) parsed.sessionIdleMinutes = bounded(changes.sessionIdleMinutes, "sessionIdleMinutes");
  if (changes.sessionAbsoluteMinutes !== undefined) parsed.sessionAbsoluteMinutes = bounded(changes.sessionAbsoluteMinutes, "sessionAbsoluteMinutes");
  if (changes.jitProvisioning !== undefined) {
    if (typeof changes.jitProvisioning !== "boolean") throw invalid("jitProvisioning", "must be true or false");
    parsed.jitProvisioning = changes.jitProvisioning;
  }
  if (changes.featureFlags !== undefined) parsed.featureFlags = mergeFlags(current.featureFlags, changes.featureFlags);
  if (changes.auditRetentionDays !== undefined) {
    parsed.auditRetentionDays = changes.auditRetentionDays === null ? null : bounded(changes.auditRetentionDays, "auditRetentionDays");
  }
  const idle = parsed.sessionIdleMinutes ?? current.sessionIdleMinutes;
  const absolute = parsed.sessionAbsoluteMinutes ?? current.sessionAbsoluteMinutes;
  if (idle > absolute) {
    throw new DomainError("invalid_value", `sessionIdleMinutes (${idle}) must not exceed sessionAbsoluteMinutes (${absolute})`, { field: "sessionIdleMinutes" });
  }
  return parsed;
}

export function createOrganizationService({ db }: { db: Db }) {
  async function get(id: string, options: { lock?: boolean } = {}): Promise<OrganizationRecord> {
    const organization = isUuid(id) ? await findOrganization(db, id, options) : null;
    if (!organization) throw notFound("organization", id);
    return organization;
  }

  return {
    get,

    async create(input: OrganizationInput): Promise<OrganizationRecord> {
      const created = await insertOrganization(db, { name: requireText(input.name, "name", 200), plan: parsePlan(input.plan ?? "free") });
      if (!created) throw new Error("organization insert returned no row");
      return created;
    },

    /** Creates the demo organization unless one exists; `created` says which. Safe to race. */
    async ensureDemo(name: string): Promise<{ organization: OrganizationRecord; created: boolean }> {
      const created = await insertOrganization(db, { name: requireText(name, "name", 200), plan: "free", isDemo: true });
      if (created) return { organization: created, created: true };
      const existing = await findDemoOrganization(db);
      if (!existing) throw new Error("demo organization vanished while being created");
      return { organization: existing, created: false };
    },

    list: () => listOrganizations(db),

    /** Changes the given settings (absent ones keep their value), reading and writing under a row lock. */
    async update(id: string, changes: OrganizationSettingsChanges): Promise<OrganizationRecord> {
      return db.transaction(async (tx) => {
        const current = isUuid(id) ? await findOrganization(tx, id, { lock: true }) : null;
        if (!current) throw notFound("organization", id);
        const updated = await updateOrganization(tx, id, settingsChanges(current, changes));
        if (!updated) throw notFound("organization", id);
        return updated;
      });
    },

    /** Deletes the organization and everything in it; its audit trail stays. */
    async remove(id: string): Promise<void> {
      if (!isUuid(id) || !(await deleteOrganization(db, id))) throw notFound("organization", id);
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
