import { expect } from "chai";
import { useScimApp } from "../../support/scim-app.js";
import { createGroup, createUser, expectScimError, filtered, GROUP_SCHEMA, idOf, list, memberIdsOf, patchBody, snapshot, userBody, type Json } from "./scim-helpers.js";

const versionOf = (resource: Json): string => String((resource.meta as Json).version);

/** RFC 7644 §3.3 (409 uniqueness) and §3.14 (ETags), under concurrency. */
describe("SCIM uniqueness and ETags", () => {
  const ctx = useScimApp();

  describe("uniqueness", () => {
    it("answers 409 uniqueness for a userName differing only in case (Okta: duplicate POST → 409)", async () => {
      const tenant = await ctx.newTenant();
      await createUser(tenant, "Dup@Example.com");
      expectScimError(await tenant.post("/Users", userBody("dup@example.COM")), 409, "uniqueness");
      expect((await list(tenant, "/Users")).totalResults).to.equal(1);
    });

    it("answers 20 concurrent identical creates with exactly one 201 and nineteen 409, never a 500", async () => {
      const tenant = await ctx.newTenant();
      const responses = await Promise.all(Array.from({ length: 20 }, () => tenant.post("/Users", userBody("race@example.com", { externalId: "race-1" }))));
      const statuses = responses.map((res) => res.status).sort();
      expect(statuses.filter((status) => status === 201)).to.have.length(1);
      expect(statuses.filter((status) => status === 409)).to.have.length(19);
      for (const res of responses.filter((r) => r.status === 409)) expectScimError(res, 409, "uniqueness");
      expect((await list(tenant, filtered("Users", 'userName eq "race@example.com"'))).totalResults).to.equal(1);
    });

    it("answers 409 for a duplicate externalId, and for a PUT onto a taken userName", async () => {
      const tenant = await ctx.newTenant();
      await createUser(tenant, "one@example.com", { externalId: "ext-1" });
      const two = await createUser(tenant, "two@example.com");
      expectScimError(await tenant.post("/Users", userBody("three@example.com", { externalId: "ext-1" })), 409, "uniqueness");
      expectScimError(await tenant.put(`/Users/${idOf(two)}`, userBody("ONE@example.com")), 409, "uniqueness");
      expect((await snapshot(tenant, `/Users/${idOf(two)}`)).userName).to.equal("two@example.com");
    });

    it("answers 409 for a duplicate group displayName, on create, PUT, PATCH and under concurrency", async () => {
      const tenant = await ctx.newTenant();
      await createGroup(tenant, "Engineering");
      const other = await createGroup(tenant, "Sales");
      expectScimError(await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "engineering" }), 409, "uniqueness");
      expectScimError(await tenant.put(`/Groups/${idOf(other)}`, { schemas: [GROUP_SCHEMA], displayName: "ENGINEERING" }), 409, "uniqueness");
      expectScimError(await tenant.patch(`/Groups/${idOf(other)}`, patchBody({ op: "replace", value: { displayName: "Engineering" } })), 409, "uniqueness");
      expect((await snapshot(tenant, `/Groups/${idOf(other)}`)).displayName).to.equal("Sales");
      const responses = await Promise.all(Array.from({ length: 10 }, () => tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Racing", members: [] })));
      expect(responses.map((res) => res.status).sort()).to.deep.equal([201, ...Array<number>(9).fill(409)]);
    });
  });

  describe("ETags", () => {
    it("makes meta.version the ETag header on every user and group response", async () => {
      const tenant = await ctx.newTenant();
      const user = await tenant.post("/Users", userBody("etag@example.com")).expect(201);
      expect(user.headers.etag).to.equal(versionOf(user.body)).and.match(/^W\/"/);
      const read = await tenant.get(`/Users/${idOf(user.body)}`).expect(200);
      expect(read.headers.etag).to.equal(versionOf(read.body));
      const group = await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "ETagged" }).expect(201);
      expect(group.headers.etag).to.equal(versionOf(group.body));
      const groupRead = await tenant.get(`/Groups/${idOf(group.body)}`).expect(200);
      expect(groupRead.headers.etag).to.equal(versionOf(groupRead.body));
    });

    it("answers 412 for a stale If-Match on PUT, PATCH and DELETE and changes nothing", async () => {
      const tenant = await ctx.newTenant();
      const user = await createUser(tenant, "stale@example.com", { displayName: "Original" });
      const group = await createGroup(tenant, "Stale Group", [idOf(user)]);
      const userBefore = await snapshot(tenant, `/Users/${idOf(user)}`);
      const groupBefore = await snapshot(tenant, `/Groups/${idOf(group)}`);
      const stale = 'W/"999"';
      expectScimError(await tenant.put(`/Users/${idOf(user)}`, userBody("stale@example.com", { displayName: "Changed" })).set("If-Match", stale), 412);
      expectScimError(await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "Changed" })).set("If-Match", stale), 412);
      expectScimError(await tenant.delete(`/Users/${idOf(user)}`).set("If-Match", stale), 412);
      expectScimError(await tenant.put(`/Groups/${idOf(group)}`, { schemas: [GROUP_SCHEMA], displayName: "Changed", members: [] }).set("If-Match", stale), 412);
      expectScimError(await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "remove", path: "members" })).set("If-Match", stale), 412);
      expectScimError(await tenant.delete(`/Groups/${idOf(group)}`).set("If-Match", stale), 412);
      expect(await snapshot(tenant, `/Users/${idOf(user)}`)).to.deep.equal(userBefore);
      expect(await snapshot(tenant, `/Groups/${idOf(group)}`)).to.deep.equal(groupBefore);
      expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal([idOf(user)]);
    });

    it("proceeds with a matching If-Match (or *) and answers a new ETag", async () => {
      const tenant = await ctx.newTenant();
      const user = await createUser(tenant, "fresh@example.com");
      const put = await tenant.put(`/Users/${idOf(user)}`, userBody("fresh@example.com", { displayName: "One" })).set("If-Match", versionOf(user)).expect(200);
      expect(put.headers.etag).not.to.equal(versionOf(user));
      const patched = await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "Two" })).set("If-Match", String(put.headers.etag)).expect(200);
      expect(patched.headers.etag).not.to.equal(put.headers.etag);
      expectScimError(await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "Three" })).set("If-Match", String(put.headers.etag)), 412);
      const group = await createGroup(tenant, "Fresh Group");
      const groupPatch = await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: idOf(user) }] })).set("If-Match", versionOf(group)).expect(204);
      expect(groupPatch.headers.etag).not.to.equal(versionOf(group));
      await tenant.delete(`/Users/${idOf(user)}`).set("If-Match", "*").expect(204);
    });

    it("loses no update when 12 PATCHes of different attributes race on one user, and audits each once", async () => {
      const tenant = await ctx.newTenant();
      const user = await createUser(tenant, "racer@example.com");
      const attributes = ["displayName", "nickName", "title", "userType", "locale", "timezone", "profileUrl", "preferredLanguage", "name.givenName", "name.familyName", "name.middleName", "name.formatted"];
      const replies = await Promise.all(attributes.map((path) => tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path, value: `v-${path}` }))));
      expect(replies.map((reply) => reply.status)).to.deep.equal(attributes.map(() => 200));
      const read = await snapshot(tenant, `/Users/${idOf(user)}`);
      for (const path of attributes) {
        const [head, tail] = path.split(".") as [string, string | undefined];
        const value = tail ? (read[head] as Json)[tail] : read[head];
        expect(value, path).to.equal(`v-${path}`);
      }
      // Every write bumped the version once: the versions answered are all different, the last is the stored one.
      const versions = replies.map((reply) => String(reply.headers.etag));
      expect(new Set(versions).size).to.equal(attributes.length);
      expect(versions).to.include(versionOf(read));
      const { rows } = await ctx.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM audit_events WHERE organization_id = $1 AND action = 'scim.user.patched' AND target_id = $2`,
        [tenant.organizationId, idOf(user)],
      );
      expect(rows[0]?.count).to.equal(attributes.length);
    });

    it("answers 412 to a PATCH whose If-Match was current when it was read but not when it wrote", async () => {
      const tenant = await ctx.newTenant();
      const user = await createUser(tenant, "late@example.com");
      // Both carry the same, current ETag: exactly one may win, the other must be refused (not silently applied).
      const replies = await Promise.all(["A", "B"].map((value) =>
        tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value })).set("If-Match", versionOf(user))));
      expect(replies.map((reply) => reply.status).sort()).to.deep.equal([200, 412]);
      const winner = replies.find((reply) => reply.status === 200);
      expect((await snapshot(tenant, `/Users/${idOf(user)}`)).displayName).to.equal(winner?.body.displayName);
    });

    it("answers 304 to If-None-Match naming the current version, and 200 once it changed", async () => {
      const tenant = await ctx.newTenant();
      const user = await createUser(tenant, "cached@example.com");
      const notModified = await tenant.get(`/Users/${idOf(user)}`).set("If-None-Match", versionOf(user));
      expect(notModified.status).to.equal(304);
      expect(notModified.headers.etag).to.equal(versionOf(user));
      expect(notModified.text).to.equal("");
      const group = await createGroup(tenant, "Cached Group");
      await tenant.get(`/Groups/${idOf(group)}`).set("If-None-Match", versionOf(group)).expect(304);
      await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: idOf(user) }] })).expect(204);
      await tenant.get(`/Groups/${idOf(group)}`).set("If-None-Match", versionOf(group)).expect(200);
      await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", value: { active: false } })).expect(200);
      await tenant.get(`/Users/${idOf(user)}`).set("If-None-Match", versionOf(user)).expect(200);
    });
  });
});
