import { expect } from "chai";
import { startAccessInstance, type AccessInstance, useAccessApp } from "../support/access-app.js";
import { buildWorld, register, type World } from "./world.js";

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, withinMs: number): Promise<{ value: T; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    const afterMs = Date.now() - started;
    if (done(value) || afterMs > withinMs) return { value, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("Access versions: every access change bumps the version; other instances learn it through LISTEN/NOTIFY", () => {
  const context = useAccessApp();
  let world: World;
  let other: AccessInstance;

  before(async () => {
    world = await buildWorld(context);
    await register(world, "audience", "aud-us", { workspaceId: world.prod, spaceId: world.spaces.us });
    other = await startAccessInstance(context.database);
  });
  after(() => other.close());

  const askUsUpdate = (app = context.app) =>
    world.tenant.post("/check", { userId: world.users.alice, permission: "audience:update", resource: { type: "audience", id: "aud-us" } }, app);

  it("a grant made on instance A's database is seen by instance B within a second, without B being told anything else", async () => {
    // Both instances have alice cached: Viewer in US.
    expect((await askUsUpdate()).body.allowed).to.equal(false);
    expect((await askUsUpdate(other.app)).body.allowed).to.equal(false);
    const before = (await askUsUpdate(other.app)).body.accessVersion as number;
    const hitsBefore = other.engine.stats.hits;
    expect((await askUsUpdate(other.app)).body.allowed).to.equal(false);
    expect(other.engine.stats.hits, "B answers from its cache").to.be.greaterThan(hitsBefore);

    await context.directory.grants.grant(world.tenant.organizationId, {
      principal: { type: "group", id: world.groups.us },
      role: { key: "workspace.editor" },
      scope: { type: "workspace", workspaceId: world.prod },
      source: "manual:admin@acme.test",
    });
    const seen = await eventually(() => askUsUpdate(other.app), (res) => res.body.allowed === true, 1_000);
    expect(seen.value.body.allowed, `not visible on B after ${seen.afterMs} ms`).to.equal(true);
    expect(seen.value.body.accessVersion).to.be.greaterThan(before);
  });

  it("every kind of change bumps the version once per transaction, whatever surface made it", async () => {
    const org = world.tenant.organizationId;
    const version = async () => Number((await context.db.query<{ v: string }>(`SELECT access_version AS v FROM organizations WHERE id = $1`, [org])).rows[0]?.v);
    const changes: Array<[string, () => Promise<unknown>]> = [
      ["SCIM group membership", () => world.tenant.scim("patch", `/Groups/${world.groups.us}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: world.users.carol }] }] })],
      ["SCIM deactivation", () => world.tenant.scim("patch", `/Users/${world.users.carol}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] })],
      ["SCIM group rename", () => world.tenant.scim("patch", `/Groups/${world.groups.us}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "US Marketing Team" }] })],
      ["Space created", () => context.directory.spaces.create(org, world.prod, { name: "EU" })],
      ["attachment", () => context.directory.attachments.attach(org, world.groups.uk, world.spaces.us)],
      ["override", () => context.directory.overrides.set(org, { groupId: world.groups.uk, userId: world.users.bob, kind: "pin", reason: "temp", author: "admin" })],
      ["resource registered", () => world.tenant.put("/resources/source/src-v", { workspaceId: world.prod })],
      ["resource deleted", () => world.tenant.delete("/resources/source/src-v")],
      ["SCIM user deleted", () => world.tenant.scim("delete", `/Users/${world.users.carol}`)],
    ];
    for (const [what, change] of changes) {
      const before = await version();
      await change();
      expect(await version(), what).to.equal(before + 1);
    }
  });

  it("the organization's structure version moves only with workspaces, Spaces, custom roles and the plan", async () => {
    const org = world.tenant.organizationId;
    const versions = async () =>
      (await context.db.query<{ access: string; structure: string }>(`SELECT access_version AS access, structure_version AS structure FROM organizations WHERE id = $1`, [org])).rows[0];
    const start = await versions();
    await world.tenant.scim("patch", `/Groups/${world.groups.uk}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: world.users.bob }] }] });
    await world.tenant.put("/resources/source/src-structure", { workspaceId: world.prod });
    const membersAndResources = await versions();
    expect(Number(membersAndResources?.access)).to.equal(Number(start?.access) + 2);
    expect(membersAndResources?.structure).to.equal(start?.structure);
    // A Space renamed: the structure moves, and every instance's next answer shows the new name.
    const before = await world.tenant.get(`/users/${world.users.alice}/effective`, other.app);
    expect(before.body.workspaces[0].spaces.map((space: { name: string }) => space.name)).to.include("UK");
    await context.directory.spaces.update(org, world.spaces.uk, { name: "United Kingdom" });
    const renamed = await versions();
    expect(renamed?.structure).to.equal(renamed?.access);
    const seen = await eventually(
      () => world.tenant.get(`/users/${world.users.alice}/effective`, other.app),
      (res) => res.body.workspaces[0].spaces.some((space: { name: string }) => space.name === "United Kingdom"),
      1_000,
    );
    expect(seen.value.body.workspaces[0].spaces.map((space: { name: string }) => space.name)).to.include("United Kingdom");
  });

  it("changes that do not touch access leave the version alone (a profile edit, a new user)", async () => {
    const org = world.tenant.organizationId;
    const version = async () => Number((await context.db.query<{ v: string }>(`SELECT access_version AS v FROM organizations WHERE id = $1`, [org])).rows[0]?.v);
    const before = await version();
    await world.tenant.scim("patch", `/Users/${world.users.bob}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "Bob B." }] });
    await world.tenant.scim("post", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "dave@acme.test" });
    expect(await version()).to.equal(before);
  });

  it("minVersion: a version already committed is served (also by an instance that has not heard of it yet)", async () => {
    const put = await world.tenant.put("/resources/source/src-min", { workspaceId: world.prod });
    const written = put.body.accessVersion as number;
    expect(put.headers["gatehouse-access-version"]).to.equal(String(written));
    for (const app of [context.app, other.app]) {
      const res = await world.tenant.post("/check", { userId: world.users.bob, permission: "source:update", resource: { type: "source", id: "src-min" }, minVersion: written }, app);
      expect(res.status).to.equal(200);
      expect(res.body.allowed).to.equal(true);
      expect(res.body.accessVersion).to.be.at.least(written);
    }
  });

  it("minVersion from the future: 409 after a short wait, never older data", async () => {
    const current = (await world.tenant.get(`/users/${world.users.bob}/effective`)).body.accessVersion as number;
    const res = await world.tenant.post("/check", { userId: world.users.bob, permission: "workspace:read", workspaceId: world.prod, minVersion: current + 1000 });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal("version_unavailable");
    expect(res.body.error.details).to.deep.equal({ minVersion: current + 1000, currentVersion: current });
    const effective = await world.tenant.get(`/users/${world.users.bob}/effective?minVersion=${current + 1000}`);
    expect(effective.status).to.equal(409);
    const bad = await world.tenant.get(`/users/${world.users.bob}/effective?minVersion=abc`);
    expect(bad.status).to.equal(400);
  });
});
