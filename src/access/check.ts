/**
 * check(): one permission question answered from effective access, with the reason chains that allow it or,
 * for a denial, what is missing (issue 4, Resolution). Pure, like resolve().
 */
import { checkResource } from "./check-resource.js";
import { AccessRequestError, type CheckRequest, type Decision, decide, grantedBy, notHeld, roleNameOf, roleNamesOf } from "./decision.js";
import type { EffectiveAccess, WorkspaceAccess } from "./effective.js";
import type { AccessFacts } from "./facts.js";
import type { PermissionDef, Policy } from "./policy.types.js";
import type { ReasonChain } from "./reason.js";
import { resolve } from "./resolve.js";

export { AccessRequestError, type CheckRequest, type Decision } from "./decision.js";

function validate(policy: Policy, request: CheckRequest): PermissionDef {
  const def = policy.permissions[request.permission];
  if (!def) throw new AccessRequestError(`unknown permission "${request.permission}"`);
  const resource = request.resource;
  if (resource) {
    if (!policy.resourceTypes[resource.type]) throw new AccessRequestError(`unknown resource type "${resource.type}"`);
    if (def.resourceType !== resource.type) throw new AccessRequestError(`permission "${def.key}" does not apply to a ${resource.type}`);
  } else if (def.level === "workspace" && request.workspaceId === undefined) {
    throw new AccessRequestError(`permission "${def.key}" needs a workspaceId or a resource`);
  }
  return def;
}

function spaceChains(workspace: WorkspaceAccess | undefined, spaceId: string, permission: string): ReasonChain[] {
  if (!workspace) return [];
  const inSpace = workspace.spaces.find((space) => space.spaceId === spaceId)?.permissions[permission] ?? [];
  return [...(workspace.everySpace[permission] ?? []), ...inSpace];
}

function checkWorkspace(access: EffectiveAccess, def: PermissionDef, workspaceId: string, spaceId: string | undefined): Decision {
  const { policy, workspaces, spaces } = access.basis;
  const title = workspaces[workspaceId]?.title ?? workspaceId;
  const workspace = access.workspaces.find((entry) => entry.workspaceId === workspaceId);
  const type = def.resourceType === null ? undefined : policy.resourceTypes[def.resourceType];
  const spaced = type?.scope === "space" && workspaces[workspaceId]?.spacesEnabled === true;
  const missing = (where: string, why: string) => () => `${def.key} in ${where}: ${why}; ${grantedBy(policy, def.key)}`;
  if (!workspace) return decide([], missing(`workspace ${title}`, "no role in this workspace"));
  if (!spaced) return decide(workspace.permissions[def.key] ?? [], missing(`workspace ${title}`, notHeld(roleNamesOf(workspace))));
  if (spaceId === undefined) throw new AccessRequestError(`${def.resourceType} is Space-scoped in workspace ${title}: give a spaceId`);
  const space = spaces[spaceId];
  if (space?.workspaceId !== workspaceId) return decide([], () => `${def.key}: Space ${spaceId} is not a Space of workspace ${title}`);
  const visible = workspace.spaces.find((entry) => entry.spaceId === space.id);
  const why = visible ? notHeld(visible.reasons.map(roleNameOf)) : "no role reaches this Space (no attached group, no Space grant)";
  return decide(spaceChains(workspace, space.id, def.key), missing(`Space ${space.name} of workspace ${title}`, why));
}

/** Answers from resolved access, or resolves the facts first. Throws AccessRequestError for a malformed question. */
export function check(subject: EffectiveAccess | AccessFacts, request: CheckRequest): Decision {
  const access = "user" in subject ? resolve(subject) : subject;
  const policy = access.basis.policy;
  const def = validate(policy, request);
  if (!access.active) return decide([], () => `${def.key}: the user is deactivated or deleted, and has no access`);
  if (def.level === "organization") {
    return decide(access.organization.permissions[def.key] ?? [], () => `${def.key} at organization level: no organization role held grants it; ${grantedBy(policy, def.key)}`);
  }
  if (request.resource) return checkResource(access, def, request.resource, request);
  return checkWorkspace(access, def, request.workspaceId ?? "", request.spaceId);
}
