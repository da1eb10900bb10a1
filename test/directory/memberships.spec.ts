import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: group memberships", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;
  let counter = 0;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Memberships");
  });

  async function newUsers(count: number, organizationId = org): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      counter += 1;
      ids.push((await directory.users.create(organizationId, { userName: `m-${counter}@example.com`, displayName: `Member ${counter}` })).id);
    }
    return ids;
  }

  async function newGroup(memberIds: string[] = [], organizationId = org): Promise<string> {
    counter += 1;
    return (await directory.groups.create(organizationId, { displayName: `Group ${counter}`, memberIds })).id;
  }

  const membersOf = async (groupId: string) => (await directory.memberships.list(org, groupId)).map((member) => member.userId).sort();
  const versionOf = async (groupId: string) => (await directory.groups.get(org, groupId)).version;
  const sorted = (ids: Array<string | undefined>) => (ids as string[]).slice().sort();

  describe("add", () => {
    it("adds users and reports how many were new; adding them again adds nothing", async () => {
      const [a, b, c] = await newUsers(3);
      const group = await newGroup([a as string]);
      expect(await directory.memberships.add(org, group, [a as string, b as string, c as string])).to.deep.equal({ added: 2, removed: 0 });
      expect(await directory.memberships.add(org, group, [a as string, b as string])).to.deep.equal({ added: 0, removed: 0 });
      expect(await membersOf(group)).to.deep.equal(sorted([a, b, c]));
    });

    it("counts a user listed twice, or in upper case, once", async () => {
      const [a] = await newUsers(1);
      const group = await newGroup();
      expect((await directory.memberships.add(org, group, [a as string, (a as string).toUpperCase(), a as string])).added).to.equal(1);
      expect(await directory.memberships.count(org, group)).to.equal(1);
    });

    it("bumps the group's version when members change and leaves it alone when nothing changes", async () => {
      const [a] = await newUsers(1);
      const group = await newGroup();
      const start = await versionOf(group);
      await directory.memberships.add(org, group, [a as string]);
      const afterAdd = await versionOf(group);
      expect(afterAdd).to.be.greaterThan(start);
      await directory.memberships.add(org, group, [a as string]);
      await directory.memberships.remove(org, group, [randomUUID()]);
      await directory.memberships.replace(org, group, [a as string]);
      expect(await versionOf(group)).to.equal(afterAdd);
    });

    it("bumps the group's version when a member is deleted as a user (a cascade no service sees)", async () => {
      const [a, b] = await newUsers(2);
      const group = await newGroup();
      await directory.memberships.add(org, group, [a as string, b as string]);
      const before = await versionOf(group);
      await directory.users.remove(org, a as string);
      expect(await versionOf(group)).to.be.greaterThan(before);
      expect(await directory.memberships.count(org, group)).to.equal(1);
    });

    it("refuses unknown ids with invalid_value, naming them, and adds none of the known ones", async () => {
      const [a] = await newUsers(1);
      const group = await newGroup();
      const ghost = randomUUID();
      const error = await expectDomainError(directory.memberships.add(org, group, [a as string, ghost, "nope"]), "invalid_value");
      expect(error.details?.unknownUserIds).to.have.members([ghost, "nope"]);
      expect(await directory.memberships.count(org, group)).to.equal(0);
    });
  });

  describe("remove", () => {
    // Entra ID's classic data-loss bug: a "remove one member" that rewrote the group without everyone else.
    it("removes exactly the listed users and keeps every other member", async () => {
      const [a, b, c, d] = await newUsers(4);
      const group = await newGroup([a, b, c, d] as string[]);
      expect(await directory.memberships.remove(org, group, [b as string])).to.deep.equal({ added: 0, removed: 1 });
      expect(await membersOf(group)).to.deep.equal(sorted([a, c, d]));
    });

    it("ignores users who are not members and ids that are not uuids", async () => {
      const [a, outsider] = await newUsers(2);
      const group = await newGroup([a as string]);
      const version = await versionOf(group);
      expect(await directory.memberships.remove(org, group, [outsider as string, randomUUID(), "garbage"])).to.deep.equal({ added: 0, removed: 0 });
      expect(await membersOf(group)).to.deep.equal([a]);
      expect(await versionOf(group)).to.equal(version);
    });

    it("leaves the removed user's other groups alone", async () => {
      const [a] = await newUsers(1);
      const first = await newGroup([a as string]);
      const second = await newGroup([a as string]);
      await directory.memberships.remove(org, first, [a as string]);
      expect(await membersOf(second)).to.deep.equal([a]);
    });
  });

  describe("replace", () => {
    it("applies only the difference and ends with exactly the given members", async () => {
      const [a, b, c, d, e] = await newUsers(5);
      const group = await newGroup([a, b, c] as string[]);
      expect(await directory.memberships.replace(org, group, [b, c, d, e] as string[])).to.deep.equal({ added: 2, removed: 1 });
      expect(await membersOf(group)).to.deep.equal(sorted([b, c, d, e]));
    });

    it("changes nothing when given the current members in another order", async () => {
      const [a, b] = await newUsers(2);
      const group = await newGroup([a, b] as string[]);
      const version = await versionOf(group);
      expect(await directory.memberships.replace(org, group, [b, a] as string[])).to.deep.equal({ added: 0, removed: 0 });
      expect(await versionOf(group)).to.equal(version);
    });

    it("empties the group when given no members", async () => {
      const group = await newGroup(await newUsers(3));
      expect(await directory.memberships.replace(org, group, [])).to.deep.equal({ added: 0, removed: 3 });
      expect(await directory.memberships.count(org, group)).to.equal(0);
    });

    it("refuses unknown ids and keeps the members as they were", async () => {
      const [a, b] = await newUsers(2);
      const group = await newGroup([a as string]);
      await expectDomainError(directory.memberships.replace(org, group, [b as string, randomUUID()]), "invalid_value");
      expect(await membersOf(group)).to.deep.equal([a]);
    });
  });

  describe("list and groupsOfUser", () => {
    it("walks every member exactly once with keyset paging", async () => {
      const ids = await newUsers(23);
      const group = await newGroup(ids);
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await directory.memberships.list(org, group, { afterUserId: after, limit: 5 });
        if (page.length === 0) break;
        expect(page.length).to.be.at.most(5);
        seen.push(...page.map((member) => member.userId));
        after = page[page.length - 1]?.userId;
      }
      expect(seen).to.have.length(ids.length);
      expect(seen.slice().sort()).to.deep.equal(ids.slice().sort());
    });

    it("gives each member's userName and displayName", async () => {
      const [a] = await newUsers(1);
      const group = await newGroup([a as string]);
      const user = await directory.users.get(org, a as string);
      expect(await directory.memberships.list(org, group)).to.deep.equal([{ userId: a, userName: user.userName, displayName: user.displayName }]);
    });

    it("refuses an afterUserId that is not a uuid", async () => {
      await expectDomainError(directory.memberships.list(org, await newGroup(), { afterUserId: "zzz" }), "invalid_value");
    });

    it("lists a user's groups by name, and none after the user leaves them", async () => {
      const [a] = await newUsers(1);
      const groupIds = [await newGroup([a as string]), await newGroup([a as string])];
      await newGroup();
      const groups = await directory.memberships.groupsOfUser(org, a as string);
      expect(groups.map((group) => group.groupId).sort()).to.deep.equal(groupIds.slice().sort());
      const names = groups.map((group) => group.displayName);
      expect(names).to.deep.equal([...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
      for (const id of groupIds) await directory.memberships.remove(org, id, [a as string]);
      expect(await directory.memberships.groupsOfUser(org, a as string)).to.deep.equal([]);
    });

    it("answers not_found for the groups of an unknown user", async () => {
      await expectDomainError(directory.memberships.groupsOfUser(org, randomUUID()), "not_found");
    });

    it("drops a deleted user from every group", async () => {
      const [a, b] = await newUsers(2);
      const group = await newGroup([a, b] as string[]);
      await directory.users.remove(org, a as string);
      expect(await membersOf(group)).to.deep.equal([b]);
    });
  });

  describe("tenant isolation", () => {
    it("refuses to add another organization's user to a group, naming the id", async () => {
      const other = await newOrganization(directory, "Other");
      const [foreign] = await newUsers(1, other);
      const group = await newGroup();
      const error = await expectDomainError(directory.memberships.add(org, group, [foreign as string]), "invalid_value");
      expect(error.details?.unknownUserIds).to.deep.equal([foreign]);
      expect(await countRows(ctx.db, "group_members", "user_id = $1", [foreign])).to.equal(0);
    });

    it("answers not_found for another organization's group on every operation", async () => {
      const other = await newOrganization(directory, "Other");
      const [member] = await newUsers(1);
      const [foreignUser] = await newUsers(1, other);
      const group = await newGroup([member as string]);
      await expectDomainError(directory.memberships.add(other, group, [foreignUser as string]), "not_found");
      await expectDomainError(directory.memberships.remove(other, group, [member as string]), "not_found");
      await expectDomainError(directory.memberships.replace(other, group, []), "not_found");
      await expectDomainError(directory.memberships.list(other, group), "not_found");
      await expectDomainError(directory.memberships.count(other, group), "not_found");
      await expectDomainError(directory.memberships.groupsOfUser(other, member as string), "not_found");
      expect(await membersOf(group)).to.deep.equal([member]);
    });

    it("answers not_found for a group id that is not a uuid", async () => {
      await expectDomainError(directory.memberships.add(org, "nope", []), "not_found");
      await expectDomainError(directory.memberships.list(org, "nope"), "not_found");
    });
  });

  describe("a large group", () => {
    it("adds 5,000 users in one call and then removes 10 of them", async function () {
      this.timeout(180_000);
      const bulkOrg = await newOrganization(directory, "Bulk");
      const { rows } = await ctx.db.query<{ id: string }>(
        `INSERT INTO users (organization_id, user_name) SELECT $1, 'bulk-' || n || '@example.com' FROM generate_series(1, 5000) AS n RETURNING id`,
        [bulkOrg],
      );
      const ids = rows.map((row) => row.id);
      const group = await directory.groups.create(bulkOrg, { displayName: "Everyone" });

      expect(await directory.memberships.add(bulkOrg, group.id, ids)).to.deep.equal({ added: 5000, removed: 0 });
      expect(await directory.memberships.count(bulkOrg, group.id)).to.equal(5000);

      const leavers = ids.slice(100, 110);
      expect(await directory.memberships.remove(bulkOrg, group.id, leavers)).to.deep.equal({ added: 0, removed: 10 });
      expect(await directory.memberships.count(bulkOrg, group.id)).to.equal(4990);
      expect(await countRows(ctx.db, "group_members", "group_id = $1 AND user_id = ANY($2::uuid[])", [group.id, leavers])).to.equal(0);
      expect(await countRows(ctx.db, "users", "organization_id = $1", [bulkOrg])).to.equal(5000);
    });
  });
});
