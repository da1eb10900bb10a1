import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { AuditService } from "../../audit/audit.service.js";
import type { Directory } from "../../directory/directory.js";
import { requireScimToken } from "../../http/scim-auth.js";
import type { Db } from "../../store/db.js";
import { loadServerSecret } from "../../store/secrets.repository.js";
import { ScimError } from "../protocol/scim-error.js";
import { createBulkHandler } from "./bulk.handler.js";
import { createDiscoveryRouter } from "./discovery.router.js";
import { createGroupHandlers } from "./groups.handler.js";
import { createRootSearch } from "./root-search.js";
import type { ScimDeps } from "./scim-deps.js";
import { createUserHandlers } from "./users.handler.js";

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

/**
 * Everything under /scim/v2. Routes are declared in full (`/Users/:id`) so metrics label them by
 * pattern. The organization comes from the bearer token only.
 */
export function createScimRouter(options: ScimRouterDeps): Router {
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
        res.locals.scimPrincipal = { organizationId: session.organizationId, tokenId: "session", tokenName: "session" };
        req.params.id = session.userId;
        await users.get(req, res);
      })
      .all(methodNotAllowed);
  }
  router.use(requireScimToken(options.directory.credentials));

  router.route("/Users").get(users.list).post(users.create).all(methodNotAllowed);
  router.post("/Users/.search", users.list);
  router.route("/Users/:id").get(users.get).put(users.replace).patch(users.patch).delete(users.remove).all(methodNotAllowed);
  router.route("/Groups").get(groups.list).post(groups.create).all(methodNotAllowed);
  router.post("/Groups/.search", groups.list);
  router.route("/Groups/:id").get(groups.get).put(groups.replace).patch(groups.patch).delete(groups.remove).all(methodNotAllowed);
  router.post("/.search", createRootSearch(deps));
  router.route("/Bulk").post(createBulkHandler(deps)).all(methodNotAllowed);
  router.all("/Me", () => {
    throw new ScimError(501, undefined, "/Me is the signed-in person; this server does not serve single sign-on");
  });
  return router;
}
