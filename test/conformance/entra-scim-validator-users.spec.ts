import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createUser, ENTERPRISE_SCHEMA, expectScimError, LIST_SCHEMA, loadFixture, readUser, replay, replayFixture } from "./replay.js";

/**
 * The Microsoft Entra SCIM Validator's user tests (default attributes), under the names its results
 * page gives them; "Preview" marks the validator's preview tests. Each checks what the validator
 * checks by its follow-up GET or filter, and the state behind it.
 */
describe("Microsoft Entra SCIM Validator: Users", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  const userName = "julien.vonrueden@ondricka.example";

  beforeEach(async () => {
    tenant = await ctx.newTenant("SCIM Validator");
  });

  const createValidatorUser = async (name = userName): Promise<string> => (await replayFixture(tenant, "entra/validator/create-user", { userName: name })).body.id as string;
  const filterUserName = (value: string) => tenant.get(`/Users?filter=${encodeURIComponent(`userName eq "${value}"`)}`).expect(200);

  it("Create a new User", async () => {
    const userId = await createValidatorUser();
    const found = await filterUserName(userName);
    expect(found.body.totalResults).to.equal(1);
    const user = found.body.Resources[0];
    expect(user).to.include({ id: userId, userName, active: true, displayName: "NDSQQTECVAAC", title: "CJSGUNOAAMMQ", timezone: "America/Guayaquil", userType: "GZILLRZCFPNC" });
    expect(user.name).to.include({ givenName: "Elfrieda", familyName: "Urban", middleName: "Cindy", honorificSuffix: "Micaela" });
    expect(user.phoneNumbers).to.have.length(3);
    expect(user.addresses[0]).to.include({ type: "work", postalCode: "cx47 4mz", country: "Sierra Leone", primary: true });
    expect(user[ENTERPRISE_SCHEMA]).to.include({ employeeNumber: "OXYYEGWVLTGW", division: "WXNFEJQDRAVI" });
    expect(user[ENTERPRISE_SCHEMA].manager.value).to.equal("XYMKVVRYDIOO");
    expect(user.roles, "roles are kept as given").to.have.length(1);
  });

  it("Create a duplicate User: 409 uniqueness, nothing created", async () => {
    await createValidatorUser();
    const create = loadFixture("entra/validator/create-user");
    const duplicate = await replay(tenant, { ...create, name: "Create a duplicate User", expect: { status: [409] } }, { userName });
    expectScimError(duplicate, 409, "uniqueness");
    expect((await filterUserName(userName)).body.totalResults).to.equal(1);
  });

  it("Filter for an existing user", async () => {
    const userId = await createValidatorUser();
    const found = await replayFixture(tenant, "entra/validator/filter-user-by-username", { userNameEncoded: encodeURIComponent(userName) });
    expect(found.body.schemas).to.include(LIST_SCHEMA);
    expect(found.body.Resources.map((u: { id: string }) => u.id)).to.deep.equal([userId]);
  });

  it("Filter for a non-existing user: 200, totalResults 0, Resources []", async () => {
    await createValidatorUser();
    const found = await filterUserName("nobody.here@ondricka.example");
    expect(found.body.totalResults).to.equal(0);
    expect(found.body.Resources ?? []).to.deep.equal([]);
  });

  it("Filter for an existing user with a different case", async () => {
    const userId = await createValidatorUser();
    const found = await filterUserName(userName.toUpperCase());
    expect(found.body.Resources.map((u: { id: string; userName: string }) => [u.id, u.userName])).to.deep.equal([[userId, userName]]);
  });

  it("Patch User - Replace Attributes Verbose", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-replace-attributes-verbose", { userId });
    const user = await readUser(tenant, userId);
    expect(user).to.include({ displayName: "VERBOSEDISPLAY", title: "VERBOSETITLE", preferredLanguage: "fr-CA", userType: "VERBOSETYPE", nickName: "VERBOSENICK", timezone: "Europe/Paris", externalId: "verbose-external-id" });
    expect(user.name).to.include({ givenName: "Verbosegiven", familyName: "Verbosefamily", formatted: "Verbose Formatted", honorificPrefix: "Dr" });
    expect(user.emails).to.deep.equal([{ type: "work", value: "verbose.work@example.test", primary: true }]);
    expect(user.addresses).to.deep.equal([{ type: "work", formatted: "VERBOSEFORMATTED", streetAddress: "1 Verbose Way", locality: "Verboseville", region: "VR", postalCode: "vb1 2rb", country: "Iceland", primary: true }]);
    const phones = Object.fromEntries(user.phoneNumbers.map((p: { type: string; value: string }) => [p.type, p.value]));
    expect(phones).to.deep.equal({ work: "11-111-1111", mobile: "22-222-2222", fax: "33-333-3333" });
    expect(user[ENTERPRISE_SCHEMA]).to.include({ employeeNumber: "VERBOSEEMPNO", department: "VERBOSEDEPT", costCenter: "VERBOSECC", organization: "VERBOSEORG", division: "VERBOSEDIV" });
    expect(user[ENTERPRISE_SCHEMA].manager.value, "untouched").to.equal("XYMKVVRYDIOO");
  });

  it("Patch User - Replace Attributes (path-less value with dotted keys)", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-path-less-name", { userId });
    expect((await readUser(tenant, userId)).name).to.include({ givenName: "Oswaldo", familyName: "Rylan", middleName: "Cindy" });
  });

  it("Patch User - Add Attributes (filtered email paths create the work, home and other elements)", async () => {
    const userId = await createUser(tenant, "oren.collins@white.example");
    await replayFixture(tenant, "entra/validator/patch-user-add-attributes-emails", { userId });
    const emails = (await readUser(tenant, userId)).emails as Array<Record<string, unknown>>;
    const byType = Object.fromEntries(emails.map((email) => [email.type, email]));
    expect(emails).to.have.length(3);
    expect(byType.work).to.deep.equal({ type: "work", value: "oren.collins@white.example", display: "0TXBC2MOGUI0" });
    expect(byType.home).to.deep.equal({ type: "home", value: "angelita@mante.example", display: "14UDKFEIO3YS", primary: true });
    expect(byType.other).to.deep.equal({ type: "other", value: "yasmine_bins@braun.example", display: "YFQRBLBNUS0R" });
  });

  it("Update User userName", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/update-user-username", { userId, newUserName: "renamed.user@ondricka.example" });
    expect((await filterUserName("renamed.user@ondricka.example")).body.Resources[0].id).to.equal(userId);
    expect((await filterUserName(userName)).body.totalResults).to.equal(0);
  });

  it("Patch User - Disable User: GET and filter show active false", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-disable-user", { userId });
    expect((await readUser(tenant, userId)).active).to.equal(false);
    const found = await replayFixture(tenant, "entra/validator/filter-user-by-username", { userNameEncoded: encodeURIComponent(userName) });
    expect(found.body.Resources[0], "the filtered user carries active").to.include({ id: userId, active: false });
  });

  it("Patch User - Add Manager", async () => {
    const managerId = await createUser(tenant, "manager@ondricka.example");
    const userId = await createUser(tenant, "report@ondricka.example");
    await replayFixture(tenant, "entra/validator/patch-user-add-manager", { userId, managerId });
    expect((await readUser(tenant, userId))[ENTERPRISE_SCHEMA].manager.value).to.equal(managerId);
  });

  it("Patch User - Replace Manager", async () => {
    const managerId = await createUser(tenant, "manager@ondricka.example");
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-replace-manager", { userId, managerId });
    const enterprise = (await readUser(tenant, userId))[ENTERPRISE_SCHEMA];
    expect(enterprise.manager.value).to.equal(managerId);
    expect(enterprise.employeeNumber).to.equal("OXYYEGWVLTGW");
  });

  it("Patch User - Remove Manager (replace with an empty value clears the manager)", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-remove-manager", { userId });
    const enterprise = (await readUser(tenant, userId))[ENTERPRISE_SCHEMA];
    expect(enterprise).to.not.have.property("manager");
    expect(enterprise.employeeNumber).to.equal("OXYYEGWVLTGW");
  });

  it("Delete a User: 204, then GET 404", async () => {
    const userId = await createValidatorUser();
    await tenant.delete(`/Users/${userId}`).expect(204);
    expectScimError(await tenant.get(`/Users/${userId}`), 404);
  });

  it("Preview: Patch User - Multiple Ops on different attributes", async () => {
    const userId = await createValidatorUser();
    await replayFixture(tenant, "entra/validator/patch-user-multiple-ops-different-attributes", { userId });
    expect(await readUser(tenant, userId)).to.include({ displayName: "MULTIOPSDISPLAY", title: "MULTIOPSTITLE" });
  });

  it("Preview: Delete a non-existent User: 404", async () => {
    expectScimError(await tenant.delete("/Users/d950a5ce-61da-4979-8423-4600c745a897"), 404);
  });

  it("Preview: Delete the same User twice: 204, then 404", async () => {
    const userId = await createValidatorUser();
    await tenant.delete(`/Users/${userId}`).expect(204);
    expectScimError(await tenant.delete(`/Users/${userId}`), 404);
  });
});
