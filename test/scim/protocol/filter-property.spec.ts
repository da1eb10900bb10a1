import { expect } from "chai";
import fc from "fast-check";
import {
  type AttrPath, type CompareOp, type FilterNode, type FilterValue, parseFilter, parsePatchPath,
} from "../../../src/scim/protocol/filter/index.js";
import { ScimError } from "../../../src/scim/protocol/scim-error.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const RUNS = 1500;

// ---- A printer for ASTs: the fewest parentheses the precedence not > and > or allows. ----

function printPath(path: AttrPath): string {
  const uri = path.uri === undefined ? "" : `${path.uri}:`;
  return `${uri}${path.attribute}${path.subAttribute === undefined ? "" : `.${path.subAttribute}`}`;
}

function printValue(value: FilterValue): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function print(node: FilterNode, keyword: (word: string) => string): string {
  const child = (inner: FilterNode, parenthesise: boolean): string => {
    const text = print(inner, keyword);
    return parenthesise ? `(${text})` : text;
  };
  switch (node.kind) {
    case "compare": return `${printPath(node.path)} ${keyword(node.op)} ${printValue(node.value)}`;
    case "present": return `${printPath(node.path)} ${keyword("pr")}`;
    case "not": return `${keyword("not")} (${print(node.filter, keyword)})`;
    case "valuePath": return `${printPath(node.path)}[${print(node.filter, keyword)}]`;
    case "and":
      return `${child(node.left, node.left.kind === "or")} ${keyword("and")} ${child(node.right, node.right.kind === "or" || node.right.kind === "and")}`;
    case "or":
      return `${child(node.left, false)} ${keyword("or")} ${child(node.right, node.right.kind === "or")}`;
  }
}

const lower = (word: string): string => word;
const upper = (word: string): string => word.toUpperCase();

// ---- Generators for valid ASTs. ----

const attrName = fc.oneof(
  fc.constantFrom("userName", "emails", "value", "type", "$ref", "not", "and", "or", "pr", "eq", "true", "null", "A-b_9"),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/),
);
const uri = fc.option(fc.constantFrom(CORE_USER, ENTERPRISE, "urn:x:y", "http://example.com/s?v=2.0#x"), { nil: undefined });

const attrPath = (withSub: boolean): fc.Arbitrary<AttrPath> =>
  fc.record({ uri, attribute: attrName, sub: withSub ? fc.option(attrName, { nil: undefined }) : fc.constant(undefined) })
    .map(({ uri: scheme, attribute, sub }) => ({
      ...(scheme === undefined ? {} : { uri: scheme }),
      attribute,
      ...(sub === undefined ? {} : { subAttribute: sub }),
    }));

const value: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({
    kind: fc.constant("compare" as const),
    path: attrPath(true),
    op: fc.constantFrom<CompareOp>("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"),
    value,
  }),
  fc.record({ kind: fc.constant("present" as const), path: attrPath(true) }),
);

function logic(node: fc.Arbitrary<FilterNode>): fc.Arbitrary<FilterNode> {
  return fc.oneof(
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), left: node, right: node }),
    fc.record({ kind: fc.constant("not" as const), filter: node }),
  );
}

const trees = fc.letrec<{ inner: FilterNode; outer: FilterNode }>((tie) => ({
  inner: fc.oneof({ maxDepth: 4, depthIdentifier: "inner" }, leaf, logic(tie("inner"))),
  outer: fc.oneof(
    { maxDepth: 4, depthIdentifier: "outer" },
    leaf,
    fc.record({ kind: fc.constant("valuePath" as const), path: attrPath(false), filter: tie("inner") }),
    logic(tie("outer")),
  ),
}));

// ---- Generators for arbitrary text. ----

const TOKENS = [
  "eq", "EQ", "ne", "co", "sw", "gt", "le", "pr", "Pr", "and", "AND", "or", "not", "(", ")", "[", "]", "\"", "\"x\"",
  "\\", "\\u00e9", "\\u", ".", ":", `${CORE_USER}:`, "userName", "emails", "value", "type", "$ref", "0", "1", "-",
  "2.5e3", "e", "true", "null", "False", " ", " ", "\t", "\n", "@", "é", "\u0000", "\ud800",
];
const tokenSoup = fc.tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.constantFrom("", " "))
  .map(([parts, separator]) => parts.join(separator));
const anyText = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), tokenSoup);
const truncated = fc.tuple(trees.outer, fc.nat()).map(([node, cut]) => {
  const text = print(node, lower);
  return text.slice(0, cut % (text.length + 1));
});

const mutated = fc.tuple(trees.outer, fc.nat(), fc.constantFrom(...TOKENS)).map(([node, at, token]) => {
  const text = print(node, lower);
  const cut = at % (text.length + 1);
  return `${text.slice(0, cut)}${token}${text.slice(cut)}`;
});

/** Runs `parse`; anything thrown must be the SCIM 400 of the given type. */
function parsesOrRejects<T>(parse: (text: string) => T, scimType: string, text: string): T | undefined {
  try {
    return parse(text);
  } catch (error) {
    expect(error, JSON.stringify(text)).to.be.instanceOf(ScimError);
    const scimError = error as ScimError;
    expect([scimError.status, scimError.scimType]).to.deep.equal([400, scimType]);
    return undefined;
  }
}

describe("scim filter: properties", () => {
  it("parseFilter returns an AST or throws ScimError 400 invalidFilter, for any text", () => {
    fc.assert(fc.property(fc.oneof(anyText, truncated, mutated), (text) => {
      const ast = parsesOrRejects(parseFilter, "invalidFilter", text);
      // Whatever parses prints back to text that parses to the same AST.
      if (ast !== undefined) expect(parseFilter(print(ast, lower))).to.deep.equal(ast);
    }), { numRuns: RUNS * 2 });
  });

  it("parsePatchPath returns a path or throws ScimError 400 invalidPath, for any text", () => {
    fc.assert(fc.property(anyText, (text) => {
      parsesOrRejects(parsePatchPath, "invalidPath", text);
    }), { numRuns: RUNS });
  });

  it("a printed AST parses back to the same AST, in either keyword case", () => {
    fc.assert(fc.property(trees.outer, fc.boolean(), (node, shout) => {
      const text = print(node, shout ? upper : lower);
      fc.pre(text.length <= 4096);
      expect(parseFilter(text)).to.deep.equal(node);
    }), { numRuns: RUNS });
  });

  it("a printed value filter with a sub-attribute parses back as a PATCH path", () => {
    const patchPath = fc.record({ path: attrPath(false), filter: trees.inner, sub: fc.option(attrName, { nil: undefined }) });
    fc.assert(fc.property(patchPath, ({ path, filter, sub }) => {
      const text = `${printPath(path)}[${print(filter, lower)}]${sub === undefined ? "" : `.${sub}`}`;
      fc.pre(text.length <= 4096);
      expect(parsePatchPath(text)).to.deep.equal({ ...path, ...(sub === undefined ? {} : { subAttribute: sub }), filter });
    }), { numRuns: RUNS });
  });
});
