import { expect } from "chai";
import supertest from "supertest";
import { buildApp } from "../../../src/app.js";
import { createAuditService } from "../../../src/audit/audit.service.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/http/logger.js";
import { createScimRouter } from "../../../src/scim/resources/scim.router.js";
import type { ScimTenant } from "../../support/scim-app.js";
import { SCIM_BASE_URL, useScimApp } from "../../support/scim-app.js";
import { createGroup, expectScimJson, filtered, idOf, list, patchBody, seedUsers, type Json } from "./scim-helpers.js";

const SIZE = 3000;

/** IDP-TRAFFIC: "another silently dropped members above 100; another caps groups at 1,000 members". */
describe("SCIM groups with thousands of members", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let users: string[];
  let group: Json;

  before(async function () {
    this.timeout(120_000);
    tenant = await ctx.newTenant();
    users = await seedUsers(ctx, tenant.organizationId, "big-", SIZE);
    group = await createGroup(tenant, "Everyone");
    // Entra and Okta grow groups by PATCH batches; a batch of 1,000 stays well under the body limit.
    for (let i = 0; i < SIZE; i += 1000) {
      const batch = users.slice(i, i + 1000).map((value) => ({ value }));
      await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: batch })).expect(204);
    }
  });

  it(`returns all ${SIZE} members on GET, each once, streamed as valid JSON`, async () => {
    const res = await tenant.get(`/Groups/${idOf(group)}`).expect(200);
    expectScimJson(res);
    expect(res.headers.etag).to.equal(res.body.meta.version);
    const values = (res.body.members as Json[]).map((member) => String(member.value));
    expect(values).to.have.length(SIZE);
    expect(new Set(values).size).to.equal(SIZE);
    expect([...values].sort()).to.deep.equal([...users].sort());
    const member = (res.body.members as Json[])[0] as Json;
    expect(member).to.have.keys(["value", "$ref", "display", "type"]);
    // 3,000 members (~600 KB) are streamed in pieces (chunked), not gathered whole.
    expect(res.headers["transfer-encoding"]).to.equal("chunked");
    expect(res.headers["content-length"]).to.equal(undefined);
  });

  it("sends a group without its members, or a small group, whole with a Content-Length", async () => {
    const small = await createGroup(tenant, "Few", users.slice(0, 3));
    for (const [path, query] of [[`/Groups/${idOf(group)}`, { excludedAttributes: "members" }], [`/Groups/${idOf(small)}`, {}]] as const) {
      const res = await tenant.get(path).query(query).expect(200);
      expectScimJson(res);
      expect(res.headers["content-length"]).to.equal(String(Buffer.byteLength(res.text)));
      expect(res.headers["transfer-encoding"]).to.equal(undefined);
    }
  });

  it("leaves the members out for excludedAttributes=members and attributes=displayName", async () => {
    for (const query of ["excludedAttributes=members", "attributes=displayName", "excludedAttributes=MEMBERS"]) {
      const res = await tenant.get(`/Groups/${idOf(group)}?${query}`).expect(200);
      expect(res.body, query).not.to.have.property("members");
      expect(res.body).to.include({ displayName: "Everyone", id: idOf(group) });
    }
    const found = await list(tenant, filtered("Groups", 'displayName eq "Everyone"', "&excludedAttributes=members"));
    expect(found.Resources[0]).not.to.have.property("members");
  });

  it("does not read the members at all when they are excluded", async () => {
    let memberPages = 0;
    const directory = { ...ctx.directory, memberships: { ...ctx.directory.memberships, list: (...args: Parameters<typeof ctx.directory.memberships.list>) => {
      memberPages += 1;
      return ctx.directory.memberships.list(...args);
    } } };
    const scim = createScimRouter({ db: ctx.db, directory, audit: createAuditService({ db: ctx.db }), baseUrl: SCIM_BASE_URL });
    const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL: "https://gatehouse.test" });
    const app = buildApp({ config, database: ctx.database, logger: createLogger("silent"), routers: { scim } });
    const get = (path: string) => supertest(app).get(`/scim/v2${path}`).set("Authorization", `Bearer ${tenant.token}`).expect(200);
    await get(`/Groups/${idOf(group)}?excludedAttributes=members`);
    await get(`/Groups?filter=${encodeURIComponent('displayName eq "Everyone"')}&excludedAttributes=members`);
    expect(memberPages).to.equal(0);
    await get(`/Groups/${idOf(group)}`);
    expect(memberPages).to.be.above(0);
  });

  it("projects member sub-attributes without dropping members (attributes=members.value)", async () => {
    const res = await tenant.get(`/Groups/${idOf(group)}?attributes=members.value`).expect(200);
    const members = res.body.members as Json[];
    expect(members).to.have.length(SIZE);
    expect(members[0]).to.have.keys(["value"]);
  });

  it("lists the big group in full on GET /Groups", async () => {
    const all = await list(tenant, "/Groups");
    expect(((all.Resources[0] as Json).members as Json[]).length).to.equal(SIZE);
  });

  it("removes one member from the big group with Entra's legacy remove, keeping the other members", async () => {
    const [first, second] = users;
    await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "Remove", path: "members", value: [{ value: first }] })).expect(204);
    await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "remove", path: `members[value eq "${String(second)}"]` })).expect(204);
    const res = await tenant.get(`/Groups/${idOf(group)}`).expect(200);
    const values = (res.body.members as Json[]).map((member) => member.value);
    expect(values).to.have.length(SIZE - 2);
    expect(values).not.to.include(first).and.not.include(second);
  });
});
