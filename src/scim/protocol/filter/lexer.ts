import { type SyntaxErrorType, syntaxError } from "./syntax-error.js";

export type TokenKind = "word" | "string" | "(" | ")" | "[" | "]" | "end";

export interface Token {
  kind: TokenKind;
  /** The source text, quotes included for strings; empty for `end`. */
  text: string;
  /** The decoded value of a string token; `text` for every other kind. */
  value: string;
  /** 0-based offset of the token's first character. */
  position: number;
  /** Whether whitespace precedes the token: `emails[` and `].value` must be written without it. */
  spaced: boolean;
}

const PUNCTUATION = new Set(["(", ")", "[", "]"]);

/** RFC 7644 §3.4.2.2 separates tokens with SP; tabs and line breaks are tolerated as well. */
function isWhitespace(char: string): boolean {
  return char === " " || char === "\t" || char === "\r" || char === "\n";
}

function endsWord(char: string): boolean {
  return isWhitespace(char) || PUNCTUATION.has(char) || char === "\"";
}

/**
 * Splits a filter or PATCH path into tokens. A "word" is any run of characters up to whitespace, a
 * bracket, a parenthesis or a quote: attribute paths (URNs contain ':' and '.'), operators, keywords,
 * numbers and the unquoted values some Entra tenants send all lex as words; the parser tells them apart.
 */
export function tokenize(text: string, scimType: SyntaxErrorType): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let spaced = false;
  while (index < text.length) {
    const char = text.charAt(index);
    if (isWhitespace(char)) {
      index += 1;
      spaced = true;
      continue;
    }
    const token = char === "\"" ? readString(text, index, scimType) : readOther(text, index, char);
    tokens.push({ ...token, spaced });
    index += token.text.length;
    spaced = false;
  }
  tokens.push({ kind: "end", text: "", value: "", position: text.length, spaced });
  return tokens;
}

type Lexeme = Omit<Token, "spaced">;

function readOther(text: string, start: number, char: string): Lexeme {
  if (PUNCTUATION.has(char)) return { kind: char as TokenKind, text: char, value: char, position: start };
  let end = start;
  while (end < text.length && !endsWord(text.charAt(end))) end += 1;
  const word = text.slice(start, end);
  return { kind: "word", text: word, value: word, position: start };
}

/** String literals MUST be valid JSON strings (RFC 7644 §3.4.2.2), so JSON.parse decodes them. */
function readString(text: string, start: number, scimType: SyntaxErrorType): Lexeme {
  let end = start + 1;
  while (end < text.length && text.charAt(end) !== "\"") end += text.charAt(end) === "\\" ? 2 : 1;
  if (end >= text.length) throw syntaxError(scimType, "unterminated string starting", start);
  const raw = text.slice(start, end + 1);
  return { kind: "string", text: raw, value: decodeJsonString(raw, start, scimType), position: start };
}

function decodeJsonString(raw: string, start: number, scimType: SyntaxErrorType): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    throw syntaxError(scimType, "invalid escape or control character in the string starting", start);
  }
  if (typeof decoded !== "string") throw syntaxError(scimType, "invalid string", start);
  return decoded;
}
