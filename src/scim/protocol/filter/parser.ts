import { type AttrPath, COMPARE_OPS, type CompareOp, type FilterNode } from "./ast.js";
import { isAttrName, readAttrPath } from "./attr-path.js";
import {
  type Cursor, type Scope, ROOT_SCOPE, advance, createCursor, enterScope, expect, fail, isKeyword, peek, reject,
} from "./cursor.js";
import type { Token } from "./lexer.js";
import { readValue } from "./value.js";

/** `attr[valFilter]` with the `.subAttr` that may follow it (RFC 7644 §3.5.2 PATCH paths). */
export interface BracketedPath {
  path: AttrPath;
  filter: FilterNode;
  subAttribute?: string;
}

const OPERATOR = `a comparison operator (${COMPARE_OPS.join(", ")}) or "pr"`;
const PRIMARY = "an attribute path, \"(\" or \"not (\"";

/**
 * Parses a `filter` parameter (RFC 7644 §3.4.2.2) into an AST. Every malformed input, however odd,
 * ends in ScimError(400, "invalidFilter") whose detail names the expectation and the character.
 */
export function parseFilter(text: string): FilterNode {
  const cursor = createCursor(text, "invalidFilter");
  if (peek(cursor).kind === "end") fail(cursor, "a filter expression", peek(cursor));
  const filter = parseOr(cursor, ROOT_SCOPE);
  expect(cursor, "end", "\"and\", \"or\" or the end of the filter");
  return filter;
}

/** Precedence is `not` > `and` > `or` (RFC 7644 §3.4.2.2); both binary operators associate left. */
function parseOr(cursor: Cursor, scope: Scope): FilterNode {
  let left = parseAnd(cursor, scope);
  while (isKeyword(peek(cursor), "or")) {
    advance(cursor);
    left = { kind: "or", left, right: parseAnd(cursor, scope) };
  }
  return left;
}

function parseAnd(cursor: Cursor, scope: Scope): FilterNode {
  let left = parseUnary(cursor, scope);
  while (isKeyword(peek(cursor), "and")) {
    advance(cursor);
    left = { kind: "and", left, right: parseUnary(cursor, scope) };
  }
  return left;
}

/**
 * `*1"not" "(" FILTER ")"`: `not` is an operator only before "("; elsewhere it is an attribute name,
 * as ATTRNAME allows (`not eq 1`), and so are `and`, `or` and the comparison operators.
 */
function parseUnary(cursor: Cursor, scope: Scope): FilterNode {
  const token = peek(cursor);
  if (token.kind === "(") return parseGroup(cursor, scope);
  if (isKeyword(token, "not") && peek(cursor, 1).kind === "(") {
    advance(cursor);
    return { kind: "not", filter: parseGroup(cursor, scope) };
  }
  if (token.kind !== "word") return fail(cursor, PRIMARY, token);
  return parseAttrExpression(cursor, scope, advance(cursor));
}

function parseGroup(cursor: Cursor, scope: Scope): FilterNode {
  const open = expect(cursor, "(", "\"(\"");
  const filter = parseOr(cursor, enterScope(cursor, scope, open));
  expect(cursor, ")", "\"and\", \"or\" or \")\"");
  return filter;
}

/**
 * `attrExp`, or `valuePath` when "[" follows the name. Entra sends `emails[type eq "work"].value eq "x"`
 * as a filter, which the filter grammar lacks; it is read as `emails[type eq "work" and value eq "x"]`.
 */
function parseAttrExpression(cursor: Cursor, scope: Scope, word: Token): FilterNode {
  if (!startsValuePath(cursor)) return parseComparison(cursor, toAttrPath(cursor, word));
  const { path, filter, subAttribute } = parseBracketedPath(cursor, scope, word);
  if (subAttribute === undefined) return { kind: "valuePath", path, filter };
  const condition = parseComparison(cursor, { attribute: subAttribute });
  return { kind: "valuePath", path, filter: { kind: "and", left: filter, right: condition } };
}

function parseComparison(cursor: Cursor, path: AttrPath): FilterNode {
  const token = advance(cursor);
  const op = token.kind === "word" ? token.text.toLowerCase() : "";
  if (op === "pr") return { kind: "present", path };
  if (!isCompareOp(op)) return fail(cursor, OPERATOR, token);
  return { kind: "compare", path, op, value: readValue(cursor) };
}

function isCompareOp(text: string): text is CompareOp {
  return (COMPARE_OPS as readonly string[]).includes(text);
}

/** The RFC writes `attrPath "["` and `"]" subAttr` without SP; so does every IdP. */
export function startsValuePath(cursor: Cursor): boolean {
  const token = peek(cursor);
  return token.kind === "[" && !token.spaced;
}

/**
 * Reads `attr[valFilter]` and an adjacent `.subAttr`, `word` being the attribute already consumed.
 * A valuePath inside a valuePath is refused (RFC 7644 erratum 4690), as is `attr.sub[…]`.
 */
export function parseBracketedPath(cursor: Cursor, scope: Scope, word: Token): BracketedPath {
  const path = toAttrPath(cursor, word);
  const open = advance(cursor);
  if (scope.inValuePath) reject(cursor, "a value filter cannot contain another \"[\"", open);
  if (path.subAttribute !== undefined) reject(cursor, "\"[\" cannot follow a sub-attribute", open);
  const filter = parseOr(cursor, enterScope(cursor, scope, open, true));
  expect(cursor, "]", "\"and\", \"or\" or \"]\"");
  const subAttribute = readSubAttribute(cursor);
  return { path, filter, ...(subAttribute === undefined ? {} : { subAttribute }) };
}

function readSubAttribute(cursor: Cursor): string | undefined {
  const token = peek(cursor);
  if (token.kind !== "word" || token.spaced || !token.text.startsWith(".")) return undefined;
  advance(cursor);
  const name = token.text.slice(1);
  return isAttrName(name) ? name : fail(cursor, "a sub-attribute name after \"].\"", token);
}

export function toAttrPath(cursor: Cursor, word: Token): AttrPath {
  return readAttrPath(word.text) ?? fail(cursor, "an attribute path", word);
}
