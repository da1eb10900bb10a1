import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from "../../../src/scim/protocol/schema.js";
import type { AttributeDefinition, SchemaDefinition } from "../../../src/scim/protocol/schema.js";
import {
  commonAttributes,
  groupResourceSchema,
  resolveAttribute,
  resourceTypeDocuments,
  schemaDocuments,
  serviceProviderConfigDocument,
  userResourceSchema,
  type AttributePath,
} from "../../../src/scim/protocol/schemas.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCHEMA_DIR = join(ROOT, "scim-schemas");
const CHARACTERISTICS = ["name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"];

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(SCHEMA_DIR, file), "utf8"));
const byName = (attributes: readonly AttributeDefinition[], name: string): AttributeDefinition => {
  const found = attributes.find((attribute) => attribute.name === name);
  if (!found) throw new Error(`no attribute ${name}`);
  return found;
};
const schemaById = (id: string): SchemaDefinition => {
  const found = schemaDocuments().find((document) => document.id === id);
  if (!found) throw new Error(`no schema ${id}`);
  return found;
};

function walk(attributes: readonly AttributeDefinition[], visit: (attribute: AttributeDefinition, at: string) => void, prefix = ""): void {
  for (const attribute of attributes) {
    visit(attribute, `${prefix}${attribute.name}`);
    walk(attribute.subAttributes ?? [], visit, `${prefix}${attribute.name}.`);
  }
}

describe("scim/protocol/schemas: the RFC 7643 documents", () => {
  it("ships every file as JSON, and the loader reads each one", () => {
    const files = readdirSync(SCHEMA_DIR).filter((file) => file.endsWith(".json")).sort();
    expect(files).to.deep.equal([
      "Common.attributes.json", "EnterpriseUser.schema.json", "Group.schema.json", "ResourceTypes.json", "ServiceProviderConfig.json", "User.schema.json",
    ]);
    files.forEach((file) => expect(() => readJson(file), file).not.to.throw());
    expect(schemaDocuments().map((document) => document.id)).to.deep.equal([CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CORE_GROUP_SCHEMA]);
  });

  it("spells out every characteristic of every attribute and sub-attribute (RFC 7643 §7)", () => {
    const all = [...schemaDocuments().map((document) => [document.id, document.attributes] as const), ["common", commonAttributes] as const];
    for (const [id, attributes] of all) {
      walk(attributes, (attribute, at) => {
        for (const key of CHARACTERISTICS) expect(attribute, `${id} ${at}`).to.have.property(key);
        expect(attribute.subAttributes !== undefined, `${id} ${at} subAttributes`).to.equal(attribute.type === "complex");
        expect(attribute.referenceTypes !== undefined, `${id} ${at} referenceTypes`).to.equal(attribute.type === "reference");
      });
    }
  });

  it("serves schemas as resources with a relative location (RFC 7644 §4)", () => {
    for (const document of schemaDocuments()) {
      expect(document.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
      expect(document.meta).to.deep.equal({ resourceType: "Schema", location: `/Schemas/${document.id}` });
    }
  });

  it("hands out copies, so a caller rewriting meta.location changes nothing for the next request", () => {
    const first = schemaDocuments()[0];
    if (!first) throw new Error("no schema");
    first.meta.location = "https://example.com/scim/v2/Schemas/x";
    serviceProviderConfigDocument().patch.supported = false;
    expect(schemaDocuments()[0]?.meta.location).to.equal(`/Schemas/${CORE_USER_SCHEMA}`);
    expect(serviceProviderConfigDocument().patch.supported).to.equal(true);
    expect(Object.isFrozen(userResourceSchema.core.attributes)).to.equal(true);
  });

  describe("User (RFC 7643 §4.1, §8.7.1)", () => {
    const user = schemaById(CORE_USER_SCHEMA);

    it("has the canonical attributes, in the RFC's order, and no common attribute", () => {
      expect(user.attributes.map((attribute) => attribute.name)).to.deep.equal([
        "userName", "name", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone",
        "active", "password", "emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles", "x509Certificates",
      ]);
    });

    it("makes userName required, case-insensitive and unique per server", () => {
      expect(byName(user.attributes, "userName")).to.include({ required: true, caseExact: false, uniqueness: "server", mutability: "readWrite" });
    });

    it("makes password writeOnly and never returned", () => {
      expect(byName(user.attributes, "password")).to.include({ mutability: "writeOnly", returned: "never" });
    });

    it("makes groups and each of its sub-attributes readOnly, referencing Groups only (errata 8471)", () => {
      const groups = byName(user.attributes, "groups");
      expect(groups).to.include({ mutability: "readOnly", multiValued: true });
      expect(groups.subAttributes?.map((sub) => [sub.name, sub.mutability])).to.deep.equal([
        ["value", "readOnly"], ["$ref", "readOnly"], ["display", "readOnly"], ["type", "readOnly"],
      ]);
      expect(byName(groups.subAttributes ?? [], "$ref").referenceTypes).to.deep.equal(["Group"]);
    });

    it("describes the name components and the multi-valued attributes' canonical types", () => {
      expect(byName(user.attributes, "name").subAttributes?.map((sub) => sub.name)).to.deep.equal([
        "formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix",
      ]);
      const emails = byName(user.attributes, "emails");
      expect(emails.subAttributes?.map((sub) => sub.name)).to.deep.equal(["value", "display", "type", "primary"]);
      expect(byName(emails.subAttributes ?? [], "type").canonicalValues).to.deep.equal(["work", "home", "other"]);
      expect(byName(byName(user.attributes, "x509Certificates").subAttributes ?? [], "value").type).to.equal("binary");
    });
  });

  describe("EnterpriseUser (RFC 7643 §4.3)", () => {
    const enterprise = schemaById(ENTERPRISE_USER_SCHEMA);

    it("has the enterprise attributes and a manager with value, $ref and a readOnly displayName", () => {
      expect(enterprise.attributes.map((attribute) => attribute.name)).to.deep.equal([
        "employeeNumber", "costCenter", "organization", "division", "department", "manager",
      ]);
      const manager = byName(enterprise.attributes, "manager").subAttributes ?? [];
      expect(manager.map((sub) => [sub.name, sub.mutability])).to.deep.equal([["value", "readWrite"], ["$ref", "readWrite"], ["displayName", "readOnly"]]);
      expect(byName(manager, "value").caseExact, "errata 8472: manager.value holds an id").to.equal(true);
      expect(byName(manager, "$ref").referenceTypes).to.deep.equal(["User"]);
    });
  });

  describe("Group (RFC 7643 §4.2)", () => {
    const group = schemaById(CORE_GROUP_SCHEMA);

    it("requires displayName (errata 5368)", () => {
      expect(byName(group.attributes, "displayName")).to.include({ required: true, mutability: "readWrite" });
    });

    it("has members with immutable value, $ref, display and type sub-attributes", () => {
      const members = byName(group.attributes, "members");
      expect(members).to.include({ type: "complex", multiValued: true, mutability: "readWrite", returned: "default" });
      expect(members.subAttributes?.map((sub) => [sub.name, sub.type, sub.mutability])).to.deep.equal([
        ["value", "string", "immutable"], ["$ref", "reference", "immutable"], ["display", "string", "immutable"], ["type", "string", "immutable"],
      ]);
      expect(byName(members.subAttributes ?? [], "type").canonicalValues).to.deep.equal(["User", "Group"]);
    });
  });

  describe("common attributes (RFC 7643 §3.1)", () => {
    it("has id readOnly, always returned and case-exact; externalId case-exact and client-owned", () => {
      expect(commonAttributes.map((attribute) => attribute.name)).to.deep.equal(["id", "externalId", "meta"]);
      expect(byName(commonAttributes, "id")).to.include({ mutability: "readOnly", returned: "always", caseExact: true });
      expect(byName(commonAttributes, "externalId")).to.include({ mutability: "readWrite", returned: "default", caseExact: true });
    });

    it("has meta readOnly, with the five metadata sub-attributes", () => {
      const meta = byName(commonAttributes, "meta");
      expect(meta).to.include({ type: "complex", mutability: "readOnly" });
      expect(meta.subAttributes?.map((sub) => [sub.name, sub.type, sub.mutability])).to.deep.equal([
        ["resourceType", "string", "readOnly"], ["created", "dateTime", "readOnly"], ["lastModified", "dateTime", "readOnly"],
        ["location", "reference", "readOnly"], ["version", "string", "readOnly"],
      ]);
    });
  });

  it("declares User with the optional enterprise extension, and Group (RFC 7643 §6)", () => {
    expect(resourceTypeDocuments().map(({ id, name, endpoint, schema, schemaExtensions, meta }) => ({ id, name, endpoint, schema, schemaExtensions, meta }))).to.deep.equal([
      { id: "User", name: "User", endpoint: "/Users", schema: CORE_USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
        meta: { resourceType: "ResourceType", location: "/ResourceTypes/User" } },
      { id: "Group", name: "Group", endpoint: "/Groups", schema: CORE_GROUP_SCHEMA, schemaExtensions: [],
        meta: { resourceType: "ResourceType", location: "/ResourceTypes/Group" } },
    ]);
    expect(userResourceSchema.extensions.map((extension) => [extension.schema.id, extension.required])).to.deep.equal([[ENTERPRISE_USER_SCHEMA, false]]);
    expect(groupResourceSchema.core.id).to.equal(CORE_GROUP_SCHEMA);
  });

  it("advertises patch, bulk, filter, sort and etag, no password change, and bearer tokens (RFC 7643 §5)", () => {
    const config = serviceProviderConfigDocument();
    expect(config.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]);
    expect(config).to.deep.include({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      meta: { resourceType: "ServiceProviderConfig", location: "/ServiceProviderConfig" },
    });
    expect(config.authenticationSchemes).to.have.length(1);
    expect(config.authenticationSchemes[0]).to.include({ type: "oauthbearertoken", primary: true });
  });

  it("advertises cursor and index pagination with index as the default (RFC 9865 §4)", () => {
    expect(serviceProviderConfigDocument().pagination).to.deep.equal({
      cursor: true, index: true, defaultPaginationMethod: "index", defaultPageSize: 100, maxPageSize: 1000, cursorTimeout: 3600,
    });
  });
});

describe("scim/protocol/schemas: resolveAttribute", () => {
  const cases: Array<[string, AttributePath, [string, string, string?] | undefined]> = [
    ["a core attribute", { attribute: "userName" }, [CORE_USER_SCHEMA, "userName"]],
    ["names case-insensitively (RFC 7643 §2.1)", { attribute: "USERNAME" }, [CORE_USER_SCHEMA, "userName"]],
    ["a sub-attribute given apart", { attribute: "name", subAttribute: "GIVENNAME" }, [CORE_USER_SCHEMA, "name", "givenName"]],
    ["a dotted sub-attribute", { attribute: "emails.value" }, [CORE_USER_SCHEMA, "emails", "value"]],
    ["a core attribute under its full URN", { attribute: `${CORE_USER_SCHEMA}:name` }, [CORE_USER_SCHEMA, "name"]],
    ["a URN-qualified sub-attribute, URN in any case", { attribute: `${CORE_USER_SCHEMA.toUpperCase()}:name.familyName` }, [CORE_USER_SCHEMA, "name", "familyName"]],
    ["a core attribute with the URN given apart", { uri: CORE_USER_SCHEMA, attribute: "displayName" }, [CORE_USER_SCHEMA, "displayName"]],
    ["an enterprise attribute by URN", { attribute: `${ENTERPRISE_USER_SCHEMA}:employeeNumber` }, [ENTERPRISE_USER_SCHEMA, "employeeNumber"]],
    ["an enterprise sub-attribute with the URN apart", { uri: ENTERPRISE_USER_SCHEMA, attribute: "manager", subAttribute: "value" }, [ENTERPRISE_USER_SCHEMA, "manager", "value"]],
    ["the common id", { attribute: "id" }, [CORE_USER_SCHEMA, "id"]],
    ["the common externalId under the core URN", { attribute: `${CORE_USER_SCHEMA}:externalId` }, [CORE_USER_SCHEMA, "externalId"]],
    ["meta.lastModified", { attribute: "meta.lastModified" }, [CORE_USER_SCHEMA, "meta", "lastModified"]],
    ["meta with the sub-attribute apart", { attribute: "META", subAttribute: "version" }, [CORE_USER_SCHEMA, "meta", "version"]],
    ["an unknown attribute", { attribute: "favouriteColour" }, undefined],
    ["an unknown sub-attribute", { attribute: "name.nickName" }, undefined],
    ["an extension attribute without its URN (RFC 7644 §3.10)", { attribute: "employeeNumber" }, undefined],
    ["an unknown URN", { attribute: "urn:example:params:scim:schemas:extension:acme:2.0:User:badge" }, undefined],
    ["an enterprise attribute under the core URN", { uri: CORE_USER_SCHEMA, attribute: "employeeNumber" }, undefined],
    ["the common id under the extension URN", { uri: ENTERPRISE_USER_SCHEMA, attribute: "id" }, undefined],
    ["a bare schema URN", { attribute: ENTERPRISE_USER_SCHEMA }, undefined],
    ["a sub-attribute of a simple attribute", { attribute: "userName.value" }, undefined],
    ["a path three levels deep", { attribute: "name.givenName.x" }, undefined],
    ["a sub-attribute given twice", { attribute: "name.givenName", subAttribute: "familyName" }, undefined],
  ];
  for (const [label, path, expected] of cases) {
    it(`${expected ? "resolves" : "finds nothing for"} ${label}`, () => {
      const resolved = resolveAttribute(userResourceSchema, path);
      expect(resolved && [resolved.schemaId, resolved.attribute.name, ...(resolved.sub ? [resolved.sub.name] : [])]).to.deep.equal(expected);
    });
  }

  it("resolves Group attributes against the Group schema only", () => {
    expect(resolveAttribute(groupResourceSchema, { attribute: "members.display" })?.sub?.mutability).to.equal("immutable");
    expect(resolveAttribute(groupResourceSchema, { attribute: "userName" })).to.equal(undefined);
    expect(resolveAttribute(groupResourceSchema, { attribute: `${CORE_USER_SCHEMA}:displayName` })).to.equal(undefined);
  });
});

describe("scim/protocol/schemas: a broken file stops the loader, naming itself", function () {
  this.timeout(30_000);

  function loadWith(file: string, edit: (document: Record<string, unknown>) => void): string {
    const root = mkdtempSync(join(tmpdir(), "gatehouse-schemas-"));
    try {
      const protocol = join(root, "src", "scim", "protocol");
      mkdirSync(protocol, { recursive: true });
      mkdirSync(join(root, "scim-schemas"));
      for (const source of ["schema.ts", "schemas.ts"]) copyFileSync(join(ROOT, "src", "scim", "protocol", source), join(protocol, source));
      for (const json of readdirSync(SCHEMA_DIR)) copyFileSync(join(SCHEMA_DIR, json), join(root, "scim-schemas", json));
      const document = readJson(file) as Record<string, unknown>;
      edit(document);
      writeFileSync(join(root, "scim-schemas", file), JSON.stringify(document));
      const script = `await import(${JSON.stringify(pathToFileURL(join(protocol, "schemas.ts")).href)});`;
      const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
      expect(run.status, run.stderr).to.not.equal(0);
      return run.stderr;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it("rejects an unknown mutability, with the path of the attribute", () => {
    const stderr = loadWith("User.schema.json", (document) => {
      ((document.attributes as Array<Record<string, unknown>>)[1]?.subAttributes as Array<Record<string, unknown>>)[2]!.mutability = "sometimes";
    });
    expect(stderr).to.contain("scim-schemas/User.schema.json: $.attributes[1].subAttributes[2].mutability must be readOnly|readWrite|immutable|writeOnly");
  });

  it("rejects a missing characteristic", () => {
    const stderr = loadWith("Group.schema.json", (document) => {
      delete (document.attributes as Array<Record<string, unknown>>)[0]!.caseExact;
    });
    expect(stderr).to.contain("scim-schemas/Group.schema.json: $.attributes[0].caseExact must be a boolean");
  });

  it("rejects a pagination block that supports both methods without naming a default (RFC 9865 §4)", () => {
    const stderr = loadWith("ServiceProviderConfig.json", (document) => {
      delete (document.pagination as Record<string, unknown>).defaultPaginationMethod;
    });
    expect(stderr).to.contain("scim-schemas/ServiceProviderConfig.json: $.pagination.defaultPaginationMethod must be");
  });

  it("rejects a resource type naming a schema no file defines", () => {
    const stderr = loadWith("ResourceTypes.json", (document) => {
      ((document as unknown as Array<Record<string, unknown>>)[1]!).schema = "urn:example:Team";
    });
    expect(stderr).to.contain("scim-schemas/ResourceTypes.json: $[1].schema names urn:example:Team, which no schema file defines");
  });
});
