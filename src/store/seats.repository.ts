/** Who may hold a seat: the organization's active users with any grant, their own or through a group. */
import type { Db } from "./db.js";

export interface SeatCandidate {
  id: string;
  userName: string;
}

/**
 * Active users with a grant of their own or of a group they may be in (IdP member, sign-in claim, or pin).
 * Everyone else holds no role, so no seat; resolve() then decides for each candidate (an exclude may still
 * leave one with nothing).
 */
export async function listSeatCandidates(db: Db, organizationId: string): Promise<SeatCandidate[]> {
  const { rows } = await db.query<SeatCandidate>(
    `SELECT u.id, u.user_name AS "userName" FROM users u
     WHERE u.organization_id = $1 AND u.active AND (
       EXISTS (SELECT 1 FROM grants g WHERE g.organization_id = $1 AND g.user_id = u.id)
       OR EXISTS (SELECT 1 FROM grants g WHERE g.organization_id = $1 AND g.group_id IN (
         SELECT group_id FROM group_members WHERE user_id = u.id
         UNION SELECT group_id FROM claim_memberships WHERE user_id = u.id
         UNION SELECT group_id FROM membership_overrides WHERE user_id = u.id AND kind = 'pin')))
     ORDER BY lower(u.user_name), u.id`,
    [organizationId],
  );
  return rows;
}
