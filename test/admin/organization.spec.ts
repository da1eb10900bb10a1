import { readFileSync } from "node:fs";
import { expect } from "chai";
import supertest from "supertest";
import { loadPolicy } from "../../src/access/index.js";
import { createAdminRouter } from "../../src/admin/admin.router.js";
import { buildApp } from "../../src/app.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/http/logger.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

interface Organization {
  id: string;
  name: string;
  plan: string;
  sessionIdleMinutes: number;
  sessionAbsoluteMinutes: number;
  jitProvisioning: boolean;
  featureFlags: Record<string, boolean>;
  auditRetentionDays: number | null;
  createdAt: string;
  updatedAt: string;
}

describe("Admin API: organization settings", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
  });

  const read = async (who: AdminTenant = tenant): Promise<Organization> => {
    const res = await who.admin("get", "/organization");
    expect(res.status, res.text).to.equal(200);
    return res.body as Organization;
  };

  it("GET /organization shows the key's own organization with its settings", async () => {
    const organization = await read();
    expect(organization).to.include({ id: tenant.organizationId, name: "Acme", plan: "paid", jitProvisioning: true, auditRetentionDays: null });
    expect(organization.sessionIdleMinutes).to.be.at.most(organization.sessionAbsoluteMinutes);
    expect(organization.featureFlags).to.deep.equal({});
    expect((await read(other)).id).to.equal(other.organizationId);
  });

  it("PATCH changes the given settings only, audited once with before and after", async () => {
    const before = await read();
    const count = (await tenant.events()).length;
    const changes = { name: "Acme Corp", sessionIdleMinutes: 60, sessionAbsoluteMinutes: 720, jitProvisioning: false, auditRetentionDays: 365, featureFlags: { "spaces.beta": true } };
    const res = await tenant.admin("patch", "/organization", changes);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.include({ ...changes, id: before.id, plan: before.plan, createdAt: before.createdAt });
    expect(await read()).to.deep.equal(res.body);
    const events = (await tenant.events()).slice(count);
    expect(events.map((e) => [e.action, e.targetType, e.targetId, e.actorId])).to.deep.equal([["organization.update", "organization", tenant.organizationId, tenant.keyId]]);
    expect(events[0]?.details).to.deep.include({ before, after: res.body });
    expect((await read(other)).name).to.equal("Globex");
  });

  it("merges feature flags: new keys added, others kept, null removes one", async () => {
    await tenant.admin("patch", "/organization", { featureFlags: { legacy_export: false, audit_stream: true } });
    const res = await tenant.admin("patch", "/organization", { featureFlags: { legacy_export: null, "spaces.beta": false } });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.featureFlags).to.deep.equal({ "spaces.beta": false, audit_stream: true });
    const cleared = await tenant.admin("patch", "/organization", { auditRetentionDays: null });
    expect(cleared.body.auditRetentionDays).to.equal(null);
  });

  it("400 for malformed settings, naming each problem; nothing changed, no event", async () => {
    const before = await read();
    const events = await tenant.events();
    const bad = expectApiError(
      await tenant.admin("patch", "/organization", { name: " ", plan: "gold", sessionIdleMinutes: 1, featureFlags: { "Bad Key": true, ok: "yes" }, auditRetentionDays: 0, colour: "red" }),
      400,
      "invalid_request",
    );
    expect((bad.details?.problems as string[]).length).to.be.at.least(6);
    expectApiError(await tenant.admin("patch", "/organization", {}), 400, "invalid_request");
    expectApiError(await tenant.admin("patch", "/organization", { auditRetentionDays: 3651 }), 400, "invalid_request");
    // The idle lifetime may not exceed the absolute one, whether both change or one of them does.
    const crossed = expectApiError(await tenant.admin("patch", "/organization", { sessionIdleMinutes: 600, sessionAbsoluteMinutes: 300 }), 400, "invalid_value");
    expect(crossed.message).to.contain("sessionIdleMinutes");
    expectApiError(await tenant.admin("patch", "/organization", { sessionIdleMinutes: before.sessionAbsoluteMinutes + 1 }), 400, "invalid_value");
    expect(await read()).to.deep.equal(before);
    expect(await tenant.events()).to.deep.equal(events);
  });

  it("changing the plan down to free while custom roles exist: 409 naming the roles; nothing changed", async () => {
    const role = await tenant.admin("post", "/roles", { name: "Auditors", level: "organization", permissions: ["audit:read"] });
    expect(role.status, role.text).to.equal(201);
    const before = await read();
    const events = await tenant.events();
    const error = expectApiError(await tenant.admin("patch", "/organization", { plan: "free", name: "Cheaper" }), 409, "conflict");
    expect(error.message).to.contain('"Auditors"');
    expect(error.details?.roles).to.deep.equal([{ id: role.body.id, name: "Auditors", level: "organization" }]);
    expect(await read()).to.deep.equal(before);
    expect(await tenant.events()).to.deep.equal(events);

    // Up to enterprise keeps custom roles; once the roles are gone, free is allowed.
    expect((await tenant.admin("patch", "/organization", { plan: "enterprise" })).body.plan).to.equal("enterprise");
    expect((await tenant.admin("delete", `/roles/${role.body.id}`)).status).to.equal(204);
    const res = await tenant.admin("patch", "/organization", { plan: "free" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.plan).to.equal("free");
    // On the free plan custom roles are refused, as the roles endpoint says.
    expectApiError(await tenant.admin("post", "/roles", { name: "Again", level: "organization", permissions: ["audit:read"] }), 403, "forbidden");
    expect((await tenant.admin("patch", "/organization", { plan: "paid" })).body.plan).to.equal("paid");
  });

  it("each field needs its own permission: without billing:manage or features:manage, 403 naming it; nothing changed", async () => {
    // A product policy whose Organization Admin manages settings but neither billing nor features.
    const json = JSON.parse(readFileSync(new URL("../../config/policy.default.json", import.meta.url), "utf8")) as {
      roles: Record<string, Array<{ key: string; permissions: string[] }>>;
    };
    const admin = json.roles.organization?.find((role) => role.key === "organization.admin");
    if (!admin) throw new Error("the default policy has no organization.admin");
    admin.permissions = ["organization:read", "organization:manage", "roles:manage", "audit:read"];
    const policy = loadPolicy(json, "settings-only policy");
    const router = createAdminRouter({ db: context.db, engine: { policy, afterWrite: async () => undefined }, audit: createAuditService({ db: context.db }), credentials: context.directory.credentials });
    const app = buildApp({ config: loadConfig({ ...process.env, LOG_LEVEL: "silent" }), database: context.database, logger: createLogger("silent"), routers: { admin: router } });
    const patch = (body: unknown) =>
      supertest(app).patch("/admin/v1/organization").set("Authorization", `Bearer ${tenant.apiKey}`).set("Content-Type", "application/json").send(JSON.stringify(body));

    const before = await read();
    const events = await tenant.events();
    for (const [body, permission] of [
      [{ plan: "enterprise" }, "billing:manage"],
      [{ name: "Renamed", plan: "enterprise" }, "billing:manage"],
      [{ featureFlags: { beta: true } }, "features:manage"],
    ] as const) {
      const error = expectApiError(await patch(body), 403, "forbidden");
      expect(error.details?.permission).to.equal(permission);
    }
    expect(await read()).to.deep.equal(before);
    expect(await tenant.events()).to.deep.equal(events);
    const renamed = await patch({ name: "Settings Only" });
    expect(renamed.status, renamed.text).to.equal(200);
    expect(renamed.body).to.include({ name: "Settings Only", plan: before.plan });
  });

  it("405 with Allow", async () => {
    const res = await tenant.admin("put", "/organization", { name: "X" });
    expectApiError(res, 405, "method_not_allowed");
    expect(res.headers.allow).to.equal("GET, PATCH");
  });
});
