import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from "./ast.js";
import { type Token, type TokenKind, tokenize } from "./lexer.js";
import { type SyntaxErrorType, endOfInput, syntaxError } from "./syntax-error.js";

/** A position in the token list of one filter or PATCH path being parsed. */
export interface Cursor {
  readonly tokens: readonly Token[];
  readonly scimType: SyntaxErrorType;
  index: number;
}

/** Where the parser stands: how deeply nested, and whether inside `attr[…]`. */
export interface Scope {
  readonly depth: number;
  readonly inValuePath: boolean;
}

export const ROOT_SCOPE: Scope = { depth: 0, inValuePath: false };

const SHOWN_CHARACTERS = 32;

export function createCursor(text: string, scimType: SyntaxErrorType): Cursor {
  if (text.length > MAX_FILTER_LENGTH) {
    throw syntaxError(scimType, `longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  }
  return { tokens: tokenize(text, scimType), scimType, index: 0 };
}

/** The current token; the list always ends with an `end` token, which is never consumed past. */
export function peek(cursor: Cursor, ahead = 0): Token {
  const last = cursor.tokens.length - 1;
  const token = cursor.tokens[Math.min(cursor.index + ahead, last)];
  if (token === undefined) throw new RangeError("a token list always holds an end token");
  return token;
}

export function advance(cursor: Cursor): Token {
  const token = peek(cursor);
  if (token.kind !== "end") cursor.index += 1;
  return token;
}

/** Whether the token is the keyword `word` (RFC 7644 §3.4.2.2: operators are case-insensitive). */
export function isKeyword(token: Token, word: string): boolean {
  return token.kind === "word" && token.text.toLowerCase() === word;
}

export function fail(cursor: Cursor, expected: string, token: Token): never {
  throw syntaxError(cursor.scimType, `expected ${expected}, found ${describe(cursor, token)}`, token.position);
}

/** Stops parsing at `token` for a reason that is not a missing token. */
export function reject(cursor: Cursor, message: string, token: Token): never {
  throw syntaxError(cursor.scimType, message, token.position);
}

export function expect(cursor: Cursor, kind: TokenKind, expected: string): Token {
  const token = advance(cursor);
  if (token.kind !== kind) fail(cursor, expected, token);
  return token;
}

/** Opens a nested scope at `token`, refusing nesting that could exhaust the stack. */
export function enterScope(cursor: Cursor, scope: Scope, token: Token, inValuePath = scope.inValuePath): Scope {
  if (scope.depth >= MAX_FILTER_DEPTH) {
    throw syntaxError(cursor.scimType, `nesting deeper than ${MAX_FILTER_DEPTH} levels`, token.position);
  }
  return { depth: scope.depth + 1, inValuePath };
}

function describe(cursor: Cursor, token: Token): string {
  if (token.kind === "end") return endOfInput(cursor.scimType);
  const text = token.text.length > SHOWN_CHARACTERS ? `${token.text.slice(0, SHOWN_CHARACTERS)}…` : token.text;
  return JSON.stringify(text);
}
