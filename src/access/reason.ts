/**
 * Reason chains: structured "why" data behind every role, visible Space and permission, rendered as in
 * DESIGN.md: `group "UK Marketing" (scim) → Editor @ workspace Acme-Prod, attached to Space UK → audience:update`.
 */
import type { Level } from "./policy.types.js";

export interface RoleLabel {
  readonly id: string;
  readonly name: string;
  readonly level: Level;
  readonly builtIn: boolean;
}

/** How the user is reached: themselves, one of their effective groups, the whole workspace, or as a resource's owner. */
export type Via =
  | { readonly kind: "user"; readonly userId: string }
  | {
      readonly kind: "group";
      readonly groupId: string;
      readonly displayName: string;
      readonly origin: "scim" | "manual";
      /** idp: group_members says so; pin: only an override does (DESIGN.md: members ∪ pins − excludes). */
      readonly membership: "idp" | "pin";
      readonly pin?: { readonly author: string; readonly reason: string };
    }
  | { readonly kind: "workspace"; readonly workspaceId: string; readonly title: string }
  | { readonly kind: "owner"; readonly userId: string };

export type ScopeLabel =
  | { readonly type: "organization" }
  | { readonly type: "workspace"; readonly workspaceId: string; readonly title: string }
  | { readonly type: "space"; readonly workspaceId: string; readonly title: string; readonly spaceId: string; readonly name: string }
  | { readonly type: "resource"; readonly workspaceId: string; readonly title: string; readonly resourceType: string; readonly resourceId: string };

export interface GrantStep {
  readonly grantId: string;
  readonly source: string;
  readonly role: RoleLabel;
  readonly scope: ScopeLabel;
  /** An organization role that holds a workspace role everywhere (Organization Admin ⇒ Admin). */
  readonly implies?: { readonly role: RoleLabel; readonly workspaceId: string; readonly title: string };
}

/** Where a workspace role applies to Space-scoped types (DESIGN.md, Spaces). */
export type SpaceStep = { readonly kind: "attached"; readonly spaceId: string; readonly name: string } | { readonly kind: "all-spaces" };

export interface ShareStep {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly shared: { readonly key: string; readonly name: string };
  /** The level actually held: the shared one, or the cap of `as` (a Viewer shared "edit" gets "view"). */
  readonly effective: { readonly key: string; readonly name: string };
  /** The role that lets the share reach the user and sets its cap. */
  readonly as: RoleLabel;
}

export interface ReasonChain {
  readonly via: Via;
  readonly grant?: GrantStep;
  readonly space?: SpaceStep;
  readonly share?: ShareStep;
  readonly permission?: string;
}

function renderVia(chain: ReasonChain): string {
  const via = chain.via;
  switch (via.kind) {
    case "user":
      return chain.grant ? `user (${chain.grant.source})` : "user";
    case "group": {
      const pin = via.pin ? `, pinned by ${via.pin.author}: "${via.pin.reason}"` : "";
      return `group "${via.displayName}" (${via.origin}${pin})`;
    }
    case "workspace":
      return `workspace ${via.title}`;
    case "owner":
      return "owner";
  }
}

function renderScope(scope: ScopeLabel): string {
  switch (scope.type) {
    case "organization":
      return "organization";
    case "workspace":
      return `workspace ${scope.title}`;
    case "space":
      return `Space ${scope.name} of workspace ${scope.title}`;
    case "resource":
      return `${scope.resourceType} ${scope.resourceId} in workspace ${scope.title}`;
  }
}

function renderGrant(grant: GrantStep, space: SpaceStep | undefined): string {
  let text = `${grant.role.name} @ ${renderScope(grant.scope)}`;
  if (grant.implies) text += ` ⇒ ${grant.implies.role.name} @ workspace ${grant.implies.title}`;
  if (space?.kind === "attached") text += `, attached to Space ${space.name}`;
  if (space?.kind === "all-spaces") text += ", all Spaces";
  return text;
}

function renderShare(share: ShareStep): string {
  const capped = share.effective.key === share.shared.key ? "" : `, capped to "${share.effective.name}"`;
  return `shared ${share.resourceType} ${share.resourceId} "${share.shared.name}"${capped} as ${share.as.name}`;
}

/** One line, left to right from the user to the permission. */
export function renderReason(chain: ReasonChain): string {
  const parts = [renderVia(chain)];
  if (chain.grant) parts.push(renderGrant(chain.grant, chain.space));
  if (chain.share) parts.push(renderShare(chain.share));
  if (chain.permission !== undefined) parts.push(chain.permission);
  return parts.join(" → ");
}

/** A cheap, stable ordering key built from ids (rendering every chain would dominate resolve time). */
export function chainKey(chain: ReasonChain): string {
  const via = chain.via;
  const who = via.kind === "group" ? `g:${via.groupId}` : via.kind === "workspace" ? `w:${via.workspaceId}` : `${via.kind[0]}:${via.userId}`;
  const space = chain.space?.kind === "attached" ? chain.space.spaceId : (chain.space?.kind ?? "");
  const share = chain.share ? `${chain.share.resourceType}/${chain.share.resourceId}` : "";
  return `${chain.grant?.grantId ?? ""}\u0000${who}\u0000${space}\u0000${share}\u0000${chain.permission ?? ""}`;
}

export function sortChains(chains: ReasonChain[]): ReasonChain[] {
  if (chains.length < 2) return chains;
  const keyed = chains.map((chain) => [chainKey(chain), chain] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, chain]) => chain);
}
