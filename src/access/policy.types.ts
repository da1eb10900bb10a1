/**
 * A loaded access policy (DESIGN.md, "Access semantics"): the permission catalog, resource types, share
 * levels and built-in roles, as frozen data. Custom roles (seed 004) take the same `Role` shape.
 */

export type Level = "organization" | "workspace";
export type ResourceScope = "shared" | "space";
export type ShareRecipient = "user" | "group" | "workspace";
export type Plan = "free" | "paid" | "enterprise";

export interface PermissionDef {
  readonly key: string;
  readonly level: Level;
  /** The resource type for "<type>:<action>" permissions, null for the others. */
  readonly resourceType: string | null;
  readonly action: string | null;
  readonly ownerOnly: boolean;
  /** Holding it needs an author seat (DESIGN.md, Seats). */
  readonly write: boolean;
  readonly description: string;
}

export interface ResourceTypeDef {
  readonly key: string;
  /** shared: one set for the workspace; space: each resource lives in one Space (seed 001). */
  readonly scope: ResourceScope;
  readonly actions: readonly string[];
  readonly description: string;
}

export interface ShareLevelDef {
  readonly key: string;
  readonly name: string;
  /** Position in the policy's list, lowest first: a cap keeps the lower of two ranks. */
  readonly rank: number;
  readonly actions: readonly string[];
}

export interface Role {
  /** A built-in role's key; a custom role's row id. */
  readonly id: string;
  readonly builtIn: boolean;
  readonly name: string;
  readonly level: Level;
  /** Concrete permissions, sorted; patterns are expanded at load time. */
  readonly permissions: readonly string[];
  readonly seat: string;
  readonly owner: boolean;
  readonly allSpaces: boolean;
  readonly impliesWorkspaceRole: string | null;
  readonly maxShareLevel: string | null;
  readonly shareRecipients: readonly ShareRecipient[];
}

export interface CustomRolesRule {
  readonly plans: readonly Plan[];
  readonly writeSeat: string;
  readonly readSeat: string;
  readonly maxShareLevel: string | null;
}

/** A frozen, null-prototype record: lookups with any string are safe ("constructor" is just absent). */
export type Table<T> = Readonly<Record<string, T>>;

export interface Policy {
  readonly name: string;
  readonly description: string;
  readonly permissions: Table<PermissionDef>;
  readonly resourceTypes: Table<ResourceTypeDef>;
  readonly shareLevels: Table<ShareLevelDef>;
  readonly ownerShareLevel: string | null;
  readonly seatClasses: readonly string[];
  readonly customRoles: CustomRolesRule;
  /** Built-in roles by key, both levels. */
  readonly roles: Table<Role>;
}

/** What a custom role row holds (the `roles` table: id, name, level, permissions). */
export interface CustomRoleFact {
  readonly id: string;
  readonly name: string;
  readonly level: Level;
  readonly permissions: readonly string[];
}
