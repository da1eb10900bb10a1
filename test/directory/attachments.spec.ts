import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: Space attachments", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let counter = 0;

  /** An organization with a workspace that has Spaces UK and US, and groups Marketing and Sales. */
  async function world() {
    counter += 1;
    const org = await newOrganization(directory, "Attachments");
    const workspace = await directory.workspaces.create(org, { title: `Prod ${counter}`, spacesEnabled: true });
    const uk = (await directory.spaces.create(org, workspace.id, { name: "UK" })).id;
    const us = (await directory.spaces.create(org, workspace.id, { name: "US" })).id;
    const marketing = (await directory.groups.create(org, { displayName: "Marketing" })).id;
    const sales = (await directory.groups.create(org, { displayName: "Sales" })).id;
    return { org, workspace: workspace.id, uk, us, marketing, sales };
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
  const attachments = (org: string) => countRows(ctx.db, "space_attachments", "organization_id = $1", [org]);
  const pairs = (rows: Array<{ groupId: string; spaceId: string }>) => rows.map((row) => `${row.groupId}@${row.spaceId}`);

  it("attaches a group to a Space, names both, and bumps the access version", async () => {
    const w = await world();
    const before = await version(w.org);
    const attachment = await directory.attachments.attach(w.org, w.marketing, w.uk, "admin@example.com");
    expect(attachment).to.deep.include({
      organizationId: w.org, groupId: w.marketing, groupName: "Marketing", spaceId: w.uk, spaceName: "UK", workspaceId: w.workspace, createdBy: "admin@example.com",
    });
    expect(attachment.createdAt).to.be.instanceOf(Date);
    expect(await version(w.org)).to.be.greaterThan(before);
  });

  it("attaching again returns the first attachment unchanged, adds no row and bumps nothing", async () => {
    const w = await world();
    const first = await directory.attachments.attach(w.org, w.marketing, w.uk, "first");
    const before = await version(w.org);
    expect(await directory.attachments.attach(w.org, w.marketing, w.uk, "second")).to.deep.equal(first);
    expect(await attachments(w.org)).to.equal(1);
    expect(await version(w.org)).to.equal(before);
  });

  it("shows the same attachments from the Space's side and the group's side", async () => {
    const w = await world();
    await directory.attachments.attach(w.org, w.sales, w.uk);
    await directory.attachments.attach(w.org, w.marketing, w.uk);
    await directory.attachments.attach(w.org, w.marketing, w.us);
    const ofUk = await directory.attachments.listForSpace(w.org, w.uk);
    const ofMarketing = await directory.attachments.listForGroup(w.org, w.marketing);
    expect(pairs(ofUk)).to.deep.equal([`${w.marketing}@${w.uk}`, `${w.sales}@${w.uk}`]);
    expect(pairs(ofMarketing)).to.deep.equal([`${w.marketing}@${w.uk}`, `${w.marketing}@${w.us}`]);
    expect(ofUk.find((row) => row.groupId === w.marketing)).to.deep.equal(ofMarketing.find((row) => row.spaceId === w.uk));
    expect(await directory.attachments.listForGroup(w.org, w.sales)).to.have.length(1);
  });

  it("detaches once, bumping the version, and both views forget it; a second detach is not found", async () => {
    const w = await world();
    await directory.attachments.attach(w.org, w.marketing, w.uk);
    const before = await version(w.org);
    await directory.attachments.detach(w.org, w.marketing, w.uk);
    expect(await version(w.org)).to.be.greaterThan(before);
    expect(await directory.attachments.listForSpace(w.org, w.uk)).to.deep.equal([]);
    expect(await directory.attachments.listForGroup(w.org, w.marketing)).to.deep.equal([]);
    await expectDomainError(directory.attachments.detach(w.org, w.marketing, w.uk), "not_found");
  });

  it("forgets a group's attachments when the group is deleted", async () => {
    const w = await world();
    await directory.attachments.attach(w.org, w.sales, w.us);
    await directory.groups.remove(w.org, w.sales);
    expect(await directory.attachments.listForSpace(w.org, w.us)).to.deep.equal([]);
  });

  describe("refuses, changing nothing", () => {
    const refusals: Array<[string, (w: World) => [string, string], "not_found" | "precondition_failed"]> = [
      ["an unknown group", (w) => [randomUUID(), w.uk], "not_found"],
      ["an unknown Space", (w) => [w.marketing, randomUUID()], "not_found"],
      ["a malformed group id", (w) => ["marketing", w.uk], "not_found"],
      ["a malformed Space id", (w) => [w.marketing, "uk"], "not_found"],
      ["another organization's group", (w) => [b.marketing, w.uk], "not_found"],
      ["another organization's Space", (w) => [w.marketing, b.uk], "not_found"],
    ];
    for (const [name, pick, code] of refusals) {
      it(`to attach ${name}`, async () => {
        const [count, all, before] = [await attachments(a.org), await countRows(ctx.db, "space_attachments"), await version(a.org)];
        await expectDomainError(directory.attachments.attach(a.org, ...pick(a)), code);
        expect(await attachments(a.org)).to.equal(count);
        expect(await countRows(ctx.db, "space_attachments")).to.equal(all);
        expect(await version(a.org)).to.equal(before);
      });
    }

    it("to attach in a workspace whose Spaces are off", async () => {
      const w = await world();
      // Not reachable through the workspaces service (it refuses while Spaces exist): a hand-edited row.
      await ctx.db.query(`UPDATE workspaces SET spaces_enabled = false WHERE id = $1`, [w.workspace]);
      const error = await expectDomainError(directory.attachments.attach(w.org, w.marketing, w.uk), "precondition_failed");
      expect(error.details?.workspaceId).to.equal(w.workspace);
      expect(await attachments(w.org)).to.equal(0);
    });
  });

  describe("organization isolation", () => {
    it("neither lists, nor detaches another organization's attachments", async () => {
      await directory.attachments.attach(b.org, b.marketing, b.uk);
      await expectDomainError(directory.attachments.listForSpace(a.org, b.uk), "not_found");
      await expectDomainError(directory.attachments.listForGroup(a.org, b.marketing), "not_found");
      await expectDomainError(directory.attachments.detach(a.org, b.marketing, b.uk), "not_found");
      expect(pairs(await directory.attachments.listForSpace(b.org, b.uk))).to.deep.equal([`${b.marketing}@${b.uk}`]);
    });

    it("refuses to list for a malformed or unknown id", async () => {
      await expectDomainError(directory.attachments.listForSpace(a.org, "x"), "not_found");
      await expectDomainError(directory.attachments.listForGroup(a.org, randomUUID()), "not_found");
    });
  });
});
