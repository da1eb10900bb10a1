import { expect } from "chai";
import { SCIM_BASE_URL, useScimApp } from "../../support/scim-app.js";
import { ENTERPRISE, expectScimError, expectScimJson, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA, type Json } from "./scim-helpers.js";

/** RFC 7644 §4 and RFC 9865 §2: discovery tells the truth about what the server does. */
describe("SCIM discovery endpoints", () => {
  const ctx = useScimApp();

  it("advertises PATCH, Bulk, filter, sort, ETag and both pagination methods in /ServiceProviderConfig", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.get("/ServiceProviderConfig").expect(200);
    expectScimJson(res);
    const config = res.body as Record<string, Json>;
    expect(config.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]);
    expect(config.patch).to.deep.include({ supported: true });
    expect(config.bulk).to.deep.include({ supported: true });
    expect(config.bulk?.maxOperations).to.be.a("number");
    expect(config.bulk?.maxPayloadSize).to.be.a("number");
    expect(config.filter).to.deep.include({ supported: true, maxResults: 1000 });
    expect(config.sort).to.deep.include({ supported: true });
    expect(config.etag).to.deep.include({ supported: true });
    expect(config.changePassword).to.deep.include({ supported: false });
    expect(config.pagination).to.deep.include({ cursor: true, index: true, maxPageSize: 1000 });
    expect(config.authenticationSchemes).to.be.an("array").with.length.above(0);
    expect(config.meta?.location).to.equal(`${SCIM_BASE_URL}/ServiceProviderConfig`);
  });

  it("lists the User and Group resource types, and serves each by id", async () => {
    const tenant = await ctx.newTenant();
    const all = await tenant.get("/ResourceTypes").expect(200);
    expectScimJson(all);
    expect(all.body.schemas).to.deep.equal([LIST_SCHEMA]);
    expect(all.body.totalResults).to.equal(all.body.Resources.length);
    const ids = (all.body.Resources as Json[]).map((type) => type.id);
    expect(ids).to.include.members(["User", "Group"]);

    const user = await tenant.get("/ResourceTypes/User").expect(200);
    expectScimJson(user);
    expect(user.body).to.deep.include({ id: "User", endpoint: "/Users", schema: USER_SCHEMA });
    expect(user.body.schemaExtensions).to.deep.include({ schema: ENTERPRISE, required: false });
    expect(user.body.meta.location).to.equal(`${SCIM_BASE_URL}/ResourceTypes/User`);
    expectScimError(await tenant.get("/ResourceTypes/Printer"), 404);
  });

  it("lists the schemas and serves the core User schema by its URN; an unknown schema is 404", async () => {
    const tenant = await ctx.newTenant();
    const all = await tenant.get("/Schemas").expect(200);
    const ids = (all.body.Resources as Json[]).map((schema) => schema.id);
    expect(ids).to.include.members([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE]);

    const user = await tenant.get(`/Schemas/${USER_SCHEMA}`).expect(200);
    expectScimJson(user);
    expect(user.body.id).to.equal(USER_SCHEMA);
    const names = (user.body.attributes as Json[]).map((attribute) => attribute.name);
    expect(names).to.include.members(["userName", "emails", "active", "groups"]);
    const password = (user.body.attributes as Json[]).find((attribute) => attribute.name === "password");
    if (password) expect(password.returned).to.equal("never");

    expectScimError(await tenant.get("/Schemas/urn:example:params:scim:schemas:nothing:2.0:Thing"), 404);
  });

  it("answers /Me with 501 in SCIM form until single sign-on exists", async () => {
    const tenant = await ctx.newTenant();
    expectScimError(await tenant.get("/Me"), 501);
    expectScimError(await tenant.post("/Me", {}), 501);
  });
});
