/**
 * What resolve() reads: the rows a loader fetches for one (organization, user), shaped after the tables of
 * the initial schema (grants, space_attachments, membership_overrides, roles, resources.sharing).
 */
import type { CustomRoleFact, Plan, Policy } from "./policy.types.js";

export type PrincipalRef = { readonly type: "user"; readonly id: string } | { readonly type: "group"; readonly id: string };

/** grants.role_id: a built-in role by its policy key, or a custom role of the organization by its row id. */
export type RoleRef = { readonly kind: "built-in"; readonly key: string } | { readonly kind: "custom"; readonly id: string };

export type GrantScope =
  | { readonly type: "organization" }
  | { readonly type: "workspace"; readonly workspaceId: string }
  | { readonly type: "space"; readonly workspaceId: string; readonly spaceId: string }
  | { readonly type: "resource"; readonly workspaceId: string; readonly resourceId: string };

export interface GrantFact {
  readonly id: string;
  readonly principal: PrincipalRef;
  readonly role: RoleRef;
  readonly scope: GrantScope;
  /** Who owns the row (DESIGN.md, Grant): scim:<token>, sso:<connection>, manual:<admin>, invite:<id>, system. */
  readonly source: string;
}

export interface GroupFact {
  readonly id: string;
  readonly displayName: string;
  readonly origin: "scim" | "manual";
}

/** An admin's correction of one membership (DESIGN.md, Override). */
export interface OverrideFact {
  readonly groupId: string;
  readonly userId: string;
  readonly kind: "pin" | "exclude";
  readonly author: string;
  readonly reason: string;
}

export interface WorkspaceFact {
  readonly id: string;
  readonly title: string;
  readonly spacesEnabled: boolean;
}

export interface SpaceFact {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly dataFilter: string | null;
}

export interface AttachmentFact {
  readonly groupId: string;
  readonly spaceId: string;
}

/** One element of resources.sharing. */
export interface ShareFact {
  readonly principal: PrincipalRef | { readonly type: "workspace" };
  /** A share level key of the policy ("view", "edit", "full"). */
  readonly level: string;
}

export interface ResourceFact {
  /** The id grants and checks name; the API maps the product's (type, external id) onto it. */
  readonly id: string;
  /** The product's own id for it, when it differs from `id`: what reasons name. */
  readonly externalId?: string;
  readonly type: string;
  readonly workspaceId: string;
  readonly spaceId: string | null;
  readonly ownerUserId: string | null;
  readonly shares: readonly ShareFact[];
}

export interface AccessFacts {
  readonly policy: Policy;
  readonly organization: { readonly id: string; readonly plan: Plan };
  /** `deleted` for a user whose row is gone: the loader still answers, with nothing allowed. */
  readonly user: { readonly id: string; readonly active: boolean; readonly deleted?: boolean };
  /** Groups whose group_members rows list the user (what the identity provider, or a manual group, says). */
  readonly memberOf: readonly string[];
  readonly overrides: readonly OverrideFact[];
  readonly groups: readonly GroupFact[];
  /** The user's own grants and those of the groups they may be in; others are ignored. */
  readonly grants: readonly GrantFact[];
  readonly workspaces: readonly WorkspaceFact[];
  readonly spaces: readonly SpaceFact[];
  readonly attachments: readonly AttachmentFact[];
  readonly customRoles: readonly CustomRoleFact[];
  /** Resources a check may name; resolve() needs none of them. */
  readonly resources: readonly ResourceFact[];
  /**
   * `workspaces` and `spaces` indexed (see indexOrganization). A loader that serves many users of one
   * organization builds it once per access version, so each resolve() neither re-sorts nor copies them.
   */
  readonly index?: OrganizationIndex;
}

export interface OrganizationIndex {
  readonly workspaces: ReadonlyMap<string, WorkspaceFact>;
  readonly spaces: ReadonlyMap<string, SpaceFact>;
  /** Workspaces by title, then id. */
  readonly workspacesInOrder: readonly WorkspaceFact[];
  /** Each workspace's Spaces by name, then id. */
  readonly spacesOf: ReadonlyMap<string, readonly SpaceFact[]>;
  readonly workspaceTable: Readonly<Record<string, WorkspaceFact>>;
  readonly spaceTable: Readonly<Record<string, SpaceFact>>;
}
