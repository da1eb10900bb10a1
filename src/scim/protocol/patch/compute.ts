/**
 * The value an attribute has after one operation (RFC 7644 §3.5.2.1–3), computed from its current
 * value without touching the resource: the caller checks mutability on the pair, then writes.
 */
import type { AttributeDefinition } from "../schema.js";
import { coerceList, coerceSingle, coerceValue } from "./coerce.js";
import { badRequest, isPlainObject, isUnassigned, mergeInto, type JsonObject } from "./json.js";
import { checkElementTransition } from "./mutability.js";
import { appendElements, asList, elementFromFilter, matchesElement, matchesListed, mergeElement, type OpEffects } from "./multi-valued.js";
import type { PatchOpName } from "./operation.js";
import type { AttributeTarget } from "./target.js";

export interface Change {
  op: PatchOpName;
  target: AttributeTarget;
  value: unknown;
  effects: OpEffects;
}

function without(element: unknown, sub: AttributeDefinition): unknown {
  return isPlainObject(element) ? mergeInto(element, { [sub.name]: null }) : element;
}

/** A sub-attribute value as a fragment to merge; null unassigns it. */
function subFragment(sub: AttributeDefinition, value: unknown, where: string): JsonObject {
  return { [sub.name]: value === null ? null : coerceValue(sub, value, `${where}.${sub.name}`) };
}

/** One element's worth of value: a list of exactly one element is accepted for it. */
function elementFragment(attribute: AttributeDefinition, value: unknown, where: string): unknown {
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (Array.isArray(single)) throw badRequest("invalidValue", `"${where}" with a filter takes one element, not a list`);
  return coerceSingle(attribute, single, where);
}

/** RFC 7644 §3.5.2.2: remove the matching elements, or the sub-attribute of the matching elements. */
function removeMatching(change: Change, current: unknown): unknown[] {
  const { attribute, filter, subAttribute } = change.target;
  const list = asList(current);
  if (filter === undefined) return list;
  if (subAttribute === undefined) return list.filter((element) => !matchesElement(attribute, filter, element));
  return list.map((element) => (matchesElement(attribute, filter, element) ? removeFromElement(change, element) : element))
    .filter((element) => !isUnassigned(element));
}

/**
 * RFC 7644 §3.5.2.3: matching elements get the value (merged: sub-attributes not given stay). When
 * nothing matches, an `eq` filter describes the element to create (Entra `emails[type eq "work"].value`).
 */
function updateMatching(change: Change, current: unknown): unknown[] {
  const { target: { attribute, filter, subAttribute, where }, value, effects } = change;
  if (filter === undefined) return asList(current);
  if (value === null) return removeMatching(change, current);
  const fragment = subAttribute === undefined ? elementFragment(attribute, value, where) : subFragment(subAttribute, value, where);
  const list = asList(current);
  const matched = list.some((element) => matchesElement(attribute, filter, element));
  if (!matched) return [...list, mergeElement(coerceSingle(attribute, elementFromFilter(attribute, filter, where), where), fragment, effects)];
  return list.map((element) => (matchesElement(attribute, filter, element) ? changeElement(change, element, fragment) : element));
}

/** Merges into an element that already exists, under its sub-attributes' own mutability. */
function changeElement({ target: { attribute, where }, effects }: Change, element: unknown, fragment: unknown): unknown {
  const changed = mergeElement(element, fragment, effects);
  checkElementTransition(attribute, element, changed, where);
  return changed;
}

function removeFromElement({ target: { attribute, subAttribute, where } }: Change, element: unknown): unknown {
  if (subAttribute === undefined) return element;
  // An email or phone number without its value is no element at all: Entra clears a user's work email
  // with `Remove emails[type eq "work"].value`, meaning "remove the work email" (SCIMReferenceCode#87).
  if (attribute.multiValued && subAttribute.name === "value") return undefined;
  const changed = without(element, subAttribute);
  checkElementTransition(attribute, element, changed, where);
  return changed;
}

/** `name.givenName`, or `emails.type` without a filter: every element of a multi-valued attribute. */
function setSubAttribute(change: Change, current: unknown): unknown {
  const { target: { attribute, subAttribute, where }, value, effects } = change;
  if (subAttribute === undefined) return current;
  const fragment = subFragment(subAttribute, value, where);
  if (!attribute.multiValued) return mergeInto(current, fragment);
  const list = asList(current);
  if (list.length === 0) return value === null ? list : [mergeElement({}, fragment, effects)];
  return list.map((element) => changeElement(change, element, fragment)).filter((element) => !isUnassigned(element));
}

function removeSubAttribute(change: Change, current: unknown): unknown {
  const { attribute, subAttribute } = change.target;
  if (subAttribute === undefined) return current;
  if (!attribute.multiValued) return without(current, subAttribute);
  return asList(current).map((element) => removeFromElement(change, element)).filter((element) => !isUnassigned(element));
}

/**
 * RFC 7644 §3.5.2.2 removes the whole attribute; Entra's legacy job sends a value list with it
 * (`Remove path=emails value=[{value}]`) and means only the listed elements.
 */
function removeWhole({ target: { attribute, where }, value }: Change, current: unknown): unknown {
  if (!attribute.multiValued || value === undefined || value === null) return undefined;
  const listed = coerceList(attribute, value, where);
  return asList(current).filter((element) => !listed.some((item) => matchesListed(attribute, item, element)));
}

/** RFC 7644 §3.5.2.1 (add) and §3.5.2.3 (replace) on a whole attribute. */
function writeWhole({ op, target: { attribute, where }, value, effects }: Change, current: unknown): unknown {
  if (value === null) return op === "add" && attribute.multiValued ? current : undefined;
  if (attribute.multiValued) {
    const base = op === "add" ? asList(current) : [];
    return appendElements(attribute, base, coerceList(attribute, value, where), effects);
  }
  const next = coerceSingle(attribute, value, where);
  // Complex: "Sub-attributes that are not specified in the value parameter are left unchanged."
  return attribute.type === "complex" && isPlainObject(next) ? mergeInto(current, next) : next;
}

export function computeNext(change: Change, current: unknown): unknown {
  const { op, target } = change;
  if (target.filter !== undefined) return op === "remove" ? removeMatching(change, current) : updateMatching(change, current);
  if (target.subAttribute !== undefined) return op === "remove" ? removeSubAttribute(change, current) : setSubAttribute(change, current);
  return op === "remove" ? removeWhole(change, current) : writeWhole(change, current);
}
