import type { UserRecord } from "../../directory/users.service.js";
import { parseAttributeList, projectResource, type ProjectionRequest } from "../protocol/projection.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { USER_FILTERS } from "./filter-mapping.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import type { ScimDeps } from "./scim-deps.js";
import { createUserOperations } from "./users.operations.js";
import { notModified, principalOf, sendEmpty, sendScim, type ScimCall } from "./scim-http.js";
import { etagOf, userToScim } from "./users.mapper.js";

/** attributes / excludedAttributes on single-resource reads and writes (RFC 7644 §3.9). */
export function projectionOf(call: Pick<ScimCall, "query">): ProjectionRequest {
  const param = (name: string) => (typeof call.query[name] === "string" ? (call.query[name] as string) : undefined);
  return { attributes: parseAttributeList(param("attributes")), excludedAttributes: parseAttributeList(param("excludedAttributes")) };
}

export type ScimHandler = (call: ScimCall) => Promise<void>;

export function createUserHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;
  const operations = createUserOperations(deps);

  async function render(call: ScimCall, user: UserRecord, status: number): Promise<void> {
    const groups = user.groups ?? (await directory.users.groupsOf(user.organizationId, [user.id])).get(user.id) ?? [];
    const body = projectResource(userToScim(user, { baseUrl, groups }), userResourceSchema, projectionOf(call));
    sendScim(call.res, status, body, { etag: etagOf(user.version), location: status === 201 ? `${baseUrl}/Users/${user.id}` : undefined });
  }

  const handlers = {
    async create(call: ScimCall): Promise<void> {
      await render(call, await operations.create(call.context, call.body), 201);
    },

    async get(call: ScimCall): Promise<void> {
      const user = await directory.users.get(principalOf(call).organizationId, call.id);
      if (notModified(call, user.version)) return sendEmpty(call.res, 304, etagOf(user.version));
      await render(call, user, 200);
    },

    async list(call: ScimCall): Promise<void> {
      const key = await deps.cursorKey();
      const query = parseListQuery(listParamsOf(call), USER_FILTERS, key);
      const result = await directory.users.search(principalOf(call).organizationId, { criteria: query.criteria, sort: query.sort, page: query.page });
      const resources = result.items.map((user) =>
        projectResource(userToScim(user, { baseUrl, groups: user.groups ?? [] }), userResourceSchema, { attributes: query.attributes, excludedAttributes: query.excludedAttributes }),
      );
      sendScim(call.res, 200, { ...listEnvelope(query, result, resources.length, key), Resources: resources });
    },

    async replace(call: ScimCall): Promise<void> {
      await render(call, await operations.replace(call.context, call.id, call.body, call.header("if-match")), 200);
    },

    async patch(call: ScimCall): Promise<void> {
      await render(call, await operations.patch(call.context, call.id, call.body, call.header("if-match")), 200);
    },

    async remove(call: ScimCall): Promise<void> {
      await operations.remove(call.context, call.id, call.header("if-match"));
      sendEmpty(call.res, 204);
    },
  } satisfies Record<string, ScimHandler>;
  return handlers;
}
