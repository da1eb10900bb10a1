/**
 * The Access API (`/access/v1`, issue 4): the product's backend asks "may this person do this to that?".
 * Authenticated by operator API keys; the organization is the key's, never the request's. Every answer carries
 * the access version it was computed at (body `accessVersion`, header `Gatehouse-Access-Version`); a request
 * may ask for `minVersion` and gets 409 rather than older data.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { CredentialService } from "../../directory/credentials.service.js";
import { isUuid } from "../../directory/validation.js";
import { apiKeyPrincipalOf, requireApiKey } from "../../http/api-key-auth.js";
import { ApiError } from "../../http/errors.js";
import type { Db } from "../../store/db.js";
import type { Decision } from "../check.js";
import type { AccessEngine } from "../engine/access-engine.js";
import { listResources } from "../engine/list.js";
import type { ResourceInput, ResourceRecord, ResourceService } from "../engine/resources.service.js";
import { accessOpenApi } from "./openapi.js";
import { answerCheck, decideAll, translateEngineError, type CheckItem } from "./check-answer.js";
import { presentEffective, presentExplanation } from "./present.js";
import { validateBody } from "./schemas.js";

export interface AccessRouterDeps {
  db: Db;
  engine: AccessEngine;
  resources: ResourceService;
  credentials: CredentialService;
}

export const VERSION_HEADER = "Gatehouse-Access-Version";

/** RFC 9110 §15.5.6: a 405 says which methods the endpoint does support. */
const methodNotAllowed =
  (...allowed: string[]): RequestHandler =>
  (req, res) => {
    res.set("Allow", allowed.join(", "));
    throw new ApiError(405, "method_not_allowed", `${req.method} is not supported on this endpoint; use ${allowed.join(" or ")}`);
  };

function sendVersioned(res: Response, status: number, version: number, body: Record<string, unknown>): void {
  res.set(VERSION_HEADER, String(version)).status(status).json({ accessVersion: version, ...body });
}

const handle =
  (work: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  async (req, res) => {
    try {
      await work(req, res);
    } catch (error) {
      throw translateEngineError(error);
    }
  };

function presentResource(resource: ResourceRecord) {
  return {
    type: resource.type,
    id: resource.externalId,
    workspaceId: resource.workspaceId,
    spaceId: resource.spaceId,
    ownerUserId: resource.ownerUserId,
    shares: resource.shares,
    createdAt: resource.createdAt.toISOString(),
    updatedAt: resource.updatedAt.toISOString(),
  };
}

function minVersionQuery(req: Request): number {
  const raw = req.query.minVersion;
  if (raw === undefined) return 0;
  const value = typeof raw === "string" && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new ApiError(400, "invalid_request", "minVersion must be a positive integer");
  return value;
}

export function createAccessRouter({ db, engine, resources, credentials }: AccessRouterDeps): Router {
  const router = express.Router();
  const policy = engine.policy;
  const document = accessOpenApi(policy);

  router.get("/openapi.json", (_req, res) => void res.json(document));
  router.use(requireApiKey(credentials));

  router.route("/check").post(
    handle(async (req, res) => {
      const { version, body } = await answerCheck(engine, apiKeyPrincipalOf(res).organizationId, req.body);
      res.set(VERSION_HEADER, String(version)).status(200).json(body);
    }),
  ).all(methodNotAllowed("POST"));

  router.route("/explain").post(
    handle(async (req, res) => {
      const body = validateBody<CheckItem & { userId: string; minVersion?: number }>("ExplainRequest", req.body);
      const { organizationId } = apiKeyPrincipalOf(res);
      const { version, decisions } = await decideAll(engine, organizationId, [body], body.minVersion ?? 0);
      sendVersioned(res, 200, version, presentExplanation(decisions[0] as Decision));
    }),
  ).all(methodNotAllowed("POST"));

  router.route("/users/:id/effective").get(
    handle(async (req, res) => {
      const userId = String(req.params.id);
      if (!isUuid(userId)) throw new ApiError(400, "invalid_value", "a user id is a UUID (the SCIM id)");
      const { organizationId } = apiKeyPrincipalOf(res);
      const resolved = await engine.effective(organizationId, userId, minVersionQuery(req));
      if (resolved.unknownUser) throw new ApiError(404, "not_found", `user ${userId} not found`);
      const { accessVersion: _version, ...body } = presentEffective(resolved.access, resolved.version);
      sendVersioned(res, 200, resolved.version, body);
    }),
  ).all(methodNotAllowed("GET"));

  router.route("/list").post(
    handle(async (req, res) => {
      const body = validateBody<{ userId: string; permission: string; cursor?: string; limit?: number; minVersion?: number }>("ListRequest", req.body);
      const def = policy.permissions[body.permission];
      if (!def) throw new ApiError(400, "invalid_value", `unknown permission "${body.permission}"`);
      if (def.resourceType === null) throw new ApiError(400, "invalid_value", `"${def.key}" is not a resource permission; /list answers for resource types (e.g. "audience:read")`);
      const { organizationId } = apiKeyPrincipalOf(res);
      const resolved = await engine.effective(organizationId, body.userId, body.minVersion ?? 0);
      const cursor = body.cursor === undefined ? null : decodeCursor(body.cursor);
      const page = await listResources(db, organizationId, resolved.access, def, { cursor, limit: body.limit ?? 100 });
      sendVersioned(res, 200, resolved.version, {
        resourceType: def.resourceType,
        filter: page.filter,
        ids: page.ids,
        nextCursor: page.nextCursor === null ? null : Buffer.from(page.nextCursor, "utf8").toString("base64url"),
      });
    }),
  ).all(methodNotAllowed("POST"));

  router
    .route("/resources/:type/:id")
    .put(
      handle(async (req, res) => {
        const body = validateBody<ResourceInput>("ResourceRequest", req.body);
        const { organizationId } = apiKeyPrincipalOf(res);
        const { resource, created } = await resources.put(organizationId, String(req.params.type), String(req.params.id), body);
        // Learn the new version now: the next check through this instance must see the write.
        sendVersioned(res, created ? 201 : 200, await engine.refresh(organizationId), { resource: presentResource(resource) });
      }),
    )
    .get(
      handle(async (req, res) => {
        const { organizationId } = apiKeyPrincipalOf(res);
        const type = String(req.params.type);
        const id = String(req.params.id);
        if (!policy.resourceTypes[type]) throw new ApiError(400, "invalid_value", `unknown resource type "${type}"`);
        const found = (await engine.lookUp(organizationId, [{ type, id }])).values().next();
        if (found.done) throw new ApiError(404, "not_found", `${type} ${id} not found`);
        sendVersioned(res, 200, engine.knownVersion(organizationId) ?? 0, { resource: presentResource(found.value) });
      }),
    )
    .delete(
      handle(async (req, res) => {
        const { organizationId } = apiKeyPrincipalOf(res);
        await resources.remove(organizationId, String(req.params.type), String(req.params.id));
        res.set(VERSION_HEADER, String(await engine.refresh(organizationId))).status(204).end();
      }),
    )
    .all(methodNotAllowed("PUT", "GET", "DELETE"));

  return router;
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  // A cursor is the last id of a page, and ids are visible ASCII (resources.service.ts).
  if (!/^[\x21-\x7e]{1,256}$/.test(decoded) || Buffer.from(decoded, "utf8").toString("base64url") !== cursor) {
    throw new ApiError(400, "invalid_value", "cursor is not one this API returned");
  }
  return decoded;
}
