import { expect } from "chai";
import { applyPatch, parsePatchRequest } from "../../../src/scim/protocol/patch/index.js";
import { ENTERPRISE_USER_SCHEMA, type ResourceSchema } from "../../../src/scim/protocol/schema.js";
import { groupResourceSchema, userResourceSchema } from "../../../src/scim/protocol/schemas.js";
import { GROUP_ID, USER_ID, expectScimError, patchBody, sampleGroup, sampleUser } from "./patch-support.js";

/** A made-up resource type: the standard schemas have no single-valued immutable nor simple multi-valued attribute. */
const DEVICE_SCHEMA: ResourceSchema = {
  name: "Device",
  core: {
    id: "urn:example:params:scim:schemas:core:2.0:Device",
    name: "Device",
    attributes: [
      { name: "serialNumber", type: "string", multiValued: false, required: false, caseExact: true, mutability: "immutable", returned: "default", uniqueness: "server" },
      { name: "tags", type: "string", multiValued: true, required: false, caseExact: false, mutability: "readWrite", returned: "default", uniqueness: "none" },
    ],
  },
  extensions: [],
};

/** Parses the operations as a request, then applies them to a sample User. */
function patchUser(...operations: unknown[]): Record<string, unknown> {
  return applyPatch(sampleUser(), parsePatchRequest(patchBody(...operations)), userResourceSchema);
}

function extensionOf(user: Record<string, unknown>): Record<string, unknown> {
  return user[ENTERPRISE_USER_SCHEMA] as Record<string, unknown>;
}

describe("SCIM PATCH engine: single-valued attributes, path-less values, mutability", () => {
  describe("path-less add/replace (RFC 7644 §3.5.2.1, §3.5.2.3)", () => {
    it("Okta user deactivate: path-less replace {active: false}", () => {
      expect(patchUser({ op: "replace", value: { active: false } }).active).to.equal(false);
    });

    it("Entra aadOptscim062020: dotted and URN-qualified keys are paths of their own", () => {
      const user = patchUser({ op: "replace", value: {
        displayName: "x", "name.givenName": "y", [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: "z",
      } });
      expect(user.displayName).to.equal("x");
      expect(user.name).to.deep.equal({ givenName: "y", familyName: "Jensen" });
      expect(extensionOf(user)).to.include({ employeeNumber: "z" });
      expect(extensionOf(user).manager).to.deep.equal({ value: "26118915-6090-4610-87e4-49d8ca9f808d" });
    });

    it("a key naming the extension URN merges its object into the extension", () => {
      const user = patchUser({ op: "add", value: { [ENTERPRISE_USER_SCHEMA]: { department: "Tours", "manager.value": "m2" } } });
      expect(extensionOf(user)).to.deep.equal({ employeeNumber: "701984", department: "Tours", manager: { value: "m2" } });
    });

    it("writing the first extension attribute creates the extension object and lists it in schemas (RFC 7643 §3)", () => {
      const base = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], id: USER_ID, userName: "u" };
      const user = applyPatch(base, parsePatchRequest(patchBody({ op: "add", path: `${ENTERPRISE_USER_SCHEMA}:costCenter`, value: "4130" })), userResourceSchema);
      expect(user[ENTERPRISE_USER_SCHEMA]).to.deep.equal({ costCenter: "4130" });
      expect(user.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA]);
    });

    it("removing the last extension attribute drops the extension and its schemas entry", () => {
      const user = patchUser({ op: "remove", path: ENTERPRISE_USER_SCHEMA });
      expect(user).to.not.have.property(ENTERPRISE_USER_SCHEMA);
      expect(user.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:User"]);
    });

    it("a null extension object in a path-less replace unassigns the extension (RFC 7643 §2.5)", () => {
      expect(patchUser({ op: "replace", value: { [ENTERPRISE_USER_SCHEMA]: null } })).to.not.have.property(ENTERPRISE_USER_SCHEMA);
    });

    it("Okta group push: path-less replace {id: <same id>, displayName} succeeds (readOnly restated unchanged)", () => {
      const ops = parsePatchRequest(patchBody({ op: "replace", value: { id: GROUP_ID, displayName: "Guides" } }));
      const group = applyPatch(sampleGroup(), ops, groupResourceSchema);
      expect(group).to.include({ id: GROUP_ID, displayName: "Guides" });
    });

    it("a path-less replace that changes the readOnly id is mutability", () => {
      expectScimError(() => patchUser({ op: "replace", value: { id: "another-id", displayName: "x" } }), "mutability");
    });

    it("RFC 7643 §3, §3.1: schemas and meta in a path-less value are ignored; an explicit meta path is mutability", () => {
      const user = patchUser({ op: "replace", value: { meta: { version: "W/\"x\"" }, schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], title: "Guide" } });
      expect(user).to.deep.equal({ ...sampleUser(), title: "Guide" });
      expectScimError(() => patchUser({ op: "replace", path: "meta", value: { version: "W/\"x\"" } }), "mutability");
    });
  });

  describe("names are case-insensitive (RFC 7643 §2.1)", () => {
    it("Active, NAME.GIVENNAME and a lower-case extension URN address the canonical attributes", () => {
      const user = patchUser(
        { op: "replace", path: "Active", value: false },
        { op: "replace", path: "NAME.GIVENNAME", value: "Barb" },
        { op: "replace", path: `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:EMPLOYEENUMBER`, value: "1" },
      );
      expect(user).to.include({ active: false });
      expect(user.name).to.deep.equal({ givenName: "Barb", familyName: "Jensen" });
      expect(extensionOf(user)).to.include({ employeeNumber: "1" });
    });

    it("the keys the patch writes use the schema's spelling, replacing the client's or the stored one", () => {
      const { displayName: _dropped, ...rest } = sampleUser();
      const stored = { ...rest, DisplayName: "old" };
      const user = applyPatch(stored, parsePatchRequest(patchBody({ op: "replace", value: { DISPLAYNAME: "new", NickName: "B" } })), userResourceSchema);
      expect(user).to.include({ displayName: "new", nickName: "B" });
      expect(user).to.not.have.any.keys("DisplayName", "DISPLAYNAME", "NickName");
    });
  });

  describe("values are checked against the attribute type (RFC 7643 §2.3)", () => {
    it("Entra legacy: active \"False\" / \"True\" / \"true\" become booleans", () => {
      expect(patchUser({ op: "Replace", path: "active", value: "False" }).active).to.equal(false);
      expect(patchUser({ op: "Replace", path: "active", value: "True" }).active).to.equal(true);
      expect(patchUser({ op: "replace", value: { active: "true" } }).active).to.equal(true);
    });

    it("a boolean sub-attribute given as a string (emails[…].primary \"True\") becomes a boolean", () => {
      const user = patchUser({ op: "replace", path: "emails[type eq \"home\"].primary", value: "True" });
      expect(user.emails).to.deep.equal([
        { value: "bjensen@example.com", type: "work", primary: false },
        { value: "babs@jensen.org", type: "home", primary: true },
      ]);
    });

    it("a non-boolean string for a boolean is invalidValue", () => {
      expectScimError(() => patchUser({ op: "replace", path: "active", value: "no" }), "invalidValue");
      expectScimError(() => patchUser({ op: "replace", path: "active", value: 0 }), "invalidValue");
    });

    it("strings, dateTimes and single values are type-checked", () => {
      expectScimError(() => patchUser({ op: "replace", path: "displayName", value: 42 }), "invalidValue");
      expectScimError(() => patchUser({ op: "replace", path: "displayName", value: ["a"] }), "invalidValue");
      expectScimError(() => patchUser({ op: "replace", path: "name", value: "Barbara" }), "invalidValue");
      expectScimError(() => patchUser({ op: "add", path: "emails", value: [{ value: "x@y", colour: "red" }] }), "invalidValue");
    });

    it("Entra legacy: the enterprise manager as a bare string is wrapped as {value}", () => {
      const user = patchUser({ op: "Add", path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: "m-42" });
      expect(extensionOf(user).manager).to.deep.equal({ value: "m-42" });
    });
  });

  describe("single-valued add/replace/remove (RFC 7644 §3.5.2)", () => {
    it("add on a simple attribute sets it; add on a complex attribute merges sub-attributes", () => {
      const user = patchUser({ op: "add", path: "nickName", value: "Babs" }, { op: "add", path: "name", value: { middleName: "Ann" } });
      expect(user.nickName).to.equal("Babs");
      expect(user.name).to.deep.equal({ givenName: "Barbara", familyName: "Jensen", middleName: "Ann" });
    });

    it("RFC 7644 §3.5.2.3: replace of a complex attribute leaves sub-attributes not given unchanged; null unassigns one", () => {
      const user = patchUser({ op: "replace", path: "name", value: { givenName: "B", familyName: null } });
      expect(user.name).to.deep.equal({ givenName: "B" });
    });

    it("remove of an attribute or sub-attribute; removing an absent one changes nothing", () => {
      const user = patchUser({ op: "remove", path: "displayName" }, { op: "remove", path: "name.givenName" }, { op: "remove", path: "nickName" });
      expect(user).to.not.have.property("displayName");
      expect(user.name).to.deep.equal({ familyName: "Jensen" });
      expect(patchUser({ op: "remove", path: "title" })).to.deep.equal(sampleUser());
    });

    it("applyPatch itself rejects a path-less remove with noTarget (RFC 7644 §3.5.2.2)", () => {
      expectScimError(() => applyPatch(sampleUser(), [{ op: "remove" }], userResourceSchema), "noTarget");
    });

    it("removing the required userName is invalidValue (RFC 7644 §3.12: a required value was missing)", () => {
      expectScimError(() => patchUser({ op: "remove", path: "userName" }), "invalidValue");
      expectScimError(() => patchUser({ op: "replace", path: "userName", value: null }), "invalidValue");
    });
  });

  describe("mutability (RFC 7643 §2.2, RFC 7644 §3.5.2)", () => {
    it("readOnly id, meta and groups cannot be changed (mutability)", () => {
      expectScimError(() => patchUser({ op: "replace", path: "id", value: "x" }), "mutability");
      expectScimError(() => patchUser({ op: "remove", path: "meta" }), "mutability");
      expectScimError(() => patchUser({ op: "add", path: "groups", value: [{ value: GROUP_ID }] }), "mutability");
      expectScimError(() => patchUser({ op: "replace", path: "meta.lastModified", value: "2020-01-01T00:00:00Z" }), "mutability");
    });

    it("a readOnly attribute set to its current value is ignored", () => {
      expect(patchUser({ op: "replace", path: "id", value: USER_ID })).to.deep.equal(sampleUser());
    });

    it("an immutable attribute may be set while absent, not changed afterwards", () => {
      const device = applyPatch({ id: "d1" }, parsePatchRequest(patchBody({ op: "add", path: "serialNumber", value: "SN-1" })), DEVICE_SCHEMA);
      expect(device.serialNumber).to.equal("SN-1");
      expect(applyPatch(device, parsePatchRequest(patchBody({ op: "replace", value: { serialNumber: "SN-1" } })), DEVICE_SCHEMA)).to.deep.equal(device);
      expectScimError(() => applyPatch(device, parsePatchRequest(patchBody({ op: "replace", path: "serialNumber", value: "SN-2" })), DEVICE_SCHEMA), "mutability");
      expectScimError(() => applyPatch(device, parsePatchRequest(patchBody({ op: "remove", path: "serialNumber" })), DEVICE_SCHEMA), "mutability");
    });

    it("an immutable sub-attribute of an existing element cannot change: Group members[value eq \"u1\"].value", () => {
      const group = { ...sampleGroup(), members: [{ value: "u1" }] };
      const ops = parsePatchRequest(patchBody({ op: "replace", path: "members[value eq \"u1\"].value", value: "u2" }));
      expectScimError(() => applyPatch(group, ops, groupResourceSchema), "mutability");
    });

    it("writeOnly password may be written", () => {
      expect(patchUser({ op: "replace", path: "password", value: "t1meMa$heen" }).password).to.equal("t1meMa$heen");
    });
  });

  describe("the operation list as a whole (RFC 7644 §3.5.2)", () => {
    it("returns a new object and leaves the input untouched", () => {
      const stored = sampleUser();
      const result = applyPatch(stored, parsePatchRequest(patchBody({ op: "replace", path: "name.givenName", value: "B" })), userResourceSchema);
      expect(result).to.not.equal(stored);
      expect(stored).to.deep.equal(sampleUser());
    });

    it("is all-or-nothing: a bad second operation throws and nothing of the first is visible", () => {
      const stored = sampleUser();
      const ops = parsePatchRequest(patchBody({ op: "replace", path: "displayName", value: "changed" }, { op: "replace", path: "id", value: "x" }));
      expectScimError(() => applyPatch(stored, ops, userResourceSchema), "mutability");
      expect(stored).to.deep.equal(sampleUser());
    });

    it("applies operations in order: a later one sees the earlier one's result", () => {
      const user = patchUser({ op: "add", path: "emails[type eq \"other\"].value", value: "o@x" }, { op: "remove", path: "emails[value eq \"o@x\"]" });
      expect(user.emails).to.deep.equal(sampleUser().emails);
    });
  });

  describe("simple multi-valued attributes (elements filtered as `value`, RFC 7644 §3.5.2.2)", () => {
    it("add skips case-insensitive duplicates; a value filter removes or creates elements", () => {
      const patch = (...ops: unknown[]): Record<string, unknown> => applyPatch({ id: "d1", tags: ["Red"] }, parsePatchRequest(patchBody(...ops)), DEVICE_SCHEMA);
      expect(patch({ op: "add", path: "tags", value: ["red", "blue"] }).tags).to.deep.equal(["Red", "blue"]);
      expect(patch({ op: "remove", path: "tags[value eq \"RED\"]" })).to.not.have.property("tags");
      expect(patch({ op: "add", path: "tags[value eq \"green\"]", value: "green" }).tags).to.deep.equal(["Red", "green"]);
      expect(patch({ op: "Remove", path: "tags", value: ["RED"] })).to.not.have.property("tags");
    });
  });

  describe("unknown targets are invalidPath", () => {
    it("an attribute no schema declares, a sub-attribute that does not exist, an unknown extension URN", () => {
      expectScimError(() => patchUser({ op: "replace", path: "shoeSize", value: "9" }), "invalidPath");
      expectScimError(() => patchUser({ op: "replace", value: { shoeSize: "9" } }), "invalidPath");
      expectScimError(() => patchUser({ op: "replace", path: "name.nickname", value: "x" }), "invalidPath");
      expectScimError(() => patchUser({ op: "add", path: "urn:example:params:scim:schemas:extension:acme:2.0:User:badge", value: "1" }), "invalidPath");
      expectScimError(() => patchUser({ op: "add", value: { "urn:example:params:scim:schemas:extension:acme:2.0:User": { badge: "1" } } }), "invalidPath");
    });

    it("a filter on an attribute that is not multi-valued", () => {
      expectScimError(() => patchUser({ op: "replace", path: "name[givenName eq \"Barbara\"].familyName", value: "x" }), "invalidPath");
    });
  });
});
