import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteWorkspace,
  findSlugsLike,
  findWorkspace,
  insertWorkspace,
  listWorkspaces,
  setWorkspaceAuditRetention,
  updateWorkspace,
  type WorkspaceRecord,
  type WorkspaceSort,
} from "../store/workspaces.repository.js";
import { countSpaces } from "../store/spaces.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, normalisePage, requireText, type Page } from "./validation.js";

export type { WorkspaceRecord };

export interface WorkspaceListQuery {
  search?: string;
  sort?: WorkspaceSort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

/** "Acme — Prod EU!" → "acme-prod-eu". */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || "workspace";
}

function nextFreeSlug(base: string, taken: string[]): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

function titleConflict(title: string): DomainError {
  return new DomainError("conflict", `a workspace titled "${title}" already exists in this organization`, { field: "title" });
}

function parseQuery(query: WorkspaceListQuery) {
  const sort = query.sort ?? "createdAt";
  if (sort !== "title" && sort !== "createdAt") throw new DomainError("invalid_value", "sort must be title or createdAt", { field: "sort" });
  const order = query.order ?? "asc";
  if (order !== "asc" && order !== "desc") throw new DomainError("invalid_value", "order must be asc or desc", { field: "order" });
  const search = query.search?.trim() || undefined;
  return { search, sort, order, ...normalisePage(query) } as const;
}

export function createWorkspaceService({ db }: { db: Db }) {
  async function get(organizationId: string, id: string): Promise<WorkspaceRecord> {
    const workspace = isUuid(id) ? await findWorkspace(db, organizationId, id) : null;
    if (!workspace) throw notFound("workspace", id);
    return workspace;
  }

  async function create(organizationId: string, input: { title: string; spacesEnabled?: boolean }): Promise<WorkspaceRecord> {
    const title = requireText(input.title, "title", 200);
    const base = slugify(title);
    // Two creations may pick the same slug; the unique index decides and the loser tries the next one.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        return await db.transaction(async (tx) => {
          const slug = nextFreeSlug(base, await findSlugsLike(tx, organizationId, base));
          return insertWorkspace(tx, { organizationId, title, slug, spacesEnabled: input.spacesEnabled ?? false });
        });
      } catch (error) {
        const failure = classifyDatabaseError(error);
        if (failure?.constraint === "workspaces_title_per_org") throw titleConflict(title);
        if (failure?.kind === "foreign_key_violation") throw notFound("organization", organizationId);
        if (failure?.constraint !== "workspaces_organization_id_slug_key") throw error;
      }
    }
    throw new DomainError("conflict", "could not allocate a workspace slug; try again");
  }

  async function rename(organizationId: string, id: string, title: string): Promise<WorkspaceRecord> {
    const newTitle = requireText(title, "title", 200);
    try {
      const updated = isUuid(id) ? await updateWorkspace(db, organizationId, id, { title: newTitle }) : null;
      if (!updated) throw notFound("workspace", id);
      return updated;
    } catch (error) {
      if (classifyDatabaseError(error)?.constraint === "workspaces_title_per_org") throw titleConflict(newTitle);
      throw error;
    }
  }

  /** Turning Spaces off while Spaces exist would silently widen access; refuse instead. */
  async function setSpacesEnabled(organizationId: string, id: string, enabled: boolean): Promise<WorkspaceRecord> {
    if (!isUuid(id)) throw notFound("workspace", id);
    return db.transaction(async (tx) => {
      const workspace = await findWorkspace(tx, organizationId, id, { lock: true });
      if (!workspace) throw notFound("workspace", id);
      if (!enabled && (await countSpaces(tx, organizationId, id)) > 0) {
        throw new DomainError("conflict", "delete this workspace's Spaces before turning Spaces off", { workspaceId: id });
      }
      return (await updateWorkspace(tx, organizationId, id, { spacesEnabled: enabled })) as WorkspaceRecord;
    });
  }

  /** Days the workspace's audit events are kept (1–3650); null: the organization's retention applies. */
  async function setAuditRetention(organizationId: string, id: string, days: number | null): Promise<WorkspaceRecord> {
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new DomainError("invalid_value", "auditRetentionDays must be a whole number from 1 to 3650, or null", { field: "auditRetentionDays" });
    }
    const updated = isUuid(id) ? await setWorkspaceAuditRetention(db, organizationId, id, days) : null;
    if (!updated) throw notFound("workspace", id);
    return updated;
  }

  async function remove(organizationId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await deleteWorkspace(db, organizationId, id))) throw notFound("workspace", id);
  }

  async function list(organizationId: string, query: WorkspaceListQuery = {}): Promise<Page<WorkspaceRecord>> {
    const parsed = parseQuery(query);
    const { items, total } = await listWorkspaces(db, organizationId, parsed);
    return { items, total, limit: parsed.limit, offset: parsed.offset };
  }

  return { get, create, rename, setSpacesEnabled, setAuditRetention, remove, list };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
