import { expect } from "chai";
import { SCIM_BASE_URL, useScimApp } from "../../support/scim-app.js";
import { createUser, ENTERPRISE, expectScimError, expectScimJson, idOf, list, snapshot, USER_SCHEMA, userBody, type Json } from "./scim-helpers.js";

const ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";

/** RFC 7644 §3.3, §3.4.1, §3.5.1, §3.6 on /Users, with the bodies Okta and Entra really send. */
describe("SCIM /Users create, read, replace and delete", () => {
  const ctx = useScimApp();

  it("creates a user: 201, Location, ETag equal to meta.version, application/scim+json", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users", userBody("new@example.com", { name: { givenName: "New", familyName: "User" } })).expect(201);
    expectScimJson(res);
    const user = res.body as Json & { meta: Json };
    expect(res.headers.location).to.equal(`${SCIM_BASE_URL}/Users/${idOf(user)}`);
    expect(user.meta).to.deep.include({ resourceType: "User", location: res.headers.location, version: res.headers.etag });
    expect(res.headers.etag).to.match(/^W\/"\d+"$/);
    expect(user).to.deep.include({ userName: "new@example.com", active: true, schemas: [USER_SCHEMA] });
    const fetched = await tenant.get(`/Users/${idOf(user)}`).expect(200);
    expectScimJson(fetched);
    expect(fetched.body).to.deep.equal(user);
    expect(fetched.headers.etag).to.equal(res.headers.etag);
  });

  it("accepts Okta's create body (password, groups: [], locale) and never returns the password", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users", {
      schemas: [USER_SCHEMA], userName: "okta.user@example.com", externalId: "00u1abcd", locale: "en-US", password: "S3cr3t-Pa55!",
      name: { givenName: "Okta", familyName: "User" }, emails: [{ primary: true, value: "okta.user@example.com", type: "work" }], displayName: "Okta User", active: true, groups: [],
    }).expect(201);
    expect(res.body).to.deep.include({ locale: "en-US", externalId: "00u1abcd", displayName: "Okta User" });
    for (const path of [`/Users/${idOf(res.body)}`, `/Users/${idOf(res.body)}?attributes=password`, "/Users?attributes=userName,password"]) {
      const read = await tenant.get(path).expect(200);
      expect(JSON.stringify(read.body), path).not.to.include("S3cr3t");
    }
    expect(JSON.stringify(res.body)).not.to.include("S3cr3t");
    const stored = await ctx.db.query(`SELECT extra_attributes::text AS extra FROM users WHERE id = $1`, [idOf(res.body)]);
    expect(JSON.stringify(stored.rows)).not.to.include("S3cr3t");
  });

  it("accepts Entra's create body (meta.resourceType, roles: [], nulls, the enterprise URN without an object)", async () => {
    const tenant = await ctx.newTenant();
    const res = await tenant.post("/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE], externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", userName: "Test_User_ab6490ee@testuser.com", active: true,
      emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b@testuser.com" }], meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" }, roles: [],
      nickName: null, title: null, phoneNumbers: null, addresses: null, displayName: null,
    }).expect(201);
    expect(res.body).to.deep.include({ userName: "Test_User_ab6490ee@testuser.com", externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" });
    expect(res.body.name).to.deep.equal({ formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" });
    expect(res.body.emails).to.deep.equal([{ primary: true, type: "work", value: "Test_User_fd0ea19b@testuser.com" }]);
    expect(res.body).not.to.have.property("title");
    expect(res.body.meta.resourceType).to.equal("User");
  });

  it("keeps a custom extension's attributes and returns them; tolerates an undeclared URN in schemas", async () => {
    const tenant = await ctx.newTenant();
    const created = await createUser(tenant, "ext@example.com", { schemas: [USER_SCHEMA, ACME, "urn:example:unknown:1.0"], [ACME]: { badge: "B-42", floors: [1, 3] } });
    expect(created[ACME]).to.deep.equal({ badge: "B-42", floors: [1, 3] });
    expect(created.schemas).to.include(ACME);
    const read = await snapshot(tenant, `/Users/${idOf(created)}`);
    expect(read[ACME]).to.deep.equal({ badge: "B-42", floors: [1, 3] });
  });

  it("accepts the enterprise manager as an object and as Entra's bare id string", async () => {
    const tenant = await ctx.newTenant();
    const boss = await createUser(tenant, "boss@example.com");
    const asObject = await createUser(tenant, "report1@example.com", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: idOf(boss) }, department: "R&D" } });
    const asString = await createUser(tenant, "report2@example.com", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: idOf(boss) } });
    for (const user of [asObject, asString]) {
      const manager = (user[ENTERPRISE] as Json).manager as Json;
      expect(manager.value).to.equal(idOf(boss));
      expect(manager.$ref).to.equal(`${SCIM_BASE_URL}/Users/${idOf(boss)}`);
      expect(user.schemas).to.include(ENTERPRISE);
    }
    expect((asObject[ENTERPRISE] as Json).department).to.equal("R&D");
  });

  it("PUT replaces the whole user: omitted modelled attributes are cleared, an unmentioned extension is kept", async () => {
    const tenant = await ctx.newTenant();
    const created = await createUser(tenant, "put@example.com", {
      schemas: [USER_SCHEMA, ENTERPRISE, ACME], displayName: "Put Me", title: "Boss", nickName: "P",
      emails: [{ value: "put@example.com", type: "work" }], phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
      name: { givenName: "Put", familyName: "Me" }, [ENTERPRISE]: { department: "Ops", employeeNumber: "7" }, [ACME]: { badge: "B-1" },
    });
    const res = await tenant.put(`/Users/${idOf(created)}`, userBody("Put.Renamed@example.com", { name: { givenName: "Putty" }, active: false, emails: [{ value: "new@example.com", type: "home" }] })).expect(200);
    expectScimJson(res);
    const user = res.body as Json;
    expect(user).to.deep.include({ id: idOf(created), userName: "Put.Renamed@example.com", active: false });
    expect(user.name).to.deep.equal({ givenName: "Putty" });
    expect(user.emails).to.deep.equal([{ value: "new@example.com", type: "home" }]);
    for (const gone of ["displayName", "title", "nickName", "phoneNumbers", ENTERPRISE]) expect(user, gone).not.to.have.property(gone);
    expect(user[ACME]).to.deep.equal({ badge: "B-1" });
    expect(res.headers.etag).to.equal((user.meta as Json).version).and.not.equal((created.meta as Json).version);
    expect(await snapshot(tenant, `/Users/${idOf(created)}`)).to.deep.equal(user);
  });

  it("a profile PUT without active keeps a deactivated user deactivated; an explicit active: true reactivates", async () => {
    const tenant = await ctx.newTenant();
    const created = await createUser(tenant, "dormant@example.com", { active: false });
    const profile = await tenant.put(`/Users/${idOf(created)}`, userBody("dormant@example.com", { displayName: "Still Dormant" })).expect(200);
    expect(profile.body).to.deep.include({ displayName: "Still Dormant", active: false });
    const reactivated = await tenant.put(`/Users/${idOf(created)}`, userBody("dormant@example.com", { active: true })).expect(200);
    expect(reactivated.body.active).to.equal(true);
  });

  it("PUT of an unknown user is 404; an invalid PUT changes nothing", async () => {
    const tenant = await ctx.newTenant();
    const created = await createUser(tenant, "stay@example.com", { displayName: "Stay" });
    expectScimError(await tenant.put("/Users/0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11", userBody("x@example.com")), 404);
    expectScimError(await tenant.put(`/Users/${idOf(created)}`, { schemas: [USER_SCHEMA], displayName: "No userName" }), 400, "invalidValue");
    expectScimError(await tenant.put(`/Users/${idOf(created)}`, userBody("stay@example.com", { emails: "not-a-list" })), 400, "invalidValue");
    expect(await snapshot(tenant, `/Users/${idOf(created)}`)).to.deep.equal(created);
  });

  it("DELETE answers 204, then the user is 404 everywhere and its userName can be used again", async () => {
    const tenant = await ctx.newTenant();
    const created = await createUser(tenant, "gone@example.com");
    const res = await tenant.delete(`/Users/${idOf(created)}`).expect(204);
    expect(res.text).to.equal("");
    expectScimError(await tenant.get(`/Users/${idOf(created)}`), 404);
    expectScimError(await tenant.delete(`/Users/${idOf(created)}`), 404);
    expectScimError(await tenant.put(`/Users/${idOf(created)}`, userBody("gone@example.com")), 404);
    expect((await list(tenant, "/Users")).totalResults).to.equal(0);
    const again = await createUser(tenant, "GONE@example.com");
    expect(idOf(again)).not.to.equal(idOf(created));
  });

  describe("attribute projection on reads and writes (RFC 7644 §3.9, §3.4.2.5)", () => {
    it("returns only what attributes asks for, plus id and schemas", async () => {
      const tenant = await ctx.newTenant();
      const created = await createUser(tenant, "proj@example.com", { emails: [{ value: "proj@example.com", type: "work" }], name: { givenName: "P" }, [ENTERPRISE]: { department: "D" } });
      const read = await tenant.get(`/Users/${idOf(created)}?attributes=userName`).expect(200);
      expect(read.body).to.include({ id: idOf(created), userName: "proj@example.com" });
      for (const absent of ["emails", "name", "active", ENTERPRISE]) expect(read.body, absent).not.to.have.property(absent);
      const sub = await tenant.get(`/Users/${idOf(created)}?attributes=emails.value,${ENTERPRISE}:department`).expect(200);
      expect(sub.body.emails).to.deep.equal([{ value: "proj@example.com" }]);
      expect(sub.body[ENTERPRISE]).to.deep.equal({ department: "D" });
      const listed = await list(tenant, "/Users?attributes=userName");
      expect(Object.keys(listed.Resources[0] ?? {}).sort()).to.include.members(["id", "userName"]).and.not.include("emails");
    });

    it("leaves out what excludedAttributes names", async () => {
      const tenant = await ctx.newTenant();
      const created = await createUser(tenant, "excl@example.com", { emails: [{ value: "excl@example.com" }], displayName: "Ex" });
      const read = await tenant.get(`/Users/${idOf(created)}?excludedAttributes=emails,displayName`).expect(200);
      expect(read.body).not.to.have.property("emails");
      expect(read.body).not.to.have.property("displayName");
      expect(read.body).to.include({ userName: "excl@example.com", id: idOf(created) });
      const excludeId = await tenant.get(`/Users/${idOf(created)}?excludedAttributes=id,userName`).expect(200);
      expect(excludeId.body).to.include({ id: idOf(created) });
    });

    it("projects the responses of POST, PUT and PATCH too", async () => {
      const tenant = await ctx.newTenant();
      const created = await tenant.post("/Users?attributes=userName", userBody("w@example.com", { displayName: "W" })).expect(201);
      expect(created.body).to.include({ userName: "w@example.com" }).and.not.have.property("displayName");
      const put = await tenant.put(`/Users/${idOf(created.body)}?excludedAttributes=displayName`, userBody("w@example.com", { displayName: "W2" })).expect(200);
      expect(put.body).not.to.have.property("displayName");
      const patched = await tenant.patch(`/Users/${idOf(created.body)}?attributes=displayName`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "W3" }] }).expect(200);
      expect(patched.body).to.include({ displayName: "W3" }).and.not.have.property("userName");
    });
  });
});
