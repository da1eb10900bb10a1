/**
 * RFC 7643 §7 attribute definitions, as the protocol code consumes them. The JSON documents under
 * `scim-schemas/` have this shape (they are what /Schemas serves).
 */
export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex" | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description?: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description?: string;
  attributes: AttributeDefinition[];
}

/** A resource type with its core schema and extensions, e.g. User + enterprise extension. */
export interface ResourceSchema {
  /** "User", "Group". */
  name: string;
  core: SchemaDefinition;
  extensions: Array<{ schema: SchemaDefinition; required: boolean }>;
}

export const CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
export const BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/** Attributes every resource has (RFC 7643 §3.1), not listed in the schemas themselves. */
export const COMMON_ATTRIBUTES = ["id", "externalId", "meta", "schemas"] as const;

/**
 * Finds an attribute definition by name, case-insensitively (RFC 7643 §2.1: attribute names are
 * case-insensitive). `uri` selects an extension; without it the core schema is searched.
 */
export function findAttribute(resource: ResourceSchema, name: string, uri?: string): AttributeDefinition | undefined {
  const schema = uri === undefined || uri.toLowerCase() === resource.core.id.toLowerCase()
    ? resource.core
    : resource.extensions.find((extension) => extension.schema.id.toLowerCase() === uri.toLowerCase())?.schema;
  return schema && findByName(schema.attributes, name);
}

export function findSubAttribute(attribute: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return attribute.subAttributes && findByName(attribute.subAttributes, name);
}

// Definition lists are frozen once loaded; each gets its lower-cased name index the first time it is searched
// (rendering a resource looks up every key it has: a linear scan with toLowerCase per candidate was measurable).
const nameIndexes = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

/** The definition named `name` (case-insensitive, RFC 7643 §2.1) in one list; the first wins, as a scan would. */
export function findByName(definitions: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  let index = nameIndexes.get(definitions);
  if (index === undefined) {
    index = new Map();
    for (const definition of definitions) {
      const key = definition.name.toLowerCase();
      if (!index.has(key)) index.set(key, definition);
    }
    nameIndexes.set(definitions, index);
  }
  return index.get(name.toLowerCase());
}
