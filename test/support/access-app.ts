import supertest from "supertest";
import { createAccessEngine, type AccessEngine } from "../../src/access/engine/access-engine.js";
import { createResourceService } from "../../src/access/engine/resources.service.js";
import { createAccessRouter } from "../../src/access/http/access.router.js";
import { parseByteSize, withFastCheck } from "../../src/access/http/check-fast-path.js";
import type { HttpMetrics } from "../../src/http/metrics.js";
import { defaultPolicy, type Policy } from "../../src/access/index.js";
import { buildApp } from "../../src/app.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { loadConfig } from "../../src/config.js";
import { createCredentialCache } from "../../src/directory/credential-cache.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { createLogger } from "../../src/http/logger.js";
import { withScimFastPath } from "../../src/scim/resources/scim-fast-path.js";
import { createScimSurface } from "../../src/scim/resources/scim.router.js";
import type { Database } from "../../src/store/data-source.js";
import { createDb, type Db } from "../../src/store/db.js";
import { createNotifications, type Notifications } from "../../src/store/notifications.js";
import { useCleanDatabase, type TestDatabase } from "./database.js";

/** What supertest drives: here the server's request listener (the /check fast path in front of Express). */
export type TestApp = Parameters<typeof supertest>[0];

export interface AccessInstance {
  app: TestApp;
  engine: AccessEngine;
  notifications: Notifications;
  close(): Promise<void>;
}

/**
 * One server instance as main.ts composes it (SCIM + Access API, its own engine cache and its own LISTEN
 * connection) on the shared test database. Two of these on one database are two instances behind a load balancer.
 */
export async function startAccessInstance(database: Database, policy: Policy = defaultPolicy()): Promise<AccessInstance> {
  const db: Db = createDb(database.dataSource);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL: "https://gatehouse.test" });
  const notifications = createNotifications(database);
  const directory = createDirectory({ db, policy, credentialCache: createCredentialCache({ notifications }) });
  const engine = createAccessEngine({ db, policy, notifications, versionWaitMs: 300 });
  await engine.start();
  const scim = createScimSurface({ db, directory, audit: createAuditService({ db }), baseUrl: "https://gatehouse.test/scim/v2", afterWrite: engine.afterWrite });
  const access = createAccessRouter({ db, engine, resources: createResourceService({ db, policy }), credentials: directory.credentials });
  const logger = createLogger("silent");
  const express = buildApp({ config, database, logger, routers: { scim: scim.router, access } });
  const metrics = express.locals.httpMetrics as HttpMetrics;
  const bodyLimitBytes = parseByteSize(config.http.bodyLimit);
  const trustProxy = express.get("trust proxy fn") as (address: string, hop: number) => boolean;
  const scimFastPath = withScimFastPath(express, { handlers: scim.handlers, credentials: directory.credentials, logger, metrics, bodyLimitBytes, trustProxy });
  const app = withFastCheck(scimFastPath, { engine, credentials: directory.credentials, logger, metrics, bodyLimitBytes });
  return { app, engine, notifications, close: () => notifications.close() };
}

export interface AccessTenant {
  organizationId: string;
  apiKey: string;
  scimToken: string;
  /** Access API calls with the tenant's API key; paths relative to /access/v1. */
  post(path: string, body?: unknown, app?: TestApp): supertest.Test;
  get(path: string, app?: TestApp): supertest.Test;
  put(path: string, body?: unknown, app?: TestApp): supertest.Test;
  delete(path: string, app?: TestApp): supertest.Test;
  /** SCIM calls with the tenant's SCIM token; paths relative to /scim/v2. */
  scim(method: "get" | "post" | "put" | "patch" | "delete", path: string, body?: unknown, app?: TestApp): supertest.Test;
}

export interface AccessTestContext extends TestDatabase {
  instance: AccessInstance;
  app: TestApp;
  directory: Directory;
  newTenant(name?: string, plan?: "free" | "paid" | "enterprise"): Promise<AccessTenant>;
}

export function useAccessApp(): AccessTestContext {
  const context = useCleanDatabase() as AccessTestContext;
  before(async () => {
    context.instance = await startAccessInstance(context.database);
    context.app = context.instance.app;
    context.directory = createDirectory({ db: context.db });
    context.newTenant = async (name = "Tenant", plan = "free") => {
      const organization = await context.directory.organizations.create({ name, plan });
      const { secret: apiKey } = await context.directory.credentials.issue("api_key", organization.id, { name: "product backend" });
      const { secret: scimToken } = await context.directory.credentials.issue("scim_token", organization.id, { name: "idp" });
      const call = (app: TestApp | undefined, method: "get" | "post" | "put" | "patch" | "delete", url: string, secret: string, body?: unknown) => {
        const test = supertest(app ?? context.app)[method](url).set("Authorization", `Bearer ${secret}`);
        return body === undefined ? test : test.set("Content-Type", "application/json").send(JSON.stringify(body));
      };
      return {
        organizationId: organization.id,
        apiKey,
        scimToken,
        post: (path, body, app) => call(app, "post", `/access/v1${path}`, apiKey, body),
        get: (path, app) => call(app, "get", `/access/v1${path}`, apiKey),
        put: (path, body, app) => call(app, "put", `/access/v1${path}`, apiKey, body),
        delete: (path, app) => call(app, "delete", `/access/v1${path}`, apiKey),
        scim: (method, path, body, app) => call(app, method, `/scim/v2${path}`, scimToken, body),
      };
    };
  });
  after(() => context.instance.close());
  return context;
}
