import type { AttrPath, CompareOp, FilterNode, FilterValue } from "./ast.js";
import { type JsonObject, containerOf, getAttribute, hasValue, isObject, resolveValues } from "./resolve-values.js";

export interface EvaluateOptions {
  /** Whether the attribute compares case-sensitively (RFC 7643 §2.2 `caseExact`); false for most. */
  caseExact(path: AttrPath): boolean;
}

/**
 * Evaluates a filter against one JSON object in memory: PATCH value filters on multi-valued elements
 * (RFC 7644 §3.5.2) and tests. Searches over stored resources compile the AST to SQL instead.
 */
export function matchesFilter(node: FilterNode, element: JsonObject, options: EvaluateOptions): boolean {
  switch (node.kind) {
    case "and":
      return matchesFilter(node.left, element, options) && matchesFilter(node.right, element, options);
    case "or":
      return matchesFilter(node.left, element, options) || matchesFilter(node.right, element, options);
    case "not":
      return !matchesFilter(node.filter, element, options);
    case "present":
      return resolveValues(element, node.path).some(hasValue);
    case "compare":
      return matchesComparison(node.op, node.value, resolveValues(element, node.path), options.caseExact(node.path));
    case "valuePath":
      return matchesValuePath(node.path, node.filter, element, options);
  }
}

/** `attr[filter]` matches when one element of `attr` matches `filter`, whose paths are relative to it. */
function matchesValuePath(path: AttrPath, filter: FilterNode, element: JsonObject, options: EvaluateOptions): boolean {
  const value = getAttribute(containerOf(element, path), path.attribute);
  const items = (Array.isArray(value) ? value : [value]).filter(isObject);
  const scoped: EvaluateOptions = { caseExact: (inner) => options.caseExact(qualify(path, inner)) };
  return items.some((item) => matchesFilter(filter, item, scoped));
}

/** `emails[value eq "x"]` asks about `emails.value`: give caseExact the full path. */
function qualify(outer: AttrPath, inner: AttrPath): AttrPath {
  if (inner.uri !== undefined || inner.subAttribute !== undefined) return inner;
  return { ...(outer.uri === undefined ? {} : { uri: outer.uri }), attribute: outer.attribute, subAttribute: inner.attribute };
}

/**
 * `eq null` means absent or null and `ne null` means present: resolveValues has already dropped nulls.
 * `ne` on a missing attribute is true; otherwise any value satisfying the operator makes a match.
 */
function matchesComparison(op: CompareOp, expected: FilterValue, values: unknown[], caseExact: boolean): boolean {
  if (expected === null) return op === "eq" ? values.length === 0 : op === "ne" && values.length > 0;
  if (op === "ne" && values.length === 0) return true;
  return values.some((actual) => compareOne(op, implicitValue(actual), expected, caseExact));
}

/**
 * A complex value compared without a sub-attribute stands for its `value` sub-attribute: RFC 7644
 * §3.4.2.2's own example `emails co "example.com"` relies on it (RFC 7643 §2.4 default sub-attributes).
 */
function implicitValue(actual: unknown): unknown {
  return isObject(actual) ? getAttribute(actual, "value") : actual;
}

function compareOne(op: CompareOp, actual: unknown, expected: Exclude<FilterValue, null>, caseExact: boolean): boolean {
  if (op === "ne") return !compareOne("eq", actual, expected, caseExact);
  if (typeof expected === "boolean") return op === "eq" && actual === expected;
  if (typeof expected === "number") return typeof actual === "number" && compareOrdered(op, actual, expected);
  if (typeof actual !== "string") return false;
  const instants = [toInstant(actual), toInstant(expected)] as const;
  if (instants[0] !== undefined && instants[1] !== undefined && op !== "co" && op !== "sw" && op !== "ew") {
    return compareOrdered(op, instants[0], instants[1]);
  }
  return compareStrings(op, caseExact ? actual : actual.toLowerCase(), caseExact ? expected : expected.toLowerCase());
}

function compareStrings(op: CompareOp, actual: string, expected: string): boolean {
  if (op === "co") return actual.includes(expected);
  if (op === "sw") return actual.startsWith(expected);
  if (op === "ew") return actual.endsWith(expected);
  return compareOrdered(op, actual, expected);
}

/** eq and the ordering operators; strings order lexically by UTF-16 code unit (RFC 7644 §3.4.2.2). */
function compareOrdered<T extends string | number>(op: CompareOp, actual: T, expected: T): boolean {
  switch (op) {
    case "eq": return actual === expected;
    case "gt": return actual > expected;
    case "ge": return actual >= expected;
    case "lt": return actual < expected;
    case "le": return actual <= expected;
    default: return false;
  }
}

/** xsd:dateTime with an explicit offset (RFC 7643 §2.3.5); compared as instants, not as text. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function toInstant(text: string): number | undefined {
  if (!DATE_TIME.test(text)) return undefined;
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? undefined : instant;
}
