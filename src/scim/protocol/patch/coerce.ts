/**
 * Checks and normalises a PATCH value against its attribute definition (RFC 7643 §2.3 data types),
 * returning a fresh copy that never aliases the request. Tolerates what identity providers really send:
 * Entra's legacy job writes booleans as "True"/"False" and single references (`manager`) as bare strings.
 */
import { findSubAttribute, type AttributeDefinition } from "../schema.js";
import { badRequest, isPlainObject, type JsonObject } from "./json.js";

/** xsd:dateTime as RFC 7643 §2.3.5 requires, e.g. 2011-05-13T04:42:34Z. */
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const INTEGER_TEXT = /^[+-]?\d{1,15}$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function invalid(where: string, expected: string): never {
  throw badRequest("invalidValue", `The value of "${where}" must be ${expected}`);
}

function coerceBoolean(raw: unknown, where: string): boolean {
  if (typeof raw === "boolean") return raw;
  // Entra ID legacy PATCH sends `"active": "False"` (aadOptscim062020 known issue).
  if (typeof raw === "string" && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === "true";
  return invalid(where, "a boolean");
}

function coerceInteger(raw: unknown, where: string): number {
  if (typeof raw === "number" && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === "string" && INTEGER_TEXT.test(raw.trim())) return Number(raw.trim());
  return invalid(where, "an integer");
}

function coerceDecimal(raw: unknown, where: string): number {
  if (typeof raw === "number" && Number.isFinite(raw)) return raw;
  if (typeof raw === "string" && DECIMAL_TEXT.test(raw.trim())) return Number(raw.trim());
  return invalid(where, "a decimal number");
}

function coerceString(definition: AttributeDefinition, raw: unknown, where: string): string {
  if (typeof raw !== "string") return invalid(where, "a string");
  if (definition.type === "dateTime" && !DATE_TIME.test(raw)) return invalid(where, "an xsd:dateTime");
  return raw;
}

function coerceComplex(definition: AttributeDefinition, raw: unknown, where: string): JsonObject {
  // Entra's examples wrap a single complex value in a one-element list (`manager: [{ value }]`).
  if (!definition.multiValued && Array.isArray(raw) && raw.length === 1) return coerceComplex(definition, raw[0], where);
  if (!isPlainObject(raw)) {
    // A scalar for a complex attribute with a "value" sub-attribute is shorthand for {value: scalar}:
    // Entra sends the enterprise `manager` as a bare id string.
    const valueSub = findSubAttribute(definition, "value");
    if (valueSub !== undefined && raw !== null && typeof raw !== "object") {
      return { [valueSub.name]: coerceValue(valueSub, raw, `${where}.value`) };
    }
    return invalid(where, "an object of sub-attributes");
  }
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(raw)) {
    const sub = findSubAttribute(definition, key);
    if (sub === undefined) throw badRequest("invalidValue", `"${where}" has no sub-attribute "${key}"`);
    // null is kept: merged over a stored value it unassigns that sub-attribute (RFC 7643 §2.5).
    if (item !== undefined) result[sub.name] = item === null ? null : coerceValue(sub, item, `${where}.${sub.name}`);
  }
  return result;
}

/** One value of `definition` (an element when the attribute is multi-valued). */
export function coerceSingle(definition: AttributeDefinition, raw: unknown, where: string): unknown {
  switch (definition.type) {
    case "complex": return coerceComplex(definition, raw, where);
    case "boolean": return coerceBoolean(raw, where);
    case "integer": return coerceInteger(raw, where);
    case "decimal": return coerceDecimal(raw, where);
    default: return coerceString(definition, raw, where);
  }
}

/** The elements of a multi-valued attribute; a lone element is accepted as a list of one. */
export function coerceList(definition: AttributeDefinition, raw: unknown, where: string): unknown[] {
  const items = Array.isArray(raw) ? raw : [raw];
  return items.filter((item) => item !== null && item !== undefined)
    .map((item) => coerceSingle(definition, item, where));
}

export function coerceValue(definition: AttributeDefinition, raw: unknown, where: string): unknown {
  if (definition.multiValued) return coerceList(definition, raw, where);
  if (Array.isArray(raw) && raw.length === 1 && definition.type === "complex") return coerceSingle(definition, raw, where);
  if (Array.isArray(raw)) return invalid(where, "a single value, not a list");
  return coerceSingle(definition, raw, where);
}
