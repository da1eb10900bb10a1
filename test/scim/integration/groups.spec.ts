import { expect } from "chai";
import supertest from "supertest";
import { buildApp } from "../../../src/app.js";
import { createAuditService } from "../../../src/audit/audit.service.js";
import { loadConfig } from "../../../src/config.js";
import type { Directory } from "../../../src/directory/directory.js";
import { createLogger } from "../../../src/http/logger.js";
import { createScimRouter } from "../../../src/scim/resources/scim.router.js";
import { SCIM_BASE_URL, useScimApp } from "../../support/scim-app.js";
import { createGroup, createUser, expectScimError, expectScimJson, GROUP_SCHEMA, idOf, list, memberIdsOf, patchBody, snapshot, type Json } from "./scim-helpers.js";

const ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const memberValues = (group: Json) => ((group.members as Json[] | undefined) ?? []).map((member) => String(member.value)).sort();

/** RFC 7644 on /Groups, with Okta group push and Entra group shapes. */
describe("SCIM /Groups create, read, replace and delete", () => {
  const ctx = useScimApp();

  it("creates an empty group as Okta's group push does (members: []): 201, Location, ETag", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Okta Pushed", members: [] }).expect(201);
    expectScimJson(res);
    expect(res.headers.location).to.equal(`${SCIM_BASE_URL}/Groups/${idOf(res.body)}`);
    expect(res.headers.etag).to.equal(res.body.meta.version);
    expect(res.body).to.deep.include({ displayName: "Okta Pushed", schemas: [GROUP_SCHEMA] });
    expect(res.body.members ?? []).to.deep.equal([]);
    expect(res.body.meta).to.deep.include({ resourceType: "Group", location: res.headers.location });
  });

  it("accepts Entra's group body with its extra schema URN and externalId, and returns the members", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "member@example.com", { displayName: "Member One" });
    const res = await tenant.post("/Groups", {
      schemas: [GROUP_SCHEMA, ENTRA_GROUP], externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", displayName: "Entra Group",
      meta: { resourceType: "Group" }, members: [{ value: idOf(user) }],
    }).expect(201);
    expect(res.body.externalId).to.equal("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    expect(res.body.members).to.deep.equal([{ value: idOf(user), $ref: `${SCIM_BASE_URL}/Users/${idOf(user)}`, display: "Member One", type: "User" }]);
    expect(await snapshot(tenant, `/Groups/${idOf(res.body)}`)).to.deep.equal(res.body);
  });

  it("refuses a group without displayName or with a malformed member, creating nothing", async () => {
    const tenant = await ctx.newTenant();
    expectScimError(await tenant.post("/Groups", { schemas: [GROUP_SCHEMA] }), 400, "invalidValue");
    expectScimError(await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Bad", members: [{ display: "no value" }] }), 400, "invalidValue");
    expectScimError(await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Bad", members: [{ value: "0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11" }] }), 400, "invalidValue");
    expect((await list(tenant, "/Groups")).totalResults).to.equal(0);
  });

  it("PUT with members makes the member set exactly the given one", async () => {
    const tenant = await ctx.newTenant();
    const [u1, u2, u3] = await Promise.all(["p1", "p2", "p3"].map((name) => createUser(tenant, `${name}@example.com`)));
    const group = await createGroup(tenant, "Put Group", [idOf(u1 as Json), idOf(u2 as Json)]);
    const res = await tenant.put(`/Groups/${idOf(group)}`, { schemas: [GROUP_SCHEMA], displayName: "Put Group", members: [{ value: idOf(u2 as Json) }, { value: idOf(u3 as Json) }] }).expect(200);
    expectScimJson(res);
    expect(memberValues(res.body)).to.deep.equal([idOf(u2 as Json), idOf(u3 as Json)].sort());
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal([idOf(u2 as Json), idOf(u3 as Json)].sort());
  });

  it("PUT without members renames the group and keeps its members", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "kept@example.com");
    const group = await createGroup(tenant, "Old Name", [idOf(user)]);
    const res = await tenant.put(`/Groups/${idOf(group)}`, { schemas: [GROUP_SCHEMA], displayName: "New Name" }).expect(200);
    expect(res.body.displayName).to.equal("New Name");
    expect(memberValues(res.body)).to.deep.equal([idOf(user)]);
    expect(res.headers.etag).to.equal(res.body.meta.version);
  });

  it("DELETE answers 204, the group is gone and its users stay", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "survivor@example.com");
    const group = await createGroup(tenant, "Doomed", [idOf(user)]);
    await tenant.delete(`/Groups/${idOf(group)}`).expect(204);
    expectScimError(await tenant.get(`/Groups/${idOf(group)}`), 404);
    expectScimError(await tenant.delete(`/Groups/${idOf(group)}`), 404);
    const survivor = await snapshot(tenant, `/Users/${idOf(user)}`);
    expect(survivor.groups ?? []).to.deep.equal([]);
    await createGroup(tenant, "Doomed");
  });

  it("lists groups with members, without them for excludedAttributes=members, and answers PATCH with a body when asked", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "lister@example.com");
    const group = await createGroup(tenant, "Listed", [idOf(user)]);
    await createGroup(tenant, "Empty");
    const all = await list(tenant, "/Groups?sortBy=displayName");
    expect(all.Resources.map((g) => g.displayName)).to.deep.equal(["Empty", "Listed"]);
    expect(memberValues(all.Resources[1] as Json)).to.deep.equal([idOf(user)]);
    const slim = await list(tenant, "/Groups?excludedAttributes=members");
    for (const resource of slim.Resources) expect(resource).not.to.have.property("members");
    const patched = await tenant.patch(`/Groups/${idOf(group)}?excludedAttributes=members`, patchBody({ op: "replace", path: "displayName", value: "Listed Again" })).expect(200);
    expect(patched.body).to.include({ displayName: "Listed Again" }).and.not.have.property("members");
    expect(patched.headers.etag).to.equal(patched.body.meta.version);
  });

  it("filters on members.display as it is served: the userName of a member without displayName (regression)", async () => {
    const tenant = await ctx.newTenant();
    const named = await createUser(tenant, "named@example.com", { displayName: "Named Person" });
    const plain = await createUser(tenant, "plain@example.com");
    const group = await createGroup(tenant, "Displayed", [idOf(named), idOf(plain)]);
    const served = ((await snapshot(tenant, `/Groups/${idOf(group)}`)).members as Json[]).map((member) => member.display).sort();
    expect(served).to.deep.equal(["Named Person", "plain@example.com"]);
    for (const display of served) {
      const found = await list(tenant, `/Groups?filter=${encodeURIComponent(`members.display eq "${String(display)}"`)}`);
      expect(found.Resources.map(idOf), String(display)).to.deep.equal([idOf(group)]);
    }
  });

  it("answers a listing whole when a listed group is deleted before its members are read (regression: cut connection)", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "racer@example.com");
    const doomed = await createGroup(tenant, "A Doomed", [idOf(user)]);
    await createGroup(tenant, "B Kept", [idOf(user)]);
    // A concurrent DELETE lands between the page query and the member reads.
    const search: Directory["groups"]["search"] = async (...args) => {
      const page = await ctx.directory.groups.search(...args);
      await ctx.directory.groups.remove(tenant.organizationId, idOf(doomed));
      return page;
    };
    const directory = { ...ctx.directory, groups: { ...ctx.directory.groups, search } };
    const scim = createScimRouter({ db: ctx.db, directory, audit: createAuditService({ db: ctx.db }), baseUrl: SCIM_BASE_URL });
    const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL: "https://gatehouse.test" });
    const app = buildApp({ config, database: ctx.database, logger: createLogger("silent"), routers: { scim } });
    const res = await supertest(app).get("/scim/v2/Groups?sortBy=displayName").set("Authorization", `Bearer ${tenant.token}`).expect(200);
    const kept = (res.body.Resources as Json[]).find((group) => group.displayName === "B Kept");
    expect(memberValues(kept as Json)).to.deep.equal([idOf(user)]);
  });

  it("shows a user's groups on the user (readOnly groups attribute)", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "grouped@example.com");
    const group = await createGroup(tenant, "Visible", [idOf(user)]);
    const read = await snapshot(tenant, `/Users/${idOf(user)}`);
    expect(read.groups).to.deep.equal([{ value: idOf(group), $ref: `${SCIM_BASE_URL}/Groups/${idOf(group)}`, display: "Visible", type: "direct" }]);
  });
});
