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
  const lowered = name.toLowerCase();
  return schema?.attributes.find((attribute) => attribute.name.toLowerCase() === lowered);
}

export function findSubAttribute(attribute: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const lowered = name.toLowerCase();
  return attribute.subAttributes?.find((sub) => sub.name.toLowerCase() === lowered);
}
