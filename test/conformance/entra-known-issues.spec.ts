import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createGroup, createUser, ENTERPRISE_SCHEMA, loadFixture, memberIdsOf, readUser, replay, replayFixture, sorted } from "./replay.js";

/**
 * "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
 * provisioning service", section "Flags to alter the SCIM behavior": each sample request without the
 * flag (the legacy job, Entra's default) and with `?aadOptscim062020`. Both shapes must leave the same state.
 */
const FLAVOURS = [
  { title: "Entra ID: legacy (without feature flag)", prefix: "legacy" },
  { title: "Entra ID: aadOptscim062020", prefix: "aad" },
] as const;

for (const { title, prefix } of FLAVOURS) {
  describe(title, () => {
    const ctx = useScimApp();
    let tenant: ScimTenant;
    let userId: string;

    beforeEach(async () => {
      tenant = await ctx.newTenant(title);
      userId = await createUser(tenant, "pvlo@test.microsoft.com", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_SCHEMA],
        externalId: "original-external-id",
        displayName: "Original",
        name: { givenName: "Original", familyName: "Name" },
        emails: [{ type: "work", value: "original@test.microsoft.com", primary: true }, { type: "home", value: "home@test.microsoft.com" }],
        [ENTERPRISE_SCHEMA]: { employeeNumber: "0001", department: "Kept" },
      });
    });

    it("Requests made to disable users: active false, user readable, memberships kept", async () => {
      const colleague = await createUser(tenant, "colleague@test.microsoft.com");
      const groupId = await createGroup(tenant, "Disabled users keep their groups", [userId, colleague]);
      await replayFixture(tenant, `entra/known-issues/${prefix}-disable-user`, { userId });
      const user = await readUser(tenant, userId);
      expect(user.active).to.equal(false);
      expect(user.active, "a boolean, never the string \"False\"").to.be.a("boolean");
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([userId, colleague]));
      const byFilter = await tenant.get(`/Users?filter=${encodeURIComponent("active eq false")}`).expect(200);
      expect(byFilter.body.Resources.map((u: { id: string }) => u.id)).to.deep.equal([userId]);
    });

    it("Requests made to add a single-value string attribute", async () => {
      await replayFixture(tenant, `entra/known-issues/${prefix}-add-single-value`, { userId });
      const user = await readUser(tenant, userId);
      expect(user.nickName).to.equal("Babs");
      expect(user.displayName, "nothing else changed").to.equal("Original");
    });

    it("Requests to replace multiple attributes (dotted and URN keys in path-less replace)", async () => {
      await replayFixture(tenant, `entra/known-issues/${prefix}-replace-multiple`, { userId });
      const user = await readUser(tenant, userId);
      const expected = prefix === "legacy"
        ? { displayName: "Pvlo", work: "TestBcwqnm@test.microsoft.com", givenName: "Gtfd", familyName: "Pkqf", employeeNumber: "Eqpj", externalId: "Eqpj" }
        : { displayName: "Bjfe", work: "TestMhvaes@test.microsoft.com", givenName: "Kkom", familyName: "Unua", employeeNumber: "Aklq", externalId: "original-external-id" };
      expect(user.displayName).to.equal(expected.displayName);
      expect(user.externalId).to.equal(expected.externalId);
      expect(user.name).to.include({ givenName: expected.givenName, familyName: expected.familyName });
      expect(user.emails).to.deep.equal([
        { type: "work", value: expected.work, primary: true },
        { type: "home", value: "home@test.microsoft.com" },
      ]);
      expect(user[ENTERPRISE_SCHEMA]).to.include({ employeeNumber: expected.employeeNumber, department: "Kept" });
    });

    it("Requests made to remove a group member: only that member leaves", async () => {
      const others = [await createUser(tenant, "a@test.microsoft.com"), await createUser(tenant, "b@test.microsoft.com")];
      const groupId = await createGroup(tenant, "Remove one member", [userId, ...others]);
      await replayFixture(tenant, `entra/known-issues/${prefix}-remove-member`, { groupId, memberId: userId });
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted(others));
      // Removing an absent member again succeeds and changes nothing.
      await replayFixture(tenant, `entra/known-issues/${prefix}-remove-member`, { groupId, memberId: userId });
      expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted(others));
    });
  });
}

describe("Entra ID: provisioning traffic beyond the sample requests", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;

  beforeEach(async () => {
    tenant = await ctx.newTenant("Entra traffic");
  });

  it("Filtered Add of emails[type eq \"work\"].value on a user without a work email creates it with type work", async () => {
    const userId = await createUser(tenant, "joe@joe.example", { emails: [{ type: "home", value: "joe.home@joe.example" }] });
    await replayFixture(tenant, "entra/traffic/add-missing-work-email", { userId });
    const user = await readUser(tenant, userId);
    expect(user.title).to.equal("tester");
    expect(user.emails).to.deep.include({ type: "work", value: "joe.work@joe.example" });
    expect(user.emails).to.deep.include({ type: "home", value: "joe.home@joe.example" });
    expect(user.emails).to.have.length(2);
  });

  it("Filtered Add of emails[type eq \"work\"].value on a user with a work email replaces its value", async () => {
    const userId = await createUser(tenant, "joe@joe.example", { emails: [{ type: "work", value: "old@joe.example", primary: true }] });
    await replayFixture(tenant, "entra/traffic/add-missing-work-email", { userId });
    expect((await readUser(tenant, userId)).emails).to.deep.equal([{ type: "work", value: "joe.work@joe.example", primary: true }]);
  });

  it("Remove of emails[type eq \"work\"].value with the old value removes the work email only", async () => {
    const userId = await createUser(tenant, "adele@contoso.example", {
      emails: [{ type: "work", value: "adele@contoso.example", primary: true }, { type: "home", value: "adele@home.example" }],
    });
    await replayFixture(tenant, "entra/traffic/remove-work-email-value", { userId, workEmail: "adele@contoso.example" });
    expect((await readUser(tenant, userId)).emails).to.deep.equal([{ type: "home", value: "adele@home.example" }]);
  });

  it("Filtered Replace of addresses[type eq \"work\"].formatted on a user without addresses creates the work address", async () => {
    const userId = await createUser(tenant, "adele@contoso.example", { emails: [{ type: "work", value: "adele@contoso.example", primary: true }] });
    await replayFixture(tenant, "entra/traffic/replace-work-address-fields", { userId });
    const user = await readUser(tenant, userId);
    expect(user.emails).to.deep.equal([{ type: "work", value: "AdeleV2@contoso.example", primary: true }]);
    expect(user.addresses).to.deep.equal([{ type: "work", formatted: "18/2111" }]);
    expect(user[ENTERPRISE_SCHEMA].department).to.equal("Retail");
  });

  it("Manager add, replace and remove with bare id strings", async () => {
    const [first, second] = [await createUser(tenant, "boss1@contoso.example"), await createUser(tenant, "boss2@contoso.example")];
    const userId = await createUser(tenant, "report@contoso.example", { [ENTERPRISE_SCHEMA]: { department: "Sales" } });
    await replayFixture(tenant, "entra/traffic/manager-add-bare-string", { userId, managerId: first });
    expect((await readUser(tenant, userId))[ENTERPRISE_SCHEMA].manager.value).to.equal(first);
    await replayFixture(tenant, "entra/traffic/manager-replace-bare-string", { userId, managerId: second });
    expect((await readUser(tenant, userId))[ENTERPRISE_SCHEMA].manager.value).to.equal(second);
    await replayFixture(tenant, "entra/traffic/manager-remove", { userId });
    const user = await readUser(tenant, userId);
    expect(user[ENTERPRISE_SCHEMA]).to.not.have.property("manager");
    expect(user[ENTERPRISE_SCHEMA].department).to.equal("Sales");
  });

  it("Several membership changes in one PATCH: adds three, removes two, leaves the rest", async () => {
    const ids: string[] = [];
    for (const name of ["a", "b", "c", "d", "e", "f"]) ids.push(await createUser(tenant, `${name}@contoso.example`));
    const [memberA, memberB, memberC, memberD, memberE, memberF] = ids as [string, string, string, string, string, string];
    const groupId = await createGroup(tenant, "Multi-member", [memberD, memberE, memberF]);
    await replayFixture(tenant, "entra/traffic/multi-member-group-patch", { groupId, memberA, memberB, memberC, memberD, memberE });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted([memberA, memberB, memberC, memberF]));
  });

  it("Update Group [Add Members] with 250 members in one request: none dropped; one removed by value; GET /Groups < 600 ms", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 250; i += 1) ids.push(await createUser(tenant, `bulk.${String(i).padStart(3, "0")}@contoso.example`));
    const groupId = (await replayFixture(tenant, "entra/tutorial/create-group")).body.id as string;
    const add = loadFixture("entra/tutorial/update-group-add-members");
    const body = add.request.body as { Operations: Array<{ value: unknown[] }> };
    const request = { ...add.request, body: { ...body, Operations: [{ ...body.Operations[0], value: ids.map((value) => ({ $ref: null, value })) }] } };
    await replay(tenant, { ...add, request }, { groupId });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted(ids));
    await replayFixture(tenant, "entra/tutorial/update-group-remove-members", { groupId, memberId: ids[100] });
    expect(await memberIdsOf(tenant, groupId)).to.deep.equal(sorted(ids.filter((id) => id !== ids[100])));
    const started = Date.now();
    const listed = await tenant.get("/Groups").expect(200);
    expect(Date.now() - started, "Okta's R10 budget for GET /Groups").to.be.below(600);
    expect(listed.body.Resources[0].members).to.have.length(249);
  });
});
