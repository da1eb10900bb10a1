/** Built-in roles live in the policy file; grants reference them through `roles` rows kept in step at startup. */
import { syncBuiltInRoles } from "../../store/access.repository.js";
import type { Db } from "../../store/db.js";
import { markOwnerRoles } from "../../store/ownership.repository.js";
import type { Policy } from "../policy.types.js";

/**
 * Writes one `roles` row per built-in role of `policy` (same key: same row, so existing grants keep their role),
 * and marks the policy's Owner roles, which the database keeps to one holder per organization and workspace.
 */
export async function installPolicyRoles(db: Db, policy: Policy): Promise<void> {
  const roles = Object.values(policy.roles).map((role) => ({
    key: role.id,
    name: role.name,
    level: role.level,
    permissions: role.permissions,
    description: "",
  }));
  await syncBuiltInRoles(db, roles);
  await markOwnerRoles(
    db,
    Object.values(policy.roles).filter((role) => role.owner).map((role) => role.id),
  );
}
