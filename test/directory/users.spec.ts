import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { UserInput } from "../../src/directory/users.service.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

const fullUser: UserInput = {
  userName: "bjensen@example.com",
  externalId: "00u1abcd",
  active: true,
  displayName: "Babs Jensen",
  nickName: "Babs",
  profileUrl: "https://login.example.com/bjensen",
  title: "Tour Guide",
  userType: "Employee",
  preferredLanguage: "en-US",
  locale: "en-US",
  timezone: "America/Los_Angeles",
  name: { formatted: "Ms. Barbara J Jensen III", familyName: "Jensen", givenName: "Barbara", middleName: "Jane", honorificPrefix: "Ms.", honorificSuffix: "III" },
  emails: [
    { value: "bjensen@example.com", type: "work", display: null, primary: true },
    { value: "babs@jensen.org", type: "home", display: "Home mail", primary: false },
  ],
  phoneNumbers: [
    { value: "555-555-5555", type: "work", display: null, primary: false },
    { value: "555-555-4444", type: "mobile", display: null, primary: true },
  ],
  addresses: [
    { type: "work", formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA", streetAddress: "100 Universal City Plaza", locality: "Hollywood", region: "CA", postalCode: "91608", country: "USA", primary: true },
    { type: "home", formatted: null, streetAddress: "456 Hollywood Blvd", locality: "Hollywood", region: "CA", postalCode: "91608", country: "USA", primary: false },
  ],
  enterprise: { employeeNumber: "701984", costCenter: "4130", organization: "Universal Studios", division: "Theme Park", department: "Tour Operations", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d", displayName: "John Smith" } },
  extraAttributes: { "urn:example:params:scim:schemas:extension:2.0:Badge": { badge: 17, colours: ["red", "blue"] } },
};

describe("directory: users", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Users");
  });

  describe("create", () => {
    it("stores every attribute and reads the same user back", async () => {
      const created = await directory.users.create(org, fullUser);
      const { id, organizationId, version, createdAt, updatedAt, groups, ...attributes } = await directory.users.get(org, created.id);
      expect({ id, organizationId, version, createdAt, updatedAt }).to.deep.equal({ id: created.id, organizationId: org, version: created.version, createdAt: created.createdAt, updatedAt: created.updatedAt });
      expect(attributes).to.deep.equal(fullUser);
      expect(groups).to.deep.equal([]);
    });

    it("fills absent attributes with empty values and makes the user active", async () => {
      const user = await directory.users.create(org, { userName: "  minimal@example.com " });
      expect(user.userName).to.equal("minimal@example.com");
      expect(user).to.include({ active: true, externalId: null, displayName: null });
      expect(user.emails).to.deep.equal([]);
      expect(user.enterprise.manager).to.equal(null);
      expect(user.extraAttributes).to.deep.equal({});
    });

    it("refuses a userName taken in the organization in another case, naming the field", async () => {
      await directory.users.create(org, { userName: "Alice@X.com" });
      const error = await expectDomainError(directory.users.create(org, { userName: "alice@x.com" }), "conflict");
      expect(error.details?.field).to.equal("userName");
      expect(await countRows(ctx.db, "users", "organization_id = $1 AND lower(user_name) = 'alice@x.com'", [org])).to.equal(1);
    });

    it("allows the same userName in another organization", async () => {
      const other = await newOrganization(directory, "Other");
      const user = await directory.users.create(other, { userName: "Alice@X.com" });
      expect(user.organizationId).to.equal(other);
    });

    it("refuses an externalId taken in the organization, but not in another one", async () => {
      await directory.users.create(org, { userName: "ext1@example.com", externalId: "okta-42" });
      const error = await expectDomainError(directory.users.create(org, { userName: "ext2@example.com", externalId: "okta-42" }), "conflict");
      expect(error.details?.field).to.equal("externalId");
      expect(await directory.users.findByUserName(org, "ext2@example.com")).to.equal(null);
      const other = await newOrganization(directory, "Other");
      expect((await directory.users.create(other, { userName: "ext2@example.com", externalId: "okta-42" })).externalId).to.equal("okta-42");
    });

    it("allows any number of users without an externalId", async () => {
      await directory.users.create(org, { userName: "noext1@example.com" });
      expect((await directory.users.create(org, { userName: "noext2@example.com", externalId: "" })).externalId).to.equal(null);
    });

    for (const field of ["emails", "phoneNumbers"] as const) {
      it(`refuses two primary ${field} with invalid_value and creates nothing`, async () => {
        const values = [{ value: "a@x.test", type: "work", display: null, primary: true }, { value: "b@x.test", type: "home", display: null, primary: true }];
        const error = await expectDomainError(directory.users.create(org, { userName: `two-primary-${field}@example.com`, [field]: values }), "invalid_value");
        expect(error.details?.field).to.equal(field);
        expect(await directory.users.findByUserName(org, `two-primary-${field}@example.com`)).to.equal(null);
      });
    }

    it("refuses two primary addresses with invalid_value", async () => {
      const address = { type: "work", formatted: "x", streetAddress: null, locality: null, region: null, postalCode: null, country: null, primary: true };
      await expectDomainError(directory.users.create(org, { userName: "two-addresses@example.com", addresses: [address, { ...address, type: "home" }] }), "invalid_value");
    });

    it("refuses an empty userName, an email without a value and a non-boolean active", async () => {
      await expectDomainError(directory.users.create(org, { userName: " " }), "invalid_value");
      await expectDomainError(directory.users.create(org, { userName: "e@x.test", emails: [{ value: "", type: null, display: null, primary: false }] }), "invalid_value");
      await expectDomainError(directory.users.create(org, { userName: "f@x.test", active: "false" as unknown as boolean }), "invalid_value");
      expect(await countRows(ctx.db, "users", "user_name IN ('e@x.test', 'f@x.test')")).to.equal(0);
    });

    it("answers not_found for an organization that does not exist", async () => {
      await expectDomainError(directory.users.create(randomUUID(), { userName: "orphan@example.com" }), "not_found");
    });
  });

  describe("replace", () => {
    it("replaces the attributes, bumps the version and drops the old emails", async () => {
      const user = await directory.users.create(org, { ...fullUser, userName: "replace-me@example.com", externalId: null });
      const replaced = await directory.users.replace(org, user.id, {
        userName: "replaced@example.com",
        emails: [{ value: "new@example.com", type: "work", display: null, primary: true }],
      });
      expect(replaced.version).to.be.greaterThan(user.version);
      expect(replaced.userName).to.equal("replaced@example.com");
      expect(replaced.emails.map((email) => email.value)).to.deep.equal(["new@example.com"]);
      expect(replaced.phoneNumbers).to.deep.equal([]);
      expect(replaced.displayName).to.equal(null);
      expect(replaced.enterprise.manager).to.equal(null);
      expect(await directory.users.get(org, user.id)).to.deep.equal(replaced);
      const { rows } = await ctx.db.query<{ value: string }>(`SELECT value FROM user_emails WHERE user_id = $1`, [user.id]);
      expect(rows.map((row) => row.value)).to.deep.equal(["new@example.com"]);
      expect(await countRows(ctx.db, "user_addresses", "user_id = $1", [user.id])).to.equal(0);
    });

    it("applies a replace whose expectedVersion is current", async () => {
      const user = await directory.users.create(org, { userName: "versioned@example.com" });
      const replaced = await directory.users.replace(org, user.id, { userName: "versioned@example.com", title: "Boss" }, user.version);
      expect(replaced.title).to.equal("Boss");
    });

    it("refuses a replace with a stale expectedVersion and changes nothing", async () => {
      const user = await directory.users.create(org, { userName: "stale@example.com", emails: [{ value: "stale@example.com", type: "work", display: null, primary: true }] });
      const current = await directory.users.replace(org, user.id, { ...user, displayName: "Second write" });
      const error = await expectDomainError(
        directory.users.replace(org, user.id, { userName: "lost-update@example.com", emails: [] }, user.version),
        "precondition_failed",
      );
      expect(error.details?.version).to.equal(current.version);
      expect(await directory.users.get(org, user.id)).to.deep.equal(current);
    });

    it("refuses to take another user's userName and leaves the user unchanged", async () => {
      await directory.users.create(org, { userName: "taken@example.com" });
      const user = await directory.users.create(org, { userName: "mine@example.com", displayName: "Mine" });
      await expectDomainError(directory.users.replace(org, user.id, { userName: "TAKEN@example.com" }), "conflict");
      expect(await directory.users.get(org, user.id)).to.deep.equal(user);
    });

    it("answers not_found for an unknown user", async () => {
      await expectDomainError(directory.users.replace(org, randomUUID(), { userName: "nobody@example.com" }), "not_found");
      await expectDomainError(directory.users.replace(org, "nobody", { userName: "nobody@example.com" }), "not_found");
    });
  });

  describe("setActive", () => {
    it("deactivates and reactivates a user, bumping the version each time", async () => {
      const user = await directory.users.create(org, { userName: "toggle@example.com" });
      await directory.users.setActive(org, user.id, false);
      const inactive = await directory.users.get(org, user.id);
      expect(inactive.active).to.equal(false);
      expect(inactive.version).to.be.greaterThan(user.version);
      await directory.users.setActive(org, user.id, true);
      expect((await directory.users.get(org, user.id)).active).to.equal(true);
    });

    it("answers not_found for an unknown user", async () => {
      await expectDomainError(directory.users.setActive(org, randomUUID(), false), "not_found");
    });
  });

  describe("findByUserName", () => {
    it("finds a user whatever the case, and only in its organization", async () => {
      const user = await directory.users.create(org, { userName: "Case.Mixed@Example.com" });
      expect((await directory.users.findByUserName(org, "case.mixed@example.COM"))?.id).to.equal(user.id);
      const other = await newOrganization(directory, "Other");
      expect(await directory.users.findByUserName(other, "case.mixed@example.com")).to.equal(null);
    });
  });

  describe("tenant isolation", () => {
    it("answers not_found to another organization and leaves the user alone", async () => {
      const user = await directory.users.create(org, { userName: "private@example.com", displayName: "Private" });
      const other = await newOrganization(directory, "Intruder");
      await expectDomainError(directory.users.get(other, user.id), "not_found");
      await expectDomainError(directory.users.replace(other, user.id, { userName: "stolen@example.com" }), "not_found");
      await expectDomainError(directory.users.setActive(other, user.id, false), "not_found");
      await expectDomainError(directory.users.remove(other, user.id), "not_found");
      expect((await directory.users.list(other)).items.map((u) => u.id)).to.not.include(user.id);
      expect(await directory.users.get(org, user.id)).to.deep.equal(user);
    });
  });
});
