/** The result of resolve(): a person's effective access with the reasons behind every piece of it. */
import type { ResourceFact, SpaceFact, WorkspaceFact } from "./facts.js";
import type { Policy, Role, Table } from "./policy.types.js";
import type { GrantStep, ReasonChain, Via } from "./reason.js";

export interface EffectiveGroup {
  readonly groupId: string;
  readonly displayName: string;
  readonly origin: "scim" | "manual";
  readonly membership: "idp" | "pin";
  readonly pin?: { readonly author: string; readonly reason: string };
}

export interface RoleHolding {
  readonly role: Role;
  /** One chain per grant (and group) that gives the role; no permission step. */
  readonly reasons: readonly ReasonChain[];
}

/** Permission → the chains that give it; absent keys are not held. */
export type PermissionTable = Table<readonly ReasonChain[]>;

export interface VisibleSpace {
  readonly spaceId: string;
  readonly name: string;
  readonly dataFilter: string | null;
  readonly reasons: readonly ReasonChain[];
  /** Space-scoped permissions held in this Space through attachments or Space grants (add `everySpace`). */
  readonly permissions: PermissionTable;
}

export interface WorkspaceAccess {
  readonly workspaceId: string;
  readonly title: string;
  readonly spacesEnabled: boolean;
  readonly roles: readonly RoleHolding[];
  /** Workspace permissions and shared-type permissions (and every type while Spaces are off). */
  readonly permissions: PermissionTable;
  /** Space-scoped permissions held in every Space (Admin, Owner, organization admins). */
  readonly everySpace: PermissionTable;
  readonly spaces: readonly VisibleSpace[];
  /** The costliest seat class (policy order) among the roles held here, or null. */
  readonly seat: string | null;
}

export interface IgnoredFact {
  readonly kind: "user" | "grant" | "membership" | "override";
  readonly id: string;
  readonly reason: string;
}

/** A role held by one grant, with where it reaches; kept so check() can judge resources and shares. */
export interface Holding {
  readonly role: Role;
  readonly via: Via;
  readonly grant: GrantStep;
  readonly reach: Reach;
}

export type Reach =
  | { readonly kind: "organization" }
  | { readonly kind: "workspace"; readonly workspaceId: string; readonly spaces: "all" | readonly string[] }
  | { readonly kind: "space"; readonly workspaceId: string; readonly spaceId: string }
  | { readonly kind: "resource"; readonly workspaceId: string; readonly resourceId: string };

export interface AccessBasis {
  readonly policy: Policy;
  /** Resources by `${type}/${id}`. */
  readonly resources: Table<ResourceFact>;
  readonly workspaces: Table<WorkspaceFact>;
  readonly spaces: Table<SpaceFact>;
  /** The user's effective groups by id. */
  readonly groups: Table<EffectiveGroup>;
  readonly holdings: readonly Holding[];
}

export interface EffectiveAccess {
  readonly organizationId: string;
  readonly userId: string;
  /** False for a deactivated or deleted user: every list below is empty (DESIGN.md, immediately). */
  readonly active: boolean;
  readonly groups: readonly EffectiveGroup[];
  readonly organization: { readonly roles: readonly RoleHolding[]; readonly permissions: PermissionTable; readonly seat: string | null };
  readonly workspaces: readonly WorkspaceAccess[];
  /** Facts that gave nothing, and why (unknown role, custom role on a free plan, excluded membership…). */
  readonly ignored: readonly IgnoredFact[];
  /** What check() needs beyond the tables above; not part of the API's JSON. */
  readonly basis: AccessBasis;
}

export const resourceKey = (type: string, id: string): string => `${type}/${id}`;
