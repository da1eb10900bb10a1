import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { OverrideInput } from "../../src/directory/overrides.service.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: membership overrides", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let counter = 0;

  /** An organization with groups UK and US and users Ann and Bob. */
  async function world() {
    counter += 1;
    const org = await newOrganization(directory, "Overrides");
    const uk = (await directory.groups.create(org, { displayName: "UK Marketing" })).id;
    const us = (await directory.groups.create(org, { displayName: "US Marketing" })).id;
    const ann = (await directory.users.create(org, { userName: `ann${counter}@example.com` })).id;
    const bob = (await directory.users.create(org, { userName: `bob${counter}@example.com` })).id;
    return { org, uk, us, ann, bob };
  }
  type World = Awaited<ReturnType<typeof world>>;

  let a: World;
  let b: World;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    a = await world();
    b = await world();
  });

  const version = async (org: string) =>
    Number((await ctx.db.query<{ v: string }>(`SELECT access_version AS v FROM organizations WHERE id = $1`, [org])).rows[0]?.v);
  const snapshot = async (org: string) =>
    (await ctx.db.query(`SELECT group_id, user_id, kind, reason, author, created_at FROM membership_overrides WHERE organization_id = $1 ORDER BY id`, [org])).rows;
  const pin = (w: World, userId = w.ann): OverrideInput => ({ groupId: w.uk, userId, kind: "pin", reason: "covering during leave", author: "admin@example.com" });

  it("pins a user in a group with a trimmed reason, and bumps the access version", async () => {
    const w = await world();
    const before = await version(w.org);
    const override = await directory.overrides.set(w.org, { ...pin(w), reason: "  covering during leave  " });
    expect(override).to.deep.include({ organizationId: w.org, groupId: w.uk, userId: w.ann, kind: "pin", reason: "covering during leave", author: "admin@example.com" });
    expect(override.createdAt).to.be.instanceOf(Date);
    expect(await version(w.org)).to.be.greaterThan(before);
  });

  it("replaces the kind, reason, author and time of an existing override, keeping one row", async () => {
    const w = await world();
    const first = await directory.overrides.set(w.org, pin(w));
    await new Promise((resolve) => setTimeout(resolve, 15));
    const before = await version(w.org);
    const second = await directory.overrides.set(w.org, { ...pin(w), kind: "exclude", reason: "left the UK team", author: "lead@example.com" });
    expect(second).to.deep.include({ id: first.id, kind: "exclude", reason: "left the UK team", author: "lead@example.com" });
    expect(second.createdAt.getTime()).to.be.greaterThan(first.createdAt.getTime());
    expect(await countRows(ctx.db, "membership_overrides", "organization_id = $1", [w.org])).to.equal(1);
    expect(await version(w.org)).to.be.greaterThan(before);
  });

  it("accepts a reason of exactly 1000 characters", async () => {
    const w = await world();
    expect((await directory.overrides.set(w.org, { ...pin(w), reason: "x".repeat(1000) })).reason).to.have.length(1000);
  });

  it("lists by group, by user, by both, or all, in the order they were set", async () => {
    const w = await world();
    const one = await directory.overrides.set(w.org, pin(w, w.ann));
    const two = await directory.overrides.set(w.org, { ...pin(w, w.bob), groupId: w.us, kind: "exclude" });
    const three = await directory.overrides.set(w.org, pin(w, w.bob));
    const ordered = (...rows: Array<typeof one>) =>
      [...rows].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1)).map((row) => row.id);
    const ids = async (filter: { groupId?: string; userId?: string }) => (await directory.overrides.list(w.org, filter)).map((row) => row.id);
    expect(await ids({})).to.deep.equal(ordered(one, two, three));
    expect(await ids({ groupId: w.uk })).to.deep.equal(ordered(one, three));
    expect(await ids({ userId: w.bob })).to.deep.equal(ordered(two, three));
    expect(await ids({ groupId: w.us, userId: w.bob })).to.deep.equal([two.id]);
    await expectDomainError(directory.overrides.list(w.org, { groupId: "uk" }), "invalid_value");
  });

  it("removes an override once, bumping the version; a second remove is not found", async () => {
    const w = await world();
    await directory.overrides.set(w.org, pin(w));
    const before = await version(w.org);
    await directory.overrides.remove(w.org, w.uk, w.ann);
    expect(await version(w.org)).to.be.greaterThan(before);
    expect(await directory.overrides.list(w.org)).to.deep.equal([]);
    await expectDomainError(directory.overrides.remove(w.org, w.uk, w.ann), "not_found");
    await expectDomainError(directory.overrides.remove(w.org, "uk", w.ann), "not_found");
  });

  describe("refuses, changing nothing", () => {
    const refusals: Array<[string, (w: World) => Partial<OverrideInput>, "invalid_value" | "not_found"]> = [
      ["an unknown kind", () => ({ kind: "promote" as never }), "invalid_value"],
      ["a blank reason", () => ({ reason: "   " }), "invalid_value"],
      ["a missing reason", () => ({ reason: undefined as never }), "invalid_value"],
      ["a reason over 1000 characters", () => ({ reason: "x".repeat(1001) }), "invalid_value"],
      ["a missing author", () => ({ author: "" }), "invalid_value"],
      ["an unknown group", () => ({ groupId: randomUUID() }), "not_found"],
      ["an unknown user", () => ({ userId: randomUUID() }), "not_found"],
      ["a malformed group id", () => ({ groupId: "uk" }), "not_found"],
      ["another organization's group", () => ({ groupId: b.uk }), "not_found"],
      ["another organization's user", () => ({ userId: b.ann }), "not_found"],
    ];
    for (const [name, change, code] of refusals) {
      it(name, async () => {
        await directory.overrides.set(a.org, { ...pin(a), reason: "the one in place" });
        const [rows, all, before] = [await snapshot(a.org), await countRows(ctx.db, "membership_overrides"), await version(a.org)];
        await expectDomainError(directory.overrides.set(a.org, { ...pin(a), kind: "exclude", ...change(a) }), code);
        expect(await snapshot(a.org)).to.deep.equal(rows);
        expect(await countRows(ctx.db, "membership_overrides")).to.equal(all);
        expect(await version(a.org)).to.equal(before);
      });
    }
  });

  describe("organization isolation", () => {
    it("neither lists nor removes another organization's overrides", async () => {
      await directory.overrides.set(b.org, pin(b));
      expect(await directory.overrides.list(a.org, { groupId: b.uk })).to.deep.equal([]);
      expect(await directory.overrides.list(a.org, { userId: b.ann })).to.deep.equal([]);
      await expectDomainError(directory.overrides.remove(a.org, b.uk, b.ann), "not_found");
      expect(await directory.overrides.list(b.org, { groupId: b.uk })).to.have.length(1);
    });
  });
});
