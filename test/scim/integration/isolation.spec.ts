import { expect } from "chai";
import { useScimApp } from "../../support/scim-app.js";
import { createGroup, createUser, expectScimError, filtered, GROUP_SCHEMA, idOf, list, memberIdsOf, patchBody, snapshot, userBody } from "./scim-helpers.js";

/** STYLE.md rule 7 and IDP-TRAFFIC "Cross-tenant access": the organization comes from the token only. */
describe("SCIM organization isolation", () => {
  const ctx = useScimApp();

  it("gives organization B's token 404, an empty list or 400 on every endpoint for A's user and group, and A is unchanged", async () => {
    const a = await ctx.newTenant("A");
    const b = await ctx.newTenant("B");
    const aUser = await createUser(a, "alice@a.example", { externalId: "a-ext-1", displayName: "Alice A", emails: [{ value: "alice@a.example", type: "work" }] });
    const aGroup = await createGroup(a, "A Engineering", [idOf(aUser)]);
    const bGroup = await createGroup(b, "B Engineering");
    const userPath = `/Users/${idOf(aUser)}`;
    const groupPath = `/Groups/${idOf(aGroup)}`;
    const userBefore = await snapshot(a, userPath);
    const groupBefore = await snapshot(a, groupPath);

    // Reads and writes by id.
    expectScimError(await b.get(userPath), 404);
    expectScimError(await b.put(userPath, userBody("taken@b.example")), 404);
    expectScimError(await b.patch(userPath, patchBody({ op: "replace", path: "active", value: false })), 404);
    expectScimError(await b.delete(userPath), 404);
    expectScimError(await b.get(groupPath), 404);
    expectScimError(await b.put(groupPath, { schemas: [GROUP_SCHEMA], displayName: "Hijacked", members: [] }), 404);
    expectScimError(await b.patch(groupPath, patchBody({ op: "remove", path: "members" })), 404);
    expectScimError(await b.patch(groupPath, patchBody({ op: "replace", value: { displayName: "Hijacked" } })), 404);
    expectScimError(await b.delete(groupPath), 404);

    // Lookups by A's attributes answer an empty list.
    for (const filter of [
      'userName eq "alice@a.example"', `id eq "${idOf(aUser)}"`, 'externalId eq "a-ext-1"', 'displayName eq "Alice A"',
      'emails[type eq "work"].value eq "alice@a.example"', 'userName pr',
    ]) {
      const found = await list(b, filtered("Users", filter));
      expect(found.totalResults, filter).to.equal(0);
      expect(found.Resources, filter).to.deep.equal([]);
    }
    for (const filter of ['displayName eq "A Engineering"', `id eq "${idOf(aGroup)}"`, `members.value eq "${idOf(aUser)}"`]) {
      expect((await list(b, filtered("Groups", filter))).totalResults, filter).to.equal(0);
    }
    const searched = await b.post("/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName eq "alice@a.example"' }).expect(200);
    expect(searched.body.totalResults).to.equal(0);
    const bGroups = await list(b, "/Groups");
    expect(bGroups.Resources.map(idOf)).to.deep.equal([idOf(bGroup)]);

    // A's user cannot be made a member of B's groups.
    expectScimError(await b.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "B Stolen", members: [{ value: idOf(aUser) }] }), 400, "invalidValue");
    expectScimError(await b.patch(`/Groups/${idOf(bGroup)}`, patchBody({ op: "add", path: "members", value: [{ value: idOf(aUser) }] })), 400, "invalidValue");
    expectScimError(await b.put(`/Groups/${idOf(bGroup)}`, { schemas: [GROUP_SCHEMA], displayName: "B Engineering", members: [{ value: idOf(aUser) }] }), 400, "invalidValue");
    expect(await memberIdsOf(ctx, idOf(bGroup))).to.deep.equal([]);
    expect((await list(b, filtered("Groups", 'displayName eq "B Stolen"'))).totalResults).to.equal(0);

    // B may reuse A's userName and group name: uniqueness is per organization.
    await createUser(b, "alice@a.example");
    await createGroup(b, "A Engineering");

    expect(await snapshot(a, userPath)).to.deep.equal(userBefore);
    expect(await snapshot(a, groupPath)).to.deep.equal(groupBefore);
    expect(await memberIdsOf(ctx, idOf(aGroup))).to.deep.equal([idOf(aUser)]);
  });

  it("ignores an organization named in the body or the query", async () => {
    const a = await ctx.newTenant("A2");
    const b = await ctx.newTenant("B2");
    const created = await b.post(`/Users?organizationId=${a.organizationId}`, userBody("sneaky@b.example", { organizationId: a.organizationId })).expect(201);
    expect((await list(a, "/Users")).totalResults).to.equal(0);
    await b.get(`/Users/${idOf(created.body)}`).expect(200);
  });
});
