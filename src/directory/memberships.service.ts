import { classifyDatabaseError, type Db } from "../store/db.js";
import type { AuditEventInput } from "../store/audit.repository.js";
import { findGroup, type GroupRecord } from "../store/groups.repository.js";
import {
  changeMembersAudited,
  countMembers,
  deleteMembers,
  deleteMembersExcept,
  insertExistingMembers,
  insertMembers,
  listGroupIdsOfUser,
  listMembers,
  type MemberDelta,
  type MemberRow,
} from "../store/memberships.repository.js";
import { existingUserIds, findUsers } from "../store/users.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid } from "./validation.js";

export type { MemberRow };

export interface MembershipChange {
  added: number;
  removed: number;
}

/**
 * Every id must be a user of this organization: a member that does not exist is refused with the
 * offending ids, and nothing is changed (a user of another organization is "unknown" here too).
 */
function unknownUsers(unknown: string[]): DomainError {
  return new DomainError("invalid_value", `unknown user ${unknown.length === 1 ? "id" : "ids"}: ${unknown.slice(0, 20).join(", ")}`, { unknownUserIds: unknown });
}

/** The ids split into well-formed ones (lower-cased, once each) and malformed ones (unknown by definition). */
function splitIds(userIds: string[]): { ids: string[]; malformed: string[] } {
  const unique = [...new Set(userIds)];
  return { ids: [...new Set(unique.filter(isUuid).map((id) => id.toLowerCase()))], malformed: unique.filter((id) => !isUuid(id)) };
}

async function requireUsers(db: Db, organizationId: string, userIds: string[]): Promise<string[]> {
  const { ids, malformed } = splitIds(userIds);
  const existing = await existingUserIds(db, organizationId, ids);
  const unknown = [...malformed, ...ids.filter((id) => !existing.has(id))];
  if (unknown.length > 0) throw unknownUsers(unknown);
  return ids;
}

/** Options for a caller that already holds the group's row lock in the same transaction (SCIM PATCH). */
export interface MembershipOptions {
  groupLocked?: boolean;
}

/**
 * Runs a membership change on a locked group, so concurrent changes to one group apply one after another
 * and lose nothing. The group's version moves with its members (a trigger on group_members).
 */
/** A user deleted by a concurrent request after the ids were checked: the same answer as an unknown id. */
function asDeletedWhileAdded(error: unknown): unknown {
  return classifyDatabaseError(error)?.constraint === "group_members_organization_id_user_id_fkey"
    ? new DomainError("invalid_value", "a user was deleted while being added to the group")
    : error;
}

async function changeMembers(
  db: Db,
  organizationId: string,
  groupId: string,
  change: (tx: Db) => Promise<MembershipChange>,
  options: MembershipOptions = {},
): Promise<MembershipChange> {
  if (!isUuid(groupId)) throw notFound("group", groupId);
  try {
    return await db.transaction(async (tx) => {
      if (!options.groupLocked && !(await findGroup(tx, organizationId, groupId, { lock: true }))) throw notFound("group", groupId);
      return change(tx);
    });
  } catch (error) {
    throw asDeletedWhileAdded(error);
  }
}

export function createMembershipService({ db }: { db: Db }) {
  return {
    /**
     * One add or remove of a group PATCH with its audit event, as one statement (changeMembersAudited): the
     * hot path of identity providers pushing groups. Unknown users → invalid_value, and nothing changed.
     */
    async changeAudited(organizationId: string, groupId: string, delta: MemberDelta, audit: AuditEventInput): Promise<{ group: GroupRecord; added: number; removed: number }> {
      if (!isUuid(groupId)) throw notFound("group", groupId);
      const { ids, malformed } = splitIds(delta.ids);
      if (delta.kind === "add" && malformed.length > 0) throw unknownUsers(malformed);
      let outcome: Awaited<ReturnType<typeof changeMembersAudited>>;
      try {
        outcome = await changeMembersAudited(db, organizationId, groupId, { kind: delta.kind, ids }, audit);
      } catch (error) {
        throw asDeletedWhileAdded(error);
      }
      if (!outcome) throw notFound("group", groupId);
      if (outcome.unknown.length > 0) throw unknownUsers(outcome.unknown);
      return outcome;
    },

    /** Adds users; ones already members are left as they are. Pass `tx` to join a caller's transaction. */
    add(organizationId: string, groupId: string, userIds: string[], tx: Db = db, options: MembershipOptions = {}): Promise<MembershipChange> {
      const { ids, malformed } = splitIds(userIds);
      return changeMembers(
        tx,
        organizationId,
        groupId,
        async (inner) => {
          const { added, unknown } = await insertExistingMembers(inner, organizationId, groupId, ids);
          if (malformed.length + unknown.length > 0) throw unknownUsers([...malformed, ...unknown]);
          return { added, removed: 0 };
        },
        options,
      );
    },

    /** Removes exactly the listed users; others stay. Ids that are not members are ignored. */
    remove(organizationId: string, groupId: string, userIds: string[], tx: Db = db, options: MembershipOptions = {}): Promise<MembershipChange> {
      const ids = [...new Set(userIds.filter(isUuid).map((id) => id.toLowerCase()))];
      return changeMembers(tx, organizationId, groupId, async (inner) => ({ added: 0, removed: await deleteMembers(inner, organizationId, groupId, ids) }), options);
    },

    /** Makes the member list exactly `userIds`, as a delta against what is stored. */
    replace(organizationId: string, groupId: string, userIds: string[], tx: Db = db, options: MembershipOptions = {}): Promise<MembershipChange> {
      return changeMembers(
        tx,
        organizationId,
        groupId,
        async (inner) => {
          const ids = await requireUsers(inner, organizationId, userIds);
          const removed = await deleteMembersExcept(inner, organizationId, groupId, ids);
          return { added: await insertMembers(inner, organizationId, groupId, ids), removed };
        },
        options,
      );
    },

    async list(organizationId: string, groupId: string, page: { afterUserId?: string; limit?: number } = {}): Promise<MemberRow[]> {
      if (!isUuid(groupId) || !(await findGroup(db, organizationId, groupId))) throw notFound("group", groupId);
      if (page.afterUserId !== undefined && !isUuid(page.afterUserId)) throw new DomainError("invalid_value", "afterUserId must be a user id");
      return listMembers(db, organizationId, groupId, { afterUserId: page.afterUserId, limit: Math.min(page.limit ?? 1000, 10_000) });
    },

    async count(organizationId: string, groupId: string): Promise<number> {
      if (!isUuid(groupId) || !(await findGroup(db, organizationId, groupId))) throw notFound("group", groupId);
      return countMembers(db, organizationId, groupId);
    },

    async groupsOfUser(organizationId: string, userId: string): Promise<Array<{ groupId: string; displayName: string }>> {
      if (!isUuid(userId) || (await findUsers(db, organizationId, [userId])).length === 0) throw notFound("user", userId);
      return listGroupIdsOfUser(db, organizationId, userId);
    },
  };
}

export type MembershipService = ReturnType<typeof createMembershipService>;
