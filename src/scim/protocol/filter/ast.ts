/**
 * The SCIM filter AST (RFC 7644 §3.4.2.2). Attribute names keep the client's spelling; lookups compare
 * them case-insensitively (RFC 7643 §2.1).
 */
export interface AttrPath {
  /** The schema URI qualifying the attribute, e.g. the enterprise extension URN. */
  uri?: string;
  attribute: string;
  subAttribute?: string;
}

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

export type FilterValue = string | number | boolean | null;

export type FilterNode =
  | { kind: "compare"; path: AttrPath; op: CompareOp; value: FilterValue }
  | { kind: "present"; path: AttrPath }
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; filter: FilterNode }
  /** `path` has no subAttribute; the paths inside `filter` are relative to one element of `path`. */
  | { kind: "valuePath"; path: AttrPath; filter: FilterNode };

/** A PATCH operation's target (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`. */
export interface PatchPath {
  uri?: string;
  attribute: string;
  subAttribute?: string;
  /** The element selector of a valuePath, with paths relative to the element. */
  filter?: FilterNode;
}

export const COMPARE_OPS: readonly CompareOp[] = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

/** Longest filter or path accepted, in UTF-16 code units: bounds the work one request can cause. */
export const MAX_FILTER_LENGTH = 4096;

/** Deepest nesting of parentheses, `not (…)` and `[…]` accepted: bounds the parser's recursion. */
export const MAX_FILTER_DEPTH = 32;
