import type { GroupRecord } from "../../directory/groups.service.js";
import { pick } from "./attributes.js";
import { GROUP_FILTERS } from "./filter-mapping.js";
import { startScimStream, writeGroup } from "./group-stream.js";
import { createGroupOperations } from "./groups.operations.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import type { ScimDeps } from "./scim-deps.js";
import { notModified, principalOf, sendEmpty, type ScimCall } from "./scim-http.js";
import { etagOf } from "./users.mapper.js";
import { projectionOf, type ScimHandler } from "./users.handler.js";

export function createGroupHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;
  const operations = createGroupOperations(deps);

  async function render(call: ScimCall, group: GroupRecord, status: number): Promise<void> {
    const out = startScimStream(call.res, status, { ETag: etagOf(group.version), ...(status === 201 ? { Location: `${baseUrl}/Groups/${group.id}` } : {}) });
    await writeGroup(out, directory, group, baseUrl, projectionOf(call));
    out.end();
  }

  const handlers = {
    async create(call: ScimCall): Promise<void> {
      await render(call, await operations.create(call.context, call.body), 201);
    },

    async get(call: ScimCall): Promise<void> {
      const group = await directory.groups.get(principalOf(call).organizationId, call.id);
      if (notModified(call, group.version)) return sendEmpty(call.res, 304, etagOf(group.version));
      await render(call, group, 200);
    },

    async list(call: ScimCall): Promise<void> {
      const key = await deps.cursorKey();
      const query = parseListQuery(listParamsOf(call), GROUP_FILTERS, key);
      const result = await directory.groups.search(principalOf(call).organizationId, { criteria: query.criteria, sort: query.sort, page: query.page });
      const envelope = JSON.stringify({ ...listEnvelope(query, result, result.items.length, key), Resources: [] });
      const out = startScimStream(call.res, 200);
      await out.write(envelope.slice(0, -2));
      for (const [i, group] of result.items.entries()) {
        if (i > 0) await out.write(",");
        await writeGroup(out, directory, group, baseUrl, { attributes: query.attributes, excludedAttributes: query.excludedAttributes });
      }
      out.end("]}");
    },

    async replace(call: ScimCall): Promise<void> {
      await render(call, await operations.replace(call.context, call.id, call.body, call.header("if-match")), 200);
    },

    /** PATCH answers 204 (RFC 7644 §3.5.2 allows it) unless the client asks for attributes back. */
    async patch(call: ScimCall): Promise<void> {
      const group = await operations.patch(call.context, call.id, call.body, call.header("if-match"));
      if (pick(call.query, "attributes") !== undefined || pick(call.query, "excludedAttributes") !== undefined) return render(call, group, 200);
      sendEmpty(call.res, 204, etagOf(group.version));
    },

    async remove(call: ScimCall): Promise<void> {
      await operations.remove(call.context, call.id, call.header("if-match"));
      sendEmpty(call.res, 204);
    },
  } satisfies Record<string, ScimHandler>;
  return handlers;
}
