/** One workspace's roles, visible Spaces and permissions, from the roles held there (DESIGN.md, Spaces). */
import type { Holding, PermissionTable, RoleHolding, VisibleSpace, WorkspaceAccess } from "./effective.js";
import type { SpaceFact, WorkspaceFact } from "./facts.js";
import { table } from "./policy.build.js";
import type { Policy, Role } from "./policy.types.js";
import { type ReasonChain, type SpaceStep, sortChains } from "./reason.js";

type Accumulator = Map<string, ReasonChain[]>;

function add(into: Accumulator, permission: string, chain: ReasonChain): void {
  const chains = into.get(permission);
  if (chains) chains.push(chain);
  else into.set(permission, [chain]);
}

export function freezeTable(from: Accumulator): PermissionTable {
  return table([...from.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, chains]) => [key, Object.freeze(sortChains(chains))] as const));
}

/** Built-in roles in policy order, then custom roles by id. */
export function orderRoles(policy: Policy, holdings: readonly Holding[]): RoleHolding[] {
  const order = Object.keys(policy.roles);
  const byRole = new Map<string, { role: Role; reasons: ReasonChain[] }>();
  for (const holding of holdings) {
    const entry = byRole.get(holding.role.id) ?? { role: holding.role, reasons: [] };
    entry.reasons.push({ via: holding.via, grant: holding.grant });
    byRole.set(holding.role.id, entry);
  }
  const rank = (role: Role): string => (role.builtIn ? `0${String(order.indexOf(role.id)).padStart(4, "0")}` : `1${role.id}`);
  return [...byRole.values()]
    .sort((a, b) => (rank(a.role) < rank(b.role) ? -1 : 1))
    .map((entry) => Object.freeze({ role: entry.role, reasons: Object.freeze(sortChains(entry.reasons)) }));
}

export function seatOf(policy: Policy, roles: readonly RoleHolding[]): string | null {
  const ranks = roles.map((held) => policy.seatClasses.indexOf(held.role.seat)).filter((rank) => rank >= 0);
  return ranks.length === 0 ? null : (policy.seatClasses[Math.min(...ranks)] ?? null);
}

interface Tables {
  readonly workspace: Accumulator;
  readonly everySpace: Accumulator;
  readonly bySpace: Map<string, Accumulator>;
}

function bucket(tables: Tables, spaceId: string): Accumulator {
  const existing = tables.bySpace.get(spaceId);
  if (existing) return existing;
  const created: Accumulator = new Map();
  tables.bySpace.set(spaceId, created);
  return created;
}

/** Where the holding's role applies to Space-scoped types, with the step that says why (none for a Space grant). */
function spaceTargets(holding: Holding, names: ReadonlyMap<string, string>): ReadonlyArray<{ spaceId: string | null; step?: SpaceStep }> {
  const reach = holding.reach;
  if (reach.kind === "space") return [{ spaceId: reach.spaceId }];
  if (reach.kind !== "workspace") return [];
  if (reach.spaces === "all") return [{ spaceId: null, step: { kind: "all-spaces" } }];
  return reach.spaces.map((spaceId) => ({ spaceId, step: { kind: "attached", spaceId, name: names.get(spaceId) ?? spaceId } }));
}

function isSpaced(policy: Policy, workspace: WorkspaceFact, permission: string): boolean {
  const type = policy.permissions[permission]?.resourceType;
  return workspace.spacesEnabled && typeof type === "string" && policy.resourceTypes[type]?.scope === "space";
}

/** Shared types and workspace permissions apply workspace-wide; Space-scoped ones only where the role reaches. */
function spread(policy: Policy, workspace: WorkspaceFact, names: ReadonlyMap<string, string>, holding: Holding, tables: Tables): void {
  const base = { via: holding.via, grant: holding.grant };
  const targets = spaceTargets(holding, names);
  for (const permission of holding.role.permissions) {
    if (!isSpaced(policy, workspace, permission)) {
      add(tables.workspace, permission, { ...base, permission });
      continue;
    }
    for (const { spaceId, step } of targets) {
      const chain: ReasonChain = step ? { ...base, space: step, permission } : { ...base, permission };
      add(spaceId === null ? tables.everySpace : bucket(tables, spaceId), permission, chain);
    }
  }
}

function spaceReasons(holdings: readonly Holding[], space: SpaceFact): ReasonChain[] {
  const reasons: ReasonChain[] = [];
  for (const holding of holdings) {
    const base = { via: holding.via, grant: holding.grant };
    const reach = holding.reach;
    if (reach.kind === "space" && reach.spaceId === space.id) reasons.push(base);
    if (reach.kind !== "workspace") continue;
    if (reach.spaces === "all") reasons.push({ ...base, space: { kind: "all-spaces" } });
    else if (reach.spaces.includes(space.id)) reasons.push({ ...base, space: { kind: "attached", spaceId: space.id, name: space.name } });
  }
  return sortChains(reasons);
}

function visibleSpaces(holdings: readonly Holding[], spaces: readonly SpaceFact[], tables: Tables): VisibleSpace[] {
  const visible: VisibleSpace[] = [];
  for (const space of spaces) {
    const reasons = spaceReasons(holdings, space);
    if (reasons.length === 0) continue;
    const permissions = freezeTable(tables.bySpace.get(space.id) ?? new Map());
    visible.push(Object.freeze({ spaceId: space.id, name: space.name, dataFilter: space.dataFilter, reasons: Object.freeze(reasons), permissions }));
  }
  return visible;
}

/** `holdings` are those of this workspace; `spaces` its Spaces, sorted. */
export function workspaceAccess(policy: Policy, workspace: WorkspaceFact, holdings: readonly Holding[], spaces: readonly SpaceFact[]): WorkspaceAccess {
  const tables: Tables = { workspace: new Map(), everySpace: new Map(), bySpace: new Map() };
  const names = new Map(spaces.map((space) => [space.id, space.name]));
  for (const holding of holdings) {
    if (holding.reach.kind === "workspace" || holding.reach.kind === "space") spread(policy, workspace, names, holding, tables);
  }
  const roles = orderRoles(policy, holdings);
  return Object.freeze({
    workspaceId: workspace.id,
    title: workspace.title,
    spacesEnabled: workspace.spacesEnabled,
    roles: Object.freeze(roles),
    permissions: freezeTable(tables.workspace),
    everySpace: freezeTable(tables.everySpace),
    spaces: Object.freeze(workspace.spacesEnabled ? visibleSpaces(holdings, spaces, tables) : []),
    seat: seatOf(policy, roles),
  });
}
