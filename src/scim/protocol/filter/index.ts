/** The SCIM filter language (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parse, then evaluate. */
export type { AttrPath, CompareOp, FilterNode, FilterValue, PatchPath } from "./ast.js";
export { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from "./ast.js";
export { parseFilter } from "./parser.js";
export { parsePatchPath } from "./path.js";
export { type EvaluateOptions, matchesFilter } from "./evaluate.js";

/** The same parser under the ABNF's name for `valuePath [subAttr]` expressions (RFC 7644 §3.5.2). */
export { parsePatchPath as parseValuePathExpression } from "./path.js";
