import { expect } from "chai";
import { applyPatch, parsePatchRequest, splitMemberOperations, type MemberChange } from "../../../src/scim/protocol/patch/index.js";
import { groupResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { GROUP_ID, expectScimError, loadFixture, patchBody, sampleGroup } from "./patch-support.js";

function changesOf(body: unknown): MemberChange[] {
  return splitMemberOperations(parsePatchRequest(body)).memberChanges;
}

/** What a store applying the deltas in order would hold: the proof that no other member is touched. */
function applyChanges(members: string[], changes: MemberChange[]): string[] {
  return changes.reduce((current, change) => {
    switch (change.kind) {
      case "add": return [...current, ...change.ids.filter((id) => !current.includes(id))];
      case "remove": return current.filter((id) => !change.ids.includes(id));
      case "replace": return [...change.ids];
      case "removeAll": return [];
    }
  }, members);
}

describe("SCIM PATCH: Group member deltas (splitMemberOperations)", () => {
  it("Okta group push: add path=members becomes one add of every id", () => {
    expect(changesOf(loadFixture("okta-group-add-members"))).to.deep.equal([
      { kind: "add", ids: ["23a35c27-23d3-4c03-b4c5-6443c09e7173", "89bb1940-b905-4575-9e7f-6f887cfb368e"] },
    ]);
  });

  it("Entra legacy: multi-member \"Add\" with displayName extras becomes one add", () => {
    expect(changesOf(loadFixture("entra-legacy-group-add-members"))).to.deep.equal([
      { kind: "add", ids: ["2cd2b9e0-0c8c-4a0d-9f5b-6d0c1f0d4a11", "5a4f3c2b-1e0d-4c9b-8a7f-6e5d4c3b2a19"] },
    ]);
  });

  it("Entra legacy: Remove path=members with a value list removes only the listed members, the others stay", () => {
    const changes = changesOf(loadFixture("entra-legacy-group-remove-members-by-value"));
    expect(changes).to.deep.equal([{ kind: "remove", ids: ["2cd2b9e0-0c8c-4a0d-9f5b-6d0c1f0d4a11"] }]);
    const before = ["2cd2b9e0-0c8c-4a0d-9f5b-6d0c1f0d4a11", "keep-1", "keep-2"];
    expect(applyChanges(before, changes)).to.deep.equal(["keep-1", "keep-2"]);
  });

  it("RFC 7644 §3.5.2.2: remove path=members without value removes all members", () => {
    expect(changesOf(patchBody({ op: "remove", path: "members" }))).to.deep.equal([{ kind: "removeAll" }]);
  });

  it("Entra legacy: remove with an empty value list removes nobody (never read as remove-all)", () => {
    const changes = changesOf(patchBody({ op: "Remove", path: "members", value: [] }));
    expect(changes).to.deep.equal([{ kind: "remove", ids: [] }]);
    expect(applyChanges(["a", "b"], changes)).to.deep.equal(["a", "b"]);
  });

  it("Okta and Entra aadOptscim062020: remove members[value eq \"id\"] removes that member only", () => {
    expect(changesOf(loadFixture("okta-group-remove-member-value-eq"))).to.deep.equal([{ kind: "remove", ids: ["89bb1940-b905-4575-9e7f-6f887cfb368e"] }]);
    const changes = changesOf(loadFixture("entra-aadoptscim062020-group-remove-member-value-eq"));
    expect(applyChanges(["2cd2b9e0-0c8c-4a0d-9f5b-6d0c1f0d4a11", "keep"], changes)).to.deep.equal(["keep"]);
  });

  it("members[value eq \"a\" or value eq \"b\"] removes a and b", () => {
    expect(changesOf(patchBody({ op: "remove", path: "members[value eq \"a\" or value eq \"b\"]" }))).to.deep.equal([{ kind: "remove", ids: ["a", "b"] }]);
  });

  it("any other filter on members is invalidFilter", () => {
    for (const path of ["members[display eq \"x\"]", "members[value ne \"a\"]", "members[value eq \"a\" and value eq \"b\"]", "members[value pr]", "members[value eq 5]"]) {
      expectScimError(() => changesOf(patchBody({ op: "remove", path })), "invalidFilter");
    }
    expectScimError(() => changesOf(patchBody({ op: "add", path: "members[value eq \"a\"]", value: [{ value: "a" }] })), "invalidFilter");
  });

  it("Okta group push: replace path=members becomes a replace of the whole set", () => {
    expect(changesOf(loadFixture("okta-group-replace-members"))).to.deep.equal([{ kind: "replace", ids: ["23a35c27-23d3-4c03-b4c5-6443c09e7173"] }]);
  });

  it("Okta group push: path-less replace {id, displayName} stays for applyPatch and succeeds", () => {
    const { memberChanges, rest } = splitMemberOperations(parsePatchRequest(loadFixture("okta-group-push-replace-id-displayname")));
    expect(memberChanges).to.deep.equal([]);
    expect(applyPatch(sampleGroup(), rest, groupResourceSchema)).to.include({ id: GROUP_ID, displayName: "Tour Guides (renamed)" });
  });

  it("a path-less add/replace with a members key: members become a change, the other keys stay", () => {
    const { memberChanges, rest } = splitMemberOperations(parsePatchRequest(patchBody(
      { op: "replace", value: { displayName: "Guides", Members: [{ value: "a" }] } },
      { op: "add", value: { "urn:ietf:params:scim:schemas:core:2.0:Group:members": [{ value: "b" }] } },
    )));
    expect(memberChanges).to.deep.equal([{ kind: "replace", ids: ["a"] }, { kind: "add", ids: ["b"] }]);
    expect(rest).to.deep.equal([{ op: "replace", value: { displayName: "Guides" } }]);
  });

  it("keeps the request order of member changes across operations, whatever the op's case", () => {
    const changes = changesOf(patchBody(
      { op: "ADD", path: "members", value: [{ value: "a" }] },
      { op: "Remove", path: "members[value eq \"a\"]" },
      { op: "replace", path: "Members", value: [] },
    ));
    expect(changes).to.deep.equal([{ kind: "add", ids: ["a"] }, { kind: "remove", ids: ["a"] }, { kind: "replace", ids: [] }]);
  });

  it("a single member object instead of a list is accepted, and so is a bare id string", () => {
    expect(changesOf(patchBody({ op: "add", path: "members", value: { value: "a" } }))).to.deep.equal([{ kind: "add", ids: ["a"] }]);
    expect(changesOf(patchBody({ op: "add", path: "members", value: ["a", { value: "b" }, "a"] }))).to.deep.equal([{ kind: "add", ids: ["a", "b"] }]);
  });

  it("member ids must be non-empty strings (invalidValue)", () => {
    for (const value of [[{ value: 5 }], [{ display: "x" }], [{ value: "" }], [null], [[{ value: "a" }]]]) {
      expectScimError(() => changesOf(patchBody({ op: "add", path: "members", value })), "invalidValue");
    }
  });

  it("a members sub-attribute path is invalidPath", () => {
    expectScimError(() => changesOf(patchBody({ op: "replace", path: "members.display", value: "x" })), "invalidPath");
  });

  it("operations on other attributes are left in order for applyPatch", () => {
    const ops = parsePatchRequest(patchBody({ op: "replace", path: "displayName", value: "x" }, { op: "add", path: "members", value: [{ value: "a" }] }, { op: "remove", path: "externalId" }));
    const { rest } = splitMemberOperations(ops);
    expect(rest).to.deep.equal([ops[0], ops[2]]);
  });
});
