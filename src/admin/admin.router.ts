/**
 * The Admin API (`/admin/v1`, issue 5): organization admins shape access here. Authenticated by operator API
 * keys (the organization is the key's, never the request's); every action is authorised through the access
 * engine's check() (authorize.ts); every write commits with its audit event (admin-write.ts).
 */
import express, { type Router } from "express";
import type { AccessEngine } from "../access/engine/access-engine.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CredentialService } from "../directory/credentials.service.js";
import { createDirectory } from "../directory/directory.js";
import type { ConnectionService } from "../sso/connections.service.js";
import type { SessionService } from "../sso/sessions.js";
import type { Db } from "../store/db.js";
import type { TxtResolver } from "../directory/domains.service.js";
import { authenticateAdmin } from "./admin-auth.js";
import { createAdminWrite } from "./admin-write.js";
import { mountAttachmentRoutes } from "./attachments.routes.js";
import { mountAuditRoutes } from "./audit.routes.js";
import { mountDomainRoutes } from "./domains.routes.js";
import { mountOrganizationRoutes } from "./organization.routes.js";
import { createAuthorizer } from "./authorize.js";
import { mountGrantRoutes } from "./grants.routes.js";
import { mountGroupRoutes } from "./groups.routes.js";
import { mountInviteRoutes } from "./invites.routes.js";
import { adminOpenApi } from "./openapi.js";
import { mountOverrideRoutes } from "./overrides.routes.js";
import { mountOwnershipRoutes } from "./ownership.routes.js";
import { mountRoleRoutes } from "./roles.routes.js";
import { mountSeatRoutes } from "./seats.routes.js";
import { mountSessionRoutes } from "./sessions.routes.js";
import { mountSpaceRoutes } from "./spaces.routes.js";
import { mountUserRoutes } from "./users.routes.js";
import { mountSsoRoutes } from "./sso.routes.js";
import { mountWorkspaceRoutes } from "./workspaces.routes.js";
import { methodNotAllowed } from "./route-helpers.js";

export interface AdminRouterDeps {
  db: Db;
  engine: Pick<AccessEngine, "policy" | "afterWrite"> & Partial<Pick<AccessEngine, "effective">>;
  /** Sign-in sessions (issue 6): organization admins may use the Admin API with their session and its CSRF token. */
  sessions?: SessionService;
  audit: AuditService;
  credentials: CredentialService;
  /** DNS TXT lookups for domain verification (default: the system resolver; tests pass a fake). */
  resolveTxt?: TxtResolver;
  /** SSO connections (issue 6): without them the /sso routes are not mounted. */
  connections?: ConnectionService;
  /** Lets IdP metadata be imported from http:// URLs (tests and local development only). */
  allowInsecureIdpRequests?: boolean;
}

export function createAdminRouter({ db, engine, audit, credentials, connections, allowInsecureIdpRequests, resolveTxt, sessions }: AdminRouterDeps): Router {
  const router = express.Router();
  const policy = engine.policy;
  const directory = createDirectory({ db, policy });
  const document = adminOpenApi();
  const deps = {
    directory,
    write: createAdminWrite({ db, policy, audit, afterWrite: engine.afterWrite }),
    authorizer: createAuthorizer({ policy, organizations: directory.organizations, ...(engine.effective ? { effective: engine.effective } : {}) }),
  };

  router.route("/openapi.json").get((_req, res) => void res.json(document)).all(methodNotAllowed("GET"));
  router.use(authenticateAdmin(credentials, sessions));
  mountWorkspaceRoutes(router, deps);
  mountSpaceRoutes(router, deps);
  mountAttachmentRoutes(router, deps);
  mountGroupRoutes(router, deps);
  mountGrantRoutes(router, deps);
  mountOverrideRoutes(router, deps);
  mountRoleRoutes(router, deps);
  mountAuditRoutes(router, { ...deps, db });
  mountOrganizationRoutes(router, { ...deps, policy });
  mountDomainRoutes(router, { ...deps, db, policy, ...(resolveTxt ? { resolveTxt } : {}) });
  mountOwnershipRoutes(router, { ...deps, db, policy, afterWrite: engine.afterWrite });
  mountSessionRoutes(router, { ...deps, db });
  if (connections) mountSsoRoutes(router, { ...deps, connections, ...(allowInsecureIdpRequests === undefined ? {} : { allowInsecureIdpRequests }) });
  mountSeatRoutes(router, { ...deps, db, policy });
  mountUserRoutes(router, deps, policy);
  mountInviteRoutes(router, deps);
  return router;
}
