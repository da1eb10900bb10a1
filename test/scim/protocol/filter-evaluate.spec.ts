import { expect } from "chai";
import { type AttrPath, type EvaluateOptions, matchesFilter, parseFilter } from "../../../src/scim/protocol/filter/index.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";

const user: Record<string, unknown> = {
  schemas: [CORE_USER, ENTERPRISE],
  userName: "Bjensen",
  externalId: "abc-DEF",
  name: { givenName: "Barbara", familyName: "Jensen", middleName: null },
  title: "",
  nickName: null,
  active: true,
  loginCount: 42,
  roles: [],
  addresses: [{}],
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  meta: { lastModified: "2011-05-13T04:42:34Z" },
  [ENTERPRISE]: { employeeNumber: "701984", manager: { value: "26118915" } },
};

/** externalId and emails.type compare case-sensitively here, to exercise RFC 7643 §2.2 caseExact. */
const options: EvaluateOptions = {
  caseExact: (path) => path.attribute === "externalId" || (path.attribute === "emails" && path.subAttribute === "type"),
};

const cases: Array<[string, boolean]> = [
  // RFC 7644 §3.4.2.2: attribute names and string values compare case-insensitively unless caseExact.
  ["userName eq \"bjensen\"", true],
  ["USERNAME eq \"BJENSEN\"", true],
  ["userName eq \"bj\"", false],
  ["userName co \"JENS\"", true],
  ["userName sw \"bj\"", true],
  ["userName ew \"SEN\"", true],
  ["userName ew \"x\"", false],
  ["userName ne \"bjensen\"", false],
  ["userName ne \"x\"", true],
  ["userName gt \"a\"", true],
  ["userName lt \"C\"", true],
  ["userName ge \"bjensen\"", true],
  ["userName eq alice", false],
  ["externalId eq \"abc-DEF\"", true],
  ["externalId eq \"ABC-def\"", false],
  ["externalId co \"def\"", false],
  ["name.givenName sw \"bar\"", true],
  // Absence, null and emptiness.
  ["name.middleName pr", false],
  ["name.middleName eq null", true],
  ["name.middleName ne \"x\"", true],
  ["name.honorificPrefix ne \"x\"", true],
  ["name.honorificPrefix eq \"x\"", false],
  ["nickName eq null", true],
  ["nickName ne null", false],
  ["nickName pr", false],
  ["userName eq null", false],
  ["userName ne null", true],
  ["userName co null", false],
  ["title pr", false],
  ["roles pr", false],
  ["addresses pr", false],
  ["emails pr", true],
  ["name pr", true],
  ["x509Certificates pr", false],
  ["constructor pr", false],
  ["toString eq \"x\"", false],
  // Booleans and numbers.
  ["active eq true", true],
  ["active eq TRUE", true],
  ["active ne false", true],
  ["active eq false", false],
  ["active eq \"true\"", false],
  ["active co \"t\"", false],
  ["active gt false", false],
  ["loginCount gt 41", true],
  ["loginCount ge 42", true],
  ["loginCount lt 42", false],
  ["loginCount le 42", true],
  ["loginCount eq 42.0", true],
  ["loginCount eq \"42\"", false],
  ["loginCount co 4", false],
  // dateTime values compare as instants (RFC 7643 §2.3.5).
  ["meta.lastModified gt \"2011-05-13T04:42:33Z\"", true],
  ["meta.lastModified gt \"2011-05-13T04:42:34Z\"", false],
  ["meta.lastModified eq \"2011-05-13T06:42:34+02:00\"", true],
  ["meta.lastModified lt \"2011-05-13T06:42:34+02:00\"", false],
  ["meta.lastModified ge \"2011-05-13T04:42:34.000Z\"", true],
  ["meta.lastModified lt \"2011-05-14\"", true],
  ["meta.lastModified sw \"2011-05\"", true],
  // Multi-valued attributes match when any value does.
  ["emails co \"example.com\"", true],
  ["emails.value co \"example.org\"", false],
  ["emails.value ew \"JENSEN.org\"", true],
  ["emails.type eq \"home\"", true],
  ["emails.type eq \"HOME\"", false],
  ["emails.type ne \"work\"", true],
  ["emails.primary eq true", true],
  [`schemas eq "${ENTERPRISE}"`, true],
  // A value filter holds for one element; two conditions on the attribute may hold for different ones.
  ["emails[type eq \"work\" and value co \"@example.com\"]", true],
  ["emails[type eq \"home\" and value co \"@example.com\"]", false],
  ["emails.type eq \"home\" and emails.value co \"@example.com\"", true],
  ["emails[type eq \"WORK\"]", false],
  ["emails[value eq \"BJENSEN@example.com\"]", true],
  ["emails[not (primary pr)]", true],
  ["emails[type eq \"work\"].value eq \"bjensen@example.com\"", true],
  ["emails[type eq \"home\"].value eq \"bjensen@example.com\"", false],
  ["name[givenName eq \"barbara\"]", true],
  ["roles[value pr]", false],
  // Schema-qualified paths: extensions live under their URN, core attributes at the top level.
  [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
  [`${ENTERPRISE}:manager.value eq "26118915"`, true],
  ["employeeNumber pr", false],
  [`${CORE_USER}:userName eq "bjensen"`, true],
  [`${CORE_USER}:name.familyName eq "jensen"`, true],
  // Logic.
  ["not (userName eq \"x\")", true],
  ["title pr or userName sw \"b\"", true],
  ["title pr and userName sw \"b\"", false],
  ["userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")", false],
  ["userName eq \"x\" or loginCount eq 42 and active eq true", true],
];

describe("scim filter: matchesFilter", () => {
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => expect(matchesFilter(parseFilter(text), user, options)).to.equal(expected));
  }

  it("asks caseExact about the full path inside a value filter", () => {
    const asked: AttrPath[] = [];
    const recording: EvaluateOptions = { caseExact: (path) => (asked.push(path), false) };
    matchesFilter(parseFilter(`${ENTERPRISE}:manager[value eq "x"] or emails.type eq "x"`), user, recording);
    expect(asked).to.deep.equal([
      { uri: ENTERPRISE, attribute: "manager", subAttribute: "value" },
      { attribute: "emails", subAttribute: "type" },
    ]);
  });

  it("matches a single complex value like a one-element array", () => {
    const element = { emails: { type: "work", value: "a@example.com" } };
    expect(matchesFilter(parseFilter("emails[type eq \"work\"]"), element, options)).to.equal(true);
    expect(matchesFilter(parseFilter("emails.value eq \"a@example.com\""), element, options)).to.equal(true);
  });

  it("evaluates the PATCH engine's element filter against one element", () => {
    const member = { value: "2819c223-7f76-453a-919d-413861904646", display: "Babs" };
    const filter = parseFilter("value eq \"2819C223-7F76-453A-919D-413861904646\"");
    expect(matchesFilter(filter, member, { caseExact: () => false })).to.equal(true);
    expect(matchesFilter(filter, member, { caseExact: () => true })).to.equal(false);
  });
});
