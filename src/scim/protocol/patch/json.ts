/**
 * Small helpers over SCIM JSON: attribute names are case-insensitive (RFC 7643 §2.1) and null, absent
 * and [] all mean "unassigned" (RFC 7643 §2.5).
 */
import { ScimError, type ScimType } from "../scim-error.js";

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A complex value without sub-attributes ({}) carries nothing either. */
export function isUnassigned(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** A copy of `base` with `fragment`'s keys written over it; a null in `fragment` unassigns (RFC 7643 §2.5). */
export function mergeInto(base: unknown, fragment: JsonObject): JsonObject {
  const result: JsonObject = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(fragment)) writeKey(result, key, value);
  return result;
}

export function badRequest(scimType: ScimType, detail: string): ScimError {
  return new ScimError(400, scimType, detail);
}

/** The key under which `name` is stored in `object`, whatever its spelling there. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lowered = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lowered);
}

export function readKey(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/** Removes every spelling of `name` from `object`. */
export function deleteKey(object: JsonObject, name: string): void {
  const lowered = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lowered) delete object[key];
  }
}

/** Writes `value` under the canonical spelling `name`, dropping other spellings; unassigned deletes. */
export function writeKey(object: JsonObject, name: string, value: unknown): void {
  deleteKey(object, name);
  // Defined rather than assigned: a key spelled "__proto__" must never replace the prototype.
  if (!isUnassigned(value)) Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
}

/** Structural equality in which the unassigned forms (absent, null, []) are all equal. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (isUnassigned(left) || isUnassigned(right)) return isUnassigned(left) && isUnassigned(right);
  if (Array.isArray(left) || Array.isArray(right)) {
    return Array.isArray(left) && Array.isArray(right) && left.length === right.length
      && left.every((item, index) => jsonEqual(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every((key) => jsonEqual(left[key], right[key]));
  }
  return left === right;
}
