import { expect } from "chai";
import type { ScimTenant } from "../../support/scim-app.js";
import { useScimApp } from "../../support/scim-app.js";
import { brief, createUser, ENTERPRISE, expectScimError, expectScimJson, filtered, idOf, list, patchBody, snapshot, type Json } from "./scim-helpers.js";

/** RFC 7644 §3.5.2 on /Users with the request shapes of IDP-TRAFFIC (Okta, Entra legacy and aadOptscim062020). */
describe("SCIM PATCH /Users", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;

  before(async () => {
    tenant = await ctx.newTenant();
  });

  async function patch(user: Json, ...operations: Json[]): Promise<Json> {
    const res = await tenant.patch(`/Users/${idOf(user)}`, patchBody(...operations));
    expect(res.status, brief(res.body)).to.equal(200);
    expectScimJson(res);
    expect(res.headers.etag).to.equal((res.body.meta as Json).version);
    expect(await snapshot(tenant, `/Users/${idOf(user)}`)).to.deep.equal(res.body);
    return res.body as Json;
  }

  it("deactivates with Okta's path-less replace {active: false}; the user stays readable and listed", async () => {
    const user = await createUser(tenant, "okta.deactivate@example.com");
    const patched = await patch(user, { op: "replace", value: { active: false } });
    expect(patched.active).to.equal(false);
    const found = await list(tenant, filtered("Users", 'userName eq "okta.deactivate@example.com"'));
    expect(found.Resources.map((u) => u.active)).to.deep.equal([false]);
    expect((await patch(user, { op: "replace", value: { active: true } })).active).to.equal(true);
  });

  it("takes Entra legacy's Replace active \"False\" / \"True\" strings", async () => {
    const user = await createUser(tenant, "entra.legacy@example.com");
    expect((await patch(user, { op: "Replace", path: "active", value: "False" })).active).to.equal(false);
    expect((await patch(user, { op: "Replace", path: "active", value: "True" })).active).to.equal(true);
  });

  it("creates a work email with type work for a filtered add that matches nothing (Entra)", async () => {
    const user = await createUser(tenant, "filtered.add@example.com", { emails: [{ value: "home@example.com", type: "home" }] });
    const patched = await patch(user, { op: "Add", path: 'emails[type eq "work"].value', value: "work@example.com" });
    expect(patched.emails).to.deep.equal([{ value: "home@example.com", type: "home" }, { value: "work@example.com", type: "work" }]);
    const replaced = await patch(user, { op: "Replace", path: 'emails[type eq "work"].value', value: "work2@example.com" });
    expect(replaced.emails).to.deep.equal([{ value: "home@example.com", type: "home" }, { value: "work2@example.com", type: "work" }]);
    const found = await list(tenant, filtered("Users", 'emails[type eq "work"].value eq "work2@example.com"'));
    expect(found.Resources.map(idOf)).to.deep.equal([idOf(user)]);
  });

  it("applies aadOptscim062020 path-less replace with dotted and URN keys, keeping the rest of name", async () => {
    const user = await createUser(tenant, "dotted@example.com", { name: { givenName: "Old", familyName: "Family" } });
    const patched = await patch(user, {
      op: "replace",
      value: { "name.givenName": "New", [`${ENTERPRISE}:employeeNumber`]: "E-9", displayName: "New Family" },
    });
    expect(patched.name).to.deep.equal({ givenName: "New", familyName: "Family" });
    expect((patched[ENTERPRISE] as Json).employeeNumber).to.equal("E-9");
    expect(patched.schemas).to.include(ENTERPRISE);
    expect(patched.displayName).to.equal("New Family");
  });

  it("adds a manager from Entra's bare id string, replaces it, and removes it keeping the department", async () => {
    const boss = await createUser(tenant, "boss1@example.com");
    const boss2 = await createUser(tenant, "boss2@example.com");
    const user = await createUser(tenant, "managed@example.com", { [ENTERPRISE]: { department: "Ops" } });
    const added = await patch(user, { op: "Add", path: `${ENTERPRISE}:manager`, value: idOf(boss) });
    expect(((added[ENTERPRISE] as Json).manager as Json).value).to.equal(idOf(boss));
    const replaced = await patch(user, { op: "replace", path: `${ENTERPRISE}:manager`, value: { value: idOf(boss2) } });
    expect(((replaced[ENTERPRISE] as Json).manager as Json).value).to.equal(idOf(boss2));
    const removed = await patch(user, { op: "Remove", path: `${ENTERPRISE}:manager` });
    expect(removed[ENTERPRISE]).to.deep.equal({ department: "Ops" });
  });

  it("applies Entra legacy attribute updates, several in one request", async () => {
    const user = await createUser(tenant, "entra.update@example.com", { addresses: [{ type: "work", locality: "Paris", country: "FR" }] });
    const patched = await patch(
      user,
      { op: "Replace", path: "displayName", value: "Updated" },
      { op: "Add", path: "title", value: "Engineer" },
      { op: "Replace", path: 'addresses[type eq "work"].locality', value: "Lyon" },
      { op: "Add", path: "phoneNumbers", value: [{ value: "+33 1 00", type: "mobile" }] },
    );
    expect(patched).to.deep.include({ displayName: "Updated", title: "Engineer" });
    expect(patched.addresses).to.deep.equal([{ type: "work", locality: "Lyon", country: "FR" }]);
    expect(patched.phoneNumbers).to.deep.equal([{ value: "+33 1 00", type: "mobile" }]);
  });

  it("removes one email by value filter and keeps only one primary", async () => {
    const user = await createUser(tenant, "emails@example.com", { emails: [{ value: "a@example.com", type: "work", primary: true }, { value: "b@example.com", type: "home" }] });
    const primary = await patch(user, { op: "add", path: "emails", value: [{ value: "c@example.com", type: "other", primary: true }] });
    const emails = primary.emails as Json[];
    expect(emails.filter((email) => email.primary === true).map((email) => email.value)).to.deep.equal(["c@example.com"]);
    const removed = await patch(user, { op: "remove", path: 'emails[value eq "b@example.com"]' });
    expect((removed.emails as Json[]).map((email) => email.value)).to.deep.equal(["a@example.com", "c@example.com"]);
  });

  it("keeps the ETag for a PATCH that changes nothing", async () => {
    const user = await createUser(tenant, "noop@example.com", { displayName: "Same" });
    const patched = await patch(user, { op: "replace", path: "displayName", value: "Same" });
    expect((patched.meta as Json).version).to.equal((user.meta as Json).version);
  });

  it("applies all operations or none: a bad last operation leaves the user unchanged", async () => {
    const user = await createUser(tenant, "atomic@example.com", { displayName: "Before", title: "T" });
    const before = await snapshot(tenant, `/Users/${idOf(user)}`);
    const cases: Array<[Json[], string]> = [
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "remove", path: "userName" }], "invalidValue"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "replace", path: "shoeSize", value: 9 }], "invalidPath"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "remove" }], "noTarget"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "replace", path: "id", value: "0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11" }], "mutability"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "replace", path: "active", value: "perhaps" }], "invalidValue"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "jump", path: "title" }], "invalidSyntax"],
      [[{ op: "replace", path: "displayName", value: "After" }, { op: "replace", path: "emails[type eq", value: "x" }], "invalidPath"],
      [[{ op: "replace", path: "displayName", value: "After\u0000" }], "invalidValue"],
    ];
    for (const [operations, scimType] of cases) {
      expectScimError(await tenant.patch(`/Users/${idOf(user)}`, patchBody(...operations)), 400, scimType);
    }
    expectScimError(await tenant.patch(`/Users/${idOf(user)}`, { Operations: [{ op: "replace", path: "title", value: "X" }] }), 400, "invalidSyntax");
    expect(await snapshot(tenant, `/Users/${idOf(user)}`)).to.deep.equal(before);
  });

  it("answers 409 uniqueness when PATCH renames to a taken userName, and 404 for an unknown user", async () => {
    await createUser(tenant, "taken@example.com");
    const user = await createUser(tenant, "renamer@example.com");
    const res = await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "userName", value: "TAKEN@example.com" }));
    expectScimError(res, 409, "uniqueness");
    expect((await snapshot(tenant, `/Users/${idOf(user)}`)).userName).to.equal("renamer@example.com");
    expectScimError(await tenant.patch("/Users/0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11", patchBody({ op: "replace", value: { active: false } })), 404);
  });
});
