import type { Request, Response } from "express";
import type { GroupRecord } from "../../directory/groups.service.js";
import { scimPrincipalOf } from "../../http/scim-auth.js";
import { pick } from "./attributes.js";
import { GROUP_FILTERS } from "./filter-mapping.js";
import { startScimStream, writeGroup } from "./group-stream.js";
import { createGroupOperations } from "./groups.operations.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import { requestContextOf, type ScimDeps } from "./scim-deps.js";
import { idParam, notModified } from "./scim-http.js";
import { etagOf } from "./users.mapper.js";
import { projectionOf } from "./users.handler.js";

export function createGroupHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;
  const operations = createGroupOperations(deps);

  async function render(req: Request, res: Response, group: GroupRecord, status: number): Promise<void> {
    const out = startScimStream(res, status, { ETag: etagOf(group.version), ...(status === 201 ? { Location: `${baseUrl}/Groups/${group.id}` } : {}) });
    await writeGroup(out, directory, group, baseUrl, projectionOf(req));
    out.end();
  }

  return {
    async create(req: Request, res: Response): Promise<void> {
      await render(req, res, await operations.create(requestContextOf(res), req.body), 201);
    },

    async get(req: Request, res: Response): Promise<void> {
      const group = await directory.groups.get(scimPrincipalOf(res).organizationId, idParam(req));
      if (notModified(req, group.version)) {
        res.status(304).set("ETag", etagOf(group.version)).end();
        return;
      }
      await render(req, res, group, 200);
    },

    async list(req: Request, res: Response): Promise<void> {
      const key = await deps.cursorKey();
      const query = parseListQuery(listParamsOf(req), GROUP_FILTERS, key);
      const result = await directory.groups.search(scimPrincipalOf(res).organizationId, { criteria: query.criteria, sort: query.sort, page: query.page });
      const envelope = JSON.stringify({ ...listEnvelope(query, result, result.items.length, key), Resources: [] });
      const out = startScimStream(res, 200);
      await out.write(envelope.slice(0, -2));
      for (const [i, group] of result.items.entries()) {
        if (i > 0) await out.write(",");
        await writeGroup(out, directory, group, baseUrl, { attributes: query.attributes, excludedAttributes: query.excludedAttributes });
      }
      out.end("]}");
    },

    async replace(req: Request, res: Response): Promise<void> {
      await render(req, res, await operations.replace(requestContextOf(res), idParam(req), req.body, req.get("if-match")), 200);
    },

    /** PATCH answers 204 (RFC 7644 §3.5.2 allows it) unless the client asks for attributes back. */
    async patch(req: Request, res: Response): Promise<void> {
      const group = await operations.patch(requestContextOf(res), idParam(req), req.body, req.get("if-match"));
      const query = req.query as Record<string, unknown>;
      if (pick(query, "attributes") !== undefined || pick(query, "excludedAttributes") !== undefined) return render(req, res, group, 200);
      res.status(204).set("ETag", etagOf(group.version)).end();
    },

    async remove(req: Request, res: Response): Promise<void> {
      await operations.remove(requestContextOf(res), idParam(req), req.get("if-match"));
      res.status(204).end();
    },
  };
}
