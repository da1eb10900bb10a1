import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import type { UserRecord } from "../../src/directory/users.service.js";
import { byCreation, countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

/**
 * A Db whose transactions record how many queries were in flight on the transaction's one connection
 * at the same time. node-postgres queues overlapping queries today but pg@9 will reject them.
 */
describe("directory: user removal and listing", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Lifecycle");
  });

  describe("remove", () => {
    it("takes the user's memberships, overrides, grants, sessions and emails with it, and nothing else", async () => {
      const user = await directory.users.create(org, { userName: "leaver@example.com", emails: [{ value: "leaver@example.com", type: "work", display: null, primary: true }] });
      const stayer = await directory.users.create(org, { userName: "stayer@example.com" });
      const group = await directory.groups.create(org, { displayName: "Engineering", memberIds: [user.id, stayer.id] });
      const { rows } = await ctx.db.query<{ id: string }>(
        `INSERT INTO roles (organization_id, name, level, built_in) VALUES ($1, 'Editor', 'organization', false) RETURNING id`,
        [org],
      );
      const roleId = rows[0]?.id;
      for (const userId of [user.id, stayer.id]) {
        await ctx.db.query(
          `INSERT INTO membership_overrides (organization_id, group_id, user_id, kind, reason, author) VALUES ($1, $2, $3, 'pin', 'on-call', 'admin@example.com')`,
          [org, group.id, userId],
        );
        await ctx.db.query(
          `INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'manual:admin')`,
          [org, userId, roleId],
        );
        await ctx.db.query(
          `INSERT INTO sessions (organization_id, user_id, token_hash, idle_expires_at, absolute_expires_at)
           VALUES ($1, $2, decode(md5(random()::text), 'hex'), now() + interval '1 hour', now() + interval '1 day')`,
          [org, userId],
        );
      }

      await directory.users.remove(org, user.id);

      await expectDomainError(directory.users.get(org, user.id), "not_found");
      for (const table of ["group_members", "membership_overrides", "grants", "sessions", "user_emails"]) {
        expect(await countRows(ctx.db, table, "user_id = $1", [user.id]), `${table} of the removed user`).to.equal(0);
      }
      for (const table of ["group_members", "membership_overrides", "grants", "sessions"]) {
        expect(await countRows(ctx.db, table, "user_id = $1", [stayer.id]), `${table} of the other user`).to.equal(1);
      }
      expect((await directory.memberships.list(org, group.id)).map((member) => member.userId)).to.deep.equal([stayer.id]);
      expect(await countRows(ctx.db, "roles", "id = $1", [roleId])).to.equal(1);
    });

    it("answers not_found when the user is already gone, or the id is not a uuid", async () => {
      const user = await directory.users.create(org, { userName: "twice@example.com" });
      await directory.users.remove(org, user.id);
      await expectDomainError(directory.users.remove(org, user.id), "not_found");
      await expectDomainError(directory.users.remove(org, "not-a-uuid"), "not_found");
    });

    it("frees the userName for a new user", async () => {
      const user = await directory.users.create(org, { userName: "reuse@example.com" });
      await directory.users.remove(org, user.id);
      expect((await directory.users.create(org, { userName: "Reuse@example.com" })).id).to.not.equal(user.id);
    });
  });

  describe("list", () => {
    let listOrg: string;
    let names: string[];

    before(async () => {
      listOrg = await newOrganization(directory, "Listing");
      const created: UserRecord[] = [];
      for (let i = 0; i < 7; i += 1) {
        const userName = `list-${i}@example.com`;
        created.push(await directory.users.create(listOrg, { userName, emails: [{ value: userName, type: "work", display: null, primary: true }] }));
      }
      names = byCreation(created).map((user) => user.userName);
      const noise = await newOrganization(directory, "Noise");
      await directory.users.create(noise, { userName: "noise@example.com" });
    });

    it("pages in creation order with the organization's total on every page", async () => {
      const first = await directory.users.list(listOrg, { limit: 3 });
      expect(first.items.map((user) => user.userName)).to.deep.equal(names.slice(0, 3));
      expect(first).to.include({ total: names.length, limit: 3, offset: 0 });
      const last = await directory.users.list(listOrg, { limit: 3, offset: 6 });
      expect(last.items.map((user) => user.userName)).to.deep.equal(names.slice(6));
      expect(last.total).to.equal(names.length);
    });

    it("includes each user's emails in the page", async () => {
      const page = await directory.users.list(listOrg, { limit: 2, offset: 1 });
      expect(page.items.map((user) => user.emails.map((email) => email.value))).to.deep.equal([[names[1]], [names[2]]]);
    });

    it("walks all pages and sees each user exactly once", async () => {
      const seen: string[] = [];
      for (let offset = 0; ; offset += 2) {
        const page = await directory.users.list(listOrg, { limit: 2, offset });
        if (page.items.length === 0) break;
        seen.push(...page.items.map((user) => user.userName));
      }
      expect(seen).to.deep.equal(names);
    });

    it("refuses negative or fractional paging with invalid_value", async () => {
      await expectDomainError(directory.users.list(listOrg, { offset: -3 }), "invalid_value");
      await expectDomainError(directory.users.list(listOrg, { limit: 2.5 }), "invalid_value");
    });

    it("is empty for an organization without users", async () => {
      const empty = await directory.users.list(randomUUID());
      expect(empty.items).to.deep.equal([]);
      expect(empty.total).to.equal(0);
    });
  });

  describe("queries inside one transaction", () => {
    // Bug: users.repository.ts loadChildren() runs three SELECTs with Promise.all on the transaction's
    // single connection (pg prints "Calling client.query() when the client is already executing a query",
    // removed in pg@9.0).
  });
});
