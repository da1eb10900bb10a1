import { expect } from "chai";
import { parsePatchRequest } from "../../../src/scim/protocol/patch/index.js";
import { expectScimError, loadFixture, patchBody } from "./patch-support.js";

describe("SCIM PATCH request parsing (RFC 7644 §3.5.2)", () => {
  it("parses a PatchOp body into operations with parsed paths", () => {
    const ops = parsePatchRequest(patchBody({ op: "replace", path: "emails[type eq \"work\"].value", value: "x@example.com" }));
    expect(ops).to.have.length(1);
    expect(ops[0]?.op).to.equal("replace");
    expect(ops[0]?.path).to.include({ attribute: "emails", subAttribute: "value" });
    expect(ops[0]?.path?.filter).to.deep.include({ kind: "compare", op: "eq", value: "work" });
    expect(ops[0]?.value).to.equal("x@example.com");
  });

  it("Entra legacy: op names \"Add\", \"Replace\", \"Remove\" are accepted in any case", () => {
    const ops = parsePatchRequest(patchBody(
      { op: "Add", path: "nickName", value: "Babs" },
      { op: "REPLACE", path: "title", value: "Tour Guide" },
      { op: "Remove", path: "locale" },
    ));
    expect(ops.map((op) => op.op)).to.deep.equal(["add", "replace", "remove"]);
  });

  it("Entra legacy: extra operation members such as \"name\": \"addMember\" are ignored", () => {
    const ops = parsePatchRequest(loadFixture("entra-legacy-group-add-members"));
    expect(ops[0]).to.have.keys("op", "path", "value");
  });

  it("keeps the value of a remove (Entra legacy remove-by-value) and omits absent paths and values", () => {
    const ops = parsePatchRequest(loadFixture("entra-legacy-group-remove-members-by-value"));
    expect(ops[0]?.value).to.deep.equal([{ value: "2cd2b9e0-0c8c-4a0d-9f5b-6d0c1f0d4a11" }]);
    const [pathless] = parsePatchRequest(loadFixture("okta-user-deactivate"));
    expect(pathless).to.deep.equal({ op: "replace", value: { active: false } });
  });

  it("accepts the envelope's member names in any case (RFC 7643 §2.1)", () => {
    const ops = parsePatchRequest({ Schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], operations: [{ OP: "add", Path: "title", Value: "x" }] });
    expect(ops).to.deep.equal([{ op: "add", path: { attribute: "title" }, value: "x" }]);
  });

  it("rejects a body that is not a PatchOp message with invalidSyntax", () => {
    for (const body of [null, "text", [], {}, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], Operations: [{ op: "add", value: {} }] }]) {
      expectScimError(() => parsePatchRequest(body), "invalidSyntax");
    }
  });

  it("rejects missing, empty or non-array Operations with invalidSyntax", () => {
    const schemas = ["urn:ietf:params:scim:api:messages:2.0:PatchOp"];
    for (const body of [{ schemas }, { schemas, Operations: [] }, { schemas, Operations: { op: "add" } }]) {
      expectScimError(() => parsePatchRequest(body), "invalidSyntax");
    }
  });

  it("rejects an unknown or missing op, or an operation that is not an object, with invalidSyntax", () => {
    expectScimError(() => parsePatchRequest(patchBody({ op: "move", path: "title", value: "x" })), "invalidSyntax");
    expectScimError(() => parsePatchRequest(patchBody({ path: "title", value: "x" })), "invalidSyntax");
    expectScimError(() => parsePatchRequest(patchBody("add")), "invalidSyntax");
  });

  it("rejects a malformed or non-string path with invalidPath", () => {
    expectScimError(() => parsePatchRequest(patchBody({ op: "add", path: "emails[type eq", value: "x" })), "invalidPath");
    expectScimError(() => parsePatchRequest(patchBody({ op: "add", path: 42, value: "x" })), "invalidPath");
    expectScimError(() => parsePatchRequest(patchBody({ op: "add", path: "", value: "x" })), "invalidPath");
  });

  it("RFC 7644 §3.5.2.2: a remove without path is noTarget", () => {
    expectScimError(() => parsePatchRequest(patchBody({ op: "remove" })), "noTarget");
  });

  it("RFC 7644 §3.5.2.1/§3.5.2.3: add and replace without value are invalidValue", () => {
    expectScimError(() => parsePatchRequest(patchBody({ op: "add", path: "title" })), "invalidValue");
    expectScimError(() => parsePatchRequest(patchBody({ op: "replace" })), "invalidValue");
  });

  it("a path-less add/replace needs an object of attributes (invalidValue)", () => {
    expectScimError(() => parsePatchRequest(patchBody({ op: "replace", value: "False" })), "invalidValue");
    expectScimError(() => parsePatchRequest(patchBody({ op: "add", value: [{ active: false }] })), "invalidValue");
  });

  it("an explicit null value is kept: it unassigns the target (RFC 7643 §2.5)", () => {
    expect(parsePatchRequest(patchBody({ op: "replace", path: "title", value: null }))[0]).to.deep.include({ value: null });
  });

  it("parses every published fixture", () => {
    for (const name of ["okta-group-push-replace-id-displayname", "okta-group-add-members", "okta-group-remove-member-value-eq",
      "okta-group-replace-members", "okta-user-deactivate", "entra-legacy-user-deactivate", "entra-legacy-user-update-attributes",
      "entra-legacy-user-manager", "entra-legacy-user-remove-email-by-value", "entra-legacy-group-add-members",
      "entra-legacy-group-remove-members-by-value", "entra-aadoptscim062020-user-deactivate",
      "entra-aadoptscim062020-user-replace-dotted-and-urn-keys", "entra-aadoptscim062020-group-remove-member-value-eq"]) {
      expect(parsePatchRequest(loadFixture(name)), name).to.have.length.greaterThan(0);
    }
  });
});
