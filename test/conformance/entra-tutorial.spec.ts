import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createGroup, createUser, expectScimError, LIST_SCHEMA, memberIdsOf, readUser, replayFixture, sorted, USER_SCHEMA } from "./replay.js";

/**
 * "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID", section "SCIM
 * protocol requests and responses": every example request, named as the page names it, replayed against
 * Gatehouse, with the resulting state read back.
 */
describe("Entra ID: documented request shapes (legacy)", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;

  beforeEach(async () => {
    tenant = await ctx.newTenant("Entra tutorial");
  });

  const createDocumentedUser = async (): Promise<string> => (await replayFixture(tenant, "entra/tutorial/create-user")).body.id as string;
  const createDocumentedGroup = async (): Promise<string> => (await replayFixture(tenant, "entra/tutorial/create-group")).body.id as string;

  describe("User Operations", () => {
    it("Create User", async () => {
      const response = await replayFixture(tenant, "entra/tutorial/create-user");
      expect(response.body.schemas).to.include(USER_SCHEMA);
      expect(response.body).to.include({ externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", userName: "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", active: true });
      expect(response.body.id).to.be.a("string").and.not.equal("");
      expect(response.body.meta.resourceType).to.equal("User");
    });

    it("Get User", async () => {
      const userId = await createDocumentedUser();
      const response = await replayFixture(tenant, "entra/tutorial/get-user", { userId });
      expect(response.body).to.include({ id: userId, externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", active: true });
      expect(response.body.name).to.deep.equal({ formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" });
      expect(response.body.emails).to.deep.equal([{ value: "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", type: "work", primary: true }]);
    });

    it("Get User (User not found): 404 with a SCIM Error, also for an id that is not a UUID", async () => {
      expectScimError(await replayFixture(tenant, "entra/tutorial/get-user-not-found"), 404);
    });

    it("Get User by query", async () => {
      const userId = await createDocumentedUser();
      const response = await replayFixture(tenant, "entra/tutorial/get-user-by-query");
      expect(response.body.schemas).to.include(LIST_SCHEMA);
      expect(response.body).to.include({ totalResults: 1, startIndex: 1 });
      expect(response.body.Resources.map((user: { id: string }) => user.id)).to.deep.equal([userId]);
    });

    it("Get User by query on emails[type eq \"work\"].value (attributes used for uniqueness are filterable)", async () => {
      const userId = await createDocumentedUser();
      const response = await replayFixture(tenant, "entra/tutorial/get-user-by-work-email");
      expect(response.body.Resources.map((user: { id: string }) => user.id)).to.deep.equal([userId]);
    });

    it("Get User by query - Zero results: 200 with an empty ListResponse", async () => {
      await createDocumentedUser();
      const response = await replayFixture(tenant, "entra/tutorial/get-user-by-query-zero-results");
      expect(response.body.schemas).to.include(LIST_SCHEMA);
      expect(response.body).to.include({ totalResults: 0, startIndex: 1 });
      expect(response.body.Resources ?? []).to.deep.equal([]);
    });

    it("Update User [Multi-valued properties]", async () => {
      const userId = await createDocumentedUser();
      await replayFixture(tenant, "entra/tutorial/update-user-multi-valued", { userId });
      const user = await readUser(tenant, userId);
      expect(user.emails).to.deep.equal([{ value: "updatedEmail@microsoft.com", type: "work", primary: true }]);
      expect(user.name).to.include({ familyName: "updatedFamilyName", givenName: "givenName" });
    });

    it("Update User [Single-valued properties]", async () => {
      const userId = await createDocumentedUser();
      await replayFixture(tenant, "entra/tutorial/update-user-single-valued", { userId });
      expect((await readUser(tenant, userId)).userName).to.equal("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com");
      const old = await replayFixture(tenant, "entra/tutorial/get-user-by-query");
      expect(old.body.totalResults, "the old userName no longer matches").to.equal(0);
    });

    it("Disable User: the user stays readable and keeps its group memberships", async () => {
      const userId = await createDocumentedUser();
      const groupId = await createGroup(tenant, "Entra group", [userId]);
      await replayFixture(tenant, "entra/tutorial/disable-user", { userId });
      const user = await readUser(tenant, userId);
      expect(user).to.include({ id: userId, active: false });
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal([userId]);
    });

    it("Delete User: 204, then 404; removed from its groups; userName free again", async () => {
      const userId = await createDocumentedUser();
      const other = await createUser(tenant, "other@testuser.com");
      const groupId = await createGroup(tenant, "Entra group", [userId, other]);
      await replayFixture(tenant, "entra/tutorial/delete-user", { userId });
      expectScimError(await tenant.get(`/Users/${userId}`), 404);
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal([other]);
      await replayFixture(tenant, "entra/tutorial/create-user");
    });
  });

  describe("Group Operations", () => {
    it("Create Group: the extra ADSCIM schema URN is tolerated; created with an empty members list", async () => {
      const response = await replayFixture(tenant, "entra/tutorial/create-group");
      expect(response.body).to.include({ externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", displayName: "displayName" });
      expect(response.body.members ?? []).to.deep.equal([]);
      expect(await memberIdsOf(tenant, response.body.id)).to.deep.equal([]);
    });

    it("Get Group (excludedAttributes=members)", async () => {
      const groupId = await createDocumentedGroup();
      await replayFixture(tenant, "entra/tutorial/update-group-add-members", { groupId, memberId: await createUser(tenant, "m@testuser.com") });
      const response = await replayFixture(tenant, "entra/tutorial/get-group", { groupId });
      expect(response.body).to.include({ id: groupId, displayName: "displayName", externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" });
      expect(response.body).to.not.have.property("members");
    });

    it("Get Group by displayName", async () => {
      const groupId = await createDocumentedGroup();
      const response = await replayFixture(tenant, "entra/tutorial/get-group-by-displayname");
      expect(response.body.schemas).to.include(LIST_SCHEMA);
      expect(response.body).to.include({ totalResults: 1, startIndex: 1 });
      expect(response.body.Resources[0]).to.include({ id: groupId, displayName: "displayName" });
      expect(response.body.Resources[0]).to.not.have.property("members");
    });

    it("Update Group [Non-member attributes]", async () => {
      const groupId = await createDocumentedGroup();
      await replayFixture(tenant, "entra/tutorial/update-group-non-member-attributes", { groupId });
      const read = await tenant.get(`/Groups/${groupId}`).expect(200);
      expect(read.body.displayName).to.equal("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");
    });

    it("Update Group [Add Members]", async () => {
      const groupId = await createDocumentedGroup();
      const memberId = await createUser(tenant, "member@testuser.com");
      await replayFixture(tenant, "entra/tutorial/update-group-add-members", { groupId, memberId });
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal([memberId]);
    });

    it("Update Group [Remove Members]: removes only the listed member", async () => {
      const groupId = await createDocumentedGroup();
      const [leaving, staying] = [await createUser(tenant, "leaving@testuser.com"), await createUser(tenant, "staying@testuser.com")];
      for (const memberId of [leaving, staying]) await replayFixture(tenant, "entra/tutorial/update-group-add-members", { groupId, memberId });
      await replayFixture(tenant, "entra/tutorial/update-group-remove-members", { groupId, memberId: leaving });
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal([staying]);
    });

    it("Delete Group: 204, then 404; the members stay as users", async () => {
      const groupId = await createDocumentedGroup();
      const memberId = await createUser(tenant, "member@testuser.com");
      await replayFixture(tenant, "entra/tutorial/update-group-add-members", { groupId, memberId });
      await replayFixture(tenant, "entra/tutorial/delete-group", { groupId });
      expectScimError(await tenant.get(`/Groups/${groupId}`), 404);
      await tenant.get(`/Users/${memberId}`).expect(200);
    });
  });

  describe("Provisioning examples and Test Connection", () => {
    it("Test Connection: a random GUID filter answers 200 with an empty ListResponse", async () => {
      await createDocumentedUser();
      await createDocumentedGroup();
      for (const fixture of ["entra/tutorial/test-connection", "entra/tutorial/test-connection-group"]) {
        const response = await replayFixture(tenant, fixture);
        expect(response.body.schemas, fixture).to.include(LIST_SCHEMA);
        expect(response.body.totalResults, fixture).to.equal(0);
        expect(response.body.Resources ?? [], fixture).to.deep.equal([]);
      }
    });

    it("Example 1. Query the service for a matching user (unquoted externalId value)", async () => {
      const userId = await createUser(tenant, "jyoung@testuser.com", { externalId: "jyoung" });
      const response = await replayFixture(tenant, "entra/tutorial/example-1-query-by-externalid");
      expect(response.body.Resources.map((user: { id: string }) => user.id)).to.deep.equal([userId]);
    });

    it("Example 2. Provision a user (null attributes, malformed enterprise URN, top-level department/manager)", async () => {
      const response = await replayFixture(tenant, "entra/tutorial/example-2-provision-user");
      const user = await readUser(tenant, response.body.id);
      expect(user).to.include({ userName: "jyoung@testuser.com", externalId: "jyoung", displayName: "Joy Young", active: true });
      expect(user.emails).to.deep.equal([{ value: "jyoung@Contoso.com", type: "work", primary: true }]);
      expect(user.name).to.include({ familyName: "Young", givenName: "Joy" });
    });

    it("Example 5. Request from Microsoft Entra ID to an SCIM endpoint to update a user (Add path=manager)", async () => {
      const managerId = await createUser(tenant, "manager@testuser.com");
      const userId = await createUser(tenant, "report@testuser.com");
      await replayFixture(tenant, "entra/tutorial/example-5-update-manager", { userId, managerId });
      const user = await readUser(tenant, userId);
      expect(user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.manager?.value).to.equal(managerId);
    });
  });

  it("GET /Groups lists groups with and without members", async () => {
    const [a, b] = [await createUser(tenant, "a@testuser.com"), await createUser(tenant, "b@testuser.com")];
    const full = await createGroup(tenant, "with members", [a, b]);
    const empty = await createGroup(tenant, "without members");
    const listed = await tenant.get("/Groups").expect(200);
    const byId = new Map(listed.body.Resources.map((group: { id: string; members?: Array<{ value: string }> }) => [group.id, (group.members ?? []).map((m) => m.value).sort()]));
    expect(byId.get(full)).to.deep.equal(sorted([a, b]));
    expect(byId.get(empty)).to.deep.equal([]);
  });
});
