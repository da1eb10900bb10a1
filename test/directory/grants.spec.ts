import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { GrantInput, GrantTarget } from "../../src/directory/grants.service.js";
import { upsertResource } from "../../src/store/access.repository.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, randomUUID } from "./helpers.js";

describe("directory: grants", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let counter = 0;

  /** One organization's things: a workspace with Spaces and a Space, one without, a resource, people, a custom role. */
  async function world(plan: "free" | "paid" = "paid") {
    counter += 1;
    const org = (await directory.organizations.create({ name: `Grants ${counter} ${randomUUID().slice(0, 6)}`, plan: "paid" })).id;
    const workspace = await directory.workspaces.create(org, { title: "Prod", spacesEnabled: true });
    const plain = await directory.workspaces.create(org, { title: "Stage" });
    const space = await directory.spaces.create(org, workspace.id, { name: "UK" });
    const { resource } = await upsertResource(ctx.db, {
      organizationId: org, type: "audience", externalId: `a-${counter}`, workspaceId: workspace.id, spaceId: space.id, ownerUserId: null, shares: [],
    });
    const user = (await directory.users.create(org, { userName: `u${counter}@example.com` })).id;
    const group = (await directory.groups.create(org, { displayName: `Marketing ${counter}` })).id;
    const custom = await directory.roles.create(org, { name: "Auditor", level: "workspace", permissions: ["workspace:read"] });
    if (plan === "free") await directory.organizations.update(org, { plan });
    return { org, workspace: workspace.id, plain: plain.id, space: space.id, resource: resource.id, user, group, custom: custom.id };
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
  const grantsOf = (org: string) => countRows(ctx.db, "grants", "organization_id = $1", [org]);
  const editorOfGroup = (w: World, source = "manual:admin"): GrantInput => ({
    principal: { type: "group", id: w.group }, role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: w.workspace }, source,
  });

  describe("grant", () => {
    it("grants a built-in role to a group on a workspace, returns the row, and bumps the access version", async () => {
      const before = await version(a.org);
      const grant = await directory.grants.grant(a.org, { ...editorOfGroup(a), createdBy: "admin@example.com" });
      expect(grant).to.deep.include({
        organizationId: a.org, principal: { type: "group", id: a.group }, scope: { type: "workspace", workspaceId: a.workspace },
        source: "manual:admin", createdBy: "admin@example.com",
      });
      expect(grant.role).to.include({ key: "workspace.editor", name: "Editor", level: "workspace", builtIn: true });
      expect(grant.createdAt).to.be.instanceOf(Date);
      expect(await directory.grants.get(a.org, grant.id)).to.deep.equal(grant);
      expect(await version(a.org)).to.be.greaterThan(before);
    });

    it("reads the workspace of a Space or resource grant from its row", async () => {
      const user = { type: "user", id: a.user } as const;
      const inSpace = await directory.grants.grant(a.org, { principal: user, role: { key: "workspace.viewer" }, scope: { type: "space", spaceId: a.space }, source: "system" });
      expect(inSpace.scope).to.deep.equal({ type: "space", workspaceId: a.workspace, spaceId: a.space });
      const onResource = await directory.grants.grant(a.org, { principal: user, role: { id: a.custom }, scope: { type: "resource", resourceId: a.resource }, source: "invite:i1" });
      expect(onResource.scope).to.deep.equal({ type: "resource", workspaceId: a.workspace, resourceId: a.resource });
      expect(onResource.role).to.deep.equal({ id: a.custom, key: null, name: "Auditor", level: "workspace", builtIn: false });
    });

    it("grants an organization role at organization scope, by key or by the built-in row id", async () => {
      const byKey = await directory.grants.grant(a.org, { principal: { type: "user", id: a.user }, role: { key: "organization.viewer" }, scope: { type: "organization" }, source: "sso:okta" });
      expect(byKey.scope).to.deep.equal({ type: "organization" });
      const byId = await directory.grants.grant(a.org, { principal: { type: "user", id: a.user }, role: { id: byKey.role.id }, scope: { type: "organization" }, source: "sso:okta" });
      expect(byId.id).to.equal(byKey.id);
    });

    it("returns the existing row for an identical grant, adds nothing and leaves the version alone", async () => {
      const first = await directory.grants.grant(a.org, editorOfGroup(a, "manual:idem"));
      const [count, before] = [await grantsOf(a.org), await version(a.org)];
      const again = await directory.grants.grant(a.org, { ...editorOfGroup(a, "manual:idem"), createdBy: "someone else" });
      expect(again).to.deep.equal(first);
      expect(await grantsOf(a.org)).to.equal(count);
      expect(await version(a.org)).to.equal(before);
      const otherSource = await directory.grants.grant(a.org, editorOfGroup(a, "scim:idem"));
      expect(otherSource.id).to.not.equal(first.id);
    });

    it("gives one row to identical grants made at the same time", async () => {
      const w = await world();
      const grants = await Promise.all(Array.from({ length: 5 }, () => directory.grants.grant(w.org, editorOfGroup(w))));
      expect(new Set(grants.map((g) => g.id)).size).to.equal(1);
      expect(await grantsOf(w.org)).to.equal(1);
    });

    it("never leaves a grant of a deleted role when granting and deleting the role race", async () => {
      const w = await world();
      const [granted, removed] = await Promise.allSettled([
        directory.grants.grant(w.org, { ...editorOfGroup(w), role: { id: w.custom } }),
        directory.roles.remove(w.org, w.custom),
      ]);
      expect([["fulfilled", "rejected"], ["rejected", "fulfilled"]], "exactly one of them wins").to.deep.include([granted.status, removed.status]);
      const loser = (granted.status === "rejected" ? granted.reason : removed.status === "rejected" ? removed.reason : null) as { code?: string };
      expect(loser.code).to.equal(granted.status === "rejected" ? "not_found" : "conflict");
      expect(await countRows(ctx.db, "roles", "id = $1", [w.custom])).to.equal(granted.status === "fulfilled" ? 1 : 0);
    });

    it("does not know a built-in role the policy no longer names", async () => {
      const { rows } = await ctx.db.query<{ id: string }>(
        `INSERT INTO roles (key, name, level, built_in) VALUES ('workspace.retired', 'Retired', 'workspace', true) RETURNING id`,
      );
      try {
        await expectDomainError(directory.grants.grant(a.org, { ...editorOfGroup(a), role: { key: "workspace.retired" } }), "not_found");
        await expectDomainError(directory.grants.grant(a.org, { ...editorOfGroup(a), role: { id: rows[0]?.id ?? "" } }), "not_found");
      } finally {
        await ctx.db.query(`DELETE FROM roles WHERE key = 'workspace.retired'`);
      }
    });

    describe("refuses, changing nothing", () => {
      const refusals: Array<[string, (w: World) => Partial<GrantInput>, string]> = [
        ["an organization role on a workspace", (w) => ({ role: { key: "organization.admin" }, scope: { type: "workspace", workspaceId: w.workspace } }), "invalid_value"],
        ["a workspace role at organization scope", () => ({ scope: { type: "organization" } }), "invalid_value"],
        ["an unknown user", () => ({ principal: { type: "user", id: randomUUID() } }), "not_found"],
        ["an unknown group", () => ({ principal: { type: "group", id: randomUUID() } }), "not_found"],
        ["a malformed principal id", () => ({ principal: { type: "group", id: "nope" } }), "not_found"],
        ["a principal of another type", (w) => ({ principal: { type: "robot", id: w.user } as never }), "invalid_value"],
        ["an unknown role key", () => ({ role: { key: "workspace.superuser" } }), "not_found"],
        ["an unknown role id", () => ({ role: { id: randomUUID() } }), "not_found"],
        ["an unknown workspace", () => ({ scope: { type: "workspace", workspaceId: randomUUID() } }), "not_found"],
        ["an unknown Space", () => ({ scope: { type: "space", spaceId: randomUUID() } }), "not_found"],
        ["an unknown resource", () => ({ scope: { type: "resource", resourceId: randomUUID() } }), "not_found"],
        ["an unknown scope type", () => ({ scope: { type: "galaxy" } as never }), "invalid_value"],
        ["an empty source", () => ({ source: "" }), "invalid_value"],
        ["a source without an owner", () => ({ source: "scim:" }), "invalid_value"],
        ["a source of an unknown kind", () => ({ source: "ldap:corp" }), "invalid_value"],
        ["a system source with a suffix", () => ({ source: "system:x" }), "invalid_value"],
        ["a source with a line break", () => ({ source: "manual:a\nb" }), "invalid_value"],
      ];
      for (const [name, change, code] of refusals) {
        it(name, async () => {
          const [count, before] = [await grantsOf(a.org), await version(a.org)];
          await expectDomainError(directory.grants.grant(a.org, { ...editorOfGroup(a), ...change(a) }), code as "invalid_value");
          expect(await grantsOf(a.org)).to.equal(count);
          expect(await version(a.org)).to.equal(before);
        });
      }

      it("a custom role on a plan without custom roles", async () => {
        const free = await world("free");
        const error = await expectDomainError(
          directory.grants.grant(free.org, { ...editorOfGroup(free), role: { id: free.custom } }),
          "precondition_failed",
        );
        expect(error.message).to.equal("custom roles need a paid plan");
        expect(await grantsOf(free.org)).to.equal(0);
      });

      it("a Space grant where the workspace has Spaces off", async () => {
        const w = await world();
        // Not reachable through the workspaces service (it refuses while Spaces exist): a hand-edited row.
        await ctx.db.query(`UPDATE workspaces SET spaces_enabled = false WHERE id = $1`, [w.workspace]);
        await expectDomainError(directory.grants.grant(w.org, { ...editorOfGroup(w), scope: { type: "space", spaceId: w.space } }), "precondition_failed");
        expect(await grantsOf(w.org)).to.equal(0);
      });
    });
  });

  describe("organization isolation", () => {
    const foreign: Array<[string, (other: World) => Partial<GrantInput>]> = [
      ["user", (o) => ({ principal: { type: "user", id: o.user } })],
      ["group", (o) => ({ principal: { type: "group", id: o.group } })],
      ["custom role", (o) => ({ role: { id: o.custom } })],
      ["workspace", (o) => ({ scope: { type: "workspace", workspaceId: o.workspace } })],
      ["Space", (o) => ({ scope: { type: "space", spaceId: o.space } })],
      ["resource", (o) => ({ scope: { type: "resource", resourceId: o.resource } })],
    ];
    for (const [what, change] of foreign) {
      it(`treats another organization's ${what} as not found`, async () => {
        const count = await countRows(ctx.db, "grants");
        await expectDomainError(directory.grants.grant(a.org, { ...editorOfGroup(a), ...change(b) }), "not_found");
        expect(await countRows(ctx.db, "grants")).to.equal(count);
      });
    }

    it("neither shows, lists nor revokes another organization's grant", async () => {
      const theirs = await directory.grants.grant(b.org, editorOfGroup(b));
      await expectDomainError(directory.grants.get(a.org, theirs.id), "not_found");
      await expectDomainError(directory.grants.revoke(a.org, theirs.id), "not_found");
      expect((await directory.grants.list(a.org)).map((g) => g.id)).to.not.include(theirs.id);
      expect(await directory.grants.get(b.org, theirs.id)).to.deep.equal(theirs);
    });
  });

  describe("revoke and list", () => {
    it("revokes a grant once, bumping the version; a second revoke is not found", async () => {
      const grant = await directory.grants.grant(a.org, editorOfGroup(a, "manual:revoke"));
      const before = await version(a.org);
      await directory.grants.revoke(a.org, grant.id);
      expect(await version(a.org)).to.be.greaterThan(before);
      expect(await countRows(ctx.db, "grants", "id = $1", [grant.id])).to.equal(0);
      await expectDomainError(directory.grants.revoke(a.org, grant.id), "not_found");
      await expectDomainError(directory.grants.revoke(a.org, "not-an-id"), "not_found");
    });

    it("lists in creation order, filtered by principal, workspace and source", async () => {
      const w = await world();
      const one = await directory.grants.grant(w.org, editorOfGroup(w, "scim:okta"));
      const two = await directory.grants.grant(w.org, { principal: { type: "user", id: w.user }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: w.plain }, source: "manual:x" });
      const three = await directory.grants.grant(w.org, { principal: { type: "user", id: w.user }, role: { key: "organization.viewer" }, scope: { type: "organization" }, source: "scim:okta" });
      const ids = async (filter: Parameters<Directory["grants"]["list"]>[1]) => (await directory.grants.list(w.org, filter)).map((g) => g.id);
      // The promised order is (createdAt, id): PGlite's clock may give two grants the same millisecond.
      const ordered = (...grants: Array<typeof one>) =>
        [...grants].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1)).map((g) => g.id);
      expect(await ids({})).to.deep.equal(ordered(one, two, three));
      expect(await ids({ principal: { type: "user", id: w.user } })).to.deep.equal(ordered(two, three));
      expect(await ids({ workspaceId: w.workspace })).to.deep.equal([one.id]);
      expect(await ids({ source: "scim:okta" })).to.deep.equal(ordered(one, three));
      expect(await ids({ principal: { type: "group", id: randomUUID() } })).to.deep.equal([]);
      await expectDomainError(directory.grants.list(w.org, { workspaceId: "x" }), "invalid_value");
      await expectDomainError(directory.grants.list(w.org, { source: "nope" }), "invalid_value");
    });
  });

  describe("reconcile", () => {
    const viewerOf = (w: World, workspaceId: string): GrantTarget => ({ principal: { type: "group", id: w.group }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId } });
    const rowsOf = async (org: string) =>
      (await directory.grants.list(org)).map((g) => `${g.source} ${g.role.key} ${"workspaceId" in g.scope ? g.scope.workspaceId : "org"}`).sort();

    it("adds what is missing and removes what is stale, only among its own source's rows", async () => {
      const w = await world();
      const { workspace, plain } = w;
      await directory.grants.grant(w.org, { ...viewerOf(w, workspace), source: "manual:admin" });
      await directory.grants.reconcile(w.org, "scim:okta", [viewerOf(w, workspace)]);
      const before = await version(w.org);
      expect(await directory.grants.reconcile(w.org, "scim:okta", [viewerOf(w, plain), viewerOf(w, plain)], "okta")).to.deep.equal({ added: 1, removed: 1 });
      expect(await version(w.org)).to.be.greaterThan(before);
      expect(await rowsOf(w.org)).to.deep.equal([`manual:admin workspace.viewer ${workspace}`, `scim:okta workspace.viewer ${plain}`].sort());
      expect((await directory.grants.list(w.org, { source: "scim:okta" }))[0]?.createdBy).to.equal("okta");
    });

    it("changes nothing, and bumps nothing, when the source already holds exactly the desired grants", async () => {
      const w = await world();
      await directory.grants.reconcile(w.org, "sso:entra", [viewerOf(w, w.workspace)]);
      const before = await version(w.org);
      expect(await directory.grants.reconcile(w.org, "sso:entra", [viewerOf(w, w.workspace)])).to.deep.equal({ added: 0, removed: 0 });
      expect(await version(w.org)).to.equal(before);
    });

    it("removes all of its source with an empty list, and nothing of another source or organization", async () => {
      const [w, other] = [await world(), await world()];
      for (const x of [w, other]) {
        await directory.grants.reconcile(x.org, "scim:okta", [viewerOf(x, x.workspace), viewerOf(x, x.plain)]);
        await directory.grants.grant(x.org, { ...viewerOf(x, x.workspace), source: "invite:1" });
      }
      expect(await directory.grants.reconcile(w.org, "scim:okta", [])).to.deep.equal({ added: 0, removed: 2 });
      expect(await rowsOf(w.org)).to.deep.equal([`invite:1 workspace.viewer ${w.workspace}`]);
      expect(await grantsOf(other.org)).to.equal(3);
    });

    it("refuses the whole list for one bad item, naming it, and changes nothing", async () => {
      const w = await world();
      await directory.grants.reconcile(w.org, "scim:okta", [viewerOf(w, w.workspace)]);
      const [count, before] = [await grantsOf(w.org), await version(w.org)];
      const bad: Array<[GrantTarget, string]> = [
        [viewerOf(w, b.workspace), "not_found"],
        [{ ...viewerOf(w, w.workspace), role: { key: "organization.owner" } }, "invalid_value"],
        [{ ...viewerOf(w, w.workspace), principal: { type: "user", id: b.user } }, "not_found"],
      ];
      for (const [item, code] of bad) {
        const error = await expectDomainError(directory.grants.reconcile(w.org, "scim:okta", [viewerOf(w, w.plain), item]), code as "not_found");
        expect(error.details?.index).to.equal(1);
        expect(error.message).to.match(/^desired\[1\]: /);
      }
      await expectDomainError(directory.grants.reconcile(w.org, "okta", []), "invalid_value");
      expect(await grantsOf(w.org)).to.equal(count);
      expect(await rowsOf(w.org)).to.deep.equal([`scim:okta workspace.viewer ${w.workspace}`]);
      expect(await version(w.org)).to.equal(before);
    });

    it("ends with one writer's list, never a mix, when two reconciles of one source race", async () => {
      const w = await world();
      const [first, second] = [[viewerOf(w, w.workspace)], [viewerOf(w, w.plain)]];
      await Promise.all([directory.grants.reconcile(w.org, "scim:race", first), directory.grants.reconcile(w.org, "scim:race", second)]);
      const held = await rowsOf(w.org);
      expect([[`scim:race workspace.viewer ${w.workspace}`], [`scim:race workspace.viewer ${w.plain}`]]).to.deep.include(held);
    });
  });
});
