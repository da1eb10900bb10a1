import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createUser, LIST_SCHEMA, memberIdsOf, replayFixture, sorted } from "./replay.js";

/**
 * Okta Push Groups, as the SCIM 2.0 protocol reference publishes it: POST with `members: []`, a path-less
 * `replace {id, displayName}` before every membership update, members through `add path=members`,
 * `remove members[value eq "id"]` or a whole-set `replace path=members`, and DELETE when the push is unlinked.
 */
describe("Okta Group Push (SCIM 2.0 protocol reference)", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let users: string[];

  beforeEach(async () => {
    tenant = await ctx.newTenant("Okta Group Push");
    users = [];
    for (const name of ["ann", "bob", "cy", "dee"]) users.push(await createUser(tenant, `${name}@okta.local`));
  });

  async function pushGroup(): Promise<string> {
    const response = await replayFixture(tenant, "okta/protocol/create-group");
    return response.body.id as string;
  }

  it("Create Groups: POST with members [] (201, Location, the group as GET returns it)", async () => {
    const response = await replayFixture(tenant, "okta/protocol/create-group");
    expect(response.headers.location).to.match(new RegExp(`/Groups/${response.body.id}$`));
    expect(response.body).to.include({ displayName: "Test SCIMv2" });
    expect(response.body.members ?? []).to.deep.equal([]);
    const read = await replayFixture(tenant, "okta/protocol/retrieve-group", { groupId: response.body.id });
    expect(read.body).to.include({ id: response.body.id, displayName: "Test SCIMv2" });
    expect(read.body.members ?? []).to.deep.equal([]);
  });

  it("Update a specific Group name: path-less replace {id, displayName} keeps the members", async () => {
    const groupId = await pushGroup();
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[0], memberB: users[1] });
    await replayFixture(tenant, "okta/protocol/update-group-name", { groupId, displayName: "Test SCIMv2 renamed" });
    const read = await replayFixture(tenant, "okta/protocol/retrieve-group", { groupId });
    expect(read.body).to.include({ id: groupId, displayName: "Test SCIMv2 renamed" });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([users[0]!, users[1]!]));
  });

  it("Update a specific Group name: restating the unchanged {id, displayName} is accepted and changes nothing", async () => {
    const groupId = await pushGroup();
    const before = await replayFixture(tenant, "okta/protocol/retrieve-group", { groupId });
    await replayFixture(tenant, "okta/protocol/update-group-name", { groupId, displayName: "Test SCIMv2" });
    const after = await replayFixture(tenant, "okta/protocol/retrieve-group", { groupId });
    expect(after.body).to.include({ id: groupId, displayName: "Test SCIMv2" });
    expect(after.body.meta.version).to.equal(before.body.meta.version);
  });

  it("Update specific Group membership: remove members[value eq] and add path=members in one request", async () => {
    const groupId = await pushGroup();
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[0], memberB: users[1] });
    await replayFixture(tenant, "okta/protocol/update-group-name", { groupId, displayName: "Test SCIMv2" });
    await replayFixture(tenant, "okta/protocol/update-group-membership", { groupId, removedId: users[0], addedId: users[2] });
    expect(await memberIdsOf(tenant, groupId), "only the listed member left; the other stayed").to.deep.equal(sorted([users[1]!, users[2]!]));
  });

  it("Update specific Group membership: full push with replace path=members sets exactly that list", async () => {
    const groupId = await pushGroup();
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[0], memberB: users[1] });
    await replayFixture(tenant, "okta/protocol/update-group-name", { groupId, displayName: "Test SCIMv2" });
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[2], memberB: users[3] });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([users[2]!, users[3]!]));
  });

  it("Push sequence: every membership update preceded by replace {id, displayName}, members tracked throughout", async () => {
    const groupId = await pushGroup();
    const [ann, bob, cy, dee] = users as [string, string, string, string];
    const updates: Array<[string, Record<string, string>, string[]]> = [
      ["okta/protocol/replace-group-membership", { memberA: ann, memberB: bob }, [ann, bob]],
      ["okta/protocol/update-group-membership", { removedId: dee, addedId: cy }, [ann, bob, cy]],
      ["okta/protocol/update-group-membership", { removedId: ann, addedId: dee }, [bob, cy, dee]],
      ["okta/protocol/update-group-membership", { removedId: bob, addedId: cy }, [cy, dee]],
    ];
    for (const [fixture, vars, expected] of updates) {
      await replayFixture(tenant, "okta/protocol/update-group-name", { groupId, displayName: "Test SCIMv2" });
      await replayFixture(tenant, fixture, { groupId, ...vars });
      expect(await memberIdsOf(tenant, groupId), fixture).to.deep.equal(sorted(expected));
    }
  });

  it("Retrieve Groups: pages with count=100, integer list fields, members included", async () => {
    const groupId = await pushGroup();
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[0], memberB: users[1] });
    const page = await replayFixture(tenant, "okta/protocol/retrieve-groups-page", { startIndex: 1 });
    expect(page.body.schemas).to.include(LIST_SCHEMA);
    expect(page.body).to.include({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(page.body.Resources[0].members.map((member: { value: string }) => member.value).sort()).to.deep.equal(sorted([users[0]!, users[1]!]));
    const beyond = await replayFixture(tenant, "okta/protocol/retrieve-groups-page", { startIndex: 101 });
    expect(beyond.body).to.include({ totalResults: 1, startIndex: 101, itemsPerPage: 0 });
  });

  it("Delete a specific Group (unlink pushed group): 204, then 404; the users stay", async () => {
    const groupId = await pushGroup();
    await replayFixture(tenant, "okta/protocol/replace-group-membership", { groupId, memberA: users[0], memberB: users[1] });
    await replayFixture(tenant, "okta/protocol/delete-group", { groupId });
    await tenant.get(`/Groups/${groupId}`).expect(404);
    const user = await tenant.get(`/Users/${users[0]}`).expect(200);
    expect(user.body.groups ?? []).to.deep.equal([]);
  });
});
