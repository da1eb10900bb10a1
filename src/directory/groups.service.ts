import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteGroup,
  findGroup,
  findGroupByDisplayName,
  findGroups,
  insertGroup,
  updateGroup,
  type GroupOrigin,
  type GroupRecord,
} from "../store/groups.repository.js";
import { GROUP_CATALOG } from "../store/catalogs.js";
import { searchIds, type SearchRequest, type SearchResult } from "../store/search.js";
import { DomainError, notFound } from "./domain-error.js";
import { createMembershipService } from "./memberships.service.js";
import { isUuid, normalisePage, optionalText, requireText, type Page } from "./validation.js";

export type { GroupOrigin, GroupRecord };

export interface GroupInput {
  displayName: string;
  externalId?: string | null;
  origin?: GroupOrigin;
  extraAttributes?: Record<string, unknown>;
  /** Initial members (user ids), added in the same transaction as the group. */
  memberIds?: string[];
}

const UNIQUE_FIELDS: Record<string, string> = {
  groups_display_name_per_org: "displayName",
  groups_external_id_per_org: "externalId",
};

async function withUniqueness<T>(organizationId: string, values: Record<string, string | null | undefined>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const failure = classifyDatabaseError(error);
    const field = failure ? UNIQUE_FIELDS[failure.constraint] : undefined;
    if (field) throw new DomainError("conflict", `${field} "${values[field]}" is already taken in this organization`, { field });
    if (failure?.constraint === "groups_organization_id_fkey") throw notFound("organization", organizationId);
    throw error;
  }
}

export function createGroupService({ db }: { db: Db }) {
  const memberships = createMembershipService({ db });

  /** With `lock`, holds the group's row until the caller's transaction ends (serialises member changes). */
  async function get(organizationId: string, id: string, options: { lock?: boolean } = {}): Promise<GroupRecord> {
    const group = isUuid(id) ? await findGroup(db, organizationId, id, options) : null;
    if (!group) throw notFound("group", id);
    return group;
  }

  async function create(organizationId: string, input: GroupInput): Promise<GroupRecord> {
    const displayName = requireText(input.displayName, "displayName", 256);
    const externalId = optionalText(input.externalId, "externalId", 512);
    const origin = input.origin ?? "scim";
    if (origin !== "scim" && origin !== "manual") throw new DomainError("invalid_value", "origin must be scim or manual", { field: "origin" });
    return withUniqueness(organizationId, { displayName, externalId }, () =>
      db.transaction(async (tx) => {
        const group = await insertGroup(tx, organizationId, { displayName, externalId, origin, extraAttributes: input.extraAttributes ?? {} });
        if (!input.memberIds?.length) return group;
        await memberships.add(organizationId, group.id, input.memberIds, tx);
        return (await findGroup(tx, organizationId, group.id)) as GroupRecord;
      }),
    );
  }

  async function update(
    organizationId: string,
    id: string,
    changes: Partial<Pick<GroupInput, "displayName" | "externalId" | "extraAttributes">>,
    expectedVersion?: number,
  ): Promise<GroupRecord> {
    const displayName = changes.displayName === undefined ? undefined : requireText(changes.displayName, "displayName", 256);
    const externalId = changes.externalId === undefined ? undefined : optionalText(changes.externalId, "externalId", 512);
    if (!isUuid(id)) throw notFound("group", id);
    const updated = await withUniqueness(organizationId, { displayName, externalId }, () =>
      updateGroup(db, organizationId, id, { displayName, externalId, extraAttributes: changes.extraAttributes }, expectedVersion),
    );
    if (updated) return updated;
    const current = await get(organizationId, id);
    throw new DomainError("precondition_failed", `group ${id} has changed (version ${current.version})`, { version: current.version });
  }

  /** Deletes the group; its memberships, grants, attachments and overrides go with it. */
  async function remove(organizationId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await deleteGroup(db, organizationId, id))) throw notFound("group", id);
  }

  async function list(organizationId: string, page: { limit?: number; offset?: number } = {}): Promise<Page<GroupRecord>> {
    const parsed = normalisePage(page);
    const { items, total } = await search(organizationId, { page: { kind: "index", ...parsed } });
    return { items, total, ...parsed };
  }

  /** One page of groups matching `request`, in the requested order, with the total across pages. */
  async function search(organizationId: string, request: SearchRequest): Promise<Omit<SearchResult, "ids" | "rows" | "represented"> & { items: GroupRecord[] }> {
    const { ids, rows: _rows, represented: _represented, ...page } = await searchIds(db, "groups", GROUP_CATALOG, organizationId, request);
    const byId = new Map((await findGroups(db, organizationId, ids)).map((group) => [group.id, group]));
    return { ...page, items: ids.map((id) => byId.get(id)).filter((group): group is GroupRecord => group !== undefined) };
  }

  return {
    get,
    search,
    create,
    update,
    remove,
    list,
    findByDisplayName: (organizationId: string, displayName: string) => findGroupByDisplayName(db, organizationId, displayName),
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
