/**
 * Checks on one registered resource: the roles held where it lives, roles granted on it, and explicit shares
 * capped by the role that receives them (DESIGN.md: "a Viewer shared a resource with edit gets view";
 * seed 003: a Guest gets only what is shared with them personally, never what is shared with the workspace).
 */
import { type CheckRequest, type Decision, decide, grantedBy, notHeld } from "./decision.js";
import type { EffectiveAccess, Holding } from "./effective.js";
import { resourceKey } from "./effective.js";
import type { ResourceFact } from "./facts.js";
import { roleLabel } from "./holdings.js";
import type { PermissionDef, ShareLevelDef, ShareRecipient } from "./policy.types.js";
import type { ReasonChain, Via } from "./reason.js";

interface Located {
  readonly resource: ResourceFact;
  /** A Space-scoped type in a workspace with Spaces on. */
  readonly spaced: boolean;
  /** Workspace-level holdings whose role applies where the resource lives. */
  readonly local: readonly Holding[];
}

function reaches(holding: Holding, resource: ResourceFact, spaced: boolean): boolean {
  const reach = holding.reach;
  if (reach.kind === "organization" || reach.kind === "resource" || reach.workspaceId !== resource.workspaceId) return false;
  if (!spaced) return true;
  if (reach.kind === "space") return reach.spaceId === resource.spaceId;
  // A Space-scoped resource outside any Space is reached only by roles that span every Space.
  return reach.spaces === "all" || (resource.spaceId !== null && reach.spaces.includes(resource.spaceId));
}

function roleChains(access: EffectiveAccess, at: Located, permission: string): readonly ReasonChain[] {
  const workspace = access.workspaces.find((entry) => entry.workspaceId === at.resource.workspaceId);
  if (!workspace) return [];
  if (!at.spaced) return workspace.permissions[permission] ?? [];
  const spaceId = at.resource.spaceId;
  const inSpace = spaceId === null ? [] : (workspace.spaces.find((space) => space.spaceId === spaceId)?.permissions[permission] ?? []);
  return [...(workspace.everySpace[permission] ?? []), ...inSpace];
}

/** Roles granted on this one resource (custom roles, seed 000), subject to the Space wall like everything else. */
function grantChains(access: EffectiveAccess, at: Located, permission: string): ReasonChain[] {
  if (at.spaced && at.local.length === 0) return [];
  return access.basis.holdings
    .filter((holding) => holding.reach.kind === "resource" && holding.reach.resourceId === at.resource.id && holding.reach.workspaceId === at.resource.workspaceId)
    .filter((holding) => holding.role.permissions.includes(permission))
    .map((holding) => ({ via: holding.via, grant: holding.grant, permission }));
}

interface Offer {
  readonly via: Via;
  readonly recipient: ShareRecipient;
  readonly level: ShareLevelDef;
}

function offers(access: EffectiveAccess, resource: ResourceFact): Offer[] {
  const { policy, groups, workspaces } = access.basis;
  const found: Offer[] = [];
  for (const share of resource.shares) {
    const level = policy.shareLevels[share.level];
    const principal = share.principal;
    if (!level) continue;
    if (principal.type === "user" && principal.id === access.userId) found.push({ via: { kind: "user", userId: access.userId }, recipient: "user", level });
    const group = principal.type === "group" ? groups[principal.id] : undefined;
    if (group) found.push({ via: { kind: "group", ...group }, recipient: "group", level });
    const title = workspaces[resource.workspaceId]?.title ?? resource.workspaceId;
    if (principal.type === "workspace") found.push({ via: { kind: "workspace", workspaceId: resource.workspaceId, title }, recipient: "workspace", level });
  }
  const ownerLevel = policy.ownerShareLevel === null ? undefined : policy.shareLevels[policy.ownerShareLevel];
  if (ownerLevel && resource.ownerUserId === access.userId) found.push({ via: { kind: "owner", userId: access.userId }, recipient: "user", level: ownerLevel });
  return found;
}

/** The role, among those applying here, that lets this share reach the user with the highest cap. */
function receiver(access: EffectiveAccess, local: readonly Holding[], recipient: ShareRecipient): { holding: Holding; cap: ShareLevelDef } | null {
  let best: { holding: Holding; cap: ShareLevelDef } | null = null;
  for (const holding of local) {
    const cap = holding.role.maxShareLevel === null ? undefined : access.basis.policy.shareLevels[holding.role.maxShareLevel];
    if (!cap || !holding.role.shareRecipients.includes(recipient)) continue;
    if (!best || cap.rank > best.cap.rank) best = { holding, cap };
  }
  return best;
}

function shareChains(access: EffectiveAccess, at: Located, def: PermissionDef, notes: string[]): ReasonChain[] {
  const levels = Object.values(access.basis.policy.shareLevels);
  const chains: ReasonChain[] = [];
  for (const offer of offers(access, at.resource)) {
    const taker = receiver(access, at.local, offer.recipient);
    if (!taker) {
      notes.push(`a "${offer.level.name}" share to ${offer.recipient === "user" ? "the user" : `the ${offer.recipient}`} reaches none of the roles held here`);
      continue;
    }
    const effective = offer.level.rank <= taker.cap.rank ? offer.level : (levels.find((level) => level.rank === taker.cap.rank) ?? taker.cap);
    const share = { resourceType: at.resource.type, resourceId: at.resource.externalId ?? at.resource.id, shared: { key: offer.level.key, name: offer.level.name }, effective: { key: effective.key, name: effective.name }, as: roleLabel(taker.holding.role) };
    if (def.action !== null && effective.actions.includes(def.action)) chains.push({ via: offer.via, share, permission: def.key });
    else notes.push(`shared "${offer.level.name}"${effective === offer.level ? "" : `, capped to "${effective.name}" as ${taker.holding.role.name}`}, which does not give ${def.action ?? def.key}`);
  }
  return chains;
}

function locate(access: EffectiveAccess, resource: ResourceFact): Located {
  const type = access.basis.policy.resourceTypes[resource.type];
  const spaced = type?.scope === "space" && access.basis.workspaces[resource.workspaceId]?.spacesEnabled === true;
  return { resource, spaced, local: access.basis.holdings.filter((holding) => reaches(holding, resource, spaced)) };
}

function misplaced(resource: ResourceFact, request: CheckRequest): string | null {
  if (request.workspaceId !== undefined && request.workspaceId !== resource.workspaceId) return `it belongs to workspace ${resource.workspaceId}, not ${request.workspaceId}`;
  if (request.spaceId !== undefined && request.spaceId !== resource.spaceId) return `it belongs to ${resource.spaceId === null ? "no Space" : `Space ${resource.spaceId}`}, not ${request.spaceId}`;
  return null;
}

export function checkResource(access: EffectiveAccess, def: PermissionDef, ref: { type: string; id: string }, request: CheckRequest): Decision {
  const resource = access.basis.resources[resourceKey(ref.type, ref.id)];
  const subject = `${def.key} on ${ref.type} ${resource?.externalId ?? ref.id}`;
  if (!resource) return decide([], () => `${subject}: the resource is not registered`);
  const wrong = misplaced(resource, request);
  if (wrong) return decide([], () => `${subject}: ${wrong}`);
  const at = locate(access, resource);
  const notes: string[] = [];
  const chains = [...roleChains(access, at, def.key), ...grantChains(access, at, def.key), ...shareChains(access, at, def, notes)];
  return decide(chains, () => `${subject}: ${whyNot(access, at, notes)}; ${grantedBy(access.basis.policy, def.key)}`);
}

function whyNot(access: EffectiveAccess, at: Located, notes: readonly string[]): string {
  const workspace = access.workspaces.find((entry) => entry.workspaceId === at.resource.workspaceId);
  const title = access.basis.workspaces[at.resource.workspaceId]?.title ?? at.resource.workspaceId;
  if (!workspace) return `no role in workspace ${title}`;
  if (at.spaced && at.local.length === 0) {
    const space = at.resource.spaceId === null ? undefined : access.basis.spaces[at.resource.spaceId];
    return space ? `no role reaches Space ${space.name} of workspace ${title}` : `it is in no Space, which only roles spanning every Space reach`;
  }
  return [notHeld(at.local.map((holding) => holding.role.name)), ...notes].join("; ");
}
