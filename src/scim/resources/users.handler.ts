import type { Request, Response } from "express";
import type { UserRecord } from "../../directory/users.service.js";
import { scimPrincipalOf } from "../../http/scim-auth.js";
import { parseAttributeList, projectResource, type ProjectionRequest } from "../protocol/projection.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { USER_FILTERS } from "./filter-mapping.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import { requestContextOf, type ScimDeps } from "./scim-deps.js";
import { createUserOperations } from "./users.operations.js";
import { idParam, notModified, sendScim } from "./scim-http.js";
import { etagOf, userToScim } from "./users.mapper.js";

/** attributes / excludedAttributes on single-resource reads and writes (RFC 7644 §3.9). */
export function projectionOf(req: Request): ProjectionRequest {
  const param = (name: string) => (typeof req.query[name] === "string" ? (req.query[name] as string) : undefined);
  return { attributes: parseAttributeList(param("attributes")), excludedAttributes: parseAttributeList(param("excludedAttributes")) };
}

export function createUserHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;
  const operations = createUserOperations(deps);

  async function render(req: Request, res: Response, user: UserRecord, status: number): Promise<void> {
    const groups = user.groups ?? (await directory.users.groupsOf(user.organizationId, [user.id])).get(user.id) ?? [];
    const body = projectResource(userToScim(user, { baseUrl, groups }), userResourceSchema, projectionOf(req));
    sendScim(res, status, body, { etag: etagOf(user.version), location: status === 201 ? `${baseUrl}/Users/${user.id}` : undefined });
  }

  return {
    async create(req: Request, res: Response): Promise<void> {
      await render(req, res, await operations.create(requestContextOf(res), req.body), 201);
    },

    async get(req: Request, res: Response): Promise<void> {
      const user = await directory.users.get(scimPrincipalOf(res).organizationId, idParam(req));
      if (notModified(req, user.version)) {
        res.status(304).set("ETag", etagOf(user.version)).end();
        return;
      }
      await render(req, res, user, 200);
    },

    async list(req: Request, res: Response): Promise<void> {
      const params = listParamsOf(req);
      const key = await deps.cursorKey();
      const query = parseListQuery(params, USER_FILTERS, key);
      const organizationId = scimPrincipalOf(res).organizationId;
      const result = await directory.users.search(organizationId, { criteria: query.criteria, sort: query.sort, page: query.page });
      const resources = result.items.map((user) =>
        projectResource(userToScim(user, { baseUrl, groups: user.groups ?? [] }), userResourceSchema, { attributes: query.attributes, excludedAttributes: query.excludedAttributes }),
      );
      sendScim(res, 200, { ...listEnvelope(query, result, resources.length, key), Resources: resources });
    },

    async replace(req: Request, res: Response): Promise<void> {
      await render(req, res, await operations.replace(requestContextOf(res), idParam(req), req.body, req.get("if-match")), 200);
    },

    async patch(req: Request, res: Response): Promise<void> {
      await render(req, res, await operations.patch(requestContextOf(res), idParam(req), req.body, req.get("if-match")), 200);
    },

    async remove(req: Request, res: Response): Promise<void> {
      await operations.remove(requestContextOf(res), idParam(req), req.get("if-match"));
      res.status(204).end();
    },
  };
}
