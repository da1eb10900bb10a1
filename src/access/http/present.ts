/** Effective access and decisions as the Access API's JSON: reasons both structured and as one readable line. */
import type { Decision } from "../check.js";
import type { EffectiveAccess, PermissionTable, RoleHolding, WorkspaceAccess } from "../effective.js";
import { renderReason, type ReasonChain } from "../reason.js";

export const presentChain = (chain: ReasonChain) => ({ text: renderReason(chain), ...chain });

const permissionsOf = (table: PermissionTable): string[] => Object.keys(table).sort();

const presentRole = (holding: RoleHolding) => ({
  id: holding.role.id,
  name: holding.role.name,
  level: holding.role.level,
  builtIn: holding.role.builtIn,
  reasons: holding.reasons.map(renderReason),
});

function presentWorkspace(workspace: WorkspaceAccess) {
  return {
    id: workspace.workspaceId,
    title: workspace.title,
    spacesEnabled: workspace.spacesEnabled,
    seat: workspace.seat,
    roles: workspace.roles.map(presentRole),
    /** Workspace permissions, shared-type permissions (and every type while Spaces are off). */
    permissions: permissionsOf(workspace.permissions),
    /** Space-scoped permissions held in every Space. */
    everySpacePermissions: permissionsOf(workspace.everySpace),
    spaces: workspace.spaces.map((space) => ({
      id: space.spaceId,
      name: space.name,
      dataFilter: space.dataFilter,
      permissions: [...new Set([...permissionsOf(workspace.everySpace), ...permissionsOf(space.permissions)])].sort(),
      reasons: space.reasons.map(renderReason),
    })),
  };
}

export function presentEffective(access: EffectiveAccess, version: number) {
  return {
    organizationId: access.organizationId,
    userId: access.userId,
    accessVersion: version,
    active: access.active,
    groups: access.groups.map((group) => ({
      id: group.groupId,
      displayName: group.displayName,
      origin: group.origin,
      membership: group.membership,
      ...(group.pin ? { pin: group.pin } : {}),
    })),
    organization: {
      seat: access.organization.seat,
      roles: access.organization.roles.map(presentRole),
      permissions: permissionsOf(access.organization.permissions),
    },
    workspaces: access.workspaces.map(presentWorkspace),
    ignored: access.ignored,
  };
}

/** /check: the verdict, and for a denial what is missing. */
export const presentVerdict = (decision: Decision) => (decision.allowed ? { allowed: true } : { allowed: false, missing: decision.missing });

/** /explain: every reason chain, or why not. */
export function presentExplanation(decision: Decision) {
  return decision.allowed ? { allowed: true, reasons: decision.reasons.map(presentChain) } : { allowed: false, reasons: [], missing: decision.missing };
}
