/**
 * resolve(): facts → effective access with reasons. PURE (DESIGN.md; STYLE.md rule 9): no I/O, no clock, no
 * module state, and the facts are only read. Semantics are DESIGN.md "Access semantics".
 */
import type { AccessBasis, EffectiveAccess, EffectiveGroup, Holding, WorkspaceAccess } from "./effective.js";
import { resourceKey } from "./effective.js";
import type { AccessFacts, OrganizationIndex, SpaceFact, WorkspaceFact } from "./facts.js";
import { collectHoldings, type HoldingsInput } from "./holdings.js";
import { effectiveGroups } from "./membership.js";
import { table } from "./policy.build.js";
import type { Policy } from "./policy.types.js";
import { freezeTable, orderRoles, seatOf, workspaceAccess } from "./workspace-access.js";
import type { ReasonChain } from "./reason.js";

export { check, AccessRequestError, type CheckRequest, type Decision } from "./check.js";

// Code-point order, not localeCompare: the same facts give the same output on every machine.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const byTitleThenId = <T extends { id: string }>(label: (item: T) => string) => (a: T, b: T): number =>
  compare(label(a), label(b)) || compare(a.id, b.id);

function attachmentsOf(facts: AccessFacts): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const { groupId, spaceId } of facts.attachments) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), spaceId]);
  for (const spaces of byGroup.values()) spaces.sort();
  return byGroup;
}

/** The organization's workspaces and Spaces, indexed and ordered once; pass it as `facts.index` to share it. */
export function indexOrganization(workspaces: readonly WorkspaceFact[], spaces: readonly SpaceFact[]): OrganizationIndex {
  const ordered = [...workspaces].sort(byTitleThenId<WorkspaceFact>((workspace) => workspace.title));
  const spacesOf = groupBy([...spaces].sort(byTitleThenId<SpaceFact>((space) => space.name)), (space) => space.workspaceId);
  return Object.freeze({
    workspaces: new Map(ordered.map((workspace) => [workspace.id, workspace])),
    spaces: new Map(spaces.map((space) => [space.id, space])),
    workspacesInOrder: Object.freeze(ordered),
    spacesOf,
    workspaceTable: table(workspaces.map((workspace) => [workspace.id, workspace] as const)),
    spaceTable: table(spaces.map((space) => [space.id, space] as const)),
  });
}

function basisOf(facts: AccessFacts, index: OrganizationIndex, groups: readonly EffectiveGroup[], holdings: readonly Holding[]): AccessBasis {
  return Object.freeze({
    policy: facts.policy,
    resources: table(facts.resources.map((resource) => [resourceKey(resource.type, resource.id), resource] as const)),
    workspaces: index.workspaceTable,
    spaces: index.spaceTable,
    groups: table(groups.map((group) => [group.groupId, group] as const)),
    holdings: Object.freeze([...holdings]),
  });
}

function organizationAccess(policy: Policy, holdings: readonly Holding[]): EffectiveAccess["organization"] {
  const organizational = holdings.filter((holding) => holding.reach.kind === "organization");
  const permissions = new Map<string, ReasonChain[]>();
  for (const holding of organizational) {
    for (const permission of holding.role.permissions) {
      permissions.set(permission, [...(permissions.get(permission) ?? []), { via: holding.via, grant: holding.grant, permission }]);
    }
  }
  const roles = orderRoles(policy, organizational);
  return Object.freeze({ roles: Object.freeze(roles), permissions: freezeTable(permissions), seat: seatOf(policy, roles) });
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function workspacesOf(facts: AccessFacts, index: OrganizationIndex, holdings: readonly Holding[]): WorkspaceAccess[] {
  const spaces = index.spacesOf;
  const workspaces = index.workspacesInOrder;
  const held = groupBy(holdings, (holding) => (holding.reach.kind === "organization" ? null : holding.reach.workspaceId));
  const result: WorkspaceAccess[] = [];
  for (const workspace of workspaces) {
    const here = held.get(workspace.id);
    if (here) result.push(workspaceAccess(facts.policy, workspace, here, spaces.get(workspace.id) ?? []));
  }
  return result;
}

/** Deactivated or deleted users have no access, immediately (DESIGN.md, Access semantics). */
function nothing(facts: AccessFacts): EffectiveAccess {
  const reason = facts.user.deleted ? "user is deleted" : "user is deactivated";
  return Object.freeze({
    organizationId: facts.organization.id,
    userId: facts.user.id,
    active: false,
    groups: Object.freeze([]),
    organization: Object.freeze({ roles: Object.freeze([]), permissions: table<readonly ReasonChain[]>([]), seat: null }),
    workspaces: Object.freeze([]),
    ignored: Object.freeze([{ kind: "user", id: facts.user.id, reason }] as const),
    basis: basisOf(facts, facts.index ?? indexOrganization(facts.workspaces, facts.spaces), [], []),
  });
}

export function resolve(facts: AccessFacts): EffectiveAccess {
  if (!facts.user.active || facts.user.deleted === true) return nothing(facts);
  const membership = effectiveGroups(facts);
  const index = facts.index ?? indexOrganization(facts.workspaces, facts.spaces);
  const input: HoldingsInput = {
    facts,
    groups: new Map(membership.groups.map((group) => [group.groupId, group])),
    workspaces: index.workspaces,
    spaces: index.spaces,
    attachments: attachmentsOf(facts),
  };
  const { holdings, ignored } = collectHoldings(input);
  return Object.freeze({
    organizationId: facts.organization.id,
    userId: facts.user.id,
    active: true,
    groups: Object.freeze(membership.groups),
    organization: organizationAccess(facts.policy, holdings),
    workspaces: Object.freeze(workspacesOf(facts, index, holdings)),
    ignored: Object.freeze([...membership.ignored, ...ignored]),
    basis: basisOf(facts, index, membership.groups, holdings),
  });
}
