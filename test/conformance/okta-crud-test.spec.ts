import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createGroup, createUser, LIST_SCHEMA, memberIdsOf, readUser, replayFixture } from "./replay.js";

/**
 * Okta's "SCIM 2.0 CRUD Test" suite drives an Okta org (add a user, assign it, update, deactivate,
 * reactivate, unassign) and checks the SCIM server after each step. These tests replay the requests those
 * steps make, as Okta's SCIM 2.0 protocol reference publishes them, and check the server in the same way.
 */
describe("Okta SCIM 2.0 CRUD Test", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let userId: string;
  let groupId: string;

  before(async () => {
    tenant = await ctx.newTenant("Okta CRUD Test");
  });

  it("2–4 Adds a new random user, assigns it to the app, verifies it was created on the SCIM server", async () => {
    const lookup = await replayFixture(tenant, "okta/protocol/determine-if-user-exists", { userNameEncoded: "test.user%40okta.local" });
    expect(lookup.body).to.include({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
    expect(lookup.body.schemas).to.include(LIST_SCHEMA);

    const created = await replayFixture(tenant, "okta/protocol/create-user");
    userId = created.body.id;
    expect(created.body, "password is never returned").to.not.have.property("password");
    expect(created.body).to.include({ userName: "test.user@okta.local", externalId: "00ujl29u0le5T6Aj10h7", locale: "en-US", active: true });

    const found = await replayFixture(tenant, "okta/protocol/determine-if-user-exists", { userNameEncoded: "test.user%40okta.local" });
    expect(found.body.totalResults).to.equal(1);
    expect(found.body.Resources[0].id).to.equal(userId);
    const user = (await replayFixture(tenant, "okta/protocol/retrieve-user", { userId })).body;
    expect(user).to.include({ id: userId, displayName: "Test User", externalId: "00ujl29u0le5T6Aj10h7" });
    expect(user.name).to.include({ givenName: "Test", familyName: "User" });
    expect(user.emails).to.deep.equal([{ value: "test.user@okta.local", type: "work", primary: true }]);
  });

  it("5–6 Updates the user firstName in Okta; verifies the attribute was updated (GET, then PUT the whole user)", async () => {
    const current = (await replayFixture(tenant, "okta/protocol/retrieve-user", { userId })).body;
    // Okta PUTs back what it read, readOnly id/groups/meta included, with only the mapped change applied.
    const put = await tenant.put(`/Users/${userId}`, { ...current, name: { ...current.name, givenName: "Testupdate" } }).expect(200);
    expect(put.body.name.givenName).to.equal("Testupdate");
    const after = await readUser(tenant, userId);
    expect(after.name).to.include({ givenName: "Testupdate", familyName: "User" });
    expect(after).to.include({ userName: "test.user@okta.local", displayName: "Test User", externalId: "00ujl29u0le5T6Aj10h7", locale: "en-US", active: true });
    expect(after.emails).to.deep.equal(current.emails);

    await replayFixture(tenant, "okta/protocol/update-user-put", { userId });
    const published = await readUser(tenant, userId);
    expect(published.name).to.include({ givenName: "Another", middleName: "Excited", familyName: "User" });
    expect(published.emails[0]).to.include({ value: "test.user@okta.local", type: "work", primary: true });
  });

  it("7–8 Deactivates the user in Okta; verifies the user was deactivated (still readable, memberships kept)", async () => {
    const colleague = await createUser(tenant, "colleague@okta.local");
    groupId = await createGroup(tenant, "Okta CRUD group", [userId, colleague]);
    const response = await replayFixture(tenant, "okta/protocol/deactivate-user", { userId });
    if (response.status === 200) expect(response.body.active).to.equal(false);
    expect((await readUser(tenant, userId)).active).to.equal(false);
    const lookup = await replayFixture(tenant, "okta/protocol/determine-if-user-exists", { userNameEncoded: "test.user%40okta.local" });
    expect(lookup.body.Resources.map((user: { id: string; active: boolean }) => [user.id, user.active])).to.deep.equal([[userId, false]]);
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal([userId, colleague].sort());
  });

  it("9–11 Reactivates the user and reassigns the app; verifies the user was reactivated and assigned", async () => {
    const response = await replayFixture(tenant, "okta/protocol/reactivate-user", { userId });
    if (response.status === 200) expect(response.body.active).to.equal(true);
    const user = await readUser(tenant, userId);
    expect(user).to.include({ active: true, userName: "test.user@okta.local" });
    expect(user.groups.map((group: { value: string }) => group.value)).to.deep.equal([groupId]);
  });

  it("12–13 Removes the app from the user; verifies the user is deactivated (Okta never DELETEs users)", async () => {
    await replayFixture(tenant, "okta/protocol/deactivate-user", { userId });
    const user = await readUser(tenant, userId);
    expect(user).to.include({ id: userId, active: false });
    expect(user.name).to.include({ givenName: "Another", familyName: "User" });
  });
});

describe("Okta SCIM 2.0 protocol reference: Retrieve Users", () => {
  const ctx = useScimApp();

  it("imports page by page with count=100 and startIndex+100: integers, every user once, stable order", async () => {
    const tenant = await ctx.newTenant("Okta import");
    const created = new Set<string>();
    for (let i = 0; i < 150; i += 1) created.add(await createUser(tenant, `import.${String(i).padStart(3, "0")}@okta.local`));

    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 150; startIndex += 100) {
      const page = await replayFixture(tenant, "okta/protocol/retrieve-users-page", { startIndex });
      expect(page.body).to.include({ totalResults: 150, startIndex });
      expect(page.body.itemsPerPage).to.be.a("number").and.equal(page.body.Resources.length);
      const again = await replayFixture(tenant, "okta/protocol/retrieve-users-page", { startIndex });
      const ids = page.body.Resources.map((user: { id: string }) => user.id);
      expect(again.body.Resources.map((user: { id: string }) => user.id), "same order on every request").to.deep.equal(ids);
      seen.push(...ids);
    }
    expect(seen).to.have.length(150);
    expect(new Set(seen)).to.deep.equal(created);
  });
});
