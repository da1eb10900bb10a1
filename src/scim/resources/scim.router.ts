import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { AuditService } from "../../audit/audit.service.js";
import type { Directory } from "../../directory/directory.js";
import { requestIdOf } from "../../http/request-id.js";
import { requireScimToken } from "../../http/scim-auth.js";
import type { Db } from "../../store/db.js";
import { loadServerSecret } from "../../store/secrets.repository.js";
import { ScimError } from "../protocol/scim-error.js";
import { requestContextOf, type RequestContext } from "./scim-deps.js";
import { createBulkHandler } from "./bulk.handler.js";
import { createDiscoveryRouter } from "./discovery.router.js";
import { createGroupHandlers } from "./groups.handler.js";
import { createRootSearch } from "./root-search.js";
import type { ScimDeps } from "./scim-deps.js";
import type { ScimCall } from "./scim-http.js";
import { createUserHandlers, type ScimHandler } from "./users.handler.js";

export interface ScimRouterDeps {
  db: Db;
  directory: Directory;
  audit: AuditService;
  baseUrl: string;
  logger?: Logger;
  afterWrite?: (organizationId: string) => Promise<unknown>;
  /** The signed-in person behind a session cookie (single sign-on): who /Me is. Without it /Me is 501. */
  sessions?: { authenticate(req: Request): Promise<{ organizationId: string; userId: string } | null> };
}

/** RFC 7644 §3.12 asks for 405 on a method the endpoint does not support; RFC 9110 §15.5.6 for an Allow header. */
const methodNotAllowed: RequestHandler = (req, res) => {
  const methods = Object.keys((req.route as { methods?: Record<string, boolean> } | undefined)?.methods ?? {})
    .filter((method) => method !== "_all")
    .map((method) => method.toUpperCase());
  if (methods.length > 0) res.set("Allow", methods.join(", "));
  throw new ScimError(405, undefined, `${req.method} is not supported on this endpoint`);
};

/** An Express request as a ScimCall: the query is parsed once (Express 5 parses it again on every read). */
function callOf(req: Request, res: Response, context: RequestContext = requestContextOf(res)): ScimCall {
  return { method: req.method, query: req.query, id: typeof req.params.id === "string" ? req.params.id : "", body: req.body, header: (name) => req.get(name), context, res };
}

const viaExpress =
  (handler: ScimHandler): RequestHandler =>
  (req, res) =>
    handler(callOf(req, res));

/** The resource endpoints' handlers, for routes answered before Express (scim-fast-path.ts). */
export interface ScimResourceHandlers {
  users: Record<"create" | "get" | "list" | "replace" | "patch" | "remove", ScimHandler>;
  groups: Record<"create" | "get" | "list" | "replace" | "patch" | "remove", ScimHandler>;
}

export interface ScimSurface {
  router: Router;
  handlers: ScimResourceHandlers;
}

/**
 * Everything under /scim/v2. Routes are declared in full (`/Users/:id`) so metrics label them by
 * pattern. The organization comes from the bearer token only.
 */
export function createScimRouter(options: ScimRouterDeps): Router {
  return createScimSurface(options).router;
}

/** The router and the handlers behind it, so a fast path can run the very same code. */
export function createScimSurface(options: ScimRouterDeps): ScimSurface {
  let cursorKey: Promise<Buffer> | undefined;
  const deps: ScimDeps = { ...options, cursorKey: () => (cursorKey ??= loadServerSecret(options.db, "scim_cursor")) };
  const users = createUserHandlers(deps);
  const groups = createGroupHandlers(deps);
  const router = express.Router();

  router.use(createDiscoveryRouter(options.baseUrl));
  // RFC 7644 §3.11: /Me is the authenticated person. A SCIM token stands for an identity provider, not a
  // person, so /Me answers to a sign-in session; the IdP owns the record, so it is read-only here.
  const { sessions } = options;
  if (sessions) {
    router
      .route("/Me")
      .get(async (req: Request, res: Response) => {
        const session = await sessions.authenticate(req);
        if (!session) {
          res.set("WWW-Authenticate", 'Bearer realm="Gatehouse SCIM"');
          throw new ScimError(401, undefined, "/Me is the signed-in person: sign in first (session cookie)");
        }
        const principal = { organizationId: session.organizationId, tokenId: "session", tokenName: "session" };
        const context = { principal, requestId: requestIdOf(res), sourceIp: req.ip ?? null };
        await users.get({ ...callOf(req, res, context), id: session.userId });
      })
      .all(methodNotAllowed);
  }
  router.use(requireScimToken(options.directory.credentials));

  for (const [type, resource] of [["Users", users], ["Groups", groups]] as const) {
    router.route(`/${type}`).get(viaExpress(resource.list)).post(viaExpress(resource.create)).all(methodNotAllowed);
    router.post(`/${type}/.search`, viaExpress(resource.list));
    router
      .route(`/${type}/:id`)
      .get(viaExpress(resource.get))
      .put(viaExpress(resource.replace))
      .patch(viaExpress(resource.patch))
      .delete(viaExpress(resource.remove))
      .all(methodNotAllowed);
  }
  router.post("/.search", createRootSearch(deps));
  router.route("/Bulk").post(createBulkHandler(deps)).all(methodNotAllowed);
  router.all("/Me", () => {
    throw new ScimError(501, undefined, "/Me is the signed-in person; this server does not serve single sign-on");
  });
  return { router, handlers: { users, groups } };
}
