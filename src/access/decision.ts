/** The answer to one permission question (issue 4, Resolution), and helpers to phrase a denial. */
import type { WorkspaceAccess } from "./effective.js";
import type { Policy } from "./policy.types.js";
import type { ReasonChain } from "./reason.js";

export interface CheckRequest {
  readonly permission: string;
  readonly workspaceId?: string;
  /** Needed for a Space-scoped type without a resource, in a workspace with Spaces on. */
  readonly spaceId?: string;
  readonly resource?: { readonly type: string; readonly id: string };
}

export interface Decision {
  readonly allowed: boolean;
  readonly reasons: readonly ReasonChain[];
  /** For a denial: what would have allowed it. */
  readonly missing?: string;
}

/** A question that cannot be asked (unknown permission or type, missing workspace…): the API answers 400. */
export class AccessRequestError extends Error {
  override readonly name = "AccessRequestError";
  readonly code = "invalid_value";
}

export function decide(reasons: readonly ReasonChain[], missing: () => string): Decision {
  return reasons.length > 0 ? { allowed: true, reasons } : { allowed: false, reasons: [], missing: missing() };
}

// Denials are most answers, and this phrase depends only on the (frozen) policy: worked out once per permission.
// A memo of a pure function of immutable data, so check() stays pure.
const phrases = new WeakMap<Policy, Map<string, string>>();

/** "roles that grant it: Owner, Admin, Editor" — the built-in roles an admin could give. */
export function grantedBy(policy: Policy, permission: string): string {
  let known = phrases.get(policy);
  if (!known) phrases.set(policy, (known = new Map()));
  let phrase = known.get(permission);
  if (phrase === undefined) {
    const names = Object.values(policy.roles)
      .filter((role) => role.permissions.includes(permission))
      .map((role) => role.name);
    phrase = names.length > 0 ? `roles that grant it: ${[...new Set(names)].join(", ")}` : "no built-in role grants it";
    known.set(permission, phrase);
  }
  return phrase;
}

/** "not among the roles held here (Viewer)", naming each role once. */
export function notHeld(roleNames: readonly string[]): string {
  const names = [...new Set(roleNames)];
  return names.length > 0 ? `not among the roles held here (${names.join(", ")})` : "no role held here";
}

export const roleNamesOf = (workspace: WorkspaceAccess): string[] => workspace.roles.map((held) => held.role.name);

/** The workspace role a reason gives (the implied one for an organization role). */
export const roleNameOf = (chain: ReasonChain): string => chain.grant?.implies?.role.name ?? chain.grant?.role.name ?? "";

