import { expect } from "chai";
import type supertest from "supertest";
import { useAccessApp, type AccessTenant } from "../support/access-app.js";
import { buildWorld, register, scimGroup, scimUser, type World } from "./world.js";

type Res = supertest.Response;

const path = (type: string, id: string) => `/resources/${type}/${encodeURIComponent(id)}`;

/** The API's error format: `{error:{code,message,details?}}` and nothing else. */
function expectApiError(res: Res, status: number, code: string): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/json/);
  expect(Object.keys(res.body)).to.deep.equal(["error"]);
  expect(Object.keys(res.body.error).every((key) => ["code", "message", "details"].includes(key)), res.text).to.equal(true);
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a("string").and.not.equal("");
  if (res.body.error.details !== undefined) expect(res.body.error.details).to.be.an("object");
}

function expectVersioned(res: Res): number {
  expect(res.body.accessVersion, res.text).to.be.a("number");
  expect(res.headers["gatehouse-access-version"]).to.equal(String(res.body.accessVersion));
  return res.body.accessVersion as number;
}

describe("Access API: PUT/GET/DELETE /resources/{type}/{id}", () => {
  const context = useAccessApp();
  let world: World;
  let org: string;
  /** A second workspace of the same organization, with Spaces on, and its Space "DE". */
  let eu: { workspaceId: string; spaceId: string };
  /** Another organization: its user, group, workspace and Space exist, but not for world's key. */
  let other: { tenant: AccessTenant; user: string; group: string; workspaceId: string; spaceId: string };

  before(async () => {
    world = await buildWorld(context);
    org = world.tenant.organizationId;
    const euWorkspace = await context.directory.workspaces.create(org, { title: "Acme-EU", spacesEnabled: true });
    const de = await context.directory.spaces.create(org, euWorkspace.id, { name: "DE", dataFilter: "country_code in ('DE')" });
    eu = { workspaceId: euWorkspace.id, spaceId: de.id };

    const tenant = await context.newTenant("Other Org");
    const user = await scimUser(tenant, "mallory@other.test");
    const group = await scimGroup(tenant, "Other Marketing", [user]);
    const otherWorkspace = await context.directory.workspaces.create(tenant.organizationId, { title: "Other-Prod", spacesEnabled: true });
    const otherSpace = await context.directory.spaces.create(tenant.organizationId, otherWorkspace.id, { name: "UK", dataFilter: null });
    other = { tenant, user, group, workspaceId: otherWorkspace.id, spaceId: otherSpace.id };
  });

  /** Every resource row of the organization, and its access version: what "nothing changed" means. */
  async function snapshot(organizationId = org): Promise<unknown> {
    const { rows } = await context.db.query(
      `SELECT id, type, external_id, workspace_id, space_id, owner_user_id, sharing, created_at, updated_at
       FROM resources WHERE organization_id = $1 ORDER BY type, external_id`,
      [organizationId],
    );
    const version = await context.db.query(`SELECT access_version::text AS version FROM organizations WHERE id = $1`, [organizationId]);
    return JSON.parse(JSON.stringify({ rows, version: version.rows[0] }));
  }

  const ask = (userId: string, permission: string, type: string, id: string) =>
    world.tenant.post("/check", { userId, permission, resource: { type, id } }).then((res) => {
      expect(res.status, res.text).to.equal(200);
      return res.body.allowed as boolean;
    });

  it("registers with 201, GET returns it, and a PUT again replaces it whole with 200 (omitted shares and owner are dropped)", async () => {
    const before = await world.tenant.get(path("model", "model-life"));
    expectApiError(before, 404, "not_found");

    const shares = [
      { principal: { type: "user", id: world.users.guest }, level: "edit" },
      { principal: { type: "group", id: world.groups.us }, level: "view" },
      { principal: { type: "workspace" }, level: "view" },
    ];
    const created = await world.tenant.put(path("model", "model-life"), { workspaceId: world.prod, ownerUserId: world.users.carol, shares });
    expect(created.status, created.text).to.equal(201);
    const v1 = expectVersioned(created);
    expect(created.body.resource).to.deep.include({ type: "model", id: "model-life", workspaceId: world.prod, spaceId: null, ownerUserId: world.users.carol, shares });
    expect(Date.parse(created.body.resource.createdAt)).to.be.closeTo(Date.now(), 60_000);

    const got = await world.tenant.get(path("model", "model-life"));
    expect(got.status).to.equal(200);
    expectVersioned(got);
    expect(got.body.resource).to.deep.equal(created.body.resource);
    // The registration is what the engine judges by: the Guest's personal "edit" share lets them update it.
    expect(await ask(world.users.guest, "model:update", "model", "model-life")).to.equal(true);

    const replaced = await world.tenant.put(path("model", "model-life"), { workspaceId: world.prod });
    expect(replaced.status, replaced.text).to.equal(200);
    const v2 = expectVersioned(replaced);
    expect(v2).to.be.greaterThan(v1);
    expect(replaced.body.resource).to.deep.include({ type: "model", id: "model-life", workspaceId: world.prod, spaceId: null, ownerUserId: null, shares: [] });
    expect(replaced.body.resource.createdAt).to.equal(created.body.resource.createdAt);
    expect(Date.parse(replaced.body.resource.updatedAt)).to.be.at.least(Date.parse(created.body.resource.updatedAt));
    expect((await world.tenant.get(path("model", "model-life"))).body.resource).to.deep.equal(replaced.body.resource);
    expect(await ask(world.users.guest, "model:update", "model", "model-life"), "the dropped share no longer gives access").to.equal(false);
  });

  it("a Space-scoped resource keeps its Space; a replace can move it to another Space of the workspace", async () => {
    const created = await world.tenant.put(path("audience", "aud-move"), { workspaceId: world.prod, spaceId: world.spaces.uk });
    expect(created.status, created.text).to.equal(201);
    expect(created.body.resource).to.include({ workspaceId: world.prod, spaceId: world.spaces.uk });
    expect(await ask(world.users.alice, "audience:update", "audience", "aud-move")).to.equal(true);

    const moved = await world.tenant.put(path("audience", "aud-move"), { workspaceId: world.prod, spaceId: world.spaces.us });
    expect(moved.status, moved.text).to.equal(200);
    expect(moved.body.resource).to.include({ workspaceId: world.prod, spaceId: world.spaces.us });
    expect(moved.body.accessVersion).to.be.greaterThan(created.body.accessVersion);
    // alice is Editor in UK only: in US she is Viewer.
    expect(await ask(world.users.alice, "audience:update", "audience", "aud-move")).to.equal(false);
    expect(await ask(world.users.alice, "audience:read", "audience", "aud-move")).to.equal(true);
  });

  it("every successful PUT returns a newer access version than any answer before it", async () => {
    let last = expectVersioned(await world.tenant.post("/check", { userId: world.users.bob, permission: "workspace:read", workspaceId: world.prod }));
    for (const [index, body] of [
      { workspaceId: world.prod },
      { workspaceId: world.prod, ownerUserId: world.users.alice },
      { workspaceId: world.stage },
      { workspaceId: world.stage, shares: [{ principal: { type: "user", id: world.users.carol }, level: "full" }] },
    ].entries()) {
      const res = await world.tenant.put(path("source", "src-versions"), body);
      expect(res.status, res.text).to.equal(index === 0 ? 201 : 200);
      const version = expectVersioned(res);
      expect(version, `PUT #${index}`).to.be.greaterThan(last);
      last = version;
      // The key's next read sees at least that version.
      const read = await world.tenant.get(path("source", "src-versions"));
      expect(expectVersioned(read)).to.be.at.least(version);
      expect(read.body.resource).to.deep.equal(res.body.resource);
    }
  });

  it("DELETE answers 204 with the version header; then GET and DELETE are 404 and checks call it unregistered", async () => {
    await register(world, "sync", "sync-gone", { workspaceId: world.prod, spaceId: world.spaces.uk });
    const before = expectVersioned(await world.tenant.get(path("sync", "sync-gone")));
    expect(await ask(world.users.alice, "sync:update", "sync", "sync-gone")).to.equal(true);

    const deleted = await world.tenant.delete(path("sync", "sync-gone"));
    expect(deleted.status).to.equal(204);
    expect(deleted.text).to.equal("");
    expect(Number(deleted.headers["gatehouse-access-version"])).to.be.greaterThan(before);

    expectApiError(await world.tenant.get(path("sync", "sync-gone")), 404, "not_found");
    expectApiError(await world.tenant.delete(path("sync", "sync-gone")), 404, "not_found");
    const check = await world.tenant.post("/check", { userId: world.users.alice, permission: "sync:update", resource: { type: "sync", id: "sync-gone" } });
    expect(check.body).to.include({ allowed: false });
    expect(check.body.missing).to.match(/not registered/);

    const again = await world.tenant.put(path("sync", "sync-gone"), { workspaceId: world.prod, spaceId: world.spaces.uk });
    expect(again.status, "registering again after a delete is a new registration").to.equal(201);
  });

  describe("refusals: 4xx in the API's error format, and nothing stored changes", () => {
    const stable = { type: "audience", id: "aud-stable" };

    before(async () => {
      await register(world, stable.type, stable.id, {
        workspaceId: world.prod,
        spaceId: world.spaces.uk,
        ownerUserId: world.users.alice,
        shares: [{ principal: { type: "user", id: world.users.guest }, level: "view" }],
      });
      await register(world, "model", "model-stable", { workspaceId: world.prod, shares: [{ principal: { type: "group", id: world.groups.uk }, level: "edit" }] });
      await register(world, "source", "source-stable", { workspaceId: world.prod, ownerUserId: world.users.bob });
      await register(world, "destination", "destination-stable", { workspaceId: world.stage });
    });

    const putStable = (body: unknown) => world.tenant.put(path(stable.type, stable.id), body);
    const valid = () => ({ workspaceId: world.prod, spaceId: world.spaces.uk });

    interface Refusal {
      name: string;
      send: () => supertest.Test;
      status: number;
      code: string;
      /** Text the message must contain (the id or field the caller must fix). */
      mentions?: () => string;
      /** The resource GET before and after; defaults to the stable audience. */
      watch?: { type: string; id: string };
    }

    const refusals: Refusal[] = [
      { name: "unknown type", send: () => world.tenant.put(path("spaceship", stable.id), valid()), status: 400, code: "invalid_value", mentions: () => 'unknown resource type "spaceship"' },
      { name: "id of 257 characters", send: () => world.tenant.put(path("audience", "a".repeat(257)), valid()), status: 400, code: "invalid_value", mentions: () => "256", watch: { type: "audience", id: "a".repeat(257) } },
      { name: "id with a space", send: () => world.tenant.put(path("audience", "aud stable"), valid()), status: 400, code: "invalid_value", watch: { type: "audience", id: "aud stable" } },
      { name: "id with a tab", send: () => world.tenant.put(path("audience", "aud\tstable"), valid()), status: 400, code: "invalid_value", watch: { type: "audience", id: "aud\tstable" } },
      { name: "id with a control character", send: () => world.tenant.put(path("audience", "aud\u0007"), valid()), status: 400, code: "invalid_value", watch: { type: "audience", id: "aud\u0007" } },
      { name: "id with DEL", send: () => world.tenant.put(path("audience", "aud\u007f"), valid()), status: 400, code: "invalid_value", watch: { type: "audience", id: "aud\u007f" } },
      { name: "workspaceId not a UUID", send: () => putStable({ workspaceId: "Acme-Prod", spaceId: world.spaces.uk }), status: 400, code: "invalid_request", mentions: () => "workspaceId" },
      { name: "workspaceId missing", send: () => putStable({ spaceId: world.spaces.uk }), status: 400, code: "invalid_request", mentions: () => "workspaceId" },
      { name: "workspace of another organization", send: () => putStable({ workspaceId: other.workspaceId }), status: 404, code: "not_found", mentions: () => other.workspaceId },
      { name: "workspace that does not exist", send: () => putStable({ workspaceId: "00000000-0000-4000-8000-000000000001" }), status: 404, code: "not_found" },
      ...(["source", "destination", "model"] as const).map(
        (type): Refusal => ({
          name: `spaceId on a shared type (${type})`,
          send: () => world.tenant.put(path(type, `${type}-stable`), { workspaceId: world.prod, spaceId: world.spaces.uk }),
          status: 400,
          code: "invalid_value",
          mentions: () => "spaceId",
          watch: { type, id: `${type}-stable` },
        }),
      ),
      { name: "spaceId of a Space of another workspace", send: () => putStable({ workspaceId: world.prod, spaceId: eu.spaceId }), status: 400, code: "invalid_value", mentions: () => eu.spaceId },
      { name: "spaceId of a Space of another organization", send: () => putStable({ workspaceId: world.prod, spaceId: other.spaceId }), status: 400, code: "invalid_value", mentions: () => other.spaceId },
      { name: "spaceId not a UUID", send: () => putStable({ workspaceId: world.prod, spaceId: "UK" }), status: 400, code: "invalid_request" },
      {
        name: "unknown share level",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "user", id: world.users.alice }, level: "owner" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => 'unknown share level "owner"',
      },
      {
        name: "share to a user that does not exist",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "user", id: "00000000-0000-4000-8000-0000000000aa" }, level: "view" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => "00000000-0000-4000-8000-0000000000aa",
      },
      {
        name: "share to a group that does not exist",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "group", id: "00000000-0000-4000-8000-0000000000bb" }, level: "view" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => "00000000-0000-4000-8000-0000000000bb",
      },
      {
        name: "share to a user of another organization (after a valid one)",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "user", id: world.users.bob }, level: "edit" }, { principal: { type: "user", id: other.user }, level: "view" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => other.user,
      },
      {
        name: "share to a group of another organization",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "group", id: other.group }, level: "view" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => other.group,
      },
      { name: "owner of another organization", send: () => putStable({ ...valid(), ownerUserId: other.user }), status: 400, code: "invalid_value", mentions: () => other.user },
      {
        name: "a user id given as a group",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "group", id: world.users.alice }, level: "view" }] }),
        status: 400,
        code: "invalid_value",
        mentions: () => world.users.alice,
      },
      {
        name: "1,001 shares",
        send: () => putStable({ ...valid(), shares: Array.from({ length: 1001 }, () => ({ principal: { type: "user", id: world.users.alice }, level: "view" })) }),
        status: 400,
        code: "invalid_request",
        mentions: () => "shares",
      },
      { name: "an unknown top-level field", send: () => putStable({ ...valid(), name: "Q4 audience" }), status: 400, code: "invalid_request", mentions: () => '"name"' },
      {
        name: "an unknown field in a share",
        send: () => putStable({ ...valid(), shares: [{ principal: { type: "user", id: world.users.alice }, level: "view", expires: "2030-01-01" }] }),
        status: 400,
        code: "invalid_request",
        mentions: () => '"expires"',
      },
      { name: "a workspace share with an id", send: () => putStable({ ...valid(), shares: [{ principal: { type: "workspace", id: world.prod }, level: "view" }] }), status: 400, code: "invalid_request" },
      { name: "a body that is not an object", send: () => putStable([valid()]), status: 400, code: "invalid_request" },
      { name: "malformed JSON", send: () => world.tenant.put(path(stable.type, stable.id)).set("Content-Type", "application/json").send('{"workspaceId":'), status: 400, code: "invalid_json" },
      {
        name: "a form-encoded body",
        send: () => world.tenant.put(path(stable.type, stable.id)).set("Content-Type", "application/x-www-form-urlencoded").send(`workspaceId=${world.stage}`),
        status: 415,
        code: "unsupported_media_type",
      },
      {
        name: "JSON sent as text/plain",
        send: () => world.tenant.put(path(stable.type, stable.id)).set("Content-Type", "text/plain").send(JSON.stringify({ workspaceId: world.stage })),
        status: 415,
        code: "unsupported_media_type",
      },
    ];

    for (const refusal of refusals) {
      it(`${refusal.name} → ${refusal.status}`, async () => {
        const watch = refusal.watch ?? stable;
        const storedBefore = await snapshot();
        const getBefore = await world.tenant.get(path(watch.type, watch.id));

        const res = await refusal.send();
        expectApiError(res, refusal.status, refusal.code);
        if (refusal.mentions) expect(res.body.error.message).to.include(refusal.mentions());

        const getAfter = await world.tenant.get(path(watch.type, watch.id));
        expect(getAfter.status).to.equal(getBefore.status);
        expect(getAfter.body.resource ?? getAfter.body.error).to.deep.equal(getBefore.body.resource ?? getBefore.body.error);
        expect(await snapshot(), "no resource row and no access version changed").to.deep.equal(storedBefore);
      });
    }

    it("a refused share names every missing principal in details", async () => {
      const ghosts = ["00000000-0000-4000-8000-0000000000c1", other.user];
      const res = await putStable({ ...valid(), shares: ghosts.map((id) => ({ principal: { type: "user", id }, level: "view" })) });
      expectApiError(res, 400, "invalid_value");
      expect(res.body.error.details.ids).to.have.members(ghosts);
    });

    it("moving a resource to another workspace while a role is granted on it → 409; after the grant is revoked the move succeeds", async () => {
      await register(world, "model", "model-granted", { workspaceId: world.prod });
      const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND external_id = $2`, [org, "model-granted"]);
      const resourceId = rows[0]?.id as string;
      const grant = await context.directory.grants.grant(org, {
        principal: { type: "user", id: world.users.carol },
        role: { key: "workspace.viewer" },
        scope: { type: "resource", resourceId },
        source: "manual:admin@acme.test",
      });

      const storedBefore = await snapshot();
      const getBefore = await world.tenant.get(path("model", "model-granted"));
      const res = await world.tenant.put(path("model", "model-granted"), { workspaceId: world.stage });
      expectApiError(res, 409, "conflict");
      expect(res.body.error.message).to.include("model-granted");
      expect((await world.tenant.get(path("model", "model-granted"))).body.resource).to.deep.equal(getBefore.body.resource);
      expect(await snapshot()).to.deep.equal(storedBefore);
      expect((await context.directory.grants.get(org, grant.id)).scope, "the grant is kept").to.include({ workspaceId: world.prod, resourceId });

      // Changing everything but the workspace is no move: allowed with the grant in place.
      const sameWorkspace = await world.tenant.put(path("model", "model-granted"), { workspaceId: world.prod, ownerUserId: world.users.bob });
      expect(sameWorkspace.status, sameWorkspace.text).to.equal(200);

      await context.directory.grants.revoke(org, grant.id);
      const moved = await world.tenant.put(path("model", "model-granted"), { workspaceId: world.stage });
      expect(moved.status, moved.text).to.equal(200);
      expect(moved.body.resource).to.include({ workspaceId: world.stage });
    });
  });

  it("a role granted on one resource allows its permissions on that resource only", async () => {
    await register(world, "model", "model-one-grant", { workspaceId: world.prod });
    await register(world, "model", "model-no-grant", { workspaceId: world.prod });
    const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND external_id = $2`, [org, "model-one-grant"]);
    await context.directory.grants.grant(org, {
      principal: { type: "user", id: world.users.carol },
      role: { key: "workspace.viewer" },
      scope: { type: "resource", resourceId: rows[0]?.id as string },
      source: "manual:admin@acme.test",
    });
    expect(await ask(world.users.carol, "model:read", "model", "model-one-grant")).to.equal(true);
    expect(await ask(world.users.carol, "model:update", "model", "model-one-grant")).to.equal(false);
    expect(await ask(world.users.carol, "model:read", "model", "model-no-grant")).to.equal(false);
  });

  it("a share and an owner naming a user by its UUID in capitals are accepted (UUIDs are case-insensitive)", async () => {
    const res = await world.tenant.put(path("model", "model-capitals"), {
      workspaceId: world.prod.toUpperCase(),
      ownerUserId: world.users.alice.toUpperCase(),
      shares: [{ principal: { type: "user", id: world.users.guest.toUpperCase() }, level: "view" }],
    });
    expect(res.status, res.text).to.equal(201);
    expect(await ask(world.users.guest, "model:read", "model", "model-capitals")).to.equal(true);
  });
});
