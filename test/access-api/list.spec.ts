import { expect } from "chai";
import type supertest from "supertest";
import { useAccessApp } from "../support/access-app.js";
import { buildWorld, register, scimUser, type World } from "./world.js";

type Res = supertest.Response;

const UK_FILTER = "country_code in ('UK')";
const US_FILTER = "country_code in ('US')";
const pad = (n: number) => String(n).padStart(2, "0");

describe("Access API: POST /list — which resources of a type a user may act on", () => {
  const context = useAccessApp();
  let world: World;
  let org: string;
  /** Viewer of Acme-Prod by a direct grant. */
  let vera: string;
  const syncsUk = Array.from({ length: 23 }, (_, n) => `sync-uk-${pad(n)}`);
  const syncsUs = Array.from({ length: 4 }, (_, n) => `sync-us-${pad(n)}`);

  before(async () => {
    world = await buildWorld(context);
    org = world.tenant.organizationId;
    vera = await scimUser(world.tenant, "vera@acme.test");
    await context.directory.grants.grant(org, { principal: { type: "user", id: vera }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: world.prod }, source: "manual:admin@acme.test" });

    const { prod, stage, spaces, users } = world;
    await register(world, "audience", "aud-uk-1", { workspaceId: prod, spaceId: spaces.uk });
    await register(world, "audience", "aud-uk-2", { workspaceId: prod, spaceId: spaces.uk });
    await register(world, "audience", "aud-us-1", { workspaceId: prod, spaceId: spaces.us });
    await register(world, "audience", "aud-prod-nospace", { workspaceId: prod });
    await register(world, "audience", "aud-stage-1", { workspaceId: stage });
    await register(world, "model", "model-plain", { workspaceId: prod });
    await register(world, "model", "model-guest", { workspaceId: prod, shares: [{ principal: { type: "user", id: users.guest }, level: "view" }] });
    await register(world, "model", "model-guest-edit", { workspaceId: prod, shares: [{ principal: { type: "user", id: users.guest }, level: "edit" }] });
    await register(world, "model", "model-ws", { workspaceId: prod, shares: [{ principal: { type: "workspace" }, level: "full" }] });
    await register(world, "model", "model-vera-edit", { workspaceId: prod, shares: [{ principal: { type: "user", id: vera }, level: "edit" }] });
    await register(world, "model", "model-stage", { workspaceId: stage, shares: [{ principal: { type: "user", id: users.guest }, level: "full" }] });
    await register(world, "source", "src-1", { workspaceId: prod });
    for (const id of syncsUk) await register(world, "sync", id, { workspaceId: prod, spaceId: spaces.uk });
    for (const id of syncsUs) await register(world, "sync", id, { workspaceId: prod, spaceId: spaces.us });
  });

  async function list(userId: string, permission: string, extra: Record<string, unknown> = {}): Promise<Res> {
    const res = await world.tenant.post("/list", { userId, permission, ...extra });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.accessVersion).to.be.a("number");
    expect(res.headers["gatehouse-access-version"]).to.equal(String(res.body.accessVersion));
    return res;
  }

  const accessVersion = async () =>
    (await context.db.query<{ version: number }>(`SELECT access_version::int AS version FROM organizations WHERE id = $1`, [org])).rows[0]?.version ?? 0;

  const nothing = { workspaceIds: [], spaces: [], ids: [] };

  it("Editor via a group attached to UK: audience:update lists the UK audiences only, as Space UK with its data filter", async () => {
    const res = await list(world.users.alice, "audience:update");
    expect(res.body.resourceType).to.equal("audience");
    expect(res.body.filter).to.deep.equal({ workspaceIds: [], spaces: [{ workspaceId: world.prod, spaceId: world.spaces.uk, name: "UK", dataFilter: UK_FILTER }], ids: [] });
    expect(res.body.ids).to.deep.equal(["aud-uk-1", "aud-uk-2"]);
    expect(res.body.nextCursor).to.equal(null);
  });

  it("…and Viewer via a group attached to US: audience:read lists UK and US, never the Space-less or other-workspace ones", async () => {
    const res = await list(world.users.alice, "audience:read");
    expect(res.body.filter.workspaceIds).to.deep.equal([]);
    expect(res.body.filter.ids).to.deep.equal([]);
    expect(res.body.filter.spaces).to.have.deep.members([
      { workspaceId: world.prod, spaceId: world.spaces.uk, name: "UK", dataFilter: UK_FILTER },
      { workspaceId: world.prod, spaceId: world.spaces.us, name: "US", dataFilter: US_FILTER },
    ]);
    expect(res.body.ids).to.deep.equal(["aud-uk-1", "aud-uk-2", "aud-us-1"]);
    // The same user, a delete: Editor in UK only.
    expect((await list(world.users.alice, "audience:delete")).body.ids).to.deep.equal(["aud-uk-1", "aud-uk-2"]);
  });

  it("workspace Admin: the whole workspace as filter.workspaceIds, Space-less audiences included", async () => {
    for (const permission of ["audience:read", "audience:delete"]) {
      const res = await list(world.users.bob, permission);
      expect(res.body.filter, permission).to.deep.equal({ workspaceIds: [world.prod], spaces: [], ids: [] });
      expect(res.body.ids, permission).to.have.members(["aud-uk-1", "aud-uk-2", "aud-us-1", "aud-prod-nospace"]);
    }
  });

  it("a shared type (model, source) follows the workspace role, across Spaces", async () => {
    const prodModels = ["model-plain", "model-guest", "model-guest-edit", "model-ws", "model-vera-edit"];
    for (const permission of ["model:read", "model:update"]) {
      const res = await list(world.users.alice, permission);
      expect(res.body.resourceType).to.equal("model");
      expect(res.body.filter, permission).to.deep.equal({ workspaceIds: [world.prod], spaces: [], ids: [] });
      expect(res.body.ids, permission).to.have.members(prodModels);
    }
    // Editor cannot update an existing source; Admin can.
    expect((await list(world.users.alice, "source:update")).body).to.deep.include({ filter: nothing, ids: [] });
    expect((await list(world.users.alice, "source:read")).body.ids).to.deep.equal(["src-1"]);
    expect((await list(world.users.bob, "source:update")).body).to.deep.include({ filter: { workspaceIds: [world.prod], spaces: [], ids: [] }, ids: ["src-1"] });
    // No role: nothing, not even what is shared with the whole workspace.
    expect((await list(world.users.carol, "model:read")).body).to.deep.include({ filter: nothing, ids: [], nextCursor: null });
  });

  it("Guest: resources shared with them personally are listed one by one; workspace-wide shares are not", async () => {
    const read = await list(world.users.guest, "model:read");
    expect(read.body.filter).to.deep.equal({ workspaceIds: [], spaces: [], ids: ["model-guest", "model-guest-edit"] });
    expect(read.body.ids).to.deep.equal(["model-guest", "model-guest-edit"]);
    // Not a Guest in Acme-Stage: the share there reaches no role of theirs.
    expect(read.body.ids).to.not.include("model-stage");

    const update = await list(world.users.guest, "model:update");
    expect(update.body.filter).to.deep.equal({ workspaceIds: [], spaces: [], ids: ["model-guest-edit"] });
    expect(update.body.ids).to.deep.equal(["model-guest-edit"]);
    expect((await list(world.users.guest, "audience:read")).body).to.deep.include({ filter: nothing, ids: [] });
  });

  it("a Viewer shared 'edit' gets 'view': not listed for model:update (the cap), listed for model:read", async () => {
    const update = await list(vera, "model:update");
    expect(update.body).to.deep.include({ filter: nothing, ids: [] });
    const check = await world.tenant.post("/explain", { userId: vera, permission: "model:update", resource: { type: "model", id: "model-vera-edit" } });
    expect(check.body.allowed).to.equal(false);
    expect(check.body.missing).to.match(/capped/);

    const read = await list(vera, "model:read");
    expect(read.body.filter.workspaceIds).to.deep.equal([world.prod]);
    expect(read.body.ids).to.include("model-vera-edit");
  });

  it("agrees with /check: every registered resource is listed exactly when /check allows it", async () => {
    const { rows } = await context.db.query<{ type: string; external_id: string }>(`SELECT type, external_id FROM resources WHERE organization_id = $1`, [org]);
    const users = { ...world.users, vera };
    const permissions = ["audience:read", "audience:update", "audience:publish", "model:read", "model:update", "model:delete", "source:update", "sync:update", "sync:read"];
    for (const [name, userId] of Object.entries(users)) {
      for (const permission of permissions) {
        const type = permission.split(":")[0] as string;
        const ids = rows.filter((row) => row.type === type).map((row) => row.external_id);
        const checks = await world.tenant.post("/check", { userId, checks: ids.map((id) => ({ permission, resource: { type, id } })) });
        expect(checks.status, checks.text).to.equal(200);
        const allowed = ids.filter((_, index) => checks.body.results[index].allowed === true);
        const listed = (await list(userId, permission, { limit: 1000 })).body.ids as string[];
        expect([...listed].sort(), `${name} ${permission}`).to.deep.equal(allowed.sort());
      }
    }
  });

  describe("paging", () => {
    async function walk(userId: string, permission: string, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      let filter: unknown;
      for (let guard = 0; guard < 200; guard += 1) {
        const res = await list(userId, permission, { limit, ...(cursor === undefined ? {} : { cursor }) });
        if (filter !== undefined) expect(res.body.filter, "the filter is the same on every page").to.deep.equal(filter);
        filter = res.body.filter;
        pages.push(res.body.ids);
        if (res.body.nextCursor === null) return pages;
        expect(res.body.ids, "a page followed by another is full").to.have.length(limit);
        expect(res.body.nextCursor).to.be.a("string").and.not.equal(cursor);
        cursor = res.body.nextCursor;
      }
      throw new Error("paging did not end");
    }

    it("limit + nextCursor walk every id exactly once, in the order of the single-page answer", async () => {
      for (const [userId, permission, expected] of [
        [world.users.bob, "sync:read", [...syncsUk, ...syncsUs]],
        [world.users.alice, "sync:update", syncsUk],
        [world.users.alice, "sync:read", [...syncsUk, ...syncsUs]],
      ] as const) {
        const whole = (await list(userId, permission, { limit: 1000 })).body.ids as string[];
        expect(whole).to.have.members([...expected]);
        expect(whole).to.deep.equal([...whole].sort());
        for (const limit of [1, 5, expected.length - 1, expected.length, 100]) {
          const pages = await walk(userId, permission, limit);
          const flat = pages.flat();
          expect(flat, `${permission} by ${limit}`).to.deep.equal(whole);
          expect(new Set(flat).size).to.equal(flat.length);
          expect(pages, `${permission} by ${limit}: no trailing empty page`).to.have.length(Math.max(1, Math.ceil(expected.length / limit)));
        }
      }
    });

    it("without a limit, the default page (100) holds all 27 syncs", async () => {
      const res = await list(world.users.bob, "sync:read");
      expect(res.body.ids).to.have.length(syncsUk.length + syncsUs.length);
      expect(res.body.nextCursor).to.equal(null);
    });

    it("a resource registered ahead of the cursor while paging shows up on a later page", async () => {
      const first = await list(world.users.bob, "sync:read", { limit: 10 });
      await register(world, "sync", "sync-zz-late", { workspaceId: world.prod, spaceId: world.spaces.us });
      let cursor = first.body.nextCursor as string | null;
      const rest: string[] = [];
      while (cursor !== null) {
        const page = await list(world.users.bob, "sync:read", { limit: 10, cursor });
        rest.push(...(page.body.ids as string[]));
        cursor = page.body.nextCursor as string | null;
      }
      expect(rest).to.include("sync-zz-late");
      expect([...first.body.ids, ...rest]).to.have.length(syncsUk.length + syncsUs.length + 1);
      expect((await world.tenant.delete("/resources/sync/sync-zz-late")).status).to.equal(204);
    });

    it("a cursor the API did not return → 400", async () => {
      for (const cursor of ["!!!", "", "not a cursor", "a".repeat(401), "c3luYy11ay0wMA=="]) {
        const res = await world.tenant.post("/list", { userId: world.users.bob, permission: "sync:read", cursor });
        expect(res.status, `${cursor.slice(0, 20)}: ${res.text}`).to.equal(400);
        expect(res.body.error.code).to.be.oneOf(["invalid_value", "invalid_request"]);
        expect(res.body.error.message).to.match(/cursor/);
      }
      const numeric = await world.tenant.post("/list", { userId: world.users.bob, permission: "sync:read", cursor: 10 });
      expect(numeric.status).to.equal(400);
    });

    it("a cursor decoding to a NUL character → 400, not 500", async () => {
      const res = await world.tenant.post("/list", { userId: world.users.bob, permission: "sync:read", cursor: Buffer.from("\u0000").toString("base64url") });
      expect(res.status, res.text).to.equal(400);
      expect(res.body.error.message).to.match(/cursor/);
    });
  });

  it("a permission that is not about a resource type, or unknown → 400 naming it", async () => {
    for (const [permission, pattern] of [
      ["workspace:read", /"workspace:read" is not a resource permission/],
      ["users:read", /"users:read" is not a resource permission/],
      ["audience:fly", /unknown permission "audience:fly"/],
      ["spaceship:read", /unknown permission "spaceship:read"/],
    ] as const) {
      const res = await world.tenant.post("/list", { userId: world.users.alice, permission });
      expect(res.status, permission).to.equal(400);
      expect(res.body.error).to.include({ code: "invalid_value" });
      expect(res.body.error.message).to.match(pattern);
    }
  });

  it("malformed requests → 400 in the API's error format", async () => {
    for (const body of [
      {},
      { permission: "audience:read" },
      { userId: world.users.alice },
      { userId: "alice", permission: "audience:read" },
      { userId: world.users.alice, permission: "audience:read", limit: 0 },
      { userId: world.users.alice, permission: "audience:read", limit: 1001 },
      { userId: world.users.alice, permission: "audience:read", limit: 2.5 },
      { userId: world.users.alice, permission: "audience:read", spaceId: world.spaces.uk },
    ]) {
      const res = await world.tenant.post("/list", body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal("invalid_request");
      expect(res.body.error.message).to.be.a("string").and.not.equal("");
    }
  });

  it("a deactivated user lists nothing at once; a deleted one, nothing either", async () => {
    const dave = await scimUser(world.tenant, "dave@acme.test");
    await context.directory.grants.grant(org, { principal: { type: "user", id: dave }, role: { key: "workspace.admin" }, scope: { type: "workspace", workspaceId: world.prod }, source: "manual:admin@acme.test" });
    const admin = await list(dave, "audience:read", { minVersion: await accessVersion() });
    expect(admin.body.ids).to.have.length.greaterThan(0);

    const patch = await world.tenant.scim("patch", `/Users/${dave}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(patch.status).to.equal(200);
    const version = await accessVersion();
    for (const permission of ["audience:read", "model:read", "source:update", "sync:read"]) {
      const res = await list(dave, permission, { minVersion: version });
      expect(res.body, permission).to.deep.include({ filter: nothing, ids: [], nextCursor: null });
      expect(res.body.accessVersion).to.be.at.least(version);
    }

    expect((await world.tenant.scim("delete", `/Users/${dave}`)).status).to.equal(204);
    const gone = await list(dave, "audience:read", { minVersion: await accessVersion() });
    expect(gone.body).to.deep.include({ filter: nothing, ids: [] });
  });

  it("a role granted on a single resource lists that resource (filter.ids), and only it", async () => {
    await register(world, "model", "model-granted", { workspaceId: world.stage });
    const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND external_id = $2`, [org, "model-granted"]);
    await context.directory.grants.grant(org, {
      principal: { type: "user", id: world.users.carol },
      role: { key: "workspace.viewer" },
      scope: { type: "resource", resourceId: rows[0]?.id as string },
      source: "manual:admin@acme.test",
    });
    const res = await list(world.users.carol, "model:read", { minVersion: await accessVersion() });
    expect(res.body.filter).to.deep.equal({ workspaceIds: [], spaces: [], ids: ["model-granted"] });
    expect(res.body.ids).to.deep.equal(["model-granted"]);
  });
});
