/**
 * The Admin API test harness: one server instance composed as main.ts does (SCIM + Access API + Admin API on
 * one access engine) over the shared test database, and tenants with an operator API key and a SCIM token.
 */
import { expect } from "chai";
import type { Express } from "express";
import supertest from "supertest";
import { createAccessEngine, type AccessEngine } from "../../src/access/engine/access-engine.js";
import { createResourceService } from "../../src/access/engine/resources.service.js";
import { createAccessRouter } from "../../src/access/http/access.router.js";
import { defaultPolicy } from "../../src/access/index.js";
import { createAdminRouter } from "../../src/admin/admin.router.js";
import { buildApp } from "../../src/app.js";
import { createAuditService, type AuditEventRecord } from "../../src/audit/audit.service.js";
import { loadConfig } from "../../src/config.js";
import { createCredentialCache } from "../../src/directory/credential-cache.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { createLogger } from "../../src/http/logger.js";
import { createScimRouter } from "../../src/scim/resources/scim.router.js";
import { createSso, type Sso } from "../../src/sso/sso.js";
import type { SessionRecord } from "../../src/sso/sessions.js";
import type { Database } from "../../src/store/data-source.js";
import { createDb } from "../../src/store/db.js";
import { createNotifications, type Notifications } from "../../src/store/notifications.js";
import { useCleanDatabase, type TestDatabase } from "../support/database.js";

type Method = "get" | "post" | "put" | "patch" | "delete";

export interface AdminInstance {
  app: Express;
  engine: AccessEngine;
  notifications: Notifications;
  /** Organizations the Admin API told the engine about (engine.afterWrite), in order: one per committed write. */
  afterWrites: string[];
  sso: Sso;
  close(): Promise<void>;
}

/** Where the test server says it is: https, so session cookies are Secure as in production. */
export const PUBLIC_URL = "https://gatehouse.test";

export async function startAdminInstance(database: Database): Promise<AdminInstance> {
  const policy = defaultPolicy();
  const db = createDb(database.dataSource);
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL });
  const notifications = createNotifications(database);
  const directory = createDirectory({ db, policy, credentialCache: createCredentialCache({ notifications }) });
  const engine = createAccessEngine({ db, policy, notifications, versionWaitMs: 300 });
  await engine.start();
  const audit = createAuditService({ db });
  const access = createAccessRouter({ db, engine, resources: createResourceService({ db, policy }), credentials: directory.credentials });
  const afterWrites: string[] = [];
  const afterWrite = async (organizationId: string) => {
    afterWrites.push(organizationId);
    await engine.afterWrite(organizationId);
  };
  // Single sign-on over the same engine, as main.ts composes it; http:// test identity providers allowed.
  const sso = await createSso({
    db,
    policy,
    audit,
    engine: { effective: engine.effective, afterWrite },
    logger: createLogger("silent"),
    publicBaseUrl: PUBLIC_URL,
    returnToOrigins: "https://app.acme.test",
    allowInsecureIdpRequests: true,
    loginStateTtlSeconds: 600,
  });
  const scim = createScimRouter({ db, directory, audit, baseUrl: `${PUBLIC_URL}/scim/v2`, afterWrite: engine.afterWrite, sessions: sso.sessions });
  const admin = createAdminRouter({
    db,
    engine: { policy, afterWrite, effective: engine.effective },
    audit,
    credentials: directory.credentials,
    connections: sso.connections,
    sessions: sso.sessions,
    allowInsecureIdpRequests: true,
  });
  const app = buildApp({ config, database, logger: createLogger("silent"), routers: { scim, access, admin, auth: sso.router } });
  return { app, engine, notifications, afterWrites, sso, close: () => notifications.close() };
}

export interface AdminTenant {
  organizationId: string;
  apiKey: string;
  keyId: string;
  /** Admin API calls with the tenant's key; paths relative to /admin/v1. */
  admin(method: Method, path: string, body?: unknown): supertest.Test;
  /** Access API calls with the tenant's key; paths relative to /access/v1. */
  access(method: Method, path: string, body?: unknown): supertest.Test;
  /** SCIM calls with the tenant's SCIM token; paths relative to /scim/v2. */
  scim(method: Method, path: string, body?: unknown): supertest.Test;
  /** The organization's audit events, oldest first. */
  events(): Promise<AuditEventRecord[]>;
  scimUser(userName: string): Promise<string>;
  scimGroup(displayName: string, members?: string[]): Promise<string>;
}

export interface AdminTestContext extends TestDatabase {
  instance: AdminInstance;
  app: Express;
  directory: Directory;
  newTenant(name?: string): Promise<AdminTenant>;
  /** A session for a person as the sign-in pipeline issues it, and Admin API calls made with it. */
  signIn(organizationId: string, userId: string, options?: { authenticatedAt?: Date; ip?: string; userAgent?: string }): Promise<SignedInPerson>;
}

export interface SignedInPerson {
  session: SessionRecord;
  /** The cookie's value (`${PUBLIC_URL}` is https, so the cookie is __Host-gatehouse_session). */
  token: string;
  /** The Cookie header's value. */
  cookie: string;
  csrfToken: string;
  /** Admin API calls as this person: the session cookie, the CSRF token and this server's Origin. */
  admin(method: Method, path: string, body?: unknown): supertest.Test;
}

export function useAdminApp(): AdminTestContext {
  const context = useCleanDatabase() as AdminTestContext;
  before(async () => {
    context.instance = await startAdminInstance(context.database);
    context.app = context.instance.app;
    context.directory = createDirectory({ db: context.db });
    const audit = createAuditService({ db: context.db });
    context.signIn = async (organizationId, userId, options = {}) => {
      const { sessions } = context.instance.sso;
      const { token, session } = await sessions.issue(context.db, {
        organizationId,
        userId,
        connectionId: null,
        authenticatedAt: options.authenticatedAt ?? new Date(),
        idleMinutes: 60,
        absoluteMinutes: 600,
        nameId: null,
        nameIdFormat: null,
        sessionIndex: null,
        ip: options.ip ?? "203.0.113.7",
        userAgent: options.userAgent ?? "test browser",
      });
      const cookie = `${sessions.cookieName}=${token}`;
      const csrfToken = sessions.csrfToken(session.id);
      return {
        session,
        token,
        cookie,
        csrfToken,
        admin(method, path, body) {
          const test = supertest(context.app)[method](`/admin/v1${path}`).set({ Cookie: cookie, Origin: PUBLIC_URL, "X-CSRF-Token": csrfToken });
          return body === undefined ? test : test.set("Content-Type", "application/json").send(JSON.stringify(body));
        },
      };
    };
    context.newTenant = async (name = "Tenant") => {
      const organization = await context.directory.organizations.create({ name, plan: "paid" });
      const key = await context.directory.credentials.issue("api_key", organization.id, { name: "admin console" });
      const { secret: scimToken } = await context.directory.credentials.issue("scim_token", organization.id, { name: "idp" });
      const call = (method: Method, url: string, secret: string, body?: unknown) => {
        const test = supertest(context.app)[method](url).set("Authorization", `Bearer ${secret}`);
        // Without a body, PUT is still sent as JSON: superagent sends Content-Length: 0, and src/http/body.ts
        // counts that as a body of no type (415) — see "PUT with no Content-Type" in attachments.spec.ts.
        if (body === undefined) return method === "put" ? test.set("Content-Type", "application/json") : test;
        return test.set("Content-Type", "application/json").send(JSON.stringify(body));
      };
      const tenant: AdminTenant = {
        organizationId: organization.id,
        apiKey: key.secret,
        keyId: key.credential.id,
        admin: (method, path, body) => call(method, `/admin/v1${path}`, key.secret, body),
        access: (method, path, body) => call(method, `/access/v1${path}`, key.secret, body),
        scim: (method, path, body) => call(method, `/scim/v2${path}`, scimToken, body),
        events: () => audit.list(organization.id, { limit: 1000 }),
        async scimUser(userName) {
          const res = await tenant.scim("post", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true });
          expect(res.status, res.text).to.equal(201);
          return res.body.id as string;
        },
        async scimGroup(displayName, members = []) {
          const res = await tenant.scim("post", "/Groups", {
            schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            displayName,
            members: members.map((value) => ({ value })),
          });
          expect(res.status, res.text).to.equal(201);
          return res.body.id as string;
        },
      };
      return tenant;
    };
  });
  after(() => context.instance.close());
  return context;
}

/** Asserts the `{ error: { code, message, details? } }` shape and returns the body's error. */
export function expectApiError(res: supertest.Response, status: number, code: string): { code: string; message: string; details?: Record<string, unknown> } {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/json/);
  expect(Object.keys(res.body as object)).to.deep.equal(["error"]);
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a("string").and.not.equal("");
  return res.body.error;
}
