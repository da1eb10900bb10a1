import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteOverride,
  findOverrideTargets,
  listOverrides,
  upsertOverride,
  type OverrideKind,
  type OverrideRecord,
} from "../store/overrides.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, requireText } from "./validation.js";

export type { OverrideKind, OverrideRecord };

export interface OverrideInput {
  groupId: string;
  userId: string;
  /** pin: a member whatever the IdP says; exclude: not a member for access, whatever the IdP says. */
  kind: OverrideKind;
  reason: string;
  author: string;
}

function parseKind(value: unknown): OverrideKind {
  if (value === "pin" || value === "exclude") return value;
  throw new DomainError("invalid_value", 'kind must be "pin" or "exclude"', { field: "kind" });
}

function filterId(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isUuid(value)) throw new DomainError("invalid_value", `${field} must be an id`, { field });
  return value.toLowerCase();
}

/**
 * Admin corrections of group membership (DESIGN.md, Override). Effective membership is IdP members ∪ pins −
 * excludes; the SCIM view keeps showing the IdP's members, so identity providers never see drift to undo.
 */
export function createOverrideService({ db }: { db: Db }) {
  /** Sets the override of (group, user), replacing any earlier one. */
  async function set(organizationId: string, input: OverrideInput): Promise<OverrideRecord> {
    const kind = parseKind(input.kind);
    const reason = requireText(input.reason, "reason", 1000);
    const author = requireText(input.author, "author", 256);
    if (!isUuid(input.groupId)) throw notFound("group", String(input.groupId));
    if (!isUuid(input.userId)) throw notFound("user", String(input.userId));
    const groupId = input.groupId.toLowerCase();
    const userId = input.userId.toLowerCase();
    try {
      return await db.transaction(async (tx) => {
        const found = await findOverrideTargets(tx, organizationId, groupId, userId);
        if (!found.group) throw notFound("group", input.groupId);
        if (!found.user) throw notFound("user", input.userId);
        const saved = await upsertOverride(tx, { organizationId, groupId, userId, kind, reason, author });
        if (!saved) throw notFound("group", input.groupId);
        return saved;
      });
    } catch (error) {
      // The group or user was deleted between the check and the write.
      if (classifyDatabaseError(error)?.kind === "foreign_key_violation") throw new DomainError("not_found", "the group or user no longer exists");
      throw error;
    }
  }

  async function remove(organizationId: string, groupId: string, userId: string): Promise<void> {
    const removed = isUuid(groupId) && isUuid(userId) && (await deleteOverride(db, organizationId, groupId.toLowerCase(), userId.toLowerCase()));
    if (!removed) throw new DomainError("not_found", `no override of user ${userId} in group ${groupId}`, { groupId, userId });
  }

  /** Overrides in the order they were set; filter by group, by user, or both. */
  async function list(organizationId: string, filter: { groupId?: string; userId?: string } = {}): Promise<OverrideRecord[]> {
    return listOverrides(db, organizationId, { groupId: filterId(filter.groupId, "groupId"), userId: filterId(filter.userId, "userId") });
  }

  return { set, remove, list };
}

export type OverrideService = ReturnType<typeof createOverrideService>;
