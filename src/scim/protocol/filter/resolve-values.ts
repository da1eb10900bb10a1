import type { AttrPath } from "./ast.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Attribute names are case-insensitive (RFC 7643 §2.1); only own keys count, never the prototype's. */
export function getAttribute(object: JsonObject, name: string): unknown {
  const lowered = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lowered);
  return key === undefined ? undefined : object[key];
}

/**
 * The object holding a path's attribute. Extension attributes live under their schema URN
 * (RFC 7643 §3.3); core attributes may be URN-qualified too but live at the top level, so a URI with
 * no matching key falls back to the element itself.
 */
export function containerOf(element: JsonObject, path: AttrPath): JsonObject {
  if (path.uri === undefined) return element;
  const nested = getAttribute(element, path.uri);
  return isObject(nested) ? nested : element;
}

function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Every value a path denotes in an element, arrays flattened and nulls dropped: a multi-valued attribute
 * matches when any of its values does (RFC 7644 §3.4.2.2), and `emails.value` reads each email's value.
 */
export function resolveValues(element: JsonObject, path: AttrPath): unknown[] {
  const values = flatten(getAttribute(containerOf(element, path), path.attribute));
  const { subAttribute } = path;
  const selected = subAttribute === undefined
    ? values
    : values.flatMap((value) => (isObject(value) ? flatten(getAttribute(value, subAttribute)) : []));
  return selected.filter((value) => value !== null && value !== undefined);
}

/**
 * `pr`: "the attribute has a non-empty value, or … contains a non-empty node for complex attributes"
 * (RFC 7644 §3.4.2.2); null, "" and [] are all unassigned (RFC 7643 §2.5).
 */
export function hasValue(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return false;
  if (Array.isArray(value)) return value.some(hasValue);
  if (isObject(value)) return Object.values(value).some(hasValue);
  return true;
}
