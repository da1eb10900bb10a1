import { expect } from "chai";
import { type AttrPath, type CompareOp, type FilterNode, type FilterValue, parseFilter } from "../../../src/scim/protocol/filter/index.js";
import { tokenize } from "../../../src/scim/protocol/filter/lexer.js";
import { ScimError } from "../../../src/scim/protocol/scim-error.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";

function path(dotted: string, uri?: string): AttrPath {
  const [attribute = "", subAttribute] = dotted.split(".");
  return { ...(uri === undefined ? {} : { uri }), attribute, ...(subAttribute === undefined ? {} : { subAttribute }) };
}
const cmp = (dotted: string, op: CompareOp, value: FilterValue, uri?: string): FilterNode =>
  ({ kind: "compare", path: path(dotted, uri), op, value });
const pr = (dotted: string): FilterNode => ({ kind: "present", path: path(dotted) });
const and = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: "and", left, right });
const or = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: "or", left, right });
const not = (filter: FilterNode): FilterNode => ({ kind: "not", filter });
const vp = (attribute: string, filter: FilterNode): FilterNode => ({ kind: "valuePath", path: { attribute }, filter });

function expectInvalidFilter(text: string): ScimError {
  let caught: unknown;
  try {
    parseFilter(text);
  } catch (error) {
    caught = error;
  }
  expect(caught, `parseFilter(${JSON.stringify(text.slice(0, 60))})`).to.be.instanceOf(ScimError);
  const error = caught as ScimError;
  expect(error.status).to.equal(400);
  expect(error.scimType).to.equal("invalidFilter");
  return error;
}

describe("scim filter: parseFilter accepts", () => {
  // Every example of RFC 7644 §3.4.2.2, quoted verbatim.
  const rfcExamples: Array<[string, FilterNode]> = [
    ["userName eq \"bjensen\"", cmp("userName", "eq", "bjensen")],
    ["name.familyName co \"O'Malley\"", cmp("name.familyName", "co", "O'Malley")],
    ["userName sw \"J\"", cmp("userName", "sw", "J")],
    [`${CORE_USER}:userName sw "J"`, cmp("userName", "sw", "J", CORE_USER)],
    ["title pr", pr("title")],
    ["meta.lastModified gt \"2011-05-13T04:42:34Z\"", cmp("meta.lastModified", "gt", "2011-05-13T04:42:34Z")],
    ["meta.lastModified ge \"2011-05-13T04:42:34Z\"", cmp("meta.lastModified", "ge", "2011-05-13T04:42:34Z")],
    ["meta.lastModified lt \"2011-05-13T04:42:34Z\"", cmp("meta.lastModified", "lt", "2011-05-13T04:42:34Z")],
    ["meta.lastModified le \"2011-05-13T04:42:34Z\"", cmp("meta.lastModified", "le", "2011-05-13T04:42:34Z")],
    ["title pr and userType eq \"Employee\"", and(pr("title"), cmp("userType", "eq", "Employee"))],
    ["title pr or userType eq \"Intern\"", or(pr("title"), cmp("userType", "eq", "Intern"))],
    [`schemas eq "${ENTERPRISE}"`, cmp("schemas", "eq", ENTERPRISE)],
    [
      "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
      and(cmp("userType", "eq", "Employee"), or(cmp("emails", "co", "example.com"), cmp("emails.value", "co", "example.org"))),
    ],
    [
      "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
      and(cmp("userType", "ne", "Employee"), not(or(cmp("emails", "co", "example.com"), cmp("emails.value", "co", "example.org")))),
    ],
    ["userType eq \"Employee\" and (emails.type eq \"work\")", and(cmp("userType", "eq", "Employee"), cmp("emails.type", "eq", "work"))],
    [
      "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
      and(cmp("userType", "eq", "Employee"), vp("emails", and(cmp("type", "eq", "work"), cmp("value", "co", "@example.com")))),
    ],
    [
      "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
      or(
        vp("emails", and(cmp("type", "eq", "work"), cmp("value", "co", "@example.com"))),
        vp("ims", and(cmp("type", "eq", "xmpp"), cmp("value", "co", "@foo.com"))),
      ),
    ],
  ];

  const idpShapes: Array<[string, FilterNode]> = [
    ["userName eq \"alice@example.com\"", cmp("userName", "eq", "alice@example.com")], // Okta lookup before create
    ["externalId eq \"5b5e9e5b-0a1c-4b8e-9a3f-1234567890ab\"", cmp("externalId", "eq", "5b5e9e5b-0a1c-4b8e-9a3f-1234567890ab")], // Entra
    ["displayName eq \"Engineering\"", cmp("displayName", "eq", "Engineering")], // Entra group lookup
    // Entra sends a sub-attribute after the value filter; read as one condition on one element.
    ["emails[type eq \"work\"].value eq \"x@example.com\"", vp("emails", and(cmp("type", "eq", "work"), cmp("value", "eq", "x@example.com")))],
    [
      "userName eq \"a\" and emails[type eq \"work\"].value pr",
      and(cmp("userName", "eq", "a"), vp("emails", and(cmp("type", "eq", "work"), pr("value")))),
    ],
    // Some Entra tenants send unquoted values.
    ["userName eq alice@example.com", cmp("userName", "eq", "alice@example.com")],
    ["externalId eq 5b5e9e5b-0a1c-4b8e-9a3f-1234567890ab", cmp("externalId", "eq", "5b5e9e5b-0a1c-4b8e-9a3f-1234567890ab")],
    ["(userName eq alice)", cmp("userName", "eq", "alice")],
    ["emails[value eq bob@example.com]", vp("emails", cmp("value", "eq", "bob@example.com"))],
    ["userName eq O'Malley and active eq true", and(cmp("userName", "eq", "O'Malley"), cmp("active", "eq", true))],
  ];

  const grammar: Array<[string, FilterNode]> = [
    [`${ENTERPRISE}:employeeNumber eq "701984"`, cmp("employeeNumber", "eq", "701984", ENTERPRISE)],
    [`${ENTERPRISE}:manager.value eq "26118915"`, cmp("manager.value", "eq", "26118915", ENTERPRISE)],
    [`${CORE_USER}:name.givenName eq "Barbara"`, cmp("name.givenName", "eq", "Barbara", CORE_USER)],
    [`${CORE_USER}:emails[type eq "work"]`, { kind: "valuePath", path: { uri: CORE_USER, attribute: "emails" }, filter: cmp("type", "eq", "work") }],
    ["members.$ref pr", pr("members.$ref")],
    ["a eq 1 or b eq 2 and c eq 3", or(cmp("a", "eq", 1), and(cmp("b", "eq", 2), cmp("c", "eq", 3)))],
    ["a eq 1 and b eq 2 or c eq 3", or(and(cmp("a", "eq", 1), cmp("b", "eq", 2)), cmp("c", "eq", 3))],
    ["a pr and b pr and c pr", and(and(pr("a"), pr("b")), pr("c"))],
    ["a pr or b pr or c pr", or(or(pr("a"), pr("b")), pr("c"))],
    ["not (a pr) and b pr", and(not(pr("a")), pr("b"))],
    ["(a pr or b pr) and c pr", and(or(pr("a"), pr("b")), pr("c"))],
    ["not(not (a pr))", not(not(pr("a")))],
    ["(((a pr)))", pr("a")],
    ["(a pr)and(b pr)", and(pr("a"), pr("b"))],
    ["  userName \t eq   \"x\"  ", cmp("userName", "eq", "x")],
    ["userName eq\"x\"", cmp("userName", "eq", "x")],
    // Operators, logical keywords and literals are case-insensitive (RFC 7644 §3.4.2.2).
    ["userName EQ \"x\"", cmp("userName", "eq", "x")],
    ["a Pr AnD b pR oR c Ge 2", or(and(pr("a"), pr("b")), cmp("c", "ge", 2))],
    ["NOT (a Sw \"x\")", not(cmp("a", "sw", "x"))],
    ["a eq TRUE or b eq False or c eq NULL", or(or(cmp("a", "eq", true), cmp("b", "eq", false)), cmp("c", "eq", null))],
    // Attribute names keep their spelling; keywords are names where a name is expected.
    ["USERNAME eq \"x\"", cmp("USERNAME", "eq", "x")],
    ["not eq 1", cmp("not", "eq", 1)],
    ["and pr and or pr", and(pr("and"), pr("or"))],
    ["eq eq \"eq\"", cmp("eq", "eq", "eq")],
    ["not[value pr]", vp("not", pr("value"))],
    // Values: JSON strings with escapes, JSON numbers.
    ["a eq \"q\\\"b\\\\s\\u00e9\\n\"", cmp("a", "eq", "q\"b\\sé\n")],
    ["a eq \"\"", cmp("a", "eq", "")],
    ["a eq \"(not) [and] or\"", cmp("a", "eq", "(not) [and] or")],
    ["a eq 0", cmp("a", "eq", 0)],
    ["a gt -12", cmp("a", "gt", -12)],
    ["a lt 1.25", cmp("a", "lt", 1.25)],
    ["a le -0.5e-3", cmp("a", "le", -0.0005)],
    ["a ge 1E3", cmp("a", "ge", 1000)],
    ["a eq 01", cmp("a", "eq", "01")], // not a JSON number: an unquoted string
    ["emails[type eq \"work\" or not (primary eq false)]", vp("emails", or(cmp("type", "eq", "work"), not(cmp("primary", "eq", false))))],
    ["emails[(type eq \"work\")]", vp("emails", cmp("type", "eq", "work"))],
  ];

  for (const [title, table] of [["RFC 7644 §3.4.2.2 examples", rfcExamples], ["Okta and Entra shapes", idpShapes], ["grammar", grammar]] as const) {
    describe(title, () => {
      for (const [text, ast] of table) {
        it(text, () => expect(parseFilter(text)).to.deep.equal(ast));
      }
    });
  }
});

describe("scim filter: parseFilter rejects with 400 invalidFilter", () => {
  const rejected: Array<[string, string]> = [
    ["", "expected a filter expression, found the end of the filter at character 1"],
    ["   ", "expected a filter expression"],
    ["userName", "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or \"pr\", found the end of the filter at character 9"],
    ["userName xx \"x\"", "found \"xx\" at character 10"],
    ["userName eq", "expected a value (a quoted string, a number, true, false or null), found the end of the filter at character 12"],
    ["userName eq and b pr", "expected a value"],
    ["userName eq )", "expected a value"],
    ["userName eq \"x\" and", "expected an attribute path, \"(\" or \"not (\", found the end of the filter"],
    ["userName eq \"x\" or", "expected an attribute path"],
    ["userName eq \"x\" userName eq \"y\"", "expected \"and\", \"or\" or the end of the filter, found \"userName\" at character 17"],
    ["userName pr \"x\"", "found \"\\\"x\\\"\" at character 13"],
    ["(userName eq \"x\"", "expected \"and\", \"or\" or \")\", found the end of the filter at character 17"],
    ["userName eq \"x\")", "found \")\" at character 16"],
    ["((a pr)", "expected \"and\", \"or\" or \")\""],
    ["()", "expected an attribute path"],
    ["not ()", "expected an attribute path"],
    ["not userName eq \"x\"", "expected a comparison operator"],
    ["userName eq \"unterminated", "unterminated string starting at character 13"],
    ["userName eq \"bad \\x escape\"", "invalid escape or control character in the string starting at character 13"],
    ["userName eq \"tab\there\"", "invalid escape"],
    ["1abc eq \"x\"", "expected an attribute path, found \"1abc\" at character 1"],
    ["urn:eq \"x\"", "expected an attribute path, found \"urn:eq\""],
    [":userName eq \"x\"", "expected an attribute path"],
    [`${ENTERPRISE}: eq "x"`, "expected an attribute path"],
    ["userName. eq 1", "expected an attribute path"],
    ["name.givenName.x eq 1", "expected an attribute path"],
    ["user name eq 1", "expected a comparison operator"],
    ["a eq 1e400", "expected a number within the range of a double"],
    ["[type eq 1]", "expected an attribute path"],
    ["emails[]", "expected an attribute path"],
    ["emails[type eq \"work\"", "expected \"and\", \"or\" or \"]\", found the end of the filter"],
    ["emails[type eq \"work\"]]", "found \"]\""],
    ["emails[type eq \"work\" and phoneNumbers[type eq \"x\"]]", "a value filter cannot contain another \"[\" at character 39"],
    ["name.givenName[value eq \"x\"]", "\"[\" cannot follow a sub-attribute at character 15"],
    ["emails [type eq \"work\"]", "expected a comparison operator"],
    ["emails[type eq \"work\"].value", "expected a comparison operator"],
    ["emails[type eq \"work\"] .value eq \"x\"", "found \".value\""],
    ["emails[type eq \"work\"].9 eq 1", "expected a sub-attribute name after \"].\""],
    ["emails[type eq \"work\"].value.x eq 1", "expected a sub-attribute name"],
    ["a eq \"x\" and (b pr or (c pr)", "expected \"and\", \"or\" or \")\""],
    ["a eq [", "expected a value"],
    ["a eq \"x\" ]", "found \"]\""],
  ];

  for (const [text, detail] of rejected) {
    it(JSON.stringify(text), () => {
      expect(expectInvalidFilter(text).detail).to.contain(detail);
    });
  }

  it("shows at most 32 characters of a long token", () => {
    const detail = expectInvalidFilter(`userName ${"x".repeat(100)} "y"`).detail;
    expect(detail).to.contain(`"${"x".repeat(32)}…"`);
  });
});

describe("scim filter: limits", () => {
  const nested = (depth: number): string => `${"(".repeat(depth)}a pr${")".repeat(depth)}`;

  it("accepts 32 levels of nesting", () => {
    expect(parseFilter(nested(32))).to.deep.equal(pr("a"));
    expect(parseFilter(`${"not (".repeat(31)}emails[type pr]${")".repeat(31)}`)).to.have.property("kind", "not");
  });

  it("rejects 33 levels of parentheses, of not (…), and of mixed nesting", () => {
    expect(expectInvalidFilter(nested(33)).detail).to.equal("Invalid filter: nesting deeper than 32 levels at character 33");
    expectInvalidFilter(`${"not (".repeat(33)}a pr${")".repeat(33)}`);
    expectInvalidFilter(`${"(".repeat(32)}emails[type pr]${")".repeat(32)}`);
  });

  it("rejects thousands of open parentheses without exhausting the stack", () => {
    expectInvalidFilter("(".repeat(4000));
    expectInvalidFilter("not (".repeat(800));
  });

  it("accepts 4,096 characters and rejects 4,097", () => {
    const base = "a eq \"\"";
    const fitting = `a eq "${"x".repeat(4096 - base.length)}"`;
    expect(fitting).to.have.length(4096);
    expect(parseFilter(fitting)).to.have.property("kind", "compare");
    expect(expectInvalidFilter(`${fitting} `).detail).to.equal("Invalid filter: longer than 4096 characters at character 4097");
  });

  it("parses a long flat chain without recursion", () => {
    const chain = Array.from({ length: 300 }, (_, index) => `a${index} pr`).join(" and ");
    let node = parseFilter(chain);
    let depth = 0;
    while (node.kind === "and") {
      node = node.left;
      depth += 1;
    }
    expect(depth).to.equal(299);
  });
});

describe("scim filter: lexer", () => {
  it("records kind, decoded value, 0-based position and preceding whitespace", () => {
    const tokens = tokenize("emails[type eq \"w\\u00f6rk\"].value  pr", "invalidFilter");
    expect(tokens.map(({ kind, value, position, spaced }) => [kind, value, position, spaced])).to.deep.equal([
      ["word", "emails", 0, false],
      ["[", "[", 6, false],
      ["word", "type", 7, false],
      ["word", "eq", 12, true],
      ["string", "wörk", 15, true],
      ["]", "]", 26, false],
      ["word", ".value", 27, false],
      ["word", "pr", 35, true],
      ["end", "", 37, false],
    ]);
  });

  it("keeps URNs, dots and at-signs inside one word", () => {
    const tokens = tokenize(`${ENTERPRISE}:manager.value eq bob@example.com`, "invalidFilter");
    expect(tokens.map((token) => token.text)).to.deep.equal([`${ENTERPRISE}:manager.value`, "eq", "bob@example.com", ""]);
  });
});
