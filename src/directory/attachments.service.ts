import { findAttachmentTargets, deleteAttachment, insertAttachment, listAttachments, type AttachmentRecord } from "../store/attachments.repository.js";
import { classifyDatabaseError, type Db } from "../store/db.js";
import { findGroup } from "../store/groups.repository.js";
import { findSpace } from "../store/spaces.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, optionalText } from "./validation.js";

export type { AttachmentRecord };

function ids(groupId: string, spaceId: string): { groupId: string; spaceId: string } {
  if (!isUuid(groupId)) throw notFound("group", groupId);
  if (!isUuid(spaceId)) throw notFound("Space", spaceId);
  return { groupId: groupId.toLowerCase(), spaceId: spaceId.toLowerCase() };
}

/**
 * Which groups work in which Spaces (DESIGN.md, Space attachment). A group's workspace role reaches
 * Space-scoped resources only inside the Spaces it is attached to.
 */
export function createAttachmentService({ db }: { db: Db }) {
  /** Attaches the group to the Space; attaching again changes nothing and returns the attachment. */
  async function attach(organizationId: string, groupId: string, spaceId: string, createdBy?: string | null): Promise<AttachmentRecord> {
    const key = ids(groupId, spaceId);
    const author = optionalText(createdBy, "createdBy", 256);
    try {
      return await db.transaction(async (tx) => {
        const { groupExists, space } = await findAttachmentTargets(tx, organizationId, key.groupId, key.spaceId);
        if (!groupExists) throw notFound("group", groupId);
        if (!space) throw notFound("Space", spaceId);
        if (!space.spacesEnabled) {
          throw new DomainError("precondition_failed", "Spaces are not enabled for this Space's workspace", { workspaceId: space.workspaceId });
        }
        await insertAttachment(tx, organizationId, key.groupId, key.spaceId, author);
        const [attachment] = await listAttachments(tx, organizationId, key);
        return attachment as AttachmentRecord;
      });
    } catch (error) {
      // The group was deleted between the check and the insert.
      if (classifyDatabaseError(error)?.kind === "foreign_key_violation") throw notFound("group", groupId);
      throw error;
    }
  }

  async function detach(organizationId: string, groupId: string, spaceId: string): Promise<void> {
    const key = ids(groupId, spaceId);
    if (!(await deleteAttachment(db, organizationId, key.groupId, key.spaceId))) {
      throw new DomainError("not_found", `group ${groupId} is not attached to Space ${spaceId}`, key);
    }
  }

  async function listForSpace(organizationId: string, spaceId: string): Promise<AttachmentRecord[]> {
    if (!isUuid(spaceId) || !(await findSpace(db, organizationId, spaceId))) throw notFound("Space", spaceId);
    return listAttachments(db, organizationId, { spaceId: spaceId.toLowerCase() });
  }

  async function listForGroup(organizationId: string, groupId: string): Promise<AttachmentRecord[]> {
    if (!isUuid(groupId) || !(await findGroup(db, organizationId, groupId))) throw notFound("group", groupId);
    return listAttachments(db, organizationId, { groupId: groupId.toLowerCase() });
  }

  return { attach, detach, listForSpace, listForGroup };
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;
