import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../support/scim-app.js";
import { createGroup, createUser, expectScimError, LIST_SCHEMA, loadFixture, replay, USER_SCHEMA, type ReplayStep } from "./replay.js";

/**
 * Okta's "SCIM 2.0 SPEC Test" (the Runscope suite an OIN submission must pass), step by step in its
 * order. Each step checks what the suite checks, plus what Okta's provisioning relies on afterwards.
 */
describe("Okta SCIM 2.0 SPEC Test", () => {
  const ctx = useScimApp();
  const suite = loadFixture<{ source: string; steps: Record<string, ReplayStep> }>("okta/spec-test");
  const step = (key: string): ReplayStep => {
    const found = suite.steps[key];
    if (!found) throw new Error(`okta/spec-test has no step ${key}`);
    return found;
  };
  // The suite's initial variables (Test Settings → Initial Variables).
  const vars: Record<string, string> = {
    InvalidUserEmail: "abcdefgh@example.com",
    UserIdThatDoesNotExist: "010101001010101010",
    randomUsername: "Runscope258Fuhpfuwaw309@atko.com",
    randomUsernameCaps: "RUNSCOPE258FUHPFUWAW309@ATKO.COM",
    randomEmail: "Runscope258Fuhpfuwaw309@atko.com",
    randomGivenName: "Runscope258",
    randomFamilyName: "Fuhpfuwaw309",
  };
  let tenant: ScimTenant;

  before(async () => {
    tenant = await ctx.newTenant("Okta SPEC Test");
    // R1 and R2 read the first user: the suite expects the app to hold one already.
    await createUser(tenant, "existing.user@atko.com", {
      name: { givenName: "Existing", familyName: "User" },
      emails: [{ value: "existing.user@atko.com", type: "work", primary: true }],
      active: true,
    });
  });

  it("R1 Required Test: Test Users endpoint (list response fields are numbers)", async () => {
    const response = await replay(tenant, step("R1"), vars);
    expect(response.headers["content-type"]).to.match(/^application\/scim\+json/);
    expect(response.body.schemas).to.include(LIST_SCHEMA);
    for (const field of ["itemsPerPage", "startIndex", "totalResults"]) expect(response.body[field], field).to.be.a("number");
    expect(response.body).to.include({ startIndex: 1, itemsPerPage: 1, totalResults: 1 });
    const [first] = response.body.Resources;
    expect(first.id).to.be.a("string").and.not.equal("");
    expect(first.userName).to.equal("existing.user@atko.com");
    expect(first.name).to.include({ givenName: "Existing", familyName: "User" });
    expect(first.active).to.equal(true);
    expect(first.emails[0].value).to.equal("existing.user@atko.com");
    vars.id = first.id;
  });

  it("R2 Required Test: Get Users/{{id}}", async () => {
    const response = await replay(tenant, step("R2"), vars);
    expect(response.body.id).to.equal(vars.id);
    expect(response.body).to.include({ userName: "existing.user@atko.com", active: true });
    expect(response.body.name).to.include({ givenName: "Existing", familyName: "User" });
    expect(response.body.emails[0].value).to.equal("existing.user@atko.com");
  });

  it("R3 Required Test: Test invalid User by username (200, totalResults 0)", async () => {
    const response = await replay(tenant, step("R3"), vars);
    expect(response.body.schemas).to.include(LIST_SCHEMA);
    expect(response.body.totalResults).to.equal(0);
    expect(response.body.Resources ?? []).to.deep.equal([]);
  });

  it("R4 Required Test: Test invalid User by ID (404 with a SCIM Error)", async () => {
    expectScimError(await replay(tenant, step("R4"), vars), 404);
  });

  it("R5 Required Test: Make sure random user doesn't exist", async () => {
    const response = await replay(tenant, step("R5"), vars);
    expect(response.body.schemas).to.include(LIST_SCHEMA);
    expect(response.body.totalResults).to.equal(0);
  });

  it("R6 Required Test: Create Okta user with realistic values", async () => {
    const response = await replay(tenant, step("R6"), vars);
    expect(response.headers.location).to.match(new RegExp(`/Users/${response.body.id}$`));
    expect(response.body.schemas).to.include(USER_SCHEMA);
    expect(response.body).to.include({ userName: vars.randomUsername, active: true });
    expect(response.body.name).to.include({ givenName: vars.randomGivenName, familyName: vars.randomFamilyName });
    expect(response.body.id).to.be.a("string").and.not.equal("");
    vars.idUserOne = response.body.id;
  });

  it("R7 Required Test: Verify that user was created", async () => {
    const response = await replay(tenant, step("R7"), vars);
    expect(response.body).to.include({ id: vars.idUserOne, userName: vars.randomUsername, displayName: `${vars.randomGivenName} ${vars.randomFamilyName}` });
    expect(response.body.name).to.include({ givenName: vars.randomGivenName, familyName: vars.randomFamilyName });
    expect(response.body.emails).to.deep.equal([{ value: vars.randomEmail, type: "work", primary: true }]);
  });

  it("R8 Required Test: Expect failure when recreating user with same values (409 uniqueness)", async () => {
    expectScimError(await replay(tenant, step("R8"), vars), 409, "uniqueness");
    const lookup = await tenant.get(`/Users?filter=${encodeURIComponent(`userName eq "${vars.randomUsername}"`)}`).expect(200);
    expect(lookup.body.totalResults, "the duplicate created nothing").to.equal(1);
    expect(lookup.body.Resources[0].id).to.equal(vars.idUserOne);
  });

  it("R9 Required Test: Username Case Sensitivity Check (userName eq is case-insensitive)", async () => {
    const response = await replay(tenant, step("R9"), vars);
    expect(response.body.totalResults).to.equal(1);
    expect(response.body.Resources[0]).to.include({ id: vars.idUserOne, userName: vars.randomUsername });
  });

  it("R10 Optional Test: Verify Groups endpoint (with and without members, < 600 ms)", async () => {
    const empty = await replay(tenant, step("R10"), vars);
    expect(empty.body).to.include({ totalResults: 0 });
    const groupId = await createGroup(tenant, "Okta SPEC group", [vars.idUserOne!, vars.id!]);
    await createGroup(tenant, "Okta SPEC empty group");
    const listed = await replay(tenant, step("R10"), vars);
    expect(listed.body.schemas).to.include(LIST_SCHEMA);
    expect(listed.body.totalResults).to.equal(2);
    const withMembers = listed.body.Resources.find((group: { id: string }) => group.id === groupId);
    expect(withMembers.members.map((member: { value: string }) => member.value).sort()).to.deep.equal([vars.idUserOne, vars.id].sort());
    const excluded = await tenant.get("/Groups?excludedAttributes=members").expect(200);
    expect(excluded.body.Resources).to.have.length(2);
    for (const group of excluded.body.Resources) expect(group).to.not.have.property("members");
  });

  it("R11 Required Test: Check status 401 (SCIM Error with status)", async () => {
    // The fixture's Authorization header ("non-token") replaces the tenant's bearer token.
    const response = await replay(tenant, step("R11"), vars);
    expectScimError(response, 401);
    expect(response.headers["www-authenticate"]).to.match(/^Bearer /);
  });

  it("R12 Required Test: Check status 404 (SCIM Error with status)", async () => {
    expectScimError(await replay(tenant, step("R12"), vars), 404);
  });
});
