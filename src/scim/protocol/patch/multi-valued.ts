/**
 * Elements of multi-valued attributes (RFC 7643 §2.4): equality, value filters, and the rule that at
 * most one element is `primary`.
 */
import { matchesFilter, type AttrPath, type FilterNode } from "../filter/index.js";
import { findSubAttribute, type AttributeDefinition } from "../schema.js";
import { badRequest, isPlainObject, isUnassigned, mergeInto, readKey, type JsonObject } from "./json.js";

/** What one operation did that the whole attribute must answer for afterwards. */
export interface OpEffects {
  /** Elements this operation set `primary: true` on. */
  primaryOwners: WeakSet<object>;
}

export function asList(value: unknown): unknown[] {
  if (isUnassigned(value)) return [];
  return Array.isArray(value) ? value : [value];
}

function scalarEqual(definition: AttributeDefinition | undefined, left: unknown, right: unknown): boolean {
  if (typeof left === "string" && typeof right === "string" && definition?.caseExact !== true) {
    return left.toLowerCase() === right.toLowerCase();
  }
  return left === right || (isUnassigned(left) && isUnassigned(right));
}

function subEqual(definition: AttributeDefinition, name: string, left: JsonObject, right: JsonObject): boolean {
  return scalarEqual(findSubAttribute(definition, name), readKey(left, name), readKey(right, name));
}

/**
 * RFC 7644 §3.5.2.1 "If the target location already contains the value specified, no changes SHOULD be
 * made": elements are the same when their `value` and `type` agree (caseExact decides the case), or, for
 * attributes without a `value` (addresses), when every sub-attribute but `primary` agrees.
 */
export function sameElement(definition: AttributeDefinition, left: unknown, right: unknown): boolean {
  if (!isPlainObject(left) || !isPlainObject(right)) return scalarEqual(definition, left, right);
  const names = findSubAttribute(definition, "value") !== undefined
    ? ["value", "type"]
    : (definition.subAttributes ?? []).map((sub) => sub.name).filter((name) => name !== "primary");
  return names.every((name) => subEqual(definition, name, left, right));
}

/**
 * Entra legacy remove-by-value: an element is listed when it agrees with every sub-attribute given.
 * An empty item lists nothing: `[{}]` must not read as "every element".
 */
export function matchesListed(definition: AttributeDefinition, listed: unknown, element: unknown): boolean {
  if (!isPlainObject(listed) || !isPlainObject(element)) return scalarEqual(definition, listed, element);
  const names = Object.keys(listed);
  return names.length > 0 && names.every((name) => subEqual(definition, name, listed, element));
}

export function matchesElement(definition: AttributeDefinition, filter: FilterNode, element: unknown): boolean {
  // A simple multi-valued attribute is filtered on its elements as `value` (RFC 7644 §3.5.2.2).
  const subject = isPlainObject(element) ? element : { value: element };
  const caseExact = (path: AttrPath): boolean => {
    if (definition.type !== "complex") return definition.caseExact;
    return findSubAttribute(definition, path.subAttribute ?? path.attribute)?.caseExact ?? false;
  };
  return matchesFilter(filter, subject, { caseExact });
}

/** Writes `fragment` over `element` (a copy), recording a `primary: true` it sets. */
export function mergeElement(element: unknown, fragment: unknown, effects: OpEffects): unknown {
  if (!isPlainObject(fragment)) return fragment;
  const merged = mergeInto(element, fragment);
  if (readKey(fragment, "primary") === true) effects.primaryOwners.add(merged);
  return merged;
}

/** The sub-attributes of `incoming` that say something `existing` does not already say. */
function differences(definition: AttributeDefinition, existing: unknown, incoming: unknown): unknown {
  if (!isPlainObject(existing) || !isPlainObject(incoming)) return existing;
  const entries = Object.entries(incoming).filter(([name]) => !subEqual(definition, name, existing, incoming));
  return Object.fromEntries(entries);
}

/**
 * Appends `incoming`; an element equal to an existing one is not duplicated, only what it adds (a
 * `display`, `primary`) is merged in, and the stored spelling of its value is kept.
 */
export function appendElements(definition: AttributeDefinition, current: unknown[], incoming: unknown[], effects: OpEffects): unknown[] {
  const result = [...current];
  for (const element of incoming) {
    const index = result.findIndex((existing) => sameElement(definition, existing, element));
    const merged = index < 0 ? mergeElement({}, element, effects) : mergeElement(result[index], differences(definition, result[index], element), effects);
    if (isUnassigned(merged)) continue;
    if (index < 0) result.push(merged);
    else result[index] = merged;
  }
  return result;
}

/**
 * RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." The element this
 * operation made primary wins (the last one, if it made several); the others are set to false.
 */
export function enforceSinglePrimary(definition: AttributeDefinition, list: unknown[], effects: OpEffects): unknown[] {
  const primary = findSubAttribute(definition, "primary");
  const winner = list.findLast((element) => isPlainObject(element) && effects.primaryOwners.has(element));
  if (primary === undefined || winner === undefined) return list;
  return list.map((element) => (element !== winner && isPlainObject(element) && readKey(element, "primary") === true
    ? mergeInto(element, { [primary.name]: false })
    : element));
}

function collectEqualities(filter: FilterNode, terms: Array<{ path: AttrPath; value: unknown }>): boolean {
  if (filter.kind === "and") return collectEqualities(filter.left, terms) && collectEqualities(filter.right, terms);
  if (filter.kind !== "compare" || filter.op !== "eq" || filter.value === null) return false;
  terms.push({ path: filter.path, value: filter.value });
  return true;
}

/**
 * The element a filter describes, for an add/replace whose filter matched nothing: Entra sends
 * `emails[type eq "work"].value` for a user without a work email and expects one to be created.
 * Only a conjunction of `eq` terms describes one element; anything else is `noTarget` (RFC 7644 §3.5.2.3).
 */
export function elementFromFilter(definition: AttributeDefinition, filter: FilterNode, where: string): unknown {
  const terms: Array<{ path: AttrPath; value: unknown }> = [];
  if (!collectEqualities(filter, terms)) throw badRequest("noTarget", `No element of "${where}" matches the filter`);
  const element: JsonObject = {};
  for (const { path, value } of terms) {
    const sub = path.uri === undefined && path.subAttribute === undefined ? findSubAttribute(definition, path.attribute) : undefined;
    if (definition.type !== "complex" && path.attribute.toLowerCase() === "value") return value;
    if (sub === undefined) throw badRequest("invalidFilter", `"${where}" has no sub-attribute "${path.attribute}" to filter on`);
    element[sub.name] = value;
  }
  return element;
}
