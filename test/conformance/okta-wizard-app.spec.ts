import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createUser, memberIdsOf, readUser, replayFixture, sorted } from "./replay.js";

/**
 * Okta app integrations created with the App Integration Wizard (AIW) send every update as a PUT: users
 * are (de)activated by PUTting the whole user, groups are renamed and their members changed by PUTting
 * the whole group, member list included (Okta SCIM 2.0 protocol reference, PUT notes).
 */
describe("Okta App Integration Wizard: PUT for everything", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;

  beforeEach(async () => {
    tenant = await ctx.newTenant("Okta AIW app");
  });

  it("Create the User, then deactivate it with a PUT of the whole user (active false)", async () => {
    const userId = (await replayFixture(tenant, "okta/protocol/create-user")).body.id as string;
    const response = await replayFixture(tenant, "okta/wizard/deactivate-user-put", { userId });
    expect(response.body).to.include({ id: userId, active: false });
    const user = await readUser(tenant, userId);
    expect(user).to.include({ active: false, userName: "test.user@okta.local", displayName: "Test User", locale: "en-US", externalId: "00ujl29u0le5T6Aj10h7" });
    expect(user.name).to.include({ givenName: "Test", familyName: "User" });
    expect(user.emails).to.deep.equal([{ value: "test.user@okta.local", type: "work", primary: true, display: "test.user@okta.local" }]);
  });

  it("Reactivate with a PUT of the whole user (active true); group memberships survive both PUTs", async () => {
    const userId = (await replayFixture(tenant, "okta/protocol/create-user")).body.id as string;
    const groupId = (await replayFixture(tenant, "okta/protocol/create-group")).body.id as string;
    await replayFixture(tenant, "okta/wizard/update-group-put", { groupId, displayName: "Test SCIMv2", members: [{ value: userId, display: "test.user@okta.local" }] });
    await replayFixture(tenant, "okta/wizard/deactivate-user-put", { userId });
    await replayFixture(tenant, "okta/wizard/reactivate-user-put", { userId });
    const user = await readUser(tenant, userId);
    expect(user.active).to.equal(true);
    expect(user.groups.map((group: { value: string }) => group.value), "the PUT's groups: [] is readOnly and ignored").to.deep.equal([groupId]);
  });

  it("Update a specific Group name with a PUT carrying the current members", async () => {
    const [ann, bob] = [await createUser(tenant, "ann@okta.local"), await createUser(tenant, "bob@okta.local")];
    const groupId = (await replayFixture(tenant, "okta/protocol/create-group")).body.id as string;
    const members = [{ value: ann, display: "ann@okta.local" }, { value: bob, display: "bob@okta.local" }];
    await replayFixture(tenant, "okta/wizard/update-group-put", { groupId, displayName: "Test SCIMv2", members });
    const response = await replayFixture(tenant, "okta/wizard/update-group-put", { groupId, displayName: "Renamed by PUT", members });
    expect(response.body).to.include({ id: groupId, displayName: "Renamed by PUT" });
    const read = await replayFixture(tenant, "okta/protocol/retrieve-group", { groupId });
    expect(read.body.displayName).to.equal("Renamed by PUT");
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([ann, bob]));
  });

  it("Update specific Group membership with PUTs: each member list replaces the last (add, swap, empty)", async () => {
    const ids: string[] = [];
    for (const name of ["ann", "bob", "cy"]) ids.push(await createUser(tenant, `${name}@okta.local`));
    const [ann, bob, cy] = ids as [string, string, string];
    const groupId = (await replayFixture(tenant, "okta/protocol/create-group")).body.id as string;
    const put = (members: string[]) => replayFixture(tenant, "okta/wizard/update-group-put", { groupId, displayName: "Test SCIMv2", members: members.map((value) => ({ value })) });

    await put([ann, bob]);
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([ann, bob]));
    await put([bob, cy]);
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([bob, cy]));
    await put([]);
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal([]);
  });
});
