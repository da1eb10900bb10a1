/** Groups, grants, custom roles and overrides as the Admin API shows them (and as the audit log keeps them). */
import type { GrantRecord } from "../directory/grants.service.js";
import type { GroupRecord } from "../directory/groups.service.js";
import type { MemberRow } from "../directory/memberships.service.js";
import type { OverrideRecord } from "../directory/overrides.service.js";
import type { RoleRecord } from "../directory/roles.service.js";

export function presentGroup(group: GroupRecord, memberCount: number) {
  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    origin: group.origin,
    memberCount,
    createdAt: group.createdAt.toISOString(),
    updatedAt: group.updatedAt.toISOString(),
  };
}

export function presentMember(member: MemberRow) {
  return { userId: member.userId, userName: member.userName, displayName: member.displayName };
}

export function presentGrant(grant: GrantRecord) {
  return {
    id: grant.id,
    principal: grant.principal,
    role: { id: grant.role.id, key: grant.role.key, name: grant.role.name, level: grant.role.level, builtIn: grant.role.builtIn },
    scope: grant.scope,
    source: grant.source,
    createdBy: grant.createdBy,
    createdAt: grant.createdAt.toISOString(),
  };
}

export function presentRole(role: RoleRecord) {
  return {
    id: role.id,
    key: role.key,
    name: role.name,
    description: role.description,
    level: role.level,
    permissions: [...role.permissions],
    builtIn: role.builtIn,
    createdAt: role.createdAt.toISOString(),
    updatedAt: role.updatedAt.toISOString(),
  };
}

export function presentOverride(override: OverrideRecord) {
  return {
    id: override.id,
    groupId: override.groupId,
    userId: override.userId,
    kind: override.kind,
    reason: override.reason,
    author: override.author,
    createdAt: override.createdAt.toISOString(),
  };
}
