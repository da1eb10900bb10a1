/**
 * RFC 7644 §3.5.2: "Each operation against an attribute MUST be compatible with the attribute's
 * mutability and schema" (RFC 7643 §2.2). Checked on the attribute's value before and after the operation,
 * so an all-or-nothing PATCH never half-applies a forbidden change.
 */
import type { AttributeDefinition } from "../schema.js";
import { badRequest, isPlainObject, isUnassigned, jsonEqual, readKey } from "./json.js";

function checkOwnMutability(definition: AttributeDefinition, current: unknown, where: string): void {
  if (definition.mutability === "readOnly") {
    throw badRequest("mutability", `"${where}" is readOnly`);
  }
  // RFC 7644 §3.5.2: "a client MAY 'add' a value to an 'immutable' attribute if the attribute had no previous value".
  if (definition.mutability === "immutable" && !isUnassigned(current)) {
    throw badRequest("mutability", `"${where}" is immutable and already has a value`);
  }
}

/**
 * Throws unless `current` → `next` is allowed. An unchanged value always is: Okta precedes every group
 * push with a path-less `replace {id, displayName}` that restates the readOnly `id`.
 */
export function checkTransition(definition: AttributeDefinition, current: unknown, next: unknown, where: string): void {
  if (jsonEqual(current, next)) return;
  checkOwnMutability(definition, current, where);
  if (isUnassigned(next)) {
    // Removing a required attribute leaves the resource invalid: RFC 7644 §3.12 Table 9 names that
    // `invalidValue` ("A required value was missing"); `mutability` is about the attribute's mutability,
    // and userName is readWrite.
    if (definition.required) throw badRequest("invalidValue", `"${where}" is required and cannot be removed`);
    return;
  }
  if (definition.type !== "complex" || definition.multiValued) return;
  for (const sub of definition.subAttributes ?? []) {
    const before = isPlainObject(current) ? readKey(current, sub.name) : undefined;
    const after = isPlainObject(next) ? readKey(next, sub.name) : undefined;
    checkTransition(sub, before, after, `${where}.${sub.name}`);
  }
}

/**
 * An existing element of a multi-valued complex attribute changed in place (a filtered or sub-attribute
 * path): each sub-attribute answers for its own mutability, e.g. Group `members[…].value` is immutable.
 */
export function checkElementTransition(definition: AttributeDefinition, before: unknown, after: unknown, where: string): void {
  for (const sub of definition.subAttributes ?? []) {
    const previous = isPlainObject(before) ? readKey(before, sub.name) : undefined;
    const next = isPlainObject(after) ? readKey(after, sub.name) : undefined;
    checkTransition(sub, previous, next, `${where}.${sub.name}`);
  }
}
