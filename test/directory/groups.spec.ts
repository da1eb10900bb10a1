import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import type { GroupRecord } from "../../src/directory/groups.service.js";
import { byCreation, countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: groups", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;
  let counter = 0;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Groups");
  });

  async function newUsers(count: number, organizationId = org): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      counter += 1;
      ids.push((await directory.users.create(organizationId, { userName: `member-${counter}@example.com` })).id);
    }
    return ids;
  }

  const memberIdsOf = async (groupId: string, organizationId = org) =>
    (await directory.memberships.list(organizationId, groupId)).map((member) => member.userId).sort();

  describe("create", () => {
    it("stores the group's attributes and reads them back", async () => {
      const group = await directory.groups.create(org, { displayName: "  Tour Guides ", externalId: "okta-g1", origin: "manual", extraAttributes: { note: "seasonal" } });
      expect(group).to.include({ displayName: "Tour Guides", externalId: "okta-g1", origin: "manual", organizationId: org });
      expect(group.extraAttributes).to.deep.equal({ note: "seasonal" });
      expect(await directory.groups.get(org, group.id)).to.deep.equal(group);
    });

    it("defaults origin to scim and starts without members", async () => {
      const group = await directory.groups.create(org, { displayName: "Empty" });
      expect(group.origin).to.equal("scim");
      expect(await directory.memberships.count(org, group.id)).to.equal(0);
    });

    it("adds the initial members in the same call", async () => {
      const ids = await newUsers(3);
      const group = await directory.groups.create(org, { displayName: "Founders", memberIds: ids });
      expect(await memberIdsOf(group.id)).to.deep.equal([...ids].sort());
      expect(await directory.groups.get(org, group.id)).to.deep.equal(group);
    });

    const unknownCases: Array<[string, () => Promise<string>]> = [
      ["a random uuid", async () => randomUUID()],
      ["a user of another organization", async () => (await newUsers(1, await newOrganization(directory, "Elsewhere")))[0] as string],
      ["an id that is not a uuid", async () => "not-a-uuid"],
    ];
    for (const [label, makeId] of unknownCases) {
      it(`creates no group when one initial member is ${label}, and names the unknown id`, async () => {
        const [known] = await newUsers(1);
        const unknown = await makeId();
        const displayName = `Half Valid ${counter}`;
        const error = await expectDomainError(directory.groups.create(org, { displayName, memberIds: [known as string, unknown] }), "invalid_value");
        expect(error.details?.unknownUserIds).to.deep.equal([unknown]);
        expect(await directory.groups.findByDisplayName(org, displayName)).to.equal(null);
        expect(await countRows(ctx.db, "group_members", "user_id = $1", [known])).to.equal(0);
      });
    }

    it("lists every unknown id, not just the first", async () => {
      const unknown = [randomUUID(), randomUUID(), "bogus"];
      const error = await expectDomainError(directory.groups.create(org, { displayName: "Many Unknown", memberIds: unknown }), "invalid_value");
      expect(error.details?.unknownUserIds).to.have.members(unknown);
    });

    it("refuses a displayName taken in the organization in another case, naming the field", async () => {
      await directory.groups.create(org, { displayName: "Admins" });
      const error = await expectDomainError(directory.groups.create(org, { displayName: "ADMINS" }), "conflict");
      expect(error.details?.field).to.equal("displayName");
      expect(await countRows(ctx.db, "groups", "organization_id = $1 AND lower(display_name) = 'admins'", [org])).to.equal(1);
    });

    it("allows the same displayName in another organization", async () => {
      const other = await newOrganization(directory, "Other");
      expect((await directory.groups.create(other, { displayName: "Admins" })).organizationId).to.equal(other);
    });

    it("refuses an externalId taken in the organization", async () => {
      await directory.groups.create(org, { displayName: "Ext One", externalId: "ext-dup" });
      const error = await expectDomainError(directory.groups.create(org, { displayName: "Ext Two", externalId: "ext-dup" }), "conflict");
      expect(error.details?.field).to.equal("externalId");
    });

    // Bug: groups.service.ts withUniqueness() maps only unique violations, so the foreign key violation
    // escapes as a raw QueryFailedError (a 500), unlike users.create and workspaces.create.
    it("answers not_found for an organization that does not exist", async () => {
      await expectDomainError(directory.groups.create(randomUUID(), { displayName: "Orphan Group" }), "not_found");
    });

    it("refuses an empty displayName or an unknown origin with invalid_value", async () => {
      await expectDomainError(directory.groups.create(org, { displayName: "" }), "invalid_value");
      await expectDomainError(directory.groups.create(org, { displayName: "Odd Origin", origin: "ldap" as "scim" }), "invalid_value");
      expect(await directory.groups.findByDisplayName(org, "Odd Origin")).to.equal(null);
    });
  });

  describe("update", () => {
    it("changes the given attributes, clears externalId with null, and bumps the version", async () => {
      const group = await directory.groups.create(org, { displayName: "Ops", externalId: "ops-1", extraAttributes: { a: 1 } });
      const renamed = await directory.groups.update(org, group.id, { displayName: "Operations" });
      expect(renamed).to.include({ displayName: "Operations", externalId: "ops-1" });
      expect(renamed.version).to.be.greaterThan(group.version);
      const cleared = await directory.groups.update(org, group.id, { externalId: null, extraAttributes: { b: 2 } });
      expect(cleared).to.include({ displayName: "Operations", externalId: null });
      expect(cleared.extraAttributes).to.deep.equal({ b: 2 });
    });

    it("refuses a stale expectedVersion and changes nothing", async () => {
      const group = await directory.groups.create(org, { displayName: "Versioned" });
      const current = await directory.groups.update(org, group.id, { displayName: "Versioned 2" });
      const error = await expectDomainError(directory.groups.update(org, group.id, { displayName: "Lost" }, group.version), "precondition_failed");
      expect(error.details?.version).to.equal(current.version);
      expect(await directory.groups.get(org, group.id)).to.deep.equal(current);
    });

    it("refuses a displayName taken by another group", async () => {
      await directory.groups.create(org, { displayName: "Red Team" });
      const blue = await directory.groups.create(org, { displayName: "Blue Team" });
      await expectDomainError(directory.groups.update(org, blue.id, { displayName: "red team" }), "conflict");
      expect((await directory.groups.get(org, blue.id)).displayName).to.equal("Blue Team");
    });

    it("answers not_found for an unknown group", async () => {
      await expectDomainError(directory.groups.update(org, randomUUID(), { displayName: "Ghost" }), "not_found");
      await expectDomainError(directory.groups.update(org, "ghost", { displayName: "Ghost" }), "not_found");
    });
  });

  describe("remove", () => {
    it("deletes the group and its memberships but not its members", async () => {
      const ids = await newUsers(2);
      const group = await directory.groups.create(org, { displayName: "Disbanded", memberIds: ids });
      await directory.groups.remove(org, group.id);
      await expectDomainError(directory.groups.get(org, group.id), "not_found");
      expect(await countRows(ctx.db, "group_members", "group_id = $1", [group.id])).to.equal(0);
      for (const id of ids) expect((await directory.users.get(org, id)).id).to.equal(id);
      await expectDomainError(directory.groups.remove(org, group.id), "not_found");
    });
  });

  describe("list", () => {
    it("pages in creation order with the organization's total", async () => {
      const listOrg = await newOrganization(directory, "Listing");
      const created: GroupRecord[] = [];
      for (const displayName of ["g1", "g2", "g3", "g4", "g5"]) created.push(await directory.groups.create(listOrg, { displayName }));
      const page = await directory.groups.list(listOrg, { limit: 2, offset: 2 });
      expect(page.items.map((group) => group.id)).to.deep.equal(byCreation(created).slice(2, 4).map((group) => group.id));
      expect(page).to.include({ total: 5, limit: 2, offset: 2 });
    });
  });

  describe("tenant isolation", () => {
    it("answers not_found to another organization and leaves the group alone", async () => {
      const [member] = await newUsers(1);
      const group = await directory.groups.create(org, { displayName: "Private Group", memberIds: [member as string] });
      const other = await newOrganization(directory, "Intruder");
      await expectDomainError(directory.groups.get(other, group.id), "not_found");
      await expectDomainError(directory.groups.update(other, group.id, { displayName: "Taken Over" }), "not_found");
      await expectDomainError(directory.groups.remove(other, group.id), "not_found");
      expect(await directory.groups.findByDisplayName(other, "Private Group")).to.equal(null);
      expect((await directory.groups.list(other)).total).to.equal(0);
      expect(await directory.groups.get(org, group.id)).to.deep.equal(group);
      expect(await memberIdsOf(group.id)).to.deep.equal([member]);
    });
  });
});
