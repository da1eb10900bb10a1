import { COMPARE_OPS, type FilterValue } from "./ast.js";
import { type Cursor, advance, fail } from "./cursor.js";

const LITERALS = new Map<string, FilterValue>([["true", true], ["false", false], ["null", null]]);

/** The JSON number grammar (RFC 8259 §6), which RFC 7644 §3.4.2.2 `compValue` refers to. */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** Words that end an expression: never read as an unquoted value, so `a eq and b pr` stays an error. */
const RESERVED = new Set<string>(["and", "or", "not", "pr", ...COMPARE_OPS]);

const EXPECTED = "a value (a quoted string, a number, true, false or null)";

/**
 * Reads `compValue = false / null / true / number / string`, keywords case-insensitive. Some Entra
 * tenants send unquoted strings (`userName eq alice@example.com`, `externalId eq 5b5e…`), so any other
 * word is read as a string; a bare word that is a JSON number stays a number.
 */
export function readValue(cursor: Cursor): FilterValue {
  const token = advance(cursor);
  if (token.kind === "string") return token.value;
  if (token.kind !== "word") return fail(cursor, EXPECTED, token);
  const lowered = token.text.toLowerCase();
  const literal = LITERALS.get(lowered);
  if (literal !== undefined) return literal;
  if (NUMBER.test(token.text)) {
    const number = Number(token.text);
    return Number.isFinite(number) ? number : fail(cursor, "a number within the range of a double", token);
  }
  if (RESERVED.has(lowered)) return fail(cursor, EXPECTED, token);
  return token.text;
}
