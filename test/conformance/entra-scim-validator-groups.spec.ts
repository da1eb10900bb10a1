import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createUser, expectScimError, LIST_SCHEMA, loadFixture, memberIdsOf, replay, replayFixture, sorted } from "./replay.js";

/**
 * The Microsoft Entra SCIM Validator's group tests ("Enable Group Tests"), under the names its results
 * page gives them; "Preview" marks the validator's preview tests. Group PATCH may answer 204 or 200.
 */
describe("Microsoft Entra SCIM Validator: Groups", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  const displayName = "ZGHZBQHCAPZU";

  beforeEach(async () => {
    tenant = await ctx.newTenant("SCIM Validator groups");
  });

  const createValidatorGroup = async (name = displayName): Promise<string> => (await replayFixture(tenant, "entra/validator/create-group", { displayName: name })).body.id as string;
  const filterDisplayName = (value: string, query = "") => tenant.get(`/Groups?filter=${encodeURIComponent(`displayName eq "${value}"`)}${query}`).expect(200);

  it("Create a new Group", async () => {
    const response = await replayFixture(tenant, "entra/validator/create-group", { displayName });
    expect(response.headers.location).to.match(new RegExp(`/Groups/${response.body.id}$`));
    expect(response.body).to.include({ displayName, externalId: "087af0b9-d1e1-480d-acb8-03ceaa8ea85b" });
    expect(response.body.meta).to.include({ resourceType: "Group" });
  });

  it("Create a duplicate Group: 409 uniqueness, nothing created", async () => {
    await createValidatorGroup();
    const create = loadFixture("entra/validator/create-group");
    expectScimError(await replay(tenant, { ...create, name: "Create a duplicate Group", expect: { status: [409] } }, { displayName }), 409, "uniqueness");
    expect((await filterDisplayName(displayName)).body.totalResults).to.equal(1);
  });

  it("Get group by id excluding members", async () => {
    const groupId = await createValidatorGroup();
    await replayFixture(tenant, "entra/validator/patch-group-add-member", { groupId, memberId: await createUser(tenant, "member@gulgowski.example") });
    const response = await tenant.get(`/Groups/${groupId}?excludedAttributes=members`).expect(200);
    expect(response.body).to.include({ id: groupId, displayName });
    expect(response.body).to.not.have.property("members");
  });

  it("Filter for existing group excluding members", async () => {
    const groupId = await createValidatorGroup();
    await replayFixture(tenant, "entra/validator/patch-group-add-member", { groupId, memberId: await createUser(tenant, "member@gulgowski.example") });
    const found = await filterDisplayName(displayName, "&excludedAttributes=members");
    expect(found.body).to.include({ totalResults: 1 });
    expect(found.body.Resources[0]).to.include({ id: groupId }).and.not.have.property("members");
  });

  it("Filter for an existing group (members included)", async () => {
    const groupId = await createValidatorGroup();
    const memberId = await createUser(tenant, "member@gulgowski.example");
    await replayFixture(tenant, "entra/validator/patch-group-add-member", { groupId, memberId });
    const found = await filterDisplayName(displayName);
    expect(found.body.schemas).to.include(LIST_SCHEMA);
    expect(found.body.Resources[0].id).to.equal(groupId);
    expect(found.body.Resources[0].members.map((m: { value: string }) => m.value)).to.deep.equal([memberId]);
  });

  it("Filter for a non-existing group: 200, totalResults 0", async () => {
    await createValidatorGroup();
    const found = await filterDisplayName("NOSUCHGROUP");
    expect(found.body.totalResults).to.equal(0);
    expect(found.body.Resources ?? []).to.deep.equal([]);
  });

  it("Filter for existing group different case", async () => {
    const groupId = await createValidatorGroup();
    const found = await filterDisplayName(displayName.toLowerCase());
    expect(found.body.Resources.map((g: { id: string }) => g.id)).to.deep.equal([groupId]);
  });

  it("Patch Group - Replace Attributes (path-less externalId)", async () => {
    const groupId = await createValidatorGroup();
    await replayFixture(tenant, "entra/validator/patch-group-replace-attributes", { groupId });
    const read = await tenant.get(`/Groups/${groupId}`).expect(200);
    expect(read.body).to.include({ externalId: "663fa3a8-e2b6-4ac0-96c8-363432cdc01d", displayName });
  });

  it("Update Group displayName (path-less displayName)", async () => {
    const groupId = await createValidatorGroup();
    await replayFixture(tenant, "entra/validator/update-group-displayname", { groupId });
    expect((await filterDisplayName("WUZPWMBDDCGI")).body.Resources.map((g: { id: string }) => g.id)).to.deep.equal([groupId]);
    expect((await filterDisplayName(displayName)).body.totalResults).to.equal(0);
  });

  it("Patch Group - Add Member (replace path=members)", async () => {
    const groupId = await createValidatorGroup();
    const memberId = await createUser(tenant, "member_viva.kunze@runolfsson.example");
    await replayFixture(tenant, "entra/validator/patch-group-add-member", { groupId, memberId });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal([memberId]);
  });

  it("Patch Group - Remove Member (members[value eq]) removes only that member", async () => {
    const groupId = await createValidatorGroup();
    const [memberA, memberB] = [await createUser(tenant, "member_odessa@gulgowski.example"), await createUser(tenant, "member_ciara@botsford.example")];
    await replayFixture(tenant, "entra/validator/patch-group-add-members-setup", { groupId, memberA, memberB });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([memberA, memberB]));
    await replayFixture(tenant, "entra/validator/patch-group-remove-member", { groupId, memberId: memberA });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal([memberB]);
  });

  it("Delete a Group: 204, then GET 404", async () => {
    const groupId = await createValidatorGroup();
    await tenant.delete(`/Groups/${groupId}`).expect(204);
    expectScimError(await tenant.get(`/Groups/${groupId}`), 404);
  });

  it("Preview: Patch Group - Multiple Ops on same attribute (add then remove the same member)", async () => {
    const groupId = await createValidatorGroup();
    const [memberId, staying] = [await createUser(tenant, "member_kenna@kuphal.example"), await createUser(tenant, "staying@kuphal.example")];
    await replayFixture(tenant, "entra/validator/patch-group-add-member", { groupId, memberId: staying });
    await replayFixture(tenant, "entra/validator/patch-group-multiple-ops-same-attribute", { groupId, memberId });
    expect(await memberIdsOf(tenant, groupId), "operations apply in order").to.deep.equal([staying]);
  });

  it("Preview: Delete a non-existent Group: 404", async () => {
    expectScimError(await tenant.delete("/Groups/a0891725-bf13-48fb-ac3e-c536309a0bfb"), 404);
  });

  it("Preview: Delete the same Group twice: 204, then 404", async () => {
    const groupId = await createValidatorGroup();
    await tenant.delete(`/Groups/${groupId}`).expect(204);
    expectScimError(await tenant.delete(`/Groups/${groupId}`), 404);
  });
});
