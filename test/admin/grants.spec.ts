import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Grant {
  id: string;
  principal: { type: string; id: string };
  role: { id: string; key: string | null; name: string };
  scope: Record<string, string>;
  source: string;
}

describe("Admin API: grants of groups and users", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let bob: string;
  let marketing: string;
  let prod: string;
  let flat: string;
  let flatSpace: string;
  let foreignWorkspace: string;
  let foreignGroup: string;
  let foreignUser: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    bob = await tenant.scimUser("bob@acme.test");
    marketing = await tenant.scimGroup("Marketing", [alice]);
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod", spacesEnabled: true })).body.id as string;
    flat = (await tenant.admin("post", "/workspaces", { title: "Flat", spacesEnabled: true })).body.id as string;
    flatSpace = (await tenant.admin("post", `/workspaces/${flat}/spaces`, { name: "UK" })).body.id as string;
    // Spaces turned off while one exists (the API refuses that; an older deployment may hold such rows).
    await context.db.query(`UPDATE workspaces SET spaces_enabled = false WHERE id = $1`, [flat]);
    foreignWorkspace = (await other.admin("post", "/workspaces", { title: "Globex Prod" })).body.id as string;
    foreignUser = await other.scimUser("eve@globex.test");
    foreignGroup = await other.scimGroup("Globex Team", [foreignUser]);
  });

  const grantsOf = async (kind: "groups" | "users", id: string) => (await tenant.admin("get", `/${kind}/${id}/grants`)).body.items as Grant[];

  const checkAs = async (userId: string, permission: string, extra: Record<string, unknown> = { workspaceId: prod }) => {
    const res = await tenant.access("post", "/check", { userId, permission, ...extra });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };

  it("POST /groups/{id}/grants grants a workspace role: 201, source manual:<key id>, one event; the same again is 200 with no event", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("post", `/groups/${marketing}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: prod } });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.deep.include({ principal: { type: "group", id: marketing }, scope: { type: "workspace", workspaceId: prod }, source: `manual:${tenant.keyId}` });
    expect(res.body.role).to.include({ key: "workspace.viewer", name: "Viewer", level: "workspace", builtIn: true });
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.actorType, e.actorId, e.action, e.targetType, e.targetId])).to.deep.equal([["api_key", tenant.keyId, "grant.create", "grant", res.body.id]]);
    expect(events[0]?.details).to.deep.include({ before: null, after: res.body });

    const again = await tenant.admin("post", `/groups/${marketing}/grants`, { role: { id: res.body.role.id }, scope: { type: "workspace", workspaceId: prod } });
    expect(again.status, again.text).to.equal(200);
    expect(again.body).to.deep.equal(res.body);
    expect((await tenant.events()).length).to.equal(before + 1);
    expect(await grantsOf("groups", marketing)).to.deep.equal([res.body]);
    expect((await tenant.admin("get", `/grants/${res.body.id}`)).body).to.deep.equal(res.body);
  });

  it("a user's grants: an organization role at organization scope, a workspace role on a Space; listed per user", async () => {
    const org = await tenant.admin("post", `/users/${bob}/grants`, { role: { key: "organization.viewer" }, scope: { type: "organization" } });
    expect(org.status, org.text).to.equal(201);
    const space = (await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "US" })).body.id as string;
    const inSpace = await tenant.admin("post", `/users/${bob}/grants`, { role: { key: "workspace.editor" }, scope: { type: "space", spaceId: space } });
    expect(inSpace.status, inSpace.text).to.equal(201);
    expect(inSpace.body.scope).to.deep.equal({ type: "space", workspaceId: prod, spaceId: space });
    expect((await grantsOf("users", bob)).map((g) => g.id)).to.deep.equal([org.body.id, inSpace.body.id]);
  });

  it("a grant and its revocation are seen by an Access API check at once; DELETE /grants/{id} is one event, again 404", async () => {
    const carol = await tenant.scimUser("carol@acme.test");
    expect(await checkAs(carol, "source:create")).to.equal(false);
    expect(await checkAs(carol, "source:create")).to.equal(false);
    const told = context.instance.afterWrites.length;
    const res = await tenant.admin("post", `/users/${carol}/grants`, { role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: prod } });
    expect(res.status, res.text).to.equal(201);
    expect(context.instance.afterWrites.slice(told)).to.deep.equal([tenant.organizationId]);
    expect(await checkAs(carol, "source:create")).to.equal(true);

    const before = (await tenant.events()).length;
    expect((await tenant.admin("delete", `/grants/${res.body.id}`)).status).to.equal(204);
    expect(await checkAs(carol, "source:create")).to.equal(false);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetId])).to.deep.equal([["grant.delete", res.body.id]]);
    expect(events[0]?.details).to.deep.include({ before: res.body, after: null });
    expectApiError(await tenant.admin("delete", `/grants/${res.body.id}`), 404, "not_found");
    expect((await tenant.events()).length).to.equal(before + 1);
  });

  it("a custom role granted on one resource (seed 004: one source) allows exactly that resource", async () => {
    const role = await tenant.admin("post", "/roles", { name: "Source Reader", level: "workspace", permissions: ["source:read"] });
    expect(role.status, role.text).to.equal(201);
    for (const id of ["src-1", "src-2"]) {
      const registered = await tenant.access("put", `/resources/source/${id}`, { workspaceId: prod });
      expect(registered.status, registered.text).to.be.oneOf([200, 201]);
    }
    const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND external_id = $2`, [tenant.organizationId, "src-1"]);
    const dave = await tenant.scimUser("dave@acme.test");
    const check = (id: string) => checkAs(dave, "source:read", { resource: { type: "source", id } });
    expect(await check("src-1")).to.equal(false);
    const res = await tenant.admin("post", `/users/${dave}/grants`, { role: { id: role.body.id }, scope: { type: "resource", resourceId: rows[0]?.id } });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.role).to.include({ id: role.body.id, key: null, builtIn: false });
    expect(await check("src-1")).to.equal(true);
    expect(await check("src-2")).to.equal(false);
  });

  it("refusals change nothing and write no event: 400 (body, level/scope mismatch), 404 (unknown role, scope, principal), 412 (Spaces off)", async () => {
    const grants = { group: await grantsOf("groups", marketing), user: await grantsOf("users", alice) };
    const before = await tenant.events();
    const writes = context.instance.afterWrites.length;
    const bad = expectApiError(await tenant.admin("post", `/groups/${marketing}/grants`, { role: { key: "x", id: "nope" }, scope: { type: "galaxy" }, extra: true }), 400, "invalid_request");
    expect(bad.details?.problems).to.have.length.of.at.least(3);
    const noWorkspace = expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "workspace" } }), 400, "invalid_request");
    expect(noWorkspace.message).to.match(/workspaceId/);
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, {}), 400, "invalid_request");
    const mismatch = expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "organization.viewer" }, scope: { type: "workspace", workspaceId: prod } }), 400, "invalid_value");
    expect(mismatch.message).to.match(/organization scope only/);
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "organization" } }), 400, "invalid_value");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.nobody" }, scope: { type: "workspace", workspaceId: prod } }), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { id: UNKNOWN }, scope: { type: "workspace", workspaceId: prod } }), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: UNKNOWN } }), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "resource", resourceId: UNKNOWN } }), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${UNKNOWN}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: prod } }), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { role: { key: "workspace.viewer" }, scope: { type: "space", spaceId: flatSpace } }), 412, "precondition_failed");
    expect({ group: await grantsOf("groups", marketing), user: await grantsOf("users", alice) }).to.deep.equal(grants);
    expect(await tenant.events()).to.deep.equal(before);
    expect(context.instance.afterWrites.length).to.equal(writes);
  });

  it("a custom role on the free plan: 412 custom roles need a paid plan, nothing granted", async () => {
    const role = await tenant.admin("post", "/roles", { name: "Reviewer", level: "workspace", permissions: ["workspace:read"] });
    expect(role.status, role.text).to.equal(201);
    await context.directory.organizations.update(tenant.organizationId, { plan: "free" });
    try {
      const before = await tenant.events();
      const error = expectApiError(
        await tenant.admin("post", `/users/${alice}/grants`, { role: { id: role.body.id }, scope: { type: "workspace", workspaceId: prod } }),
        412,
        "precondition_failed",
      );
      expect(error.message).to.equal("custom roles need a paid plan");
      expect(await grantsOf("users", alice)).to.deep.equal([]);
      expect(await tenant.events()).to.deep.equal(before);
    } finally {
      await context.directory.organizations.update(tenant.organizationId, { plan: "paid" });
    }
  });

  it("cross-organization: another organization's principals, workspaces and grants are 404; nothing changed", async () => {
    const mine = (await grantsOf("groups", marketing))[0] as Grant;
    const before = await tenant.events();
    const theirs = await other.events();
    const body = { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: prod } };
    expectApiError(await tenant.admin("post", `/groups/${foreignGroup}/grants`, body), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${foreignUser}/grants`, body), 404, "not_found");
    expectApiError(await tenant.admin("post", `/users/${alice}/grants`, { ...body, scope: { type: "workspace", workspaceId: foreignWorkspace } }), 404, "not_found");
    expectApiError(await tenant.admin("get", `/groups/${foreignGroup}/grants`), 404, "not_found");
    expectApiError(await tenant.admin("get", `/users/${foreignUser}/grants`), 404, "not_found");
    expectApiError(await other.admin("get", `/grants/${mine.id}`), 404, "not_found");
    expectApiError(await other.admin("delete", `/grants/${mine.id}`), 404, "not_found");
    expectApiError(await other.admin("post", `/groups/${marketing}/grants`, { ...body, scope: { type: "workspace", workspaceId: foreignWorkspace } }), 404, "not_found");
    expect((await tenant.admin("get", `/grants/${mine.id}`)).body).to.deep.equal(mine);
    expect(await tenant.events()).to.deep.equal(before);
    expect(await other.events()).to.deep.equal(theirs);
  });

  it("405 with Allow", async () => {
    for (const [path, allow] of [
      [`/groups/${marketing}/grants`, "GET, POST"],
      [`/users/${alice}/grants`, "GET, POST"],
      [`/grants/${UNKNOWN}`, "GET, DELETE"],
    ] as const) {
      const res = await tenant.admin("put", path, {});
      expectApiError(res, 405, "method_not_allowed");
      expect(res.headers.allow).to.equal(allow);
    }
  });
});
