/** Directory records as the Admin API shows them (and as the audit log keeps them: nothing secret is in them). */
import type { AttachmentRecord } from "../directory/attachments.service.js";
import type { SpaceRecord } from "../directory/spaces.service.js";
import type { WorkspaceRecord } from "../directory/workspaces.service.js";

export function presentWorkspace(workspace: WorkspaceRecord) {
  return {
    id: workspace.id,
    title: workspace.title,
    slug: workspace.slug,
    spacesEnabled: workspace.spacesEnabled,
    auditRetentionDays: workspace.auditRetentionDays,
    createdAt: workspace.createdAt.toISOString(),
    updatedAt: workspace.updatedAt.toISOString(),
  };
}

export function presentSpace(space: SpaceRecord) {
  return {
    id: space.id,
    workspaceId: space.workspaceId,
    name: space.name,
    description: space.description,
    dataFilter: space.dataFilter,
    createdAt: space.createdAt.toISOString(),
    updatedAt: space.updatedAt.toISOString(),
  };
}

export function presentAttachment(attachment: AttachmentRecord) {
  return {
    groupId: attachment.groupId,
    groupName: attachment.groupName,
    spaceId: attachment.spaceId,
    spaceName: attachment.spaceName,
    workspaceId: attachment.workspaceId,
    createdBy: attachment.createdBy,
    createdAt: attachment.createdAt.toISOString(),
  };
}
