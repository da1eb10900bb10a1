import { expect } from "chai";
import { applyPatch, parsePatchRequest } from "../../../src/scim/protocol/patch/index.js";
import { userResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { expectScimError, patchBody, sampleUser } from "./patch-support.js";

function patchUser(...operations: unknown[]): Record<string, unknown> {
  return applyPatch(sampleUser(), parsePatchRequest(patchBody(...operations)), userResourceSchema);
}

const WORK = { value: "bjensen@example.com", type: "work", primary: true };
const HOME = { value: "babs@jensen.org", type: "home" };

describe("SCIM PATCH engine: multi-valued attributes and value filters", () => {
  describe("add (RFC 7644 §3.5.2.1)", () => {
    it("appends new elements; a lone element is accepted as a list of one", () => {
      const user = patchUser({ op: "add", path: "emails", value: { value: "b@other.org", type: "other" } });
      expect(user.emails).to.deep.equal([WORK, HOME, { value: "b@other.org", type: "other" }]);
    });

    it("skips an element equal to an existing one (same value case-insensitively, same type)", () => {
      const user = patchUser({ op: "add", path: "emails", value: [{ value: "BJENSEN@example.com", type: "work" }, { value: "babs@jensen.org", type: "home" }] });
      expect(user.emails).to.deep.equal([WORK, HOME]);
    });

    it("a duplicate element only contributes what it adds (display, primary)", () => {
      const user = patchUser({ op: "add", path: "emails", value: [{ value: "babs@JENSEN.org", type: "home", display: "Babs", primary: true }] });
      expect(user.emails).to.deep.equal([{ ...WORK, primary: false }, { ...HOME, display: "Babs", primary: true }]);
    });

    it("keeps an element with the same value but another type", () => {
      const user = patchUser({ op: "add", path: "emails", value: [{ value: "babs@jensen.org", type: "other" }] });
      expect(user.emails).to.have.length(3);
    });

    it("Entra legacy: emails[type eq \"work\"].value on a user without a work email creates {type: \"work\", value}", () => {
      const user = applyPatch({ ...sampleUser(), emails: [HOME] },
        parsePatchRequest(patchBody({ op: "Add", path: "emails[type eq \"work\"].value", value: "new@example.com" })), userResourceSchema);
      expect(user.emails).to.deep.equal([HOME, { type: "work", value: "new@example.com" }]);
    });

    it("Entra legacy: addresses[type eq \"work\"].locality creates a work address beside the home one", () => {
      const user = patchUser({ op: "Add", path: "addresses[type eq \"work\"].locality", value: "Redmond" });
      expect(user.addresses).to.deep.equal([{ type: "home", locality: "Hollywood", country: "USA" }, { type: "work", locality: "Redmond" }]);
    });

    it("a filter that is not a conjunction of eq terms and matches nothing is noTarget", () => {
      expectScimError(() => patchUser({ op: "replace", path: "emails[type eq \"other\" or type eq \"pager\"].display", value: "x" }), "noTarget");
      expectScimError(() => patchUser({ op: "add", path: "emails[value co \"nobody\"].type", value: "x" }), "noTarget");
    });

    it("the element built from an eq conjunction takes every term: phoneNumbers[type eq \"mobile\" and display eq \"Cell\"]", () => {
      const user = patchUser({ op: "replace", path: "phoneNumbers[type eq \"mobile\" and display eq \"Cell\"]", value: { value: "555-0100" } });
      expect(user.phoneNumbers).to.deep.equal([{ value: "555-555-5555", type: "work" }, { type: "mobile", display: "Cell", value: "555-0100" }]);
    });
  });

  describe("replace (RFC 7644 §3.5.2.3)", () => {
    it("without filter replaces the whole list", () => {
      const user = patchUser({ op: "replace", path: "emails", value: [{ value: "only@example.com", type: "work" }] });
      expect(user.emails).to.deep.equal([{ value: "only@example.com", type: "work" }]);
    });

    it("Entra legacy: emails[type eq \"work\"].value replaces the value of the matching element only", () => {
      const user = patchUser({ op: "Replace", path: "emails[type eq \"work\"].value", value: "updated@example.com" });
      expect(user.emails).to.deep.equal([{ ...WORK, value: "updated@example.com" }, HOME]);
    });

    it("phoneNumbers[type eq \"work\"] with an object merges it into the matching element", () => {
      const user = patchUser({ op: "replace", path: "phoneNumbers[type eq \"work\"]", value: { value: "555-0199", display: "Desk" } });
      expect(user.phoneNumbers).to.deep.equal([{ value: "555-0199", type: "work", display: "Desk" }]);
    });

    it("a filter value matches case-insensitively unless the sub-attribute is caseExact", () => {
      const user = patchUser({ op: "replace", path: "emails[value eq \"BABS@JENSEN.ORG\"].type", value: "other" });
      expect(user.emails).to.deep.equal([WORK, { ...HOME, type: "other" }]);
    });

    it("a sub-attribute path without filter applies to every element", () => {
      const user = patchUser({ op: "replace", path: "emails.display", value: "Babs" });
      expect(user.emails).to.deep.equal([{ ...WORK, display: "Babs" }, { ...HOME, display: "Babs" }]);
    });
  });

  describe("primary stays unique (RFC 7643 §2.4)", () => {
    it("an added primary element demotes the previous primary", () => {
      const user = patchUser({ op: "add", path: "emails", value: [{ value: "new@example.com", type: "other", primary: true }] });
      expect(user.emails).to.deep.equal([{ ...WORK, primary: false }, HOME, { value: "new@example.com", type: "other", primary: true }]);
    });

    it("setting primary through a filter demotes the others; elements without primary are left alone", () => {
      const user = patchUser({ op: "replace", path: "emails[type eq \"home\"].primary", value: true });
      expect(user.emails).to.deep.equal([{ ...WORK, primary: false }, { ...HOME, primary: true }]);
    });

    it("a replaced list with two primaries keeps the last one", () => {
      const user = patchUser({ op: "replace", path: "emails", value: [{ value: "a@x", primary: true }, { value: "b@x", primary: true }] });
      expect(user.emails).to.deep.equal([{ value: "a@x", primary: false }, { value: "b@x", primary: true }]);
    });

    it("an operation that sets no primary leaves existing primaries as they are", () => {
      const user = applyPatch({ ...sampleUser(), emails: [WORK, { ...HOME, primary: true }] },
        parsePatchRequest(patchBody({ op: "add", path: "emails", value: [{ value: "c@x" }] })), userResourceSchema);
      expect(user.emails).to.deep.equal([WORK, { ...HOME, primary: true }, { value: "c@x" }]);
    });
  });

  describe("remove (RFC 7644 §3.5.2.2)", () => {
    it("without filter removes the attribute", () => {
      expect(patchUser({ op: "remove", path: "emails" })).to.not.have.property("emails");
    });

    it("with a filter removes the matching elements; removing the last one unassigns the attribute", () => {
      expect(patchUser({ op: "remove", path: "emails[type eq \"home\"]" }).emails).to.deep.equal([WORK]);
      expect(patchUser({ op: "remove", path: "phoneNumbers[type eq \"work\"]" })).to.not.have.property("phoneNumbers");
    });

    it("with a filter and a sub-attribute removes the sub-attribute of the matching elements", () => {
      expect(patchUser({ op: "remove", path: "emails[type eq \"work\"].primary" }).emails).to.deep.equal([{ value: "bjensen@example.com", type: "work" }, HOME]);
    });

    it("a filter matching nothing changes nothing and is no error", () => {
      expect(patchUser({ op: "remove", path: "emails[type eq \"other\"]" })).to.deep.equal(sampleUser());
    });

    it("Entra legacy remove-by-value: path=emails with value [{value}] removes only the listed elements", () => {
      const user = patchUser({ op: "Remove", path: "emails", value: [{ value: "BABS@jensen.org" }] });
      expect(user.emails).to.deep.equal([WORK]);
    });

    it("remove-by-value with an empty item or an empty list removes nothing", () => {
      expect(patchUser({ op: "Remove", path: "emails", value: [{}] }).emails).to.deep.equal([WORK, HOME]);
      expect(patchUser({ op: "Remove", path: "emails", value: [] }).emails).to.deep.equal([WORK, HOME]);
    });

    it("Entra legacy remove-by-value: an element listed with another type is not removed", () => {
      expect(patchUser({ op: "Remove", path: "emails", value: [{ value: "babs@jensen.org", type: "work" }] }).emails).to.deep.equal([WORK, HOME]);
    });
  });
});
