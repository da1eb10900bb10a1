/** Custom organization and workspace roles (seed 004), stored per organization, shaped like built-ins. */
import type { CustomRoleFact, Policy, Role, ShareRecipient } from "./policy.types.js";

const ALL_RECIPIENTS: readonly ShareRecipient[] = Object.freeze(["user", "group", "workspace"]);
const NO_RECIPIENTS: readonly ShareRecipient[] = Object.freeze([]);

/**
 * Why a custom role (a `roles` row of one organization) cannot be saved under this policy, or [] when it can.
 * The Admin API runs this before writing; resolve() also drops anything it would reject.
 */
export function customRoleProblems(policy: Policy, role: CustomRoleFact): string[] {
  const problems: string[] = [];
  if (role.id in policy.roles) problems.push(`id: "${role.id}" is a built-in role`);
  role.permissions.forEach((key, index) => {
    const def = policy.permissions[key];
    if (!def) problems.push(`permissions[${index}]: "${key}" is not in the permission catalog`);
    else if (def.level !== role.level) problems.push(`permissions[${index}]: "${key}" is a ${def.level}-level permission, not ${role.level}-level`);
    else if (def.ownerOnly) problems.push(`permissions[${index}]: "${key}" is owner-only`);
  });
  return problems;
}

/**
 * A custom role in the shape of a built-in one. DESIGN.md (Seats): custom roles with write permissions are
 * author seats. A custom role never owns, never spans all Spaces, and takes shares up to the policy's cap.
 */
export function customRole(policy: Policy, role: CustomRoleFact): Role {
  const permissions = [...new Set(role.permissions)]
    .filter((key) => {
      const def = policy.permissions[key];
      return def !== undefined && def.level === role.level && !def.ownerOnly;
    })
    .sort();
  const writes = permissions.some((key) => policy.permissions[key]?.write === true);
  const workspace = role.level === "workspace";
  return Object.freeze({
    id: role.id,
    builtIn: false,
    name: role.name,
    level: role.level,
    permissions: Object.freeze(permissions),
    seat: writes ? policy.customRoles.writeSeat : policy.customRoles.readSeat,
    owner: false,
    allSpaces: false,
    impliesWorkspaceRole: null,
    maxShareLevel: workspace ? policy.customRoles.maxShareLevel : null,
    shareRecipients: workspace ? ALL_RECIPIENTS : NO_RECIPIENTS,
  });
}
