/**
 * Deleting a Space (issue 5: "refused while resources live in it, unless moved"). Resources cascade with their
 * Space in the schema, so this is where they are protected: a Space holding resources is refused (409, how many,
 * some by name) unless another Space of the same workspace takes them, in the same transaction as the deletion.
 * Moving keeps a resource's workspace, so its grants (which name the workspace) stay valid and move with it.
 */
import type { Db } from "../store/db.js";
import { findSpaceResources, lockSpace, moveSpaceResources } from "../store/space-resources.repository.js";
import { deleteSpace, findSpace, type SpaceRecord } from "../store/spaces.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid } from "./validation.js";

/** How many resources a refusal names. */
export const RESOURCE_SAMPLE = 20;

export interface SpaceRemoval {
  space: SpaceRecord;
  /** Resources moved to `movedTo`. */
  moved: number;
  movedTo: SpaceRecord | null;
}

async function targetSpace(tx: Db, space: SpaceRecord, moveTo: string): Promise<SpaceRecord> {
  const invalid = (message: string) => new DomainError("invalid_value", `moveResourcesTo: ${message}`, { field: "moveResourcesTo" });
  if (!isUuid(moveTo)) throw invalid("must be a Space id (UUID)");
  const target = await findSpace(tx, space.organizationId, moveTo.toLowerCase());
  if (!target || target.workspaceId !== space.workspaceId) throw invalid(`no Space ${moveTo} in this Space's workspace`);
  if (target.id === space.id) throw invalid("must name another Space than the one being deleted");
  return target;
}

/** Deletes the Space (its attachments cascade); its resources move to `moveTo` first, or the deletion is refused. */
export async function removeSpace(db: Db, organizationId: string, id: string, moveTo: string | undefined): Promise<SpaceRemoval> {
  if (!isUuid(id)) throw notFound("Space", id);
  return db.transaction(async (tx) => {
    if (!(await lockSpace(tx, organizationId, id.toLowerCase()))) throw notFound("Space", id);
    const space = (await findSpace(tx, organizationId, id.toLowerCase())) as SpaceRecord;
    const movedTo = moveTo === undefined ? null : await targetSpace(tx, space, moveTo);
    const { count, sample } = await findSpaceResources(tx, organizationId, space.id, RESOURCE_SAMPLE);
    if (count > 0 && movedTo === null) {
      throw new DomainError(
        "conflict",
        `Space "${space.name}" holds ${count} resource(s); move them to another Space of the workspace with ?moveResourcesTo=<Space id>, or delete them first`,
        { spaceId: space.id, resourceCount: count, resources: sample },
      );
    }
    const moved = movedTo === null ? 0 : await moveSpaceResources(tx, organizationId, space.id, movedTo.id);
    await deleteSpace(tx, organizationId, space.id);
    return { space, moved, movedTo };
  });
}
