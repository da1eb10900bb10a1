/**
 * Resolves a PATCH path (RFC 7644 §3.5.2) or a key of a path-less value object against the resource
 * schema: names are matched case-insensitively (RFC 7643 §2.1) and extension attributes are qualified
 * by their schema URN (RFC 7644 §3.10).
 */
import { parsePatchPath, type FilterNode, type PatchPath } from "../filter/index.js";
import { findSubAttribute, type AttributeDefinition, type ResourceSchema, type SchemaDefinition } from "../schema.js";
import { ScimError } from "../scim-error.js";
import { findCommonAttribute } from "./common-attributes.js";
import { badRequest } from "./json.js";

/** A schema of the resource: the core schema, or one of its extensions. */
export interface SchemaScope {
  schema: SchemaDefinition;
  /** Undefined for the core schema, whose attributes sit at the top level of the resource. */
  extension?: { required: boolean };
}

export type Target =
  /** A whole schema named by its URN: the value is an object of that schema's attributes. */
  | { kind: "schema"; scope: SchemaScope }
  | AttributeTarget;

export interface AttributeTarget {
  kind: "attribute";
  scope: SchemaScope;
  attribute: AttributeDefinition;
  filter?: FilterNode;
  subAttribute?: AttributeDefinition;
  /** Canonical, URN-qualified spelling of the attribute (without sub-attribute), for error details. */
  where: string;
}

export function coreScope(resource: ResourceSchema): SchemaScope {
  return { schema: resource.core };
}

function findScope(resource: ResourceSchema, uri: string): SchemaScope | undefined {
  const lowered = uri.toLowerCase();
  if (resource.core.id.toLowerCase() === lowered) return coreScope(resource);
  const extension = resource.extensions.find((candidate) => candidate.schema.id.toLowerCase() === lowered);
  return extension === undefined ? undefined : { schema: extension.schema, extension: { required: extension.required } };
}

/** Parses a path, reporting anything but a ScimError from the parser as `invalidPath`. */
export function parsePathText(text: string): PatchPath {
  try {
    return parsePatchPath(text);
  } catch (error) {
    if (error instanceof ScimError) throw error;
    throw badRequest("invalidPath", `"${text}" is not a valid attribute path`);
  }
}

function findInScope(scope: SchemaScope, name: string): AttributeDefinition | undefined {
  const lowered = name.toLowerCase();
  const found = scope.schema.attributes.find((attribute) => attribute.name.toLowerCase() === lowered);
  // RFC 7643 §3.1 common attributes live at the top level, beside the core attributes.
  return found ?? (scope.extension === undefined ? findCommonAttribute(name) : undefined);
}

function findInOneExtension(resource: ResourceSchema, name: string): { scope: SchemaScope; attribute: AttributeDefinition } | undefined {
  const matches = resource.extensions
    .map((extension) => findScope(resource, extension.schema.id))
    .filter((scope): scope is SchemaScope => scope !== undefined)
    .map((scope) => ({ scope, attribute: findInScope(scope, name) }))
    .filter((match): match is { scope: SchemaScope; attribute: AttributeDefinition } => match.attribute !== undefined);
  return matches.length === 1 ? matches[0] : undefined;
}

function resolveSubAttribute(attribute: AttributeDefinition, name: string, where: string): AttributeDefinition {
  const sub = attribute.type === "complex" ? findSubAttribute(attribute, name) : undefined;
  if (sub === undefined) throw badRequest("invalidPath", `"${where}" has no sub-attribute "${name}"`);
  return sub;
}

/** `scope` is the schema unqualified names belong to: the core schema, or the extension being written. */
export function resolvePath(path: PatchPath, resource: ResourceSchema, scope = coreScope(resource)): Target {
  const named = path.uri === undefined ? scope : findScope(resource, path.uri);
  if (named === undefined) {
    // "urn:…:enterprise:2.0:User" parses as uri "urn:…:2.0" + attribute "User": the schema itself.
    const whole = findScope(resource, `${path.uri ?? ""}:${path.attribute}`);
    if (whole !== undefined && path.subAttribute === undefined && path.filter === undefined) return { kind: "schema", scope: whole };
    throw badRequest("invalidPath", `"${path.uri ?? ""}" is not a schema of ${resource.name} resources`);
  }
  const found = findInScope(named, path.attribute);
  // Unqualified names address the core schema (RFC 7644 §3.10), but Entra's published examples send
  // `path: "manager"`: accept a name exactly one extension declares when the core schema lacks it.
  const fallback = found === undefined && path.uri === undefined && named.extension === undefined ? findInOneExtension(resource, path.attribute) : undefined;
  const inScope = fallback?.scope ?? named;
  const attribute = found ?? fallback?.attribute;
  if (attribute === undefined) throw badRequest("invalidPath", `"${path.attribute}" is not an attribute of ${named.schema.id}`);
  const prefix = inScope.extension === undefined ? "" : `${inScope.schema.id}:`;
  const where = `${prefix}${attribute.name}`;
  if (path.filter !== undefined && !attribute.multiValued) {
    throw badRequest("invalidPath", `"${where}" is not multi-valued, so it cannot take a filter`);
  }
  const subAttribute = path.subAttribute === undefined ? undefined : resolveSubAttribute(attribute, path.subAttribute, where);
  return {
    kind: "attribute",
    scope: inScope,
    attribute,
    ...(path.filter === undefined ? {} : { filter: path.filter }),
    ...(subAttribute === undefined ? {} : { subAttribute }),
    where,
  };
}

/**
 * A key of a path-less add/replace value: a plain name, a dotted `name.givenName`, a URN-qualified
 * attribute or a schema URN holding an object (Entra aadOptscim062020 sends all of these).
 */
export function resolveValueKey(key: string, resource: ResourceSchema, scope = coreScope(resource)): Target {
  const whole = findScope(resource, key);
  if (whole !== undefined) return { kind: "schema", scope: whole };
  const path = parsePathText(key);
  if (path.filter !== undefined) throw badRequest("invalidPath", `The value key "${key}" cannot hold a filter`);
  return resolvePath(path, resource, scope);
}
