import { classifyDatabaseError, type Db } from "../store/db.js";
import { deleteSpace, findSpace, insertSpace, listSpaces, updateSpace, type SpaceRecord } from "../store/spaces.repository.js";
import { findWorkspace } from "../store/workspaces.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, optionalText, requireText } from "./validation.js";

export type { SpaceRecord };

export interface SpaceInput {
  name: string;
  description?: string;
  /** A product-level data filter such as `country_code in ('UK')`; kept as written. */
  dataFilter?: string | null;
}

function nameConflict(name: string): DomainError {
  return new DomainError("conflict", `a Space named "${name}" already exists in this workspace`, { field: "name" });
}

async function withNameConflict<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (name !== undefined && classifyDatabaseError(error)?.constraint === "spaces_name_per_workspace") throw nameConflict(name);
    throw error;
  }
}

export function createSpaceService({ db }: { db: Db }) {
  async function get(organizationId: string, id: string): Promise<SpaceRecord> {
    const space = isUuid(id) ? await findSpace(db, organizationId, id) : null;
    if (!space) throw notFound("Space", id);
    return space;
  }

  async function create(organizationId: string, workspaceId: string, input: SpaceInput): Promise<SpaceRecord> {
    const name = requireText(input.name, "name", 200);
    const description = optionalText(input.description, "description", 2000) ?? "";
    const dataFilter = optionalText(input.dataFilter, "dataFilter", 4000);
    if (!isUuid(workspaceId)) throw notFound("workspace", workspaceId);
    return withNameConflict(name, () =>
      db.transaction(async (tx) => {
        // Locked so Spaces cannot be switched off between this check and the insert.
        const workspace = await findWorkspace(tx, organizationId, workspaceId, { lock: true });
        if (!workspace) throw notFound("workspace", workspaceId);
        if (!workspace.spacesEnabled) {
          throw new DomainError("precondition_failed", `Spaces are not enabled for workspace "${workspace.title}"`, { workspaceId });
        }
        return insertSpace(tx, { organizationId, workspaceId, name, description, dataFilter });
      }),
    );
  }

  async function update(organizationId: string, id: string, changes: Partial<SpaceInput>): Promise<SpaceRecord> {
    const name = changes.name === undefined ? undefined : requireText(changes.name, "name", 200);
    const description = changes.description === undefined ? undefined : (optionalText(changes.description, "description", 2000) ?? "");
    const dataFilter = changes.dataFilter === undefined ? undefined : optionalText(changes.dataFilter, "dataFilter", 4000);
    const updated = await withNameConflict(name, async () =>
      isUuid(id) ? updateSpace(db, organizationId, id, { name, description, dataFilter }) : null,
    );
    if (!updated) throw notFound("Space", id);
    return updated;
  }

  async function list(organizationId: string, workspaceId: string): Promise<SpaceRecord[]> {
    if (!isUuid(workspaceId) || !(await findWorkspace(db, organizationId, workspaceId))) throw notFound("workspace", workspaceId);
    return listSpaces(db, organizationId, workspaceId);
  }

  async function remove(organizationId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await deleteSpace(db, organizationId, id))) throw notFound("Space", id);
  }

  return { get, create, update, list, remove };
}

export type SpaceService = ReturnType<typeof createSpaceService>;
