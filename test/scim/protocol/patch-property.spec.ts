import { expect } from "chai";
import fc from "fast-check";
import { applyPatch, parsePatchRequest, splitMemberOperations } from "../../../src/scim/protocol/patch/index.js";
import { ENTERPRISE_USER_SCHEMA } from "../../../src/scim/protocol/schema.js";
import { ScimError } from "../../../src/scim/protocol/scim-error.js";
import { groupResourceSchema, userResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { patchBody, sampleGroup, sampleUser } from "./patch-support.js";

const PATHS = [
  undefined, "active", "Active", "displayName", "userName", "name", "name.givenName", "NAME.familyName", "emails", "emails.primary",
  "emails[type eq \"work\"]", "emails[type eq \"work\"].value", "emails[value co \"x\"]", "emails[type eq \"home\" or primary eq true].display",
  "addresses[type eq \"work\"].locality", "phoneNumbers[type eq \"mobile\"]", "x509Certificates", "id", "meta", "meta.version", "groups",
  "password", "externalId", "schemas", ENTERPRISE_USER_SCHEMA, `${ENTERPRISE_USER_SCHEMA}:manager`, `${ENTERPRISE_USER_SCHEMA}:manager.value`,
  `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, "urn:example:ext:User:badge", "shoeSize", "name[givenName eq \"x\"]", "emails[", "members",
  "members[value eq \"a\"]", "emails[type eq \"work\"].nope", "__proto__", "constructor",
];

const VALUES: unknown[] = [
  true, false, "True", "false", "x", "a@x", "2020-01-01T00:00:00Z", 1, 1.5, -0, null, {}, [], [null], ["x"],
  { value: "a@x", type: "work", primary: true }, { value: "b@x", primary: "True" }, [{ value: "c@x", type: "home" }, { value: "d@x", primary: true }],
  { active: "False" }, { "name.givenName": "y", displayName: "z" }, { id: "2819c223-7f76-453a-919d-413861904646" }, { id: "other" },
  { [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "1", manager: "m" } }, { givenName: "g", familyName: null }, { locality: "L" },
  { schemas: [], meta: {} }, { members: [{ value: "a" }] }, JSON.parse("{\"__proto__\": {\"polluted\": true}, \"title\": \"t\"}"),
];

/** Operations that make sense for the sample User, so that many random lists succeed. */
const SENSIBLE: unknown[] = [
  { op: "replace", value: { active: false } },
  { op: "Replace", path: "active", value: "False" },
  { op: "replace", path: "emails[type eq \"work\"].value", value: "w@x" },
  { op: "Add", path: "emails[type eq \"other\"].value", value: "o@x" },
  { op: "add", path: "emails", value: [{ value: "n@x", type: "home", primary: true }] },
  { op: "replace", path: "emails[type eq \"home\"].primary", value: true },
  { op: "replace", path: "emails.primary", value: true },
  { op: "remove", path: "emails[type eq \"home\"]" },
  { op: "Remove", path: "emails", value: [{ value: "bjensen@example.com" }] },
  { op: "add", path: "addresses[type eq \"work\"].locality", value: "Redmond" },
  { op: "replace", path: "phoneNumbers[type eq \"mobile\"]", value: { value: "1", primary: true } },
  { op: "replace", value: { displayName: "d", "name.givenName": "g", [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: "e" } },
  { op: "Add", path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: "m" },
  { op: "remove", path: ENTERPRISE_USER_SCHEMA },
  { op: "remove", path: "name.givenName" },
  { op: "replace", value: { id: "2819c223-7f76-453a-919d-413861904646", displayName: "same id" } },
];

const randomOperation = fc.record({
  op: fc.oneof({ weight: 9, arbitrary: fc.constantFrom("add", "remove", "replace", "Add", "REPLACE", "Remove") }, { weight: 1, arbitrary: fc.constant("move") }),
  path: fc.constantFrom(...PATHS),
  value: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }),
  withValue: fc.boolean(),
}, { requiredKeys: ["op", "path", "withValue"] }).map(({ op, path, value, withValue }) => ({
  op,
  ...(path === undefined ? {} : { path }),
  ...(withValue && value !== undefined ? { value } : {}),
}));

const operation = fc.oneof(randomOperation, fc.constantFrom(...SENSIBLE));
const operationLists = fc.array(operation, { minLength: 1, maxLength: 5 });

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Bad input may only ever be answered with a 4xx ScimError. */
function expectResultOrClientError(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    expect(error, String(error instanceof Error ? error.stack : error)).to.be.instanceOf(ScimError);
    expect((error as ScimError).status).to.be.within(400, 499);
  }
}

describe("SCIM PATCH: properties over random operation lists", () => {
  it("a User patch yields a result or a 4xx ScimError, never another exception, and never mutates its inputs", () => {
    fc.assert(fc.property(operationLists, (list) => {
      const body = deepFreeze(patchBody(...list));
      const bodySnapshot = structuredClone(body);
      // Frozen: a write to the input, even one undone later, throws a TypeError and fails the property.
      const stored = deepFreeze(sampleUser());
      expectResultOrClientError(() => applyPatch(stored, parsePatchRequest(body), userResourceSchema));
      expect(stored).to.deep.equal(sampleUser());
      expect(body).to.deep.equal(bodySnapshot);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    }), { numRuns: 2000 });
  });

  it("a Group patch split into member deltas and the rest behaves the same way", () => {
    fc.assert(fc.property(operationLists, (list) => {
      const stored = sampleGroup();
      expectResultOrClientError(() => {
        const { rest } = splitMemberOperations(parsePatchRequest(patchBody(...list)));
        return applyPatch(stored, rest, groupResourceSchema);
      });
      expect(stored).to.deep.equal(sampleGroup());
    }), { numRuns: 1000 });
  });

  it("a successful patch result is plain JSON whose primary values stay unique (RFC 7643 §2.4)", () => {
    fc.assert(fc.property(operationLists, (list) => {
      let result: Record<string, unknown>;
      try {
        result = applyPatch(sampleUser(), parsePatchRequest(patchBody(...list)), userResourceSchema);
      } catch (error) {
        if (error instanceof ScimError) return;
        throw error;
      }
      expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result);
      for (const name of ["emails", "phoneNumbers", "addresses", "x509Certificates"]) {
        const elements = result[name];
        if (!Array.isArray(elements)) continue;
        expect(elements.filter((element: unknown) => (element as { primary?: unknown }).primary === true).length, name).to.be.at.most(1);
      }
    }), { numRuns: 1000 });
  });
});
