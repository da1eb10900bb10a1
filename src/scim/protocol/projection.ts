import { findByName, findSubAttribute } from "./schema.js";
import type { AttributeDefinition, ResourceSchema } from "./schema.js";
import { commonAttributes, parseAttributeName, resolveAttribute } from "./schemas.js";

/** The `attributes` and `excludedAttributes` parameters of RFC 7644 §3.4.2.5 (and §3.9), already split. */
export interface ProjectionRequest {
  attributes?: string[];
  excludedAttributes?: string[];
}

/** How one attribute is named in one parameter: wholly (`name`) and/or through sub-attributes (`name.givenName`). */
interface Mention {
  whole: boolean;
  subs: Set<string>;
}

/** One parameter resolved against the resource type; names the schemas do not define are ignored (RFC 7644 §3.4.2.5). */
interface Selection {
  schemas: Set<string>;
  attributes: Map<string, Mention>;
}

/** What to return of a kept attribute: `only` restricts its sub-attributes to the named ones. */
interface Plan {
  explicit: boolean;
  only: Set<string> | undefined;
  excludedSubs: Set<string>;
}

const keyOf = (schemaId: string, name: string): string => `${schemaId.toLowerCase()} ${name.toLowerCase()}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Splits a comma-separated `attributes`/`excludedAttributes` query parameter; nothing named → undefined. */
export function parseAttributeList(param: string | undefined): string[] | undefined {
  const names = (param ?? "").split(",").map((name) => name.trim()).filter((name) => name.length > 0);
  return names.length > 0 ? names : undefined;
}

function select(names: string[] | undefined, schema: ResourceSchema): Selection | undefined {
  const listed = (names ?? []).map((name) => name.trim()).filter((name) => name.length > 0);
  if (listed.length === 0) return undefined;
  const selection: Selection = { schemas: new Set(), attributes: new Map() };
  for (const name of listed) {
    const parsed = parseAttributeName(schema, name);
    if (parsed?.kind === "schema") {
      selection.schemas.add(parsed.schemaId.toLowerCase());
      continue;
    }
    const resolved = parsed && resolveAttribute(schema, parsed.path);
    if (!resolved) continue;
    const key = keyOf(resolved.schemaId, resolved.attribute.name);
    const mention = selection.attributes.get(key) ?? { whole: false, subs: new Set<string>() };
    if (resolved.sub) mention.subs.add(resolved.sub.name.toLowerCase());
    else mention.whole = true;
    selection.attributes.set(key, mention);
  }
  return selection;
}

/**
 * RFC 7643 §7 `returned` combined with RFC 7644 §3.4.2.5: "always" ignores both parameters, "never" is
 * never sent, "default" is sent unless excluded or left out of `attributes`, "request" only when named.
 */
function planAttribute(definition: AttributeDefinition, schemaId: string, included?: Selection, excluded?: Selection): Plan | undefined {
  if (definition.returned === "never") return undefined;
  const key = keyOf(schemaId, definition.name);
  const named = included?.attributes.get(key);
  const namedWhole = named?.whole === true || included?.schemas.has(schemaId.toLowerCase()) === true;
  const namedSubs = !namedWhole && named !== undefined && named.subs.size > 0 ? named.subs : undefined;
  const exclusion = excluded?.attributes.get(key);
  const plan: Plan = { explicit: namedWhole, only: namedSubs, excludedSubs: exclusion?.subs ?? new Set() };
  if (definition.returned === "always") return plan;
  if (exclusion?.whole === true || excluded?.schemas.has(schemaId.toLowerCase()) === true) return undefined;
  if (included === undefined) return definition.returned === "default" ? plan : undefined;
  return namedWhole || namedSubs !== undefined ? plan : undefined;
}

/** The same rules one level down; a sub-attribute the schema does not declare counts as "default". */
function keepSub(sub: AttributeDefinition | undefined, plan: Plan): boolean {
  if (!sub) return plan.only === undefined;
  const name = sub.name.toLowerCase();
  switch (sub.returned) {
    case "never":
      return false;
    case "always":
      return true;
    case "request":
      return !plan.excludedSubs.has(name) && (plan.explicit || plan.only?.has(name) === true);
    case "default":
      return !plan.excludedSubs.has(name) && (plan.only === undefined || plan.only.has(name));
  }
}

/** Filters a complex value's sub-attributes; an element emptied by the filter is dropped, one empty already is kept. */
function projectValue(value: unknown, definition: AttributeDefinition, plan: Plan): unknown {
  if (definition.type !== "complex") return value;
  const projectObject = (item: Record<string, unknown>): Record<string, unknown> | undefined => {
    // Sub-attribute keys resolve case-insensitively too (RFC 7643 §2.1).
    const kept = Object.entries(item).filter(([key]) => keepSub(findSubAttribute(definition, key), plan));
    return kept.length > 0 || Object.keys(item).length === 0 ? Object.fromEntries(kept) : undefined;
  };
  if (Array.isArray(value)) {
    const items = value.flatMap((item: unknown) => {
      if (!isRecord(item)) return plan.only === undefined ? [item] : [];
      const projected = projectObject(item);
      return projected === undefined ? [] : [projected];
    });
    return items.length > 0 || value.length === 0 ? items : undefined;
  }
  if (isRecord(value)) return projectObject(value);
  return plan.only === undefined ? value : undefined;
}

/**
 * Projects the attributes of one schema's part of the resource (top level, or an extension's object).
 * Results go into a Map: a resource key such as "__proto__" must never be assigned onto an object.
 */
function projectPart(
  part: ReadonlyArray<[string, unknown]>,
  definitions: readonly AttributeDefinition[],
  schemaId: string,
  included?: Selection,
  excluded?: Selection,
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of part) {
    const definition = findByName(definitions, key);
    // An attribute no schema declares has no characteristics; RFC 7643 §7 defaults `returned` to "default".
    if (!definition) {
      if (included === undefined) out.set(key, value);
      continue;
    }
    const plan = planAttribute(definition, schemaId, included, excluded);
    const projected = plan && projectValue(value, definition, plan);
    if (projected !== undefined) out.set(key, projected);
  }
  return out;
}

const coreAndCommon = new WeakMap<ResourceSchema, readonly AttributeDefinition[]>();

/** The core schema's attributes followed by id, externalId, meta and schemas: one list per resource type. */
function coreAndCommonOf(schema: ResourceSchema): readonly AttributeDefinition[] {
  let definitions = coreAndCommon.get(schema);
  if (definitions === undefined) {
    definitions = [...schema.core.attributes, ...commonAttributes];
    coreAndCommon.set(schema, definitions);
  }
  return definitions;
}

/**
 * Applies `attributes`/`excludedAttributes` to a resource in wire form (RFC 7644 §3.4.2.5), honouring each
 * attribute's `returned` characteristic (RFC 7643 §7). Names are case-insensitive and may be URN-qualified
 * or name a whole extension; extension attributes live under their schema URN key. Keys keep the resource's
 * spelling and order; `schemas` is always returned as is, and an extension object left empty is dropped.
 */
export function projectResource(
  resource: Record<string, unknown>,
  schema: ResourceSchema,
  request: ProjectionRequest,
): Record<string, unknown> {
  const included = select(request.attributes, schema);
  const excluded = select(request.excludedAttributes, schema);
  const core: Array<[string, unknown]> = [];
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(resource)) {
    const extension = schema.extensions.find((candidate) => candidate.schema.id.toLowerCase() === key.toLowerCase());
    if (key.toLowerCase() === "schemas") {
      out.set(key, value);
    } else if (!extension) {
      core.push([key, value]);
    } else if (isRecord(value)) {
      const projected = projectPart(Object.entries(value), extension.schema.attributes, extension.schema.id, included, excluded);
      if (projected.size > 0) out.set(key, Object.fromEntries(projected));
    } else if (included === undefined && excluded?.schemas.has(extension.schema.id.toLowerCase()) !== true) {
      out.set(key, value);
    }
  }
  const definitions = coreAndCommonOf(schema);
  for (const [key, value] of projectPart(core, definitions, schema.core.id, included, excluded)) out.set(key, value);
  return Object.fromEntries(Object.keys(resource).filter((key) => out.has(key)).map((key) => [key, out.get(key)]));
}

/**
 * Whether `projectResource` would return `name` (e.g. "members", "urn:…:enterprise:2.0:User:manager",
 * "emails.value"), so a caller can skip loading what the client excluded — say, a group's members for
 * `excludedAttributes=members` or `attributes=displayName`. A name the schemas do not define is treated
 * like an undeclared attribute: wanted only when `attributes` is absent.
 */
export function wantsAttribute(request: ProjectionRequest, schema: ResourceSchema, name: string): boolean {
  if (name.trim().toLowerCase() === "schemas") return true;
  const included = select(request.attributes, schema);
  const excluded = select(request.excludedAttributes, schema);
  const parsed = parseAttributeName(schema, name);
  if (parsed?.kind === "schema") {
    const part = [schema.core, ...schema.extensions.map((extension) => extension.schema)].find((candidate) => candidate.id === parsed.schemaId);
    return part?.attributes.some((definition) => planAttribute(definition, part.id, included, excluded) !== undefined) === true;
  }
  const resolved = parsed && resolveAttribute(schema, parsed.path);
  if (!resolved) return included === undefined;
  const plan = planAttribute(resolved.attribute, resolved.schemaId, included, excluded);
  return plan !== undefined && (resolved.sub === undefined || keepSub(resolved.sub, plan));
}
