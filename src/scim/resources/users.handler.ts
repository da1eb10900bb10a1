import type { Request, Response } from "express";
import type { UserRecord } from "../../directory/users.service.js";
import { scimPrincipalOf } from "../../http/scim-auth.js";
import { parsePatchRequest, applyPatch } from "../protocol/patch/index.js";
import { parseAttributeList, projectResource, type ProjectionRequest } from "../protocol/projection.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { USER_FILTERS } from "./filter-mapping.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import { changedAttributes, runWrite, type ScimDeps } from "./scim-deps.js";
import { checkIfMatch, idParam, notModified, sendScim } from "./scim-http.js";
import { etagOf, userInputFromScim, userToScim } from "./users.mapper.js";

/** attributes / excludedAttributes on single-resource reads and writes (RFC 7644 §3.9). */
export function projectionOf(req: Request): ProjectionRequest {
  const param = (name: string) => (typeof req.query[name] === "string" ? (req.query[name] as string) : undefined);
  return { attributes: parseAttributeList(param("attributes")), excludedAttributes: parseAttributeList(param("excludedAttributes")) };
}

/** The representation PATCH works on: what the client may see and write, without readOnly extras. */
function patchable(user: UserRecord, baseUrl: string): Record<string, unknown> {
  const { meta: _meta, groups: _groups, ...rest } = userToScim(user, { baseUrl });
  return rest;
}

export function createUserHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;

  async function render(req: Request, res: Response, user: UserRecord, status: number): Promise<void> {
    const groups = (await directory.users.groupsOf(user.organizationId, [user.id])).get(user.id) ?? [];
    const body = projectResource(userToScim(user, { baseUrl, groups }), userResourceSchema, projectionOf(req));
    sendScim(res, status, body, { etag: etagOf(user.version), location: status === 201 ? `${baseUrl}/Users/${user.id}` : undefined });
  }

  return {
    async create(req: Request, res: Response): Promise<void> {
      const input = userInputFromScim(req.body);
      const user = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const created = await dir.users.create(principal.organizationId, input);
        await audit("scim.user.created", { type: "User", id: created.id }, { userName: created.userName, active: created.active });
        return created;
      });
      await render(req, res, user, 201);
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
      const groups = query.count > 0 ? await directory.users.groupsOf(organizationId, result.items.map((user) => user.id)) : new Map();
      const resources = result.items.map((user) =>
        projectResource(userToScim(user, { baseUrl, groups: groups.get(user.id) ?? [] }), userResourceSchema, { attributes: query.attributes, excludedAttributes: query.excludedAttributes }),
      );
      sendScim(res, 200, { ...listEnvelope(query, result, resources.length, key), Resources: resources });
    },

    async replace(req: Request, res: Response): Promise<void> {
      const input = userInputFromScim(req.body);
      const user = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.users.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        // Attributes kept without modelling survive a PUT that does not mention them (see README).
        const replaced = await dir.users.replace(principal.organizationId, current.id, { ...input, extraAttributes: { ...current.extraAttributes, ...input.extraAttributes } }, current.version);
        await audit("scim.user.replaced", { type: "User", id: current.id }, { changed: changedAttributes(patchable(current, baseUrl), patchable(replaced, baseUrl)) });
        return replaced;
      });
      await render(req, res, user, 200);
    },

    async patch(req: Request, res: Response): Promise<void> {
      const operations = parsePatchRequest(req.body);
      const user = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.users.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        const before = patchable(current, baseUrl);
        const after = applyPatch(before, operations, userResourceSchema);
        const changed = changedAttributes(before, after);
        if (changed.length === 0) return current;
        const patched = await dir.users.replace(principal.organizationId, current.id, userInputFromScim(after), current.version);
        await audit("scim.user.patched", { type: "User", id: current.id }, { changed, ...(changed.includes("active") ? { active: patched.active } : {}) });
        return patched;
      });
      await render(req, res, user, 200);
    },

    async remove(req: Request, res: Response): Promise<void> {
      await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.users.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        await dir.users.remove(principal.organizationId, current.id);
        await audit("scim.user.deleted", { type: "User", id: current.id }, { userName: current.userName });
      });
      res.status(204).end();
    },
  };
}
