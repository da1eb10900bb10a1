/** Grants → roles held, each with where it reaches (DESIGN.md, Access semantics and Spaces). */
import type { EffectiveGroup, Holding, IgnoredFact, Reach } from "./effective.js";
import type { AccessFacts, GrantFact, SpaceFact, WorkspaceFact } from "./facts.js";
import { customRole } from "./custom-roles.js";
import type { Role } from "./policy.types.js";
import type { GrantStep, RoleLabel, ScopeLabel, Via } from "./reason.js";

export interface HoldingsInput {
  readonly facts: AccessFacts;
  readonly groups: ReadonlyMap<string, EffectiveGroup>;
  readonly workspaces: ReadonlyMap<string, WorkspaceFact>;
  readonly spaces: ReadonlyMap<string, SpaceFact>;
  /** groupId → ids of the Spaces it is attached to. */
  readonly attachments: ReadonlyMap<string, readonly string[]>;
}

type Found<T> = { ok: true; value: T } | { ok: false; reason: string };

export const roleLabel = (role: Role): RoleLabel => ({ id: role.id, name: role.name, level: role.level, builtIn: role.builtIn });

function viaOf(input: HoldingsInput, grant: GrantFact): Via | null {
  if (grant.principal.type === "user") return grant.principal.id === input.facts.user.id ? { kind: "user", userId: grant.principal.id } : null;
  const group = input.groups.get(grant.principal.id);
  if (!group) return null;
  const pin = group.pin ? { pin: group.pin } : {};
  return { kind: "group", groupId: group.groupId, displayName: group.displayName, origin: group.origin, membership: group.membership, ...pin };
}

function roleOf(facts: AccessFacts, grant: GrantFact): Found<Role> {
  const { policy, organization } = facts;
  if (grant.role.kind === "built-in") {
    const role = policy.roles[grant.role.key];
    return role ? { ok: true, value: role } : { ok: false, reason: `no built-in role "${grant.role.key}" in policy ${policy.name}` };
  }
  const id = grant.role.id;
  const fact = facts.customRoles.find((role) => role.id === id);
  if (!fact) return { ok: false, reason: `custom role ${id} not among the loaded roles` };
  // DESIGN.md (Role): custom roles are for paid plans; after a downgrade their grants stay stored but give nothing.
  if (!policy.customRoles.plans.includes(organization.plan)) return { ok: false, reason: `custom roles need a ${policy.customRoles.plans.join(" or ")} plan; organization is on ${organization.plan}` };
  return { ok: true, value: customRole(policy, fact) };
}

function scopeOf(input: HoldingsInput, grant: GrantFact, role: Role): Found<ScopeLabel> {
  const scope = grant.scope;
  if ((scope.type === "organization") !== (role.level === "organization")) return { ok: false, reason: `${role.level} role "${role.name}" granted at ${scope.type} scope` };
  if (scope.type === "organization") return { ok: true, value: scope };
  const workspace = input.workspaces.get(scope.workspaceId);
  if (!workspace) return { ok: false, reason: `workspace ${scope.workspaceId} not among the loaded workspaces` };
  const title = workspace.title;
  if (scope.type === "workspace") return { ok: true, value: { type: "workspace", workspaceId: workspace.id, title } };
  if (scope.type === "resource") return { ok: true, value: { type: "resource", workspaceId: workspace.id, title, ...resourceLabel(input, scope.resourceId) } };
  const space = input.spaces.get(scope.spaceId);
  if (space?.workspaceId !== workspace.id) return { ok: false, reason: `Space ${scope.spaceId} is not a loaded Space of workspace ${title}` };
  // A Space grant is dormant while Spaces are off: it must not widen to the whole workspace.
  if (!workspace.spacesEnabled) return { ok: false, reason: `Spaces are disabled in workspace ${title}` };
  return { ok: true, value: { type: "space", workspaceId: workspace.id, title, spaceId: space.id, name: space.name } };
}

/** How a reason names a resource a grant is on: its type, and the product's id when known. */
function resourceLabel(input: HoldingsInput, resourceId: string): { resourceType: string; resourceId: string } {
  const resource = input.facts.resources.find((candidate) => candidate.id === resourceId);
  return { resourceType: resource?.type ?? "resource", resourceId: resource?.externalId ?? resourceId };
}

/**
 * Where a workspace role applies to Space-scoped types: every Space for Admin/Owner-like roles; for a group,
 * only the Spaces it is attached to; for a direct user grant, none — seed 001: "Access to a Space is
 * controlled through user groups, not individual users" (a Space grant reaches one Space for one user).
 */
function workspaceReach(input: HoldingsInput, role: Role, via: Via, workspaceId: string): Reach {
  if (role.allSpaces) return { kind: "workspace", workspaceId, spaces: "all" };
  const attached = via.kind === "group" ? (input.attachments.get(via.groupId) ?? []) : [];
  const spaces = attached.filter((spaceId) => input.spaces.get(spaceId)?.workspaceId === workspaceId);
  return { kind: "workspace", workspaceId, spaces };
}

function impliedHoldings(input: HoldingsInput, role: Role, via: Via, grant: GrantStep): Holding[] {
  const implied = role.impliesWorkspaceRole === null ? undefined : input.facts.policy.roles[role.impliesWorkspaceRole];
  if (!implied) return [];
  return [...input.workspaces.values()].map((workspace) => ({
    role: implied,
    via,
    grant: { ...grant, implies: { role: roleLabel(implied), workspaceId: workspace.id, title: workspace.title } },
    reach: workspaceReach(input, implied, via, workspace.id),
  }));
}

function holdingsOf(input: HoldingsInput, grant: GrantFact, via: Via, role: Role, scope: ScopeLabel): Holding[] {
  const step: GrantStep = { grantId: grant.id, source: grant.source, role: roleLabel(role), scope };
  const at = (reach: Reach): Holding => ({ role, via, grant: step, reach });
  switch (scope.type) {
    case "organization":
      return [at({ kind: "organization" }), ...impliedHoldings(input, role, via, step)];
    case "workspace":
      return [at(workspaceReach(input, role, via, scope.workspaceId))];
    case "space":
      return [at({ kind: "space", workspaceId: scope.workspaceId, spaceId: scope.spaceId })];
    case "resource":
      // The grant's own resource id, not the label's (which names the resource by the product's id).
      return [at({ kind: "resource", workspaceId: scope.workspaceId, resourceId: grant.scope.type === "resource" ? grant.scope.resourceId : scope.resourceId })];
  }
}

/** Every role the user holds, directly or through an effective group, at every level; roles add up. */
export function collectHoldings(input: HoldingsInput): { holdings: Holding[]; ignored: IgnoredFact[] } {
  const holdings: Holding[] = [];
  const ignored: IgnoredFact[] = [];
  const grants = [...input.facts.grants].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const grant of grants) {
    const via = viaOf(input, grant);
    if (!via) continue;
    const role = roleOf(input.facts, grant);
    if (!role.ok) {
      ignored.push({ kind: "grant", id: grant.id, reason: role.reason });
      continue;
    }
    const scope = scopeOf(input, grant, role.value);
    if (!scope.ok) ignored.push({ kind: "grant", id: grant.id, reason: scope.reason });
    else holdings.push(...holdingsOf(input, grant, via, role.value, scope.value));
  }
  return { holdings, ignored };
}
