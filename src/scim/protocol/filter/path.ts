import type { PatchPath } from "./ast.js";
import { ROOT_SCOPE, advance, createCursor, expect, fail } from "./cursor.js";
import { parseBracketedPath, startsValuePath, toAttrPath } from "./parser.js";

/**
 * Parses a PATCH operation's `path` (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`):
 * `userName`, `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`, `members[value eq "id"]`,
 * `emails[type eq "work"].value`. Malformed paths are ScimError(400, "invalidPath").
 */
export function parsePatchPath(text: string): PatchPath {
  const cursor = createCursor(text, "invalidPath");
  const word = advance(cursor);
  if (word.kind !== "word") fail(cursor, "an attribute path", word);
  if (!startsValuePath(cursor)) {
    const path = toAttrPath(cursor, word);
    expect(cursor, "end", "a \"[\" right after the attribute or the end of the path");
    return path;
  }
  const { path, filter, subAttribute } = parseBracketedPath(cursor, ROOT_SCOPE, word);
  expect(cursor, "end", "a \".subAttribute\" right after \"]\" or the end of the path");
  return { ...path, ...(subAttribute === undefined ? {} : { subAttribute }), filter };
}
