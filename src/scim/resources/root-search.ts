import type { Request, Response } from "express";
import { scimPrincipalOf } from "../../http/scim-auth.js";
import { projectResource } from "../protocol/projection.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { ScimError } from "../protocol/scim-error.js";
import { pick } from "./attributes.js";
import { GROUP_FILTERS, USER_FILTERS, type FilterVocabulary } from "./filter-mapping.js";
import { startScimStream, writeGroup } from "./group-stream.js";
import { listEnvelope, listParamsOf, parseListQuery, type ListQuery } from "./list.js";
import type { ScimDeps } from "./scim-deps.js";
import { userToScim } from "./users.mapper.js";

/** A query for one resource type, or null when its filter names attributes that type does not have. */
function queryFor(params: Record<string, unknown>, vocabulary: FilterVocabulary, key: Buffer): ListQuery | null {
  try {
    return parseListQuery(params, vocabulary, key);
  } catch (error) {
    if (error instanceof ScimError && (error.scimType === "invalidFilter" || error.scimType === "invalidValue") && /not supported/.test(error.detail)) return null;
    throw error;
  }
}

/**
 * POST /.search at the root (RFC 7644 §3.4.3): Users then Groups, index-paged across both. A filter is
 * applied to each type that has the attributes it names; a filter no type understands is 400.
 */
export function createRootSearch(deps: ScimDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const params = listParamsOf(req);
    if (pick(params, "cursor") !== undefined) throw new ScimError(400, "invalidValue", "Cursor paging is available per resource type (/Users, /Groups), not at the root");
    const key = await deps.cursorKey();
    const users = queryFor(params, USER_FILTERS, key);
    const groups = queryFor(params, GROUP_FILTERS, key);
    const template = users ?? groups;
    if (!template) return void parseListQuery(params, USER_FILTERS, key); // rethrows the users' error
    const organizationId = scimPrincipalOf(res).organizationId;
    const offset = (template.startIndex ?? 1) - 1;
    const count = template.count;
    const countOnly = { kind: "index", offset: 0, limit: 0 } as const;
    const userTotal = users ? (await deps.directory.users.search(organizationId, { criteria: users.criteria, sort: users.sort, page: countOnly })).total : 0;
    const userPage = users && offset < userTotal
      ? await deps.directory.users.search(organizationId, { criteria: users.criteria, sort: users.sort, page: { kind: "index", offset, limit: count } })
      : { items: [] };
    const groupLimit = count - userPage.items.length;
    const groupPage = groups
      ? await deps.directory.groups.search(organizationId, { criteria: groups.criteria, sort: groups.sort, page: { kind: "index", offset: Math.max(offset - userTotal, 0), limit: groupLimit } })
      : { items: [], total: 0 };
    const projection = { attributes: template.attributes, excludedAttributes: template.excludedAttributes };
    const total = userTotal + ("total" in groupPage ? groupPage.total : 0);
    const itemsPerPage = userPage.items.length + groupPage.items.length;
    const envelope = JSON.stringify({ ...listEnvelope(template, { total, hasMoreAfter: false, hasMoreBefore: false }, itemsPerPage, key), Resources: [] });
    const userJson = userPage.items.map((user) =>
      JSON.stringify(projectResource(userToScim(user, { baseUrl: deps.baseUrl, groups: user.groups ?? [] }), userResourceSchema, projection)),
    );
    const out = startScimStream(res, 200);
    await out.write(`${envelope.slice(0, -2)}${userJson.join(",")}`);
    // Groups are streamed like GET /Groups: members paged from the database, never truncated.
    for (const [i, group] of groupPage.items.entries()) {
      if (i > 0 || userJson.length > 0) await out.write(",");
      await writeGroup(out, deps.directory, group, deps.baseUrl, projection);
    }
    out.end("]}");
  };
}
