import { readFileSync } from "node:fs";
import { expect } from "chai";
import { ENTERPRISE_USER_SCHEMA } from "../../../src/scim/protocol/schema.js";
import { ScimError, type ScimType } from "../../../src/scim/protocol/scim-error.js";

export const USER_ID = "2819c223-7f76-453a-919d-413861904646";
export const GROUP_ID = "e9e30dba-f08f-4109-8486-d5c6a331660a";

/** A published request body from test/scim/protocol/fixtures/patch/, named after its source. */
export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/patch/${name}.json`, import.meta.url), "utf8"));
}

export function sampleUser(): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA],
    id: USER_ID,
    externalId: "bjensen-ext",
    userName: "bjensen@example.com",
    name: { givenName: "Barbara", familyName: "Jensen" },
    displayName: "Babs Jensen",
    active: true,
    emails: [
      { value: "bjensen@example.com", type: "work", primary: true },
      { value: "babs@jensen.org", type: "home" },
    ],
    phoneNumbers: [{ value: "555-555-5555", type: "work" }],
    addresses: [{ type: "home", locality: "Hollywood", country: "USA" }],
    [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "701984", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" } },
    meta: { resourceType: "User", created: "2010-01-23T04:56:22Z", lastModified: "2011-05-13T04:42:34Z", version: "W/\"3694e05e9dff591\"" },
  };
}

export function sampleGroup(): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    id: GROUP_ID,
    displayName: "Tour Guides",
    meta: { resourceType: "Group", created: "2010-01-23T04:56:22Z" },
  };
}

export function patchBody(...operations: unknown[]): unknown {
  return { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations };
}

/** Runs `action`, asserting it throws a 400 ScimError with `scimType`; returns the error. */
export function expectScimError(action: () => unknown, scimType: ScimType): ScimError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ScimError);
    const scimError = error as ScimError;
    expect({ status: scimError.status, scimType: scimError.scimType }, scimError.detail).to.deep.equal({ status: 400, scimType });
    return scimError;
  }
  expect.fail(`expected a ScimError ${scimType}`);
}
