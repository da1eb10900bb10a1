import { expect } from "chai";
import { type FilterNode, type PatchPath, parsePatchPath, parseValuePathExpression } from "../../../src/scim/protocol/filter/index.js";
import { ScimError } from "../../../src/scim/protocol/scim-error.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const MEMBER_ID = "2819c223-7f76-453a-919d-413861904646";

const eq = (attribute: string, value: string | boolean): FilterNode => ({ kind: "compare", path: { attribute }, op: "eq", value });
const workType = eq("type", "work");

describe("scim filter: parsePatchPath accepts (RFC 7644 §3.5.2)", () => {
  const accepted: Array<[string, PatchPath]> = [
    ["userName", { attribute: "userName" }],
    ["name.givenName", { attribute: "name", subAttribute: "givenName" }],
    [`${ENTERPRISE}:manager`, { uri: ENTERPRISE, attribute: "manager" }], // Entra, with a bare string value
    [`${ENTERPRISE}:manager.value`, { uri: ENTERPRISE, attribute: "manager", subAttribute: "value" }],
    [`${ENTERPRISE}:employeeNumber`, { uri: ENTERPRISE, attribute: "employeeNumber" }],
    [`${CORE_USER}:name.familyName`, { uri: CORE_USER, attribute: "name", subAttribute: "familyName" }],
    ["emails[type eq \"work\"]", { attribute: "emails", filter: workType }],
    ["emails[type eq \"work\"].value", { attribute: "emails", subAttribute: "value", filter: workType }], // Entra
    ["addresses[type eq \"work\"].locality", { attribute: "addresses", subAttribute: "locality", filter: workType }], // Entra
    [`members[value eq "${MEMBER_ID}"]`, { attribute: "members", filter: eq("value", MEMBER_ID) }], // Okta, Entra
    [`members[value eq ${MEMBER_ID}]`, { attribute: "members", filter: eq("value", MEMBER_ID) }], // unquoted
    [`${CORE_USER}:emails[type eq "work"].value`, { uri: CORE_USER, attribute: "emails", subAttribute: "value", filter: workType }],
    [
      "emails[type eq \"work\" and primary eq true]",
      { attribute: "emails", filter: { kind: "and", left: workType, right: eq("primary", true) } },
    ],
    ["EMAILS[Type EQ \"work\"].Value", { attribute: "EMAILS", subAttribute: "Value", filter: eq("Type", "work") }],
    ["  userName  ", { attribute: "userName" }],
    ["members.$ref", { attribute: "members", subAttribute: "$ref" }],
  ];

  for (const [text, expected] of accepted) {
    it(text, () => expect(parsePatchPath(text)).to.deep.equal(expected));
  }

  it("is also exported as parseValuePathExpression", () => {
    expect(parseValuePathExpression("emails[type eq \"work\"].value")).to.deep.equal(parsePatchPath("emails[type eq \"work\"].value"));
  });
});

describe("scim filter: parsePatchPath rejects with 400 invalidPath", () => {
  const rejected: Array<[string, string]> = [
    ["", "Invalid path: expected an attribute path, found the end of the path at character 1"],
    ["   ", "expected an attribute path"],
    ["userName eq \"x\"", "expected a \"[\" right after the attribute or the end of the path, found \"eq\" at character 10"],
    ["userName extra", "found \"extra\""],
    ["name.givenName.x", "expected an attribute path, found \"name.givenName.x\" at character 1"],
    ["1abc", "expected an attribute path"],
    [`${ENTERPRISE}:`, "expected an attribute path"],
    ["\"userName\"", "expected an attribute path"],
    ["(userName)", "expected an attribute path"],
    ["emails[", "expected an attribute path, \"(\" or \"not (\", found the end of the path"],
    ["emails[]", "expected an attribute path"],
    ["emails[type eq \"work\"", "expected \"and\", \"or\" or \"]\", found the end of the path"],
    ["emails[type eq]", "expected a value"],
    ["emails[type eq \"work\"]x", "found \"x\""],
    ["emails[type eq \"work\"] .value", "expected a \".subAttribute\" right after \"]\" or the end of the path, found \".value\""],
    ["emails[type eq \"work\"].value.x", "expected a sub-attribute name after \"].\""],
    ["emails[type eq \"work\"][value pr]", "found \"[\""],
    ["emails [type eq \"work\"]", "expected a \"[\" right after the attribute"],
    ["emails[phoneNumbers[type pr]]", "a value filter cannot contain another \"[\" at character 20"],
    ["name.givenName[value pr]", "\"[\" cannot follow a sub-attribute"],
    ["emails[type eq \"work\"].value eq \"x\"", "found \"eq\""],
    ["emails[type eq \"bad \\q\"]", "invalid escape"],
    [`emails[value eq "${"x".repeat(4096)}"]`, "longer than 4096 characters"],
  ];

  for (const [text, detail] of rejected) {
    it(JSON.stringify(text.slice(0, 60)), () => {
      let caught: unknown;
      try {
        parsePatchPath(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(ScimError);
      const error = caught as ScimError;
      expect([error.status, error.scimType]).to.deep.equal([400, "invalidPath"]);
      expect(error.detail).to.contain(detail);
    });
  }
});
