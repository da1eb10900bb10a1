/**
 * The access engine as a service: loads facts, runs the pure resolve()/check(), and caches effective access
 * per (organization, access version) (issue 4, Resolution; DESIGN.md, Access semantics).
 *
 * Freshness: the database bumps an organization's version in every transaction that changes access and
 * NOTIFYs it at commit (migration 1795400300000). This process learns versions from those notifications and
 * from every load, and serves a cached entry only while it is at the newest version known. While the
 * notification connection is down nothing is served from cache. A caller that saw version V (in a response,
 * or after its own write) may ask for "at least V": the engine reads the database's version before answering
 * and refuses with AccessVersionUnavailable rather than serve older data.
 */
import { AccessRequestError, check, type CheckRequest, type Decision } from "../check.js";
import type { EffectiveAccess } from "../effective.js";
import { resourceKey } from "../effective.js";
import type { AccessFacts, OrganizationIndex, ResourceFact } from "../facts.js";
import type { Policy } from "../policy.types.js";
import { indexOrganization, resolve } from "../resolve.js";
import {
  findResources,
  loadOrganizationFacts,
  loadUserFacts,
  readAccessVersion,
  type OrganizationFacts,
  type ResourceRecord,
  type UserFacts,
} from "../../store/access.repository.js";
import type { Db } from "../../store/db.js";
import type { Notifications } from "../../store/notifications.js";
import { LruCache } from "./lru.js";

export const ACCESS_CHANNEL = "gatehouse_access";

/** The organization does not exist (or was deleted): callers answer 404. */
export class UnknownOrganization extends Error {
  override readonly name = "UnknownOrganization";
}

/** "At least version V" cannot be honoured: V is newer than anything the database has committed. */
export class AccessVersionUnavailable extends Error {
  override readonly name = "AccessVersionUnavailable";
  constructor(
    readonly wanted: number,
    readonly current: number,
  ) {
    super(`access version ${wanted} is not available; the organization is at version ${current}`);
  }
}

export interface AccessEngineOptions {
  db: Db;
  policy: Policy;
  /** Without notifications (or while they are down) nothing is cached. */
  notifications?: Notifications;
  /** Users whose effective access is kept, across organizations. */
  maxUsers?: number;
  maxResources?: number;
  /** Organizations whose structure (workspaces, Spaces, custom roles) is kept. */
  maxOrganizations?: number;
  /** How long a request asking for a version not yet known waits for it. */
  versionWaitMs?: number;
}

export interface Resolved {
  version: number;
  access: EffectiveAccess;
  /** True when no user with this id exists in the organization (deleted, or never provisioned). */
  unknownUser: boolean;
}

/** A check as the product asks it: resources by the product's (type, id). */
export interface ProductCheck extends Omit<CheckRequest, "resource"> {
  readonly resource?: { readonly type: string; readonly id: string };
}

/** The organization's structure with its index, shared by every user resolved at that version. */
interface Structure extends OrganizationFacts {
  index: OrganizationIndex;
}

interface Entry<T> {
  readonly version: number;
  readonly value: T;
}

export function createAccessEngine(options: AccessEngineOptions) {
  const { db, policy, notifications } = options;
  const versionWaitMs = options.versionWaitMs ?? 1_000;
  /** Newest version known per organization (from notifications and loads). */
  const known = new Map<string, number>();
  const waiters = new Set<() => void>();
  const organizations = new LruCache<string, Entry<Structure>>(options.maxOrganizations ?? 1_000);
  const users = new LruCache<string, Entry<Resolved>>(options.maxUsers ?? 10_000);
  const resources = new LruCache<string, Entry<ResourceRecord | null>>(options.maxResources ?? 100_000);
  const stats = { hits: 0, misses: 0, loads: 0 };

  const caching = (): boolean => notifications?.live === true;

  function observe(organizationId: string, version: number): void {
    if (version === 0) {
      known.delete(organizationId);
      organizations.delete(organizationId);
      return;
    }
    if (version > (known.get(organizationId) ?? 0)) {
      known.set(organizationId, version);
      for (const wake of waiters) wake();
    }
  }

  function forgetEverything(): void {
    known.clear();
    organizations.clear();
    users.clear();
    resources.clear();
    for (const wake of waiters) wake();
  }

  const fresh = <T>(organizationId: string, entry: Entry<T> | undefined): entry is Entry<T> =>
    entry !== undefined && caching() && entry.version >= (known.get(organizationId) ?? Number.POSITIVE_INFINITY);

  /**
   * The organization's structure as of `structureVersion` (what the user's facts were read with). Kept across
   * every change that is not structural (memberships, grants, resources…): the database says which it was.
   */
  async function organizationFacts(organizationId: string, structureVersion: number): Promise<Structure> {
    const cached = organizations.get(organizationId);
    if (cached && cached.value.structureVersion === structureVersion) return cached.value;
    const facts = await loadOrganizationFacts(db, organizationId);
    if (!facts) throw new UnknownOrganization(`organization ${organizationId} not found`);
    observe(organizationId, facts.version);
    const loaded: Structure = { ...facts, index: indexOrganization(facts.workspaces, facts.spaces) };
    if (!cached || cached.value.structureVersion <= facts.structureVersion) organizations.set(organizationId, { version: facts.version, value: loaded });
    return loaded;
  }

  async function load(organizationId: string, userId: string): Promise<Resolved> {
    stats.loads += 1;
    // Two statements, each one snapshot: the structure must be the one the user's facts were read with.
    for (let attempt = 0; ; attempt += 1) {
      const person = await loadUserFacts(db, organizationId, userId);
      if (!person) throw new UnknownOrganization(`organization ${organizationId} not found`);
      observe(organizationId, person.version);
      const structure = await organizationFacts(organizationId, person.structureVersion);
      if (structure.structureVersion !== person.structureVersion && attempt < 3) continue;
      const facts = assembleFacts(policy, organizationId, userId, person, structure);
      return { version: person.version, access: resolve(facts), unknownUser: person.user === null };
    }
  }

  /** Waits until this process knows version `wanted` of the organization, reading the database if needed. */
  async function reach(organizationId: string, wanted: number): Promise<void> {
    if ((known.get(organizationId) ?? 0) >= wanted && caching()) return;
    const current = await readAccessVersion(db, organizationId);
    if (current === null) throw new UnknownOrganization(`organization ${organizationId} not found`);
    observe(organizationId, current);
    if (current >= wanted) return;
    // A version nobody has committed yet: perhaps a commit in flight. Wait briefly, then refuse.
    await new Promise<void>((done) => {
      const timer = setTimeout(finish, versionWaitMs);
      function finish(): void {
        clearTimeout(timer);
        waiters.delete(check);
        done();
      }
      function check(): void {
        if ((known.get(organizationId) ?? 0) >= wanted) finish();
      }
      waiters.add(check);
    });
    const after = (await readAccessVersion(db, organizationId)) ?? 0;
    observe(organizationId, after);
    if (after < wanted) throw new AccessVersionUnavailable(wanted, after);
  }

  async function effective(organizationId: string, anyCaseUserId: string, atLeast = 0): Promise<Resolved> {
    const userId = anyCaseUserId.toLowerCase();
    if (atLeast > 0) await reach(organizationId, atLeast);
    const key = `${organizationId}/${userId}`;
    const cached = users.get(key);
    if (fresh(organizationId, cached) && cached.version >= atLeast) {
      stats.hits += 1;
      return cached.value;
    }
    stats.misses += 1;
    const resolved = await load(organizationId, userId);
    if (caching()) users.set(key, { version: resolved.version, value: resolved });
    return resolved;
  }

  /** Registered resources by the product's (type, id), through the cache. */
  async function lookUp(organizationId: string, refs: ReadonlyArray<{ type: string; id: string }>): Promise<Map<string, ResourceRecord>> {
    const found = new Map<string, ResourceRecord>();
    const missing: Array<{ type: string; externalId: string }> = [];
    for (const ref of refs) {
      const key = `${organizationId}/${resourceKey(ref.type, ref.id)}`;
      const cached = resources.get(key);
      if (fresh(organizationId, cached)) {
        if (cached.value) found.set(resourceKey(ref.type, ref.id), cached.value);
      } else if (!missing.some((wanted) => wanted.type === ref.type && wanted.externalId === ref.id)) {
        missing.push({ type: ref.type, externalId: ref.id });
      }
    }
    if (missing.length === 0) return found;
    const loaded = await findResources(db, organizationId, missing);
    observe(organizationId, loaded.version);
    const byKey = new Map(loaded.resources.map((record) => [resourceKey(record.type, record.externalId), record]));
    for (const ref of missing) {
      const key = resourceKey(ref.type, ref.externalId);
      const record = byKey.get(key) ?? null;
      if (record) found.set(key, record);
      if (caching()) resources.set(`${organizationId}/${key}`, { version: loaded.version, value: record });
    }
    return found;
  }

  /**
   * Answers checks for one user; resources are named by the product's ids. A question that cannot be asked
   * (unknown permission, missing workspace…) gets its AccessRequestError in its place: the caller reports all.
   */
  async function decide(organizationId: string, userId: string, checks: readonly ProductCheck[], atLeast = 0): Promise<{ resolved: Resolved; decisions: Array<Decision | AccessRequestError> }> {
    const resolved = await effective(organizationId, userId, atLeast);
    const refs = checks.flatMap((request) => (request.resource ? [request.resource] : []));
    const records = refs.length > 0 ? await lookUp(organizationId, refs) : new Map<string, ResourceRecord>();
    const access = records.size > 0 ? withResources(resolved.access, [...records.values()]) : resolved.access;
    const decisions = checks.map((request) => {
      try {
        if (!request.resource) return check(access, request);
        const record = records.get(resourceKey(request.resource.type, request.resource.id));
        return check(access, { ...request, resource: { type: request.resource.type, id: record?.id ?? request.resource.id } });
      } catch (error) {
        if (error instanceof AccessRequestError) return error;
        throw error;
      }
    });
    return { resolved, decisions };
  }

  async function start(): Promise<void> {
    if (!notifications) return;
    notifications.onGap(forgetEverything);
    await notifications.listen(ACCESS_CHANNEL, (payload) => {
      const [organizationId, version] = payload.split(":");
      if (organizationId && version !== undefined) observe(organizationId, Number(version));
    });
  }

  return {
    start,
    effective,
    decide,
    lookUp,
    /** After a write through this process: learn the version at once instead of waiting for the notification. */
    async refresh(organizationId: string): Promise<number> {
      const version = await readAccessVersion(db, organizationId);
      if (version === null) throw new UnknownOrganization(`organization ${organizationId} not found`);
      observe(organizationId, version);
      return version;
    },
    /** After a write through this process that may have changed access: as refresh(), when anything of it is cached. */
    async afterWrite(organizationId: string): Promise<void> {
      if (!known.has(organizationId)) return;
      try {
        const version = await readAccessVersion(db, organizationId);
        if (version !== null) observe(organizationId, version);
      } catch {
        // The write is committed and its response must not fail: instead, serve nothing of this organization
        // from cache until a load has read its version again.
        known.delete(organizationId);
      }
    },
    knownVersion: (organizationId: string): number | undefined => known.get(organizationId),
    policy,
    stats,
  };
}

export type AccessEngine = ReturnType<typeof createAccessEngine>;

/** resolve()'s input from the two loaders' rows; a user the database does not have is resolved as deleted. */
export function assembleFacts(
  policy: Policy,
  organizationId: string,
  userId: string,
  person: UserFacts,
  structure: OrganizationFacts & { index?: OrganizationIndex },
): AccessFacts {
  return {
    policy,
    organization: { id: organizationId, plan: structure.plan },
    user: person.user ?? { id: userId, active: false, deleted: true },
    memberOf: person.memberOf,
    overrides: person.overrides,
    groups: person.groups,
    grants: person.grants,
    workspaces: structure.workspaces,
    spaces: structure.spaces,
    attachments: person.attachments,
    customRoles: structure.customRoles,
    resources: person.resources,
    ...(structure.index ? { index: structure.index } : {}),
  };
}

/** The same effective access, able to judge these resources too (resolve() needs none of them). */
export function withResources(access: EffectiveAccess, records: readonly ResourceFact[]): EffectiveAccess {
  // The cached table stays untouched: the new one looks up `records` first, then the cached entries behind them.
  const resources = Object.create(access.basis.resources) as Record<string, ResourceFact>;
  // defineProperty: plain assignment throws when the frozen table behind already has the key.
  for (const record of records) Object.defineProperty(resources, resourceKey(record.type, record.id), { value: record, enumerable: true });
  return { ...access, basis: { ...access.basis, resources: Object.freeze(resources) } };
}
