import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { ScimTenant } from "../../support/scim-app.js";
import { useScimApp } from "../../support/scim-app.js";
import { brief, createGroup, createUser, ENTERPRISE, expectScimError, filtered, list, userNamesFor, type Json } from "./scim-helpers.js";

const ALICE = "Alice@Example.com";
const BOB = "bob@example.com";
const CAROL = "carol@other.org";

/** RFC 7644 §3.4.2.2 over the real database: every operator, the logical ones, value paths and URNs. */
describe("SCIM filters on /Users and /Groups", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let alice: Json;
  let bob: Json;
  let between: string;

  before(async () => {
    tenant = await ctx.newTenant();
    alice = await createUser(tenant, ALICE, {
      displayName: "Alice Liddell", externalId: "EXT-Alice", name: { givenName: "Alice", familyName: "Liddell" },
      emails: [{ value: "alice@x.example", type: "work", primary: true }, { value: "alice@home.example", type: "home" }],
      [ENTERPRISE]: { employeeNumber: "1", department: "Research" },
    });
    await new Promise((resolve) => setTimeout(resolve, 25));
    between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 25));
    bob = await createUser(tenant, BOB, {
      displayName: "Bob Builder", externalId: "ext-bob", active: false, title: "Engineer",
      emails: [{ value: "bob@y.example", type: "work" }], [ENTERPRISE]: { employeeNumber: "2", department: "Sales" },
    });
    await createUser(tenant, CAROL, { displayName: "Carol", emails: [{ value: "carol@x.example", type: "home" }], [ENTERPRISE]: { department: "sales" } });
  });

  const names = (filter: string) => userNamesFor(tenant, filter);

  it("applies every comparison operator to userName, case-insensitively (RFC 7643 §4.1.1 caseExact false)", async () => {
    expect(await names('userName eq "alice@example.com"')).to.deep.equal([ALICE]);
    expect(await names('userName eq "BOB@EXAMPLE.COM"')).to.deep.equal([BOB]);
    expect(await names('userName ne "alice@example.com"')).to.deep.equal([BOB, CAROL]);
    expect(await names('userName co "EXAMPLE"')).to.deep.equal([ALICE, BOB]);
    expect(await names('userName sw "CA"')).to.deep.equal([CAROL]);
    expect(await names('userName ew ".ORG"')).to.deep.equal([CAROL]);
    expect(await names('userName gt "bob@example.com"')).to.deep.equal([CAROL]);
    expect(await names('userName ge "BOB@example.com"')).to.deep.equal([BOB, CAROL]);
    expect(await names('userName lt "bob@example.com"')).to.deep.equal([ALICE]);
    expect(await names('userName le "bob@example.com"')).to.deep.equal([ALICE, BOB]);
    expect(await names("userName pr")).to.deep.equal([ALICE, BOB, CAROL]);
  });

  it("matches attribute names and operators in any case, and Entra's unquoted values", async () => {
    expect(await names('USERNAME EQ "alice@example.com"')).to.deep.equal([ALICE]);
    expect(await names('UserName Sw "bob" AND Active Eq False')).to.deep.equal([BOB]);
    expect(await names("userName eq bob@example.com")).to.deep.equal([BOB]);
    expect(await names(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol@other.org"`)).to.deep.equal([CAROL]);
  });

  it("filters displayName, title and name sub-attributes", async () => {
    expect(await names('displayName eq "alice liddell"')).to.deep.equal([ALICE]);
    expect(await names('displayName co "build"')).to.deep.equal([BOB]);
    expect(await names('displayName sw "C"')).to.deep.equal([CAROL]);
    expect(await names('displayName ew "er"')).to.deep.equal([BOB]);
    expect(await names('displayName ne "Carol"')).to.deep.equal([ALICE, BOB]);
    expect(await names("title pr")).to.deep.equal([BOB]);
    expect(await names('name.givenName sw "al"')).to.deep.equal([ALICE]);
    expect(await names('name.familyName eq "Liddell"')).to.deep.equal([ALICE]);
  });

  it("compares externalId case-exactly (RFC 7643 §3.1 caseExact true)", async () => {
    expect(await names('externalId eq "EXT-Alice"')).to.deep.equal([ALICE]);
    expect(await names('externalId eq "ext-alice"')).to.deep.equal([]);
    expect(await names('externalId sw "ext"')).to.deep.equal([BOB]);
    expect(await names("externalId pr")).to.deep.equal([ALICE, BOB]);
    expect(await names('externalId ne "ext-bob"')).to.deep.equal([ALICE, CAROL]);
  });

  it("filters the boolean active with eq and ne, and refuses ordering on it", async () => {
    expect(await names("active eq true")).to.deep.equal([ALICE, CAROL]);
    expect(await names("active eq false")).to.deep.equal([BOB]);
    expect(await names("active ne true")).to.deep.equal([BOB]);
    expectScimError(await tenant.get(filtered("Users", "active gt true")), 400, "invalidFilter");
  });

  it("compares meta.created and meta.lastModified as instants", async () => {
    expect(await names(`meta.lastModified gt "${between}"`)).to.deep.equal([BOB, CAROL]);
    expect(await names(`meta.lastModified lt "${between}"`)).to.deep.equal([ALICE]);
    expect(await names(`meta.created le "${between}"`)).to.deep.equal([ALICE]);
    expect(await names(`meta.created ge "${between}"`)).to.deep.equal([BOB, CAROL]);
    expect(await names('meta.lastModified gt "2000-01-01T00:00:00Z"')).to.deep.equal([ALICE, BOB, CAROL]);
  });

  it("finds a user by the exact meta.lastModified it was served with (regression: microseconds vs milliseconds)", async () => {
    const lastModified = String((alice.meta as Json).lastModified);
    expect(await names(`meta.lastModified eq "${lastModified}"`)).to.deep.equal([ALICE]);
    expect(await names(`meta.lastModified le "${lastModified}"`)).to.deep.equal([ALICE]);
    expect(await names(`meta.created eq "${String((bob.meta as Json).created)}"`)).to.deep.equal([BOB]);
  });

  it("answers 400 invalidFilter, not a 500, for dates JavaScript accepts and PostgreSQL does not (regression)", async () => {
    for (const date of ["1", "0", "2024-02-30T00:00:00Z", "99999-01-01T00:00:00Z", "Jan 1 2020"]) {
      expectScimError(await tenant.get(filtered("Users", `meta.lastModified gt "${date}"`)), 400, "invalidFilter");
    }
    expect(await names('meta.created gt "2000-01-01T00:00:00+02:00"')).to.deep.equal([ALICE, BOB, CAROL]);
    expect(await names('meta.created gt "2000-01-01T00:00:00.5Z"')).to.deep.equal([ALICE, BOB, CAROL]);
  });

  it("combines with and, or, not and parentheses, with and binding tighter than or", async () => {
    expect(await names('userName sw "a" or userName sw "b"')).to.deep.equal([ALICE, BOB]);
    expect(await names("not (active eq false)")).to.deep.equal([ALICE, CAROL]);
    expect(await names('(userName sw "a" or userName sw "c") and active eq true')).to.deep.equal([ALICE, CAROL]);
    expect(await names('userName sw "c" or userName sw "a" and active eq false')).to.deep.equal([CAROL]);
    expect(await names('not (userName sw "a" or emails co "y.example")')).to.deep.equal([CAROL]);
  });

  it("filters emails by value, by sub-attribute and by value path", async () => {
    expect(await names('emails co "@x.example"')).to.deep.equal([ALICE, CAROL]);
    expect(await names('emails.value ew "y.example"')).to.deep.equal([BOB]);
    expect(await names('emails.type eq "home"')).to.deep.equal([ALICE, CAROL]);
    expect(await names('emails[type eq "work" and value co "@x"]')).to.deep.equal([ALICE]);
    expect(await names('emails[type eq "home" or value sw "bob"]')).to.deep.equal([ALICE, BOB, CAROL]);
    expect(await names("emails[primary eq true]")).to.deep.equal([ALICE]);
    expect(await names('emails[not (type eq "work")]')).to.deep.equal([ALICE, CAROL]);
  });

  it("reads Entra's emails[type eq \"work\"].value eq \"x\" as one element matching both", async () => {
    expect(await names('emails[type eq "work"].value eq "BOB@y.example"')).to.deep.equal([BOB]);
    expect(await names('emails[type eq "work"].value eq "carol@x.example"')).to.deep.equal([]);
  });

  it("filters URN-qualified enterprise attributes", async () => {
    expect(await names(`${ENTERPRISE}:employeeNumber eq "1"`)).to.deep.equal([ALICE]);
    expect(await names(`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER eq "2"`)).to.deep.equal([BOB]);
    expect(await names(`${ENTERPRISE}:department eq "SALES"`)).to.deep.equal([BOB, CAROL]);
  });

  it("answers Entra's Test Connection (userName eq a random GUID) with 200 and an empty ListResponse", async () => {
    const res = await tenant.get(filtered("Users", `userName eq "${randomUUID()}"`));
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
    expect(res.body).to.deep.include({ totalResults: 0, itemsPerPage: 0, startIndex: 1 });
    expect(res.body.Resources).to.deep.equal([]);
  });

  it("finds groups by displayName with excludedAttributes=members, as Entra does", async () => {
    await createGroup(tenant, "Filter Team", [String(alice.id), String(bob.id)]);
    await createGroup(tenant, "Other Team");
    const found = await list(tenant, filtered("Groups", 'displayName eq "filter team"', "&excludedAttributes=members"));
    expect(found.totalResults).to.equal(1);
    expect(found.Resources[0]).to.include({ displayName: "Filter Team" });
    expect(found.Resources[0]).not.to.have.property("members");
    const byMember = await list(tenant, filtered("Groups", `members.value eq "${String(bob.id)}"`));
    expect(byMember.Resources.map((group) => group.displayName)).to.deep.equal(["Filter Team"]);
  });

  it("answers 400 invalidFilter, never an empty 200, for unsupported attributes and malformed filters", async () => {
    for (const filter of [
      'password eq "x"', 'favouriteColour eq "blue"', 'name.nickname eq "x"', `${ENTERPRISE}:shoeSize eq "9"`,
      'emails[shoeSize eq "9"]', 'userName eq', 'userName xx "a"', '(userName eq "a"', 'emails[type eq "work"',
      'userName eq "a" and', 'meta.lastModified gt "yesterday"', "userName eq \"unterminated", "and", "))",
    ]) {
      expectScimError(await tenant.get(filtered("Users", filter)), 400, "invalidFilter");
    }
    expectScimError(await tenant.get(filtered("Groups", 'userName eq "x"')), 400, "invalidFilter");
  });

  it("searches with POST /Users/.search and a SearchRequest body (RFC 7644 §3.4.3)", async () => {
    const res = await tenant.post("/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: 'emails co "example"', attributes: ["userName"], sortBy: "userName", sortOrder: "descending", startIndex: 1, count: 10,
    });
    expect(res.status, brief(res.body)).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
    expect(res.body.totalResults).to.equal(3);
    expect((res.body.Resources as Json[]).map((user) => user.userName)).to.deep.equal([CAROL, BOB, ALICE]);
    expect(res.body.Resources[0]).not.to.have.property("emails");
    expectScimError(await tenant.post("/Users/.search", { filter: "nonsense here" }), 400, "invalidFilter");
  });
});
