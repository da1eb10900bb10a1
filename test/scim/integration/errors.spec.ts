import { expect } from "chai";
import supertest from "supertest";
import { buildApp } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/http/logger.js";
import { createScimRouter } from "../../../src/scim/resources/scim.router.js";
import { createAuditService } from "../../../src/audit/audit.service.js";
import { SCIM_BASE_URL, useScimApp } from "../../support/scim-app.js";
import { createUser, expectScimError, idOf, list, snapshot, userBody, USER_SCHEMA } from "./scim-helpers.js";

/** RFC 7644 §3.12: every failure is a SCIM Error in application/scim+json, from routes and middleware alike. */
describe("SCIM error responses", () => {
  const ctx = useScimApp();

  it("404s an unknown user or group id with a SCIM body (Okta: unknown id → 404 with a SCIM Error)", async () => {
    const tenant = await ctx.newTenant();
    for (const path of ["/Users/0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11", "/Users/not-a-uuid", "/Groups/0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11", "/Groups/x"]) {
      expectScimError(await tenant.get(path), 404);
      expectScimError(await tenant.delete(path), 404);
    }
  });

  it("404s an unknown route under /scim/v2 in SCIM form", async () => {
    const tenant = await ctx.newTenant();
    expectScimError(await tenant.get("/Widgets"), 404);
    expectScimError(await tenant.post("/Users/x/y", {}), 404);
  });

  it("405s a method the endpoint does not support and changes nothing", async () => {
    const tenant = await ctx.newTenant();
    await createUser(tenant, "stays@example.com");
    const deleted = await tenant.delete("/Users");
    expectScimError(deleted, 405);
    expect(deleted.headers.allow).to.equal("GET, POST");
    const bulk = await tenant.get("/Bulk");
    expectScimError(bulk, 405);
    expect(bulk.headers.allow).to.equal("POST");
    expectScimError(await tenant.put("/Users", userBody("x@example.com")), 405);
    expectScimError(await tenant.patch("/Groups", {}), 405);
    expect((await list(tenant, "/Users")).totalResults).to.equal(1);
  });

  it("413s a body over the limit in SCIM form (scimType tooMany, as for Bulk maxPayloadSize) and creates nothing", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users", userBody("big@example.com", { displayName: "x".repeat(2 * 1024 * 1024) }));
    expectScimError(res, 413, "tooMany");
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
  });

  it("415s a text/plain body and creates nothing", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users").set("Content-Type", "text/plain").send(JSON.stringify(userBody("plain@example.com")));
    expectScimError(res, 415);
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
  });

  it("accepts application/json as well as application/scim+json, and answers application/scim+json", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users").set("Content-Type", "application/json").send(JSON.stringify(userBody("json@example.com"))).expect(201);
    expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
  });

  it("400s invalid JSON with invalidSyntax, without echoing the body", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users").set("Content-Type", "application/scim+json").send('{"userName": "secret-password-123", ');
    expectScimError(res, 400, "invalidSyntax");
    expect(JSON.stringify(res.body)).not.to.include("secret-password-123");
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
  });

  it("400s a body that is not an object or misses the core schema", async () => {
    const tenant = await ctx.newTenant();
    expectScimError(await tenant.post("/Users", ["a"]), 400, "invalidSyntax");
    expectScimError(await tenant.post("/Users", { schemas: ["urn:example:other"], userName: "x@example.com" }), 400, "invalidSyntax");
    expectScimError(await tenant.post("/Users", { schemas: [USER_SCHEMA] }), 400, "invalidValue");
    expectScimError(await tenant.post("/Users", userBody("x@example.com", { active: "maybe" })), 400, "invalidValue");
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
  });

  it("answers a NUL character in a value with 400, not a 500 (regression: PostgreSQL text cannot hold U+0000)", async () => {
    const tenant = await ctx.newTenant();
    expectScimError(await tenant.post("/Users", userBody("nul\u0000byte@example.com")), 400, "invalidValue");
    expectScimError(await tenant.post("/Users", userBody("ok@example.com", { name: { givenName: "a\u0000b" } })), 400, "invalidValue");
    expectScimError(await tenant.get(`/Users?filter=${encodeURIComponent('userName eq "a\\u0000b"')}`), 400, "invalidFilter");
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
  });

  it("answers a kept attribute nested absurdly deep with 400, not a 500 (regression: stack overflow storing it)", async () => {
    const tenant = await ctx.newTenant();
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const user = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","x":${deep}}`;
    expectScimError(await tenant.post("/Users").set("Content-Type", "application/scim+json").send(user), 400, "invalidValue");
    const group = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Deep","x":${deep}}`;
    expectScimError(await tenant.post("/Groups").set("Content-Type", "application/scim+json").send(group), 400, "invalidValue");
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
    await tenant.post("/Users", userBody("nested@example.com", { x: { a: [{ b: [1, 2] }] } })).expect(201);
  });

  describe("when the directory fails unexpectedly", () => {
    const leak = "connect ECONNREFUSED 10.9.8.7:5432 user=gatehouse password=hunter2";
    let app: ReturnType<typeof buildApp>;

    before(() => {
      const failing = { ...ctx.directory, users: { ...ctx.directory.users, get: () => Promise.reject(new Error(leak)), search: () => Promise.reject(new Error(leak)) } };
      const scim = createScimRouter({ db: ctx.db, directory: failing, audit: createAuditService({ db: ctx.db }), baseUrl: SCIM_BASE_URL });
      const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL: "https://gatehouse.test" });
      app = buildApp({ config, database: ctx.database, logger: createLogger("silent"), routers: { scim } });
    });

    it("answers 500 (not 404) with a generic SCIM error that leaks nothing but a request id", async () => {
      const tenant = await ctx.newTenant("Outage");
      const user = await createUser(tenant, "outage@example.com");
      for (const path of [`/Users/${idOf(user)}`, "/Users?filter=userName%20eq%20%22x%22"]) {
        const res = await supertest(app).get(`/scim/v2${path}`).set("Authorization", `Bearer ${tenant.token}`);
        expectScimError(res, 500);
        expect(res.body.detail).to.match(/^Internal server error \(request id [^)]+\)$/);
        expect(JSON.stringify(res.body)).not.to.match(/ECONNREFUSED|hunter2|10\.9\.8\.7|stack|at /);
      }
      // The real app still serves the user: the failure changed nothing.
      expect((await snapshot(tenant, `/Users/${idOf(user)}`)).userName).to.equal("outage@example.com");
    });
  });
});
