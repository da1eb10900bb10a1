import { ScimError } from "../protocol/scim-error.js";

/** RFC 7643 §2.1: attribute names are case-insensitive. Finds `name` among an object's keys. */
export function pick(source: Record<string, unknown>, name: string): unknown {
  if (name in source) return source[name];
  const lowered = name.toLowerCase();
  const key = Object.keys(source).find((candidate) => candidate.toLowerCase() === lowered);
  return key === undefined ? undefined : source[key];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function invalidValue(detail: string): ScimError {
  return new ScimError(400, "invalidValue", detail);
}

/** A string attribute; absent or null is null. */
export function readString(source: Record<string, unknown>, name: string, label = name): string | null {
  const value = pick(source, name);
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalidValue(`${label} must be a string`);
  return value;
}

/** A boolean attribute; Entra's legacy requests send "True"/"False" strings. */
export function readBoolean(source: Record<string, unknown>, name: string, label = name): boolean | null {
  const value = pick(source, name);
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw invalidValue(`${label} must be a boolean`);
}

export function readObject(source: Record<string, unknown>, name: string, label = name): Record<string, unknown> | null {
  const value = pick(source, name);
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalidValue(`${label} must be an object`);
  return value;
}

export function readArray(source: Record<string, unknown>, name: string, label = name): unknown[] {
  const value = pick(source, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(`${label} must be an array`);
  return value;
}

/** Deeper than any schema goes (complex attributes nest two levels); kept JSON is stored and re-serialised recursively. */
const MAX_NESTING = 32;

/**
 * Refuses what the database cannot store as invalidValue instead of failing later as a 500: U+0000, which
 * PostgreSQL text and jsonb cannot hold, and nesting so deep that serialising it overflows the stack.
 * Walks iteratively, so the check itself cannot exhaust the stack.
 */
export function rejectUnstorable(body: unknown): void {
  const pending: Array<[unknown, number]> = [[body, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value === "string" && value.includes("\u0000")) throw invalidValue("Values cannot contain the NUL character (U+0000)");
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_NESTING) throw invalidValue(`Values cannot nest deeper than ${MAX_NESTING} levels`);
    // A loop, not push(...items): spreading a 100,000-member list would overflow the argument stack.
    if (Array.isArray(value)) for (const item of value) pending.push([item, depth + 1]);
    else for (const [key, item] of Object.entries(value)) pending.push([key, depth + 1], [item, depth + 1]);
  }
}

/** Drops null, undefined, empty strings and empty arrays/objects so responses carry only what is set. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null || entry === undefined) continue;
    if (Array.isArray(entry) && entry.length === 0) continue;
    if (isObject(entry) && Object.keys(entry).length === 0) continue;
    result[key] = entry;
  }
  return result as Partial<T>;
}
