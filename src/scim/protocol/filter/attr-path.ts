import type { AttrPath } from "./ast.js";

/**
 * RFC 7644 §3.4.2.2: `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`; plus `$ref`,
 * the sub-attribute RFC 7643 §2.4 defines for references, which that grammar forgets.
 */
const ATTRNAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$[Rr][Ee][Ff])$/;

/** An absolute URI (RFC 3986 §3: scheme ":" …) built from URI characters only. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+$/;

export function isAttrName(text: string): boolean {
  return ATTRNAME.test(text);
}

/**
 * Reads `attrPath = [URI ":"] ATTRNAME *1subAttr` from one word. Schema URNs contain dots
 * (`…:enterprise:2.0:User`), so the URI is everything before the last ':' and only the part after it
 * may hold the `.subAttr`. Returns undefined when the word is not an attribute path.
 */
export function readAttrPath(word: string): AttrPath | undefined {
  const colon = word.lastIndexOf(":");
  const uri = colon < 0 ? undefined : word.slice(0, colon);
  if (uri !== undefined && !URI.test(uri)) return undefined;
  const names = word.slice(colon + 1).split(".");
  const [attribute, subAttribute, extra] = names;
  if (attribute === undefined || !isAttrName(attribute) || extra !== undefined) return undefined;
  if (subAttribute !== undefined && !isAttrName(subAttribute)) return undefined;
  return {
    ...(uri === undefined ? {} : { uri }),
    attribute,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}
