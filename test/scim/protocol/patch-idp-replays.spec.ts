import { expect } from "chai";
import { applyPatch, parsePatchRequest } from "../../../src/scim/protocol/patch/index.js";
import { ENTERPRISE_USER_SCHEMA } from "../../../src/scim/protocol/schema.js";
import { userResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { loadFixture, sampleUser } from "./patch-support.js";

/** Replays a published request body (fixtures/patch/<name>.json) against the sample User. */
function replay(name: string, user = sampleUser()): Record<string, unknown> {
  return applyPatch(user, parsePatchRequest(loadFixture(name)), userResourceSchema);
}

describe("SCIM PATCH: published Okta and Entra user requests, replayed", () => {
  it("okta-user-deactivate: path-less replace {active: false} deactivates and changes nothing else", () => {
    expect(replay("okta-user-deactivate")).to.deep.equal({ ...sampleUser(), active: false });
  });

  it("entra-legacy-user-deactivate: Replace active \"False\" stores the boolean false", () => {
    expect(replay("entra-legacy-user-deactivate")).to.deep.equal({ ...sampleUser(), active: false });
  });

  it("entra-aadoptscim062020-user-deactivate: replace active false", () => {
    expect(replay("entra-aadoptscim062020-user-deactivate")).to.deep.equal({ ...sampleUser(), active: false });
  });

  it("entra-legacy-user-update-attributes: filtered sub-attribute paths update or create the typed element", () => {
    const user = replay("entra-legacy-user-update-attributes");
    expect(user.emails).to.deep.equal([
      { value: "updatedEmail@example.com", type: "work", primary: true },
      { value: "babs@jensen.org", type: "home" },
    ]);
    expect(user.name).to.deep.equal({ givenName: "Barbara", familyName: "updatedFamilyName" });
    expect(user.addresses).to.deep.equal([{ type: "home", locality: "Hollywood", country: "USA" }, { type: "work", locality: "Redmond" }]);
    expect(user.phoneNumbers).to.deep.equal([{ value: "555-555-5555", type: "work" }, { type: "mobile", value: "+1 425 555 0100" }]);
  });

  it("entra-legacy-user-manager: Add manager as a bare id string sets manager.value", () => {
    const user = replay("entra-legacy-user-manager");
    expect(user[ENTERPRISE_USER_SCHEMA]).to.deep.equal({ employeeNumber: "701984", manager: { value: "6fd4b1a4-6a94-4b1f-9a06-c5b4e1f6d1a2" } });
  });

  it("entra-legacy-user-remove-email-by-value: Remove path=emails value=[{value}] removes only that email", () => {
    expect(replay("entra-legacy-user-remove-email-by-value").emails).to.deep.equal([{ value: "bjensen@example.com", type: "work", primary: true }]);
  });

  it("entra-aadoptscim062020-user-replace-dotted-and-urn-keys: every key lands on its attribute", () => {
    const user = replay("entra-aadoptscim062020-user-replace-dotted-and-urn-keys");
    expect(user).to.deep.equal({
      ...sampleUser(),
      displayName: "Babs J.",
      name: { givenName: "Barbara Ann", familyName: "Jensen" },
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "701985", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" } },
    });
  });

  it("never mutates the stored representation it is given", () => {
    const stored = sampleUser();
    for (const name of ["entra-legacy-user-update-attributes", "entra-legacy-user-manager", "entra-legacy-user-remove-email-by-value",
      "entra-aadoptscim062020-user-replace-dotted-and-urn-keys", "okta-user-deactivate"]) {
      replay(name, stored);
    }
    expect(stored).to.deep.equal(sampleUser());
  });
});
