/**
 * "Which resources of this type may the user act on?" (issue 4, Access API `POST /list`): the answer as a
 * filter the product can apply in its own queries, and as the ids Gatehouse knows, page by page.
 *
 * The filter follows resolve(): a role reaching a whole workspace (a shared type, Spaces off, or a role that
 * spans every Space) gives the workspace; a role reaching some Spaces gives those Spaces; resources reached
 * one by one (shares, ownership, a grant on the resource) are listed by id after check() has judged each,
 * so a share capped by the role that receives it is counted only when the capped level still allows.
 */
import { check } from "../check.js";
import type { EffectiveAccess } from "../effective.js";
import { resourceKey } from "../effective.js";
import type { PermissionDef } from "../policy.types.js";
import { individuallyReachable, listResourceIds } from "../../store/access.repository.js";
import type { Db } from "../../store/db.js";
import { withResources } from "./access-engine.js";

export interface ResourceFilter {
  /** Every resource of the type in these workspaces. */
  readonly workspaceIds: readonly string[];
  /** Every resource of the type in these Spaces. */
  readonly spaces: ReadonlyArray<{ readonly workspaceId: string; readonly spaceId: string; readonly name: string; readonly dataFilter: string | null }>;
  /** These resources (the product's ids), reached one by one. */
  readonly ids: readonly string[];
}

export interface ListPage {
  readonly filter: ResourceFilter;
  readonly ids: readonly string[];
  readonly nextCursor: string | null;
}

/** Where the user's roles give `permission` on resources of its type, before any one-by-one reach. */
export function reachOf(access: EffectiveAccess, def: PermissionDef): { workspaces: string[]; spaces: ResourceFilter["spaces"] } {
  const type = def.resourceType === null ? undefined : access.basis.policy.resourceTypes[def.resourceType];
  const workspaces: string[] = [];
  const spaces: Array<ResourceFilter["spaces"][number]> = [];
  for (const workspace of access.workspaces) {
    const spaced = type?.scope === "space" && workspace.spacesEnabled;
    if (!spaced) {
      if (workspace.permissions[def.key]) workspaces.push(workspace.workspaceId);
    } else if (workspace.everySpace[def.key]) {
      workspaces.push(workspace.workspaceId);
    } else {
      for (const space of workspace.spaces) {
        if (space.permissions[def.key]) spaces.push({ workspaceId: workspace.workspaceId, spaceId: space.spaceId, name: space.name, dataFilter: space.dataFilter });
      }
    }
  }
  return { workspaces, spaces };
}

export async function listResources(
  db: Db,
  organizationId: string,
  access: EffectiveAccess,
  def: PermissionDef,
  page: { cursor: string | null; limit: number },
): Promise<ListPage> {
  const type = def.resourceType ?? "";
  if (!access.active) return { filter: { workspaceIds: [], spaces: [], ids: [] }, ids: [], nextCursor: null };
  const reach = reachOf(access, def);
  const granted = access.basis.holdings.flatMap((holding) => (holding.reach.kind === "resource" ? [holding.reach.resourceId] : []));
  const candidates = await individuallyReachable(db, organizationId, {
    type,
    userId: access.userId,
    groupIds: access.groups.map((group) => group.groupId),
    workspaces: access.workspaces.map((workspace) => workspace.workspaceId),
    extra: granted,
  });
  const judged = withResources(access, candidates);
  const covered = (workspaceId: string, spaceId: string | null) =>
    reach.workspaces.includes(workspaceId) || (spaceId !== null && reach.spaces.some((space) => space.spaceId === spaceId));
  const one = candidates.filter(
    (resource) => !covered(resource.workspaceId, resource.spaceId) && check(judged, { permission: def.key, resource: { type, id: resource.id } }).allowed,
  );
  const result = await listResourceIds(db, organizationId, {
    type,
    workspaces: reach.workspaces,
    spaces: reach.spaces.map((space) => space.spaceId),
    extra: one.map((resource) => resource.id),
    after: page.cursor,
    limit: page.limit,
  });
  const byKey = new Set(one.map((resource) => resourceKey(resource.type, resource.id)));
  return {
    filter: { workspaceIds: reach.workspaces, spaces: reach.spaces, ids: candidates.filter((resource) => byKey.has(resourceKey(resource.type, resource.id))).map((resource) => resource.externalId).sort() },
    ids: result.ids,
    nextCursor: result.next,
  };
}
