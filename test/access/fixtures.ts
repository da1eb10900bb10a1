/** Small builders for AccessFacts, so each test row reads as the situation it describes. */
import type { AccessFacts, GrantFact, GrantScope, GroupFact, ResourceFact, ShareFact, SpaceFact, WorkspaceFact } from "../../src/access/facts.js";
import { loadPolicyFile } from "../../src/access/policy.js";
import type { CustomRoleFact, Plan, Policy } from "../../src/access/policy.types.js";
import { type Decision, renderReason } from "../../src/access/index.js";

export const USER = "u-alice";

export const policyFile = (name: string): Policy => loadPolicyFile(new URL(`../../config/policies/${name}.json`, import.meta.url));

export const at = {
  organization: (): GrantScope => ({ type: "organization" }),
  workspace: (workspaceId: string): GrantScope => ({ type: "workspace", workspaceId }),
  space: (workspaceId: string, spaceId: string): GrantScope => ({ type: "space", workspaceId, spaceId }),
  resource: (workspaceId: string, resourceId: string): GrantScope => ({ type: "resource", workspaceId, resourceId }),
};

let counter = 0;
const nextId = (): string => `gr-${String(++counter).padStart(4, "0")}`;

/** A built-in role (by key) or custom role (by "custom:<id>") granted to a group. */
export function groupGrant(groupId: string, role: string, scope: GrantScope, source = "manual:root", id = nextId()): GrantFact {
  return { id, principal: { type: "group", id: groupId }, role: roleRef(role), scope, source };
}

export function userGrant(role: string, scope: GrantScope, source = "manual:root", id = nextId(), userId = USER): GrantFact {
  return { id, principal: { type: "user", id: userId }, role: roleRef(role), scope, source };
}

function roleRef(role: string): GrantFact["role"] {
  return role.startsWith("custom:") ? { kind: "custom", id: role.slice("custom:".length) } : { kind: "built-in", key: role };
}

export const group = (id: string, displayName: string, origin: GroupFact["origin"] = "scim"): GroupFact => ({ id, displayName, origin });
export const workspace = (id: string, title: string, spacesEnabled = true): WorkspaceFact => ({ id, title, spacesEnabled });
export const space = (id: string, workspaceId: string, name: string, dataFilter: string | null = null): SpaceFact => ({ id, workspaceId, name, dataFilter });

export function resource(type: string, id: string, workspaceId: string, spaceId: string | null, shares: ShareFact[] = [], ownerUserId: string | null = null): ResourceFact {
  return { id, type, workspaceId, spaceId, ownerUserId, shares };
}

export const share = {
  user: (level: string, id = USER): ShareFact => ({ principal: { type: "user", id }, level }),
  group: (level: string, id: string): ShareFact => ({ principal: { type: "group", id }, level }),
  workspace: (level: string): ShareFact => ({ principal: { type: "workspace" }, level }),
};

export interface FactsInput {
  plan?: Plan;
  active?: boolean;
  deleted?: boolean;
  memberOf?: string[];
  pins?: Array<[groupId: string, author: string, reason: string]>;
  excludes?: Array<[groupId: string, author: string, reason: string]>;
  groups?: GroupFact[];
  grants?: GrantFact[];
  workspaces?: WorkspaceFact[];
  spaces?: SpaceFact[];
  attachments?: Array<[groupId: string, spaceId: string]>;
  customRoles?: CustomRoleFact[];
  resources?: ResourceFact[];
}

export function facts(policy: Policy, input: FactsInput): AccessFacts {
  const override = (kind: "pin" | "exclude") => ([groupId, author, reason]: [string, string, string]) => ({ groupId, userId: USER, kind, author, reason });
  return {
    policy,
    organization: { id: "org-acme", plan: input.plan ?? "enterprise" },
    user: { id: USER, active: input.active ?? true, ...(input.deleted === undefined ? {} : { deleted: input.deleted }) },
    memberOf: input.memberOf ?? [],
    overrides: [...(input.pins ?? []).map(override("pin")), ...(input.excludes ?? []).map(override("exclude"))],
    groups: input.groups ?? [],
    grants: input.grants ?? [],
    workspaces: input.workspaces ?? [],
    spaces: input.spaces ?? [],
    attachments: (input.attachments ?? []).map(([groupId, spaceId]) => ({ groupId, spaceId })),
    customRoles: input.customRoles ?? [],
    resources: input.resources ?? [],
  };
}

/** The decision as the tests compare it: allowed, rendered chains, and the denial text. */
export function summary(decision: Decision): { allowed: boolean; reasons: string[]; missing?: string } {
  const reasons = decision.reasons.map(renderReason);
  return decision.missing === undefined ? { allowed: decision.allowed, reasons } : { allowed: decision.allowed, reasons, missing: decision.missing };
}
