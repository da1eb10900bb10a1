import { expect } from "chai";
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from "../../../src/scim/protocol/schema.js";
import type { AttributeDefinition, ResourceSchema } from "../../../src/scim/protocol/schema.js";
import { groupResourceSchema, userResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { parseAttributeList, projectResource, wantsAttribute, type ProjectionRequest } from "../../../src/scim/protocol/projection.js";

type Json = Record<string, unknown>;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Everything a mapper could put on a user, including what must never leave the server (password). */
const user: Json = deepFreeze({
  schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: "7d0f6a0e-4c1b-4f4e-9a57-0f1b8b2f9c11",
  externalId: "00u1ab2cd3EF4gh5i6j7",
  userName: "ada.lovelace@example.com",
  name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
  displayName: "Ada Lovelace",
  active: true,
  password: "t1meMachine!",
  emails: [
    { value: "ada.lovelace@example.com", type: "work", primary: true },
    { value: "ada@home.example", type: "home" },
  ],
  phoneNumbers: [{ value: "tel:+44-20-7946-0000", type: "work" }],
  groups: [{ value: "3c6f0b8e-2d2a-4a0e-8c1f-5a7e9d1b2c3d", display: "Analysts", type: "direct" }],
  roles: [],
  [ENTERPRISE_USER_SCHEMA]: {
    employeeNumber: "1815",
    department: "Analytical Engines",
    manager: { value: "b5f0c9d2-1e3a-4c5b-8d7e-9f0a1b2c3d4e", displayName: "Charles Babbage" },
  },
  meta: {
    resourceType: "User",
    created: "2024-03-01T09:00:00Z",
    lastModified: "2024-06-15T17:30:00Z",
    location: "https://gatehouse.example/scim/v2/Users/7d0f6a0e-4c1b-4f4e-9a57-0f1b8b2f9c11",
    version: 'W/"3"',
  },
});

const group: Json = deepFreeze({
  schemas: [CORE_GROUP_SCHEMA],
  id: "3c6f0b8e-2d2a-4a0e-8c1f-5a7e9d1b2c3d",
  externalId: "00g9zz8yy7",
  displayName: "Analysts",
  members: [
    { value: "7d0f6a0e-4c1b-4f4e-9a57-0f1b8b2f9c11", $ref: "https://gatehouse.example/scim/v2/Users/7d0f6a0e-4c1b-4f4e-9a57-0f1b8b2f9c11", display: "Ada Lovelace", type: "User" },
    { value: "b5f0c9d2-1e3a-4c5b-8d7e-9f0a1b2c3d4e", display: "Charles Babbage", type: "User" },
  ],
  meta: { resourceType: "Group", created: "2024-03-01T09:00:00Z", lastModified: "2024-03-02T09:00:00Z" },
});

const { password: _password, ...userWithoutPassword } = user;
const enterprise = user[ENTERPRISE_USER_SCHEMA] as Json;
const pick = (source: Json, ...keys: string[]): Json => Object.fromEntries(keys.filter((key) => key in source).map((key) => [key, source[key]]));
const omit = (source: Json, ...keys: string[]): Json => Object.fromEntries(Object.entries(source).filter(([key]) => !keys.includes(key)));

describe("scim/protocol/projection: projectResource on a User (RFC 7644 §3.4.2.5, RFC 7643 §7)", () => {
  const cases: Array<[string, ProjectionRequest, Json]> = [
    ["returns every default attribute, never the password", {}, userWithoutPassword],
    ["keeps only id, schemas and the named attribute for attributes=userName", { attributes: ["userName"] }, pick(user, "schemas", "id", "userName")],
    ["matches names case-insensitively, keeping the resource's spelling (USERNAME)", { attributes: ["USERNAME"] }, pick(user, "schemas", "id", "userName")],
    ["accepts a URN-qualified core name", { attributes: [`${CORE_USER_SCHEMA}:userName`] }, pick(user, "schemas", "id", "userName")],
    ["returns one sub-attribute for attributes=name.givenName", { attributes: ["name.givenName"] }, { ...pick(user, "schemas", "id"), name: { givenName: "Ada" } }],
    ["returns the whole complex when both it and a sub-attribute are named", { attributes: ["name.givenName", "NAME"] }, pick(user, "schemas", "id", "name")],
    ["applies emails.value to every element of the multi-valued attribute", { attributes: ["emails.value"] },
      { ...pick(user, "schemas", "id"), emails: [{ value: "ada.lovelace@example.com" }, { value: "ada@home.example" }] }],
    ["combines sub-attributes of one multi-valued attribute", { attributes: ["emails.value", "Emails.Type"] },
      { ...pick(user, "schemas", "id"), emails: [{ value: "ada.lovelace@example.com", type: "work" }, { value: "ada@home.example", type: "home" }] }],
    ["returns meta.lastModified alone", { attributes: ["meta.lastModified"] }, { ...pick(user, "schemas", "id"), meta: { lastModified: "2024-06-15T17:30:00Z" } }],
    ["never returns the password, even when asked for", { attributes: ["password", "userName"] }, pick(user, "schemas", "id", "userName")],
    ["ignores excludedAttributes=id: id is returned always", { excludedAttributes: ["id"] }, userWithoutPassword],
    ["ignores excludedAttributes=schemas", { excludedAttributes: ["schemas"] }, userWithoutPassword],
    ["drops an excluded attribute", { excludedAttributes: ["emails", "meta"] }, omit(userWithoutPassword, "emails", "meta")],
    ["drops an excluded sub-attribute", { excludedAttributes: ["name.givenName"] },
      { ...userWithoutPassword, name: { formatted: "Ada Lovelace", familyName: "Lovelace" } }],
    ["drops an excluded sub-attribute from every element", { excludedAttributes: ["emails.type", "emails.primary"] },
      { ...userWithoutPassword, emails: [{ value: "ada.lovelace@example.com" }, { value: "ada@home.example" }] }],
    ["returns one enterprise attribute by URN, under the extension key", { attributes: [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`] },
      { ...pick(user, "schemas", "id"), [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "1815" } }],
    ["returns an enterprise sub-attribute, URN in any case", { attributes: [`${ENTERPRISE_USER_SCHEMA.toLowerCase()}:MANAGER.displayName`] },
      { ...pick(user, "schemas", "id"), [ENTERPRISE_USER_SCHEMA]: { manager: { displayName: "Charles Babbage" } } }],
    ["returns the whole extension when its URN is named", { attributes: [ENTERPRISE_USER_SCHEMA, "userName"] },
      pick(user, "schemas", "id", "userName", ENTERPRISE_USER_SCHEMA)],
    ["drops the whole extension when its URN is excluded, leaving schemas as is", { excludedAttributes: [ENTERPRISE_USER_SCHEMA] },
      omit(userWithoutPassword, ENTERPRISE_USER_SCHEMA)],
    ["drops an extension object that every exclusion emptied", { excludedAttributes: ["employeeNumber", "department", "manager"].map((name) => `${ENTERPRISE_USER_SCHEMA}:${name}`) },
      omit(userWithoutPassword, ENTERPRISE_USER_SCHEMA)],
    ["drops one excluded enterprise attribute", { excludedAttributes: [`${ENTERPRISE_USER_SCHEMA}:manager`] },
      { ...userWithoutPassword, [ENTERPRISE_USER_SCHEMA]: omit(enterprise, "manager") }],
    ["ignores unknown names in attributes (RFC 7644 §3.4.2.5)", { attributes: ["userName", "favouriteColour", "urn:example:acme:2.0:User:badge", "name.nickName"] },
      pick(user, "schemas", "id", "userName")],
    ["ignores unknown names in excludedAttributes", { excludedAttributes: ["favouriteColour", "urn:example:acme:2.0:User"] }, userWithoutPassword],
    ["ignores an unqualified extension attribute name (RFC 7644 §3.10)", { attributes: ["employeeNumber"] }, pick(user, "schemas", "id")],
    ["applies both parameters: excluded wins over named", { attributes: ["userName", "displayName"], excludedAttributes: ["displayName"] },
      pick(user, "schemas", "id", "userName")],
    ["keeps an empty multi-valued attribute as sent", { attributes: ["roles"] }, pick(user, "schemas", "id", "roles")],
  ];
  for (const [label, request, expected] of cases) {
    it(label, () => {
      const projected = projectResource(user, userResourceSchema, request);
      expect(projected).to.deep.equal(expected);
      expect(Object.keys(projected), "keys keep the resource's order").to.deep.equal(Object.keys(user).filter((key) => key in expected));
    });
  }

  it("keeps the resource's own key spelling", () => {
    const odd = { schemas: [CORE_USER_SCHEMA], ID: "u-1", UserName: "ada", NAME: { GivenName: "Ada", familyName: "Lovelace" } };
    expect(projectResource(odd, userResourceSchema, { attributes: ["username", "name.givenname"] }))
      .to.deep.equal({ schemas: [CORE_USER_SCHEMA], ID: "u-1", UserName: "ada", NAME: { GivenName: "Ada" } });
  });

  it("returns attributes no schema declares only when attributes is absent", () => {
    const extra = { ...pick(user, "schemas", "id", "userName"), nonStandard: 1 };
    expect(projectResource(extra, userResourceSchema, {})).to.deep.equal(extra);
    expect(projectResource(extra, userResourceSchema, { excludedAttributes: ["userName"] })).to.deep.equal(omit(extra, "userName"));
    expect(projectResource(extra, userResourceSchema, { attributes: ["userName"] })).to.deep.equal(omit(extra, "nonStandard"));
  });

  it("returns an Entra body's schemas list unchanged when it names the extension without an object", () => {
    const entra = { schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], id: "u-2", userName: "grace@example.com" };
    expect(projectResource(entra, userResourceSchema, { attributes: [ENTERPRISE_USER_SCHEMA] })).to.deep.equal(pick(entra, "schemas", "id"));
  });

  it("copies a __proto__ key as data, without touching any prototype", () => {
    const hostile = JSON.parse(`{"schemas":["${CORE_USER_SCHEMA}"],"id":"u-3","__proto__":{"polluted":true}}`) as Json;
    const projected = projectResource(hostile, userResourceSchema, {});
    expect(Object.getPrototypeOf(projected)).to.equal(Object.prototype);
    expect(Object.hasOwn(projected, "__proto__")).to.equal(true);
    expect((projected as { polluted?: unknown }).polluted).to.equal(undefined);
  });
});

describe("scim/protocol/projection: projectResource on a Group", () => {
  const cases: Array<[string, ProjectionRequest, Json]> = [
    ["returns members by default", {}, group],
    ["drops members for excludedAttributes=members (Entra's lookup)", { excludedAttributes: ["members"] }, omit(group, "members")],
    ["returns only displayName for attributes=displayName", { attributes: ["displayName"] }, pick(group, "schemas", "id", "displayName")],
    ["returns each member's value for attributes=members.value", { attributes: ["members.value"] },
      { ...pick(group, "schemas", "id"), members: (group.members as Json[]).map((member) => pick(member, "value")) }],
    ["drops $ref from every member", { excludedAttributes: [`${CORE_GROUP_SCHEMA}:members.$ref`] },
      { ...group, members: (group.members as Json[]).map((member) => omit(member, "$ref")) }],
  ];
  for (const [label, request, expected] of cases) {
    it(label, () => expect(projectResource(group, groupResourceSchema, request)).to.deep.equal(expected));
  }
});

describe("scim/protocol/projection: returned \"request\" and \"always\" (RFC 7643 §7)", () => {
  const base = structuredClone(userResourceSchema);
  const simple = (name: string, type: AttributeDefinition["type"], returned: AttributeDefinition["returned"]): AttributeDefinition => ({
    name, type, returned, multiValued: false, description: `${name}, for the test.`, required: false, caseExact: false, mutability: "readOnly", uniqueness: "none",
  });
  // The User schema plus a request-only attribute, a request-only sub-attribute and an always sub-attribute.
  const adapt = (definition: AttributeDefinition): AttributeDefinition => definition.name !== "emails" ? definition : {
    ...definition,
    subAttributes: [
      ...(definition.subAttributes ?? []).map((sub) => sub.name === "value" ? { ...sub, returned: "always" as const } : sub),
      simple("verifiedAt", "dateTime", "request"),
    ],
  };
  const schema: ResourceSchema = {
    ...base,
    core: { ...base.core, attributes: [...base.core.attributes.map(adapt), simple("riskScore", "integer", "request")] },
  };
  const resource: Json = deepFreeze({
    schemas: [CORE_USER_SCHEMA], id: "u-4", userName: "ada", riskScore: 7,
    emails: [{ value: "ada@example.com", type: "work", verifiedAt: "2024-01-01T00:00:00Z" }],
  });
  const cases: Array<[string, ProjectionRequest, Json]> = [
    ["leaves request-only attributes out by default", {}, { schemas: [CORE_USER_SCHEMA], id: "u-4", userName: "ada", emails: [{ value: "ada@example.com", type: "work" }] }],
    ["returns a request-only attribute when named", { attributes: ["riskScore"] }, { schemas: [CORE_USER_SCHEMA], id: "u-4", riskScore: 7 }],
    ["leaves a request-only attribute out when other names are given", { attributes: ["userName"] }, { schemas: [CORE_USER_SCHEMA], id: "u-4", userName: "ada" }],
    ["does not return a request-only attribute both named and excluded", { attributes: ["riskScore"], excludedAttributes: ["riskScore"] }, { schemas: [CORE_USER_SCHEMA], id: "u-4" }],
    ["returns request-only sub-attributes when their parent is named", { attributes: ["emails"] }, pick(resource, "schemas", "id", "emails")],
    ["returns a request-only sub-attribute named alone, with the always one", { attributes: ["emails.verifiedAt"] },
      { schemas: [CORE_USER_SCHEMA], id: "u-4", emails: [{ value: "ada@example.com", verifiedAt: "2024-01-01T00:00:00Z" }] }],
    ["keeps an always sub-attribute that is excluded", { excludedAttributes: ["emails.value", "emails.type"] },
      { schemas: [CORE_USER_SCHEMA], id: "u-4", userName: "ada", emails: [{ value: "ada@example.com" }] }],
  ];
  for (const [label, request, expected] of cases) {
    it(label, () => expect(projectResource(resource, schema, request)).to.deep.equal(expected));
  }

  it("answers wantsAttribute for a request-only attribute", () => {
    expect(wantsAttribute({}, schema, "riskScore")).to.equal(false);
    expect(wantsAttribute({ attributes: ["RISKSCORE"] }, schema, "riskScore")).to.equal(true);
  });
});

describe("scim/protocol/projection: wantsAttribute, to skip loading group members", () => {
  const cases: Array<[string, ProjectionRequest, string, boolean]> = [
    ["no parameters", {}, "members", true],
    ["excludedAttributes=members", { excludedAttributes: ["members"] }, "members", false],
    ["excludedAttributes=MEMBERS", { excludedAttributes: ["MEMBERS"] }, "members", false],
    ["attributes=displayName", { attributes: ["displayName"] }, "members", false],
    ["attributes=members", { attributes: ["members"] }, "members", true],
    ["attributes=members.value", { attributes: ["members.value"] }, "members", true],
    ["attributes=<core URN>:members", { attributes: [`${CORE_GROUP_SCHEMA}:members`] }, "members", true],
    ["excludedAttributes=members.display", { excludedAttributes: ["members.display"] }, "members", true],
    ["excludedAttributes=members.display, asking for members.display", { excludedAttributes: ["members.display"] }, "members.display", false],
    ["excludedAttributes=id, asking for id", { excludedAttributes: ["id"] }, "id", true],
    ["attributes=displayName, asking for schemas", { attributes: ["displayName"] }, "schemas", true],
    ["attributes=displayName, asking for an undeclared name", { attributes: ["displayName"] }, "owner", false],
    ["no parameters, asking for an undeclared name", {}, "owner", true],
  ];
  for (const [label, request, name, expected] of cases) {
    it(`${label} → ${name} ${expected ? "wanted" : "not wanted"}`, () => {
      expect(wantsAttribute(request, groupResourceSchema, name)).to.equal(expected);
    });
  }

  it("answers for a whole extension and for a URN-qualified extension attribute", () => {
    expect(wantsAttribute({ attributes: ["userName"] }, userResourceSchema, ENTERPRISE_USER_SCHEMA)).to.equal(false);
    expect(wantsAttribute({ attributes: [`${ENTERPRISE_USER_SCHEMA}:manager`] }, userResourceSchema, ENTERPRISE_USER_SCHEMA)).to.equal(true);
    expect(wantsAttribute({ excludedAttributes: [ENTERPRISE_USER_SCHEMA] }, userResourceSchema, `${ENTERPRISE_USER_SCHEMA}:manager`)).to.equal(false);
  });
});

describe("scim/protocol/projection: parseAttributeList", () => {
  const cases: Array<[string | undefined, string[] | undefined]> = [
    [undefined, undefined],
    ["", undefined],
    [" , ,", undefined],
    ["userName", ["userName"]],
    [" userName , name.givenName,emails ", ["userName", "name.givenName", "emails"]],
    [`${ENTERPRISE_USER_SCHEMA}:manager,,displayName`, [`${ENTERPRISE_USER_SCHEMA}:manager`, "displayName"]],
  ];
  for (const [param, expected] of cases) {
    it(`splits ${JSON.stringify(param)}`, () => expect(parseAttributeList(param)).to.deep.equal(expected));
  }
});
