import { readFileSync } from "node:fs";
import { findAttribute, findSubAttribute } from "./schema.js";
import type { AttributeDefinition, AttributeType, Mutability, ResourceSchema, Returned, SchemaDefinition, Uniqueness } from "./schema.js";

/** RFC 7643 §7, §6, §5: the `schemas` values of the discovery documents. */
export const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";
export const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
export const SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/** `location` is relative ("/Schemas/urn:…"); the HTTP layer prefixes the base URL (RFC 7644 §4). */
export interface DocumentMeta { resourceType: string; location: string }

/** RFC 7643 §7: a schema as served under /Schemas. */
export interface SchemaDocument extends SchemaDefinition { schemas: string[]; meta: DocumentMeta }

/** RFC 7643 §6. */
export interface ResourceTypeDocument {
  schemas: string[];
  id: string;
  name: string;
  endpoint: string;
  description?: string;
  schema: string;
  schemaExtensions: Array<{ schema: string; required: boolean }>;
  meta: DocumentMeta;
}

/** RFC 7643 §5, with the `pagination` attribute of RFC 9865 §4. */
export interface ServiceProviderConfigDocument {
  schemas: string[];
  documentationUri?: string;
  patch: { supported: boolean };
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  changePassword: { supported: boolean };
  sort: { supported: boolean };
  etag: { supported: boolean };
  pagination: {
    cursor: boolean; index: boolean; defaultPaginationMethod?: "cursor" | "index";
    defaultPageSize?: number; maxPageSize?: number; cursorTimeout?: number;
  };
  authenticationSchemes: Array<{ type: string; name: string; description: string; specUri?: string; documentationUri?: string; primary?: boolean }>;
  meta: DocumentMeta;
}

export interface AttributePath { uri?: string; attribute: string; subAttribute?: string }

export interface ResolvedAttribute {
  /** The schema the attribute belongs to; the core schema's id for the common attributes (RFC 7643 §3.1). */
  schemaId: string;
  attribute: AttributeDefinition;
  sub?: AttributeDefinition;
}

/** An attribute name in RFC 7644 §3.10 notation, split against a resource type's schemas. */
export type AttributeName = { kind: "schema"; schemaId: string } | { kind: "attribute"; path: AttributePath };

// ---- shape checks: the files are data an operator may edit, so a bad one stops startup, naming itself.

const TYPES: readonly AttributeType[] = ["string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"];
const MUTABILITIES: readonly Mutability[] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: readonly Returned[] = ["always", "never", "default", "request"];
const UNIQUENESS: readonly Uniqueness[] = ["none", "server", "global"];
/** RFC 7643 §2.1 ATTRNAME, plus the "$ref" sub-attribute the RFC itself defines. */
const ATTRNAME = /^(?:\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;

type Check<T> = (value: unknown, at: string) => asserts value is T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ensure(condition: boolean, at: string, expected: string): asserts condition {
  if (!condition) throw new Error(`${at} must be ${expected}`);
}

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;
const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T => values.some((item) => item === value);

function checkAttribute(value: unknown, at: string, depth: number): asserts value is AttributeDefinition {
  ensure(isRecord(value), at, "an object");
  ensure(typeof value.name === "string" && ATTRNAME.test(value.name), `${at}.name`, "an RFC 7643 §2.1 attribute name");
  ensure(isOneOf(TYPES, value.type), `${at}.type`, TYPES.join("|"));
  for (const key of ["multiValued", "required", "caseExact"]) ensure(typeof value[key] === "boolean", `${at}.${key}`, "a boolean");
  ensure(isString(value.description), `${at}.description`, "a non-empty string");
  ensure(isOneOf(MUTABILITIES, value.mutability), `${at}.mutability`, MUTABILITIES.join("|"));
  ensure(isOneOf(RETURNED, value.returned), `${at}.returned`, RETURNED.join("|"));
  ensure(isOneOf(UNIQUENESS, value.uniqueness), `${at}.uniqueness`, UNIQUENESS.join("|"));
  ensure(value.canonicalValues === undefined || isStrings(value.canonicalValues), `${at}.canonicalValues`, "an array of strings");
  // RFC 7643 §7: referenceTypes belong to "reference" attributes, subAttributes to "complex" ones.
  const isReference = value.type === "reference";
  ensure(isReference ? isStrings(value.referenceTypes) && value.referenceTypes.length > 0 : value.referenceTypes === undefined,
    `${at}.referenceTypes`, isReference ? "a non-empty array of strings" : "absent unless type is reference");
  if (value.type !== "complex") {
    ensure(value.subAttributes === undefined, `${at}.subAttributes`, "absent unless type is complex");
    return;
  }
  // RFC 7643 §2.3.8: a complex attribute MUST NOT contain sub-attributes that have sub-attributes.
  ensure(depth === 0, `${at}.type`, "simple: complex attributes cannot nest (RFC 7643 §2.3.8)");
  checkAttributes(value.subAttributes, `${at}.subAttributes`, depth + 1);
}

function checkAttributes(value: unknown, at: string, depth = 0): asserts value is AttributeDefinition[] {
  ensure(Array.isArray(value) && value.length > 0, at, "a non-empty array");
  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    checkAttribute(item, `${at}[${index}]`, depth);
    const lowered = item.name.toLowerCase();
    ensure(!seen.has(lowered), `${at}[${index}].name`, `unique (attribute names are case-insensitive, RFC 7643 §2.1)`);
    seen.add(lowered);
  });
}

function checkMeta(value: unknown, at: string, resourceType: string): asserts value is DocumentMeta {
  ensure(isRecord(value) && value.resourceType === resourceType, `${at}.resourceType`, `"${resourceType}"`);
  ensure(typeof value.location === "string" && value.location.startsWith("/"), `${at}.location`, "a path relative to the base URL");
}

const checkSchema: Check<SchemaDocument> = (value, at) => {
  ensure(isRecord(value), at, "an object");
  ensure(isStrings(value.schemas) && value.schemas.includes(SCHEMA_SCHEMA), `${at}.schemas`, `a list holding ${SCHEMA_SCHEMA}`);
  ensure(isString(value.id) && value.id.startsWith("urn:"), `${at}.id`, "a URN");
  ensure(isString(value.name), `${at}.name`, "a non-empty string");
  ensure(value.description === undefined || typeof value.description === "string", `${at}.description`, "a string");
  checkAttributes(value.attributes, `${at}.attributes`);
  checkMeta(value.meta, `${at}.meta`, "Schema");
  ensure(value.meta.location === `/Schemas/${value.id}`, `${at}.meta.location`, `"/Schemas/${value.id}"`);
};

const checkCommon: Check<{ attributes: AttributeDefinition[] }> = (value, at) => {
  ensure(isRecord(value), at, "an object");
  checkAttributes(value.attributes, `${at}.attributes`);
};

const checkResourceTypes: Check<ResourceTypeDocument[]> = (value, at) => {
  ensure(Array.isArray(value) && value.length > 0, at, "a non-empty array");
  value.forEach((item: unknown, index) => {
    const here = `${at}[${index}]`;
    ensure(isRecord(item), here, "an object");
    ensure(isStrings(item.schemas) && item.schemas.includes(RESOURCE_TYPE_SCHEMA), `${here}.schemas`, `a list holding ${RESOURCE_TYPE_SCHEMA}`);
    for (const key of ["id", "name", "schema"]) ensure(isString(item[key]), `${here}.${key}`, "a non-empty string");
    ensure(typeof item.endpoint === "string" && item.endpoint.startsWith("/"), `${here}.endpoint`, "a relative path");
    const extensions = item.schemaExtensions;
    ensure(Array.isArray(extensions) && extensions.every((e: unknown) => isRecord(e) && isString(e.schema) && typeof e.required === "boolean"),
      `${here}.schemaExtensions`, "an array of {schema, required}");
    checkMeta(item.meta, `${here}.meta`, "ResourceType");
  });
};

const checkServiceProviderConfig: Check<ServiceProviderConfigDocument> = (value, at) => {
  ensure(isRecord(value), at, "an object");
  ensure(isStrings(value.schemas) && value.schemas.includes(SERVICE_PROVIDER_CONFIG_SCHEMA), `${at}.schemas`, `a list holding ${SERVICE_PROVIDER_CONFIG_SCHEMA}`);
  const supported = (key: string, counts: string[] = []): void => {
    const block = value[key];
    ensure(isRecord(block) && typeof block.supported === "boolean", `${at}.${key}.supported`, "a boolean");
    for (const count of counts) ensure(isCount(block[count]), `${at}.${key}.${count}`, "a non-negative integer");
  };
  supported("patch");
  supported("bulk", ["maxOperations", "maxPayloadSize"]);
  supported("filter", ["maxResults"]);
  ["changePassword", "sort", "etag"].forEach((key) => supported(key));
  // RFC 9865 §4: cursor and index are REQUIRED; a provider supporting both names its default.
  const pagination = value.pagination;
  ensure(isRecord(pagination) && typeof pagination.cursor === "boolean" && typeof pagination.index === "boolean",
    `${at}.pagination`, "an object with boolean cursor and index");
  const method = pagination.defaultPaginationMethod;
  const mustName = pagination.cursor === true && pagination.index === true;
  ensure(isOneOf(["cursor", "index"], method) || (!mustName && method === undefined),
    `${at}.pagination.defaultPaginationMethod`, mustName ? `"cursor" or "index" (both are supported)` : `absent, "cursor" or "index"`);
  for (const key of ["defaultPageSize", "maxPageSize", "cursorTimeout"]) {
    ensure(pagination[key] === undefined || isCount(pagination[key]), `${at}.pagination.${key}`, "a non-negative integer");
  }
  const schemes = value.authenticationSchemes;
  ensure(Array.isArray(schemes) && schemes.length > 0 && schemes.every((s: unknown) => isRecord(s) && isString(s.type) && isString(s.name) && isString(s.description)),
    `${at}.authenticationSchemes`, "a non-empty array of {type, name, description}");
  checkMeta(value.meta, `${at}.meta`, "ServiceProviderConfig");
};

// ---- loading: once, at import, so a broken file fails startup rather than the first request.

const SCHEMA_DIRECTORY = new URL("../../../scim-schemas/", import.meta.url);

function load<T>(file: string, check: Check<T>): T {
  try {
    const value: unknown = JSON.parse(readFileSync(new URL(file, SCHEMA_DIRECTORY), "utf8"));
    check(value, "$");
    return deepFreeze(value);
  } catch (error) {
    throw new Error(`scim-schemas/${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const SCHEMA_FILES = ["User.schema.json", "EnterpriseUser.schema.json", "Group.schema.json"];
const schemaFiles = SCHEMA_FILES.map((file) => ({ file, document: load(file, checkSchema) }));
const resourceTypes = load("ResourceTypes.json", checkResourceTypes);
const serviceProviderConfig = load("ServiceProviderConfig.json", checkServiceProviderConfig);

/** RFC 7643 §3.1 id, externalId and meta: part of every resource, described by no schema. */
export const commonAttributes: AttributeDefinition[] = load("Common.attributes.json", checkCommon).attributes;

function definitionOf(id: string, at: string): SchemaDefinition {
  const found = schemaFiles.find(({ document }) => document.id === id)?.document;
  if (!found) throw new Error(`scim-schemas/ResourceTypes.json: ${at} names ${id}, which no schema file defines`);
  return deepFreeze({ id: found.id, name: found.name, description: found.description, attributes: found.attributes });
}

function resourceSchema(name: string): ResourceSchema {
  const index = resourceTypes.findIndex((type) => type.name === name);
  const type = resourceTypes[index];
  if (!type) throw new Error(`scim-schemas/ResourceTypes.json: no resource type named ${name}`);
  return deepFreeze({
    name,
    core: definitionOf(type.schema, `$[${index}].schema`),
    extensions: type.schemaExtensions.map((extension, position) => ({
      schema: definitionOf(extension.schema, `$[${index}].schemaExtensions[${position}]`),
      required: extension.required,
    })),
  });
}

export const userResourceSchema: ResourceSchema = resourceSchema("User");
export const groupResourceSchema: ResourceSchema = resourceSchema("Group");

/** Fresh copies: the caller rewrites `meta.location` with its base URL. */
export function schemaDocuments(): SchemaDocument[] {
  return schemaFiles.map(({ document }) => structuredClone(document));
}

export function resourceTypeDocuments(): ResourceTypeDocument[] {
  return structuredClone(resourceTypes);
}

export function serviceProviderConfigDocument(): ServiceProviderConfigDocument {
  return structuredClone(serviceProviderConfig);
}

// ---- attribute names (RFC 7644 §3.10; names are case-insensitive, RFC 7643 §2.1)

function schemasOf(resource: ResourceSchema): SchemaDefinition[] {
  return [resource.core, ...resource.extensions.map((extension) => extension.schema)];
}

/**
 * Splits `urn:…:User:name.givenName`, `name.givenName` or a bare schema URN. Attribute names hold no
 * ":" (RFC 7643 §2.1), so any ":" means a URN prefix, which must be one of the resource's schemas.
 */
export function parseAttributeName(resource: ResourceSchema, text: string): AttributeName | undefined {
  const lowered = text.trim().toLowerCase();
  let uri: string | undefined;
  let rest = text.trim();
  if (lowered.includes(":")) {
    // Longest first, in case one schema URN prefixes another.
    const schemas = schemasOf(resource).sort((a, b) => b.id.length - a.id.length);
    const whole = schemas.find((schema) => schema.id.toLowerCase() === lowered);
    if (whole) return { kind: "schema", schemaId: whole.id };
    const prefix = schemas.find((schema) => lowered.startsWith(`${schema.id.toLowerCase()}:`));
    if (!prefix) return undefined;
    uri = prefix.id;
    rest = rest.slice(prefix.id.length + 1);
  }
  const [attribute, subAttribute, ...deeper] = rest.split(".");
  if (!attribute || subAttribute === "" || deeper.length > 0) return undefined;
  return { kind: "attribute", path: { uri, attribute, subAttribute } };
}

/**
 * Finds an attribute and optional sub-attribute. Without `uri` the core schema and the common attributes
 * are searched (unqualified names address the core schema, RFC 7644 §3.10); `attribute` may itself carry
 * the URN prefix (`urn:…:User:name`) or the sub-attribute (`name.givenName`).
 */
export function resolveAttribute(resource: ResourceSchema, path: AttributePath): ResolvedAttribute | undefined {
  const parsed = parseAttributeName(resource, path.attribute);
  if (parsed?.kind !== "attribute") return undefined;
  if (path.uri !== undefined && parsed.path.uri !== undefined) return undefined;
  if (path.subAttribute !== undefined && parsed.path.subAttribute !== undefined) return undefined;
  const uri = (path.uri ?? parsed.path.uri)?.toLowerCase();
  const schema = uri === undefined ? resource.core : schemasOf(resource).find((candidate) => candidate.id.toLowerCase() === uri);
  if (!schema) return undefined;
  const name = parsed.path.attribute;
  const attribute = findAttribute(resource, name, schema.id)
    ?? (schema === resource.core ? commonAttributes.find((common) => common.name.toLowerCase() === name.toLowerCase()) : undefined);
  if (!attribute) return undefined;
  const subName = path.subAttribute ?? parsed.path.subAttribute;
  if (subName === undefined) return { schemaId: schema.id, attribute };
  const sub = findSubAttribute(attribute, subName);
  return sub ? { schemaId: schema.id, attribute, sub } : undefined;
}
