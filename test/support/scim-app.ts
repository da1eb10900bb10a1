import type { RequestListener } from "node:http";
import type { Express } from "express";
import supertest from "supertest";
import { buildApp } from "../../src/app.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { loadConfig } from "../../src/config.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { createLogger } from "../../src/http/logger.js";
import { parseByteSize } from "../../src/access/http/check-fast-path.js";
import type { HttpMetrics } from "../../src/http/metrics.js";
import { withScimFastPath } from "../../src/scim/resources/scim-fast-path.js";
import { createScimSurface, type ScimResourceHandlers } from "../../src/scim/resources/scim.router.js";
import { useCleanDatabase, type TestDatabase } from "./database.js";

export const SCIM_BASE_URL = "https://gatehouse.test/scim/v2";

export interface ScimTestContext extends TestDatabase {
  /** The app as main.ts serves it: the SCIM fast path in front of Express. */
  app: RequestListener;
  /** The same app without the fast path: every request through Express. */
  express: Express;
  scimHandlers: ScimResourceHandlers;
  directory: Directory;
  /** A fresh organization with its own SCIM token. */
  newTenant(name?: string): Promise<ScimTenant>;
}

export interface ScimTenant {
  organizationId: string;
  token: string;
  /** supertest agent helpers that send the tenant's bearer token. */
  get(path: string): supertest.Test;
  post(path: string, body?: unknown): supertest.Test;
  put(path: string, body?: unknown): supertest.Test;
  patch(path: string, body?: unknown): supertest.Test;
  delete(path: string): supertest.Test;
}

/**
 * The real app (buildApp + the SCIM router, behind the SCIM fast path as main.ts serves it) on the run's test
 * database, emptied for this spec file.
 * Paths given to the tenant helpers are relative to /scim/v2 ("/Users").
 */
export function useScimApp(): ScimTestContext {
  const context = useCleanDatabase() as ScimTestContext;
  before(() => {
    const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL: "https://gatehouse.test" });
    context.directory = createDirectory({ db: context.db });
    const scim = createScimSurface({ db: context.db, directory: context.directory, audit: createAuditService({ db: context.db }), baseUrl: SCIM_BASE_URL });
    const logger = createLogger("silent");
    const app = buildApp({ config, database: context.database, logger, routers: { scim: scim.router } });
    context.express = app;
    context.scimHandlers = scim.handlers;
    context.app = withScimFastPath(app, {
      handlers: scim.handlers,
      credentials: context.directory.credentials,
      logger,
      metrics: app.locals.httpMetrics as HttpMetrics,
      bodyLimitBytes: parseByteSize(config.http.bodyLimit),
      trustProxy: app.get("trust proxy fn") as (address: string, hop: number) => boolean,
    });
    context.newTenant = async (name = "Tenant") => {
      const organization = await context.directory.organizations.create({ name });
      const { secret } = await context.directory.credentials.issue("scim_token", organization.id, { name: "test" });
      const auth = (test: supertest.Test) => test.set("Authorization", `Bearer ${secret}`);
      const request = supertest(context.app);
      const url = (path: string) => `/scim/v2${path}`;
      const json = (test: supertest.Test, body: unknown) => (body === undefined ? test : test.set("Content-Type", "application/scim+json").send(JSON.stringify(body)));
      return {
        organizationId: organization.id,
        token: secret,
        get: (path) => auth(request.get(url(path))),
        post: (path, body) => json(auth(request.post(url(path))), body),
        put: (path, body) => json(auth(request.put(url(path))), body),
        patch: (path, body) => json(auth(request.patch(url(path))), body),
        delete: (path) => auth(request.delete(url(path))),
      };
    };
  });
  return context;
}
