import { expect } from "chai";
import supertest from "supertest";
import { useAccessApp } from "../support/access-app.js";
import { buildWorld, register, type World } from "./world.js";

describe("Access API: /check, /explain, /users/{id}/effective over real SCIM data", () => {
  const context = useAccessApp();
  let world: World;

  before(async () => {
    world = await buildWorld(context);
    await register(world, "audience", "aud-uk", { workspaceId: world.prod, spaceId: world.spaces.uk });
    await register(world, "audience", "aud-us", { workspaceId: world.prod, spaceId: world.spaces.us });
    await register(world, "source", "src-1", { workspaceId: world.prod });
  });

  const check = (userId: string, body: Record<string, unknown>) => world.tenant.post("/check", { userId, ...body });

  it("Editor in UK, Viewer in US: never Editor in US (groups attached to different Spaces)", async () => {
    const ukUpdate = await check(world.users.alice, { permission: "audience:update", resource: { type: "audience", id: "aud-uk" } });
    expect(ukUpdate.status).to.equal(200);
    expect(ukUpdate.body).to.include({ allowed: true });
    expect(ukUpdate.body.accessVersion).to.be.a("number");
    expect(ukUpdate.headers["gatehouse-access-version"]).to.equal(String(ukUpdate.body.accessVersion));

    const usUpdate = await check(world.users.alice, { permission: "audience:update", resource: { type: "audience", id: "aud-us" } });
    expect(usUpdate.body.allowed).to.equal(false);
    expect(usUpdate.body.missing).to.match(/audience:update/).and.match(/Viewer/);

    const usRead = await check(world.users.alice, { permission: "audience:read", resource: { type: "audience", id: "aud-us" } });
    expect(usRead.body.allowed).to.equal(true);
  });

  it("explains an allowed check with the reason chain, and a denial with what is missing", async () => {
    const allowed = await world.tenant.post("/explain", { userId: world.users.alice, permission: "audience:update", resource: { type: "audience", id: "aud-uk" } });
    expect(allowed.status).to.equal(200);
    expect(allowed.body.allowed).to.equal(true);
    expect(allowed.body.reasons.map((reason: { text: string }) => reason.text)).to.deep.equal([
      'group "UK Marketing" (scim) → Editor @ workspace Acme-Prod, attached to Space UK → audience:update',
    ]);
    expect(allowed.body.reasons[0].via).to.include({ kind: "group", groupId: world.groups.uk });

    const denied = await world.tenant.post("/explain", { userId: world.users.carol, permission: "workspace:read", workspaceId: world.prod });
    expect(denied.body).to.include({ allowed: false });
    expect(denied.body.reasons).to.deep.equal([]);
    expect(denied.body.missing).to.match(/no role in this workspace/);
  });

  it("Editor cannot update an existing source; workspace Admin can, and sees every Space", async () => {
    const editor = await check(world.users.alice, { permission: "source:update", resource: { type: "source", id: "src-1" } });
    expect(editor.body.allowed).to.equal(false);
    const admin = await check(world.users.bob, { permission: "source:update", resource: { type: "source", id: "src-1" } });
    expect(admin.body.allowed).to.equal(true);
    const adminUs = await check(world.users.bob, { permission: "audience:delete", resource: { type: "audience", id: "aud-us" } });
    expect(adminUs.body.allowed).to.equal(true);
  });

  it("answers a batch in order, each item for its own user", async () => {
    const res = await world.tenant.post("/check", {
      checks: [
        { userId: world.users.alice, permission: "audience:update", resource: { type: "audience", id: "aud-uk" } },
        { userId: world.users.alice, permission: "audience:update", resource: { type: "audience", id: "aud-us" } },
        { userId: world.users.bob, permission: "workspace:read", workspaceId: world.prod },
        { userId: world.users.carol, permission: "workspace:read", workspaceId: world.prod },
        { userId: world.users.alice, permission: "audience:read", resource: { type: "audience", id: "not-registered" } },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.results.map((result: { allowed: boolean }) => result.allowed)).to.deep.equal([true, false, true, false, false]);
    expect(res.body.results[4].missing).to.match(/not registered/);
  });

  it("a batch with malformed items is refused whole, naming each bad item", async () => {
    const res = await world.tenant.post("/check", {
      userId: world.users.alice,
      checks: [{ permission: "audience:update", resource: { type: "audience", id: "aud-uk" } }, { permission: "audience:fly" }, { permission: "workspace:read" }],
    });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal("invalid_value");
    expect(res.body.error.details.problems).to.have.length(2);
    expect(res.body.error.message).to.match(/checks\[1\]: unknown permission "audience:fly"/).and.match(/checks\[2\]: .*needs a workspaceId/);
  });

  it("rejects malformed bodies with a 400 in the API's error format", async () => {
    const cases: unknown[] = [
      {},
      { userId: "not-a-uuid", permission: "workspace:read" },
      { userId: world.users.alice, permission: "workspace:read", extra: 1 },
      { userId: world.users.alice, checks: [] },
      { userId: world.users.alice, checks: Array.from({ length: 1001 }, () => ({ permission: "workspace:read" })) },
      { userId: world.users.alice, permission: "audience:read", resource: { type: "audience" } },
    ];
    for (const body of cases) {
      const res = await world.tenant.post("/check", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      expect(res.body.error.code).to.equal("invalid_request");
      expect(res.body.error.message).to.be.a("string").and.not.equal("");
    }
    const unknownType = await check(world.users.alice, { permission: "audience:read", resource: { type: "spaceship", id: "x" } });
    expect(unknownType.status).to.equal(400);
    expect(unknownType.body.error.message).to.match(/unknown resource type "spaceship"/);
  });

  it("a deactivated user (SCIM active=false) is denied everything at once; reactivated, allowed again", async () => {
    const deactivate = await world.tenant.scim("patch", `/Users/${world.users.alice}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(deactivate.status).to.equal(200);
    const denied = await check(world.users.alice, { permission: "audience:read", resource: { type: "audience", id: "aud-uk" } });
    expect(denied.body.allowed).to.equal(false);
    expect(denied.body.missing).to.match(/deactivated or deleted/);
    await world.tenant.scim("patch", `/Users/${world.users.alice}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "active", value: true }],
    });
    const again = await check(world.users.alice, { permission: "audience:read", resource: { type: "audience", id: "aud-uk" } });
    expect(again.body.allowed).to.equal(true);
  });

  it("the IdP removing alice from UK Marketing takes away UK at once; an admin pin keeps it", async () => {
    const ask = () => check(world.users.alice, { permission: "audience:update", resource: { type: "audience", id: "aud-uk" } });
    // Direct directory writes stand in for the Admin API, which tells the engine after each write (afterWrite).
    await context.directory.overrides.set(world.tenant.organizationId, { groupId: world.groups.uk, userId: world.users.alice, kind: "pin", reason: "covering for Q4", author: "admin@acme.test" });
    await context.instance.engine.afterWrite(world.tenant.organizationId);
    const removed = await world.tenant.scim("patch", `/Groups/${world.groups.uk}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "remove", path: `members[value eq "${world.users.alice}"]` }],
    });
    expect(removed.status).to.be.oneOf([200, 204]);
    const pinned = await world.tenant.post("/explain", { userId: world.users.alice, permission: "audience:update", resource: { type: "audience", id: "aud-uk" } });
    expect(pinned.body.allowed).to.equal(true);
    expect(pinned.body.reasons[0].via).to.include({ membership: "pin" });
    // SCIM keeps showing the IdP-owned members only: the identity provider never sees drift it would undo.
    const group = await world.tenant.scim("get", `/Groups/${world.groups.uk}`);
    expect((group.body.members ?? []).map((member: { value: string }) => member.value)).to.not.include(world.users.alice);
    await context.directory.overrides.remove(world.tenant.organizationId, world.groups.uk, world.users.alice);
    await context.instance.engine.afterWrite(world.tenant.organizationId);
    expect((await ask()).body.allowed).to.equal(false);
    await world.tenant.scim("patch", `/Groups/${world.groups.uk}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "add", path: "members", value: [{ value: world.users.alice }] }],
    });
    expect((await ask()).body.allowed).to.equal(true);
  });

  it("an exclude override beats the IdP membership", async () => {
    const org = world.tenant.organizationId;
    await context.directory.overrides.set(org, { groupId: world.groups.uk, userId: world.users.alice, kind: "exclude", reason: "left the UK team", author: "admin@acme.test" });
    await context.instance.engine.afterWrite(org);
    const res = await check(world.users.alice, { permission: "audience:update", resource: { type: "audience", id: "aud-uk" } });
    expect(res.body.allowed).to.equal(false);
    await context.directory.overrides.remove(org, world.groups.uk, world.users.alice);
    await context.instance.engine.afterWrite(org);
  });

  it("effective access: roles per workspace with reasons, visible Spaces with data filters", async () => {
    const res = await world.tenant.get(`/users/${world.users.alice}/effective`);
    expect(res.status).to.equal(200);
    expect(res.body.userId).to.equal(world.users.alice);
    expect(res.body.accessVersion).to.be.a("number");
    const prod = res.body.workspaces.find((workspace: { id: string }) => workspace.id === world.prod);
    expect(prod.roles.map((role: { name: string }) => role.name).sort()).to.deep.equal(["Editor", "Viewer"]);
    expect(prod.spaces.map((space: { name: string; dataFilter: string }) => [space.name, space.dataFilter])).to.deep.equal([
      ["UK", "country_code in ('UK')"],
      ["US", "country_code in ('US')"],
    ]);
    const uk = prod.spaces.find((space: { name: string }) => space.name === "UK");
    const us = prod.spaces.find((space: { name: string }) => space.name === "US");
    expect(uk.permissions).to.include("audience:update");
    expect(us.permissions).to.include("audience:read").and.not.include("audience:update");
    expect(res.body.groups.map((group: { displayName: string }) => group.displayName).sort()).to.deep.equal(["UK Marketing", "US Marketing"]);
    expect(res.body).to.not.have.property("basis");

    const carol = await world.tenant.get(`/users/${world.users.carol}/effective`);
    expect(carol.body.workspaces).to.deep.equal([]);
    const nobody = await world.tenant.get(`/users/00000000-0000-4000-8000-000000000000/effective`);
    expect(nobody.status).to.equal(404);
    expect(nobody.body.error.code).to.equal("not_found");
    const malformed = await world.tenant.get(`/users/alice/effective`);
    expect(malformed.status).to.equal(400);
  });

  it("Guest: only what is shared with them personally; never what is shared with the workspace", async () => {
    await register(world, "model", "model-shared-guest", { workspaceId: world.prod, shares: [{ principal: { type: "user", id: world.users.guest }, level: "view" }] });
    await register(world, "model", "model-shared-ws", { workspaceId: world.prod, shares: [{ principal: { type: "workspace" }, level: "view" }] });
    const mine = await world.tenant.post("/explain", { userId: world.users.guest, permission: "model:read", resource: { type: "model", id: "model-shared-guest" } });
    expect(mine.body.allowed).to.equal(true);
    expect(mine.body.reasons[0].text).to.equal('user → shared model model-shared-guest "Can View" as Guest → model:read');
    const workspaceWide = await check(world.users.guest, { permission: "model:read", resource: { type: "model", id: "model-shared-ws" } });
    expect(workspaceWide.body.allowed).to.equal(false);
    const notShared = await check(world.users.guest, { permission: "source:read", resource: { type: "source", id: "src-1" } });
    expect(notShared.body.allowed).to.equal(false);
    const create = await check(world.users.guest, { permission: "audience:create", workspaceId: world.prod, spaceId: world.spaces.uk });
    expect(create.body.allowed).to.equal(false);
    const members = await check(world.users.guest, { permission: "members:list", workspaceId: world.prod });
    expect(members.body.allowed).to.equal(false);
  });

  it("the /check hot path (answered before Express) keeps the API's contract: request ids, JSON errors, 413, 401 challenge", async () => {
    const raw = (body: string, headers: Record<string, string> = {}) => {
      let test = supertest(context.app).post("/access/v1/check").set("Authorization", `Bearer ${world.tenant.apiKey}`).set("Content-Type", "application/json");
      for (const [name, value] of Object.entries(headers)) test = test.set(name, value);
      return test.send(body);
    };
    const echoed = await raw(JSON.stringify({ userId: world.users.bob, permission: "workspace:read", workspaceId: world.prod }), { "X-Request-Id": "trace-123" });
    expect(echoed.status).to.equal(200);
    expect(echoed.headers["x-request-id"]).to.equal("trace-123");
    expect(echoed.headers["content-type"]).to.match(/^application\/json/);
    const minted = await raw(JSON.stringify({ userId: world.users.bob, permission: "workspace:read", workspaceId: world.prod }), { "X-Request-Id": "bad id!" });
    expect(minted.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    const broken = await raw('{"userId": ');
    expect(broken.status).to.equal(400);
    expect(broken.body.error.code).to.equal("invalid_json");
    const huge = await raw(JSON.stringify({ userId: world.users.bob, permission: "workspace:read", pad: "x".repeat(2 * 1024 * 1024) }));
    expect(huge.status).to.equal(413);
    expect(huge.body.error.code).to.equal("payload_too_large");
    const forged = await supertest(context.app).post("/access/v1/check").set("Authorization", "Bearer gha_forged").set("Content-Type", "application/json").send("{}");
    expect(forged.status).to.equal(401);
    expect(forged.headers["www-authenticate"]).to.equal('Bearer realm="Gatehouse API", error="invalid_token"');
    expect(forged.body.error.code).to.equal("unauthorized");
    // Counted in /metrics like every other route.
    const metrics = await supertest(context.app).get("/metrics");
    expect(metrics.text).to.match(/http_requests_total\{method="POST",route="\/access\/v1\/check",status="200"\} [1-9]/);
    expect(metrics.text).to.match(/http_requests_total\{method="POST",route="\/access\/v1\/check",status="401"\} [1-9]/);
  });
});
