import { expect } from "chai";
import { defaultPolicy } from "../../src/access/index.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Role {
  id: string;
  key: string | null;
  name: string;
  description: string;
  level: string;
  permissions: string[];
  builtIn: boolean;
}

describe("Admin API: custom roles (seed 004) beside the built-in ones", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let prod: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
  });

  const roles = async (who: AdminTenant = tenant) => (await who.admin("get", "/roles")).body.items as Role[];
  const builtIn = async (key: string) => (await roles()).find((role) => role.key === key) as Role;

  it("GET /roles lists the policy's built-in roles in policy order, then the organization's custom roles", async () => {
    const res = await tenant.admin("get", "/roles");
    expect(res.status, res.text).to.equal(200);
    const items = res.body.items as Role[];
    expect(items.map((role) => role.key)).to.deep.equal(Object.keys(defaultPolicy().roles));
    expect(items.every((role) => role.builtIn)).to.equal(true);
    expect(res.body.total).to.equal(items.length);
    const one = await tenant.admin("get", `/roles/${items[0]?.id as string}`);
    expect(one.body).to.deep.equal(items[0]);
  });

  it("POST creates a custom organization role and a workspace role: 201, Location, one event each; listed after the built-in ones", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("post", "/roles", { name: "Finance", level: "organization", description: "Billing and integrations", permissions: ["billing:manage", "integrations:manage"] });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ name: "Finance", level: "organization", key: null, builtIn: false, description: "Billing and integrations" });
    expect(res.body.permissions).to.have.members(["billing:manage", "integrations:manage"]);
    expect(res.headers.location).to.equal(`/admin/v1/roles/${res.body.id}`);
    const ws = await tenant.admin("post", "/roles", { name: "Research Contributor", level: "workspace", permissions: ["workspace:read", "model:propose"] });
    expect(ws.status, ws.text).to.equal(201);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.actorType, e.actorId, e.action, e.targetType, e.targetId])).to.deep.equal([
      ["api_key", tenant.keyId, "role.create", "role", res.body.id],
      ["api_key", tenant.keyId, "role.create", "role", ws.body.id],
    ]);
    expect(events[0]?.details).to.deep.include({ before: null, after: res.body });
    expect((await roles()).slice(-2).map((role) => role.id)).to.deep.equal([res.body.id, ws.body.id]);
    expect((await roles(other)).some((role) => !role.builtIn)).to.equal(false);
  });

  it("400 names every problem (schema, unknown permissions, wrong level), 409 for a taken name; nothing changed, no event", async () => {
    await tenant.admin("post", "/roles", { name: "Taken", level: "workspace", permissions: ["workspace:read"] });
    const list = await roles();
    const finance = list.find((role) => role.name === "Finance") as Role;
    const contributor = list.find((role) => role.name === "Research Contributor") as Role;
    const before = await tenant.events();
    const schema = expectApiError(await tenant.admin("post", "/roles", { name: " ", level: "galaxy", permissions: "all", extra: 1 }), 400, "invalid_request");
    expect(schema.details?.problems).to.have.length(4);
    const invalid = expectApiError(await tenant.admin("post", "/roles", { name: "Odd", level: "organization", permissions: ["nope:nothing", "source:read"] }), 400, "invalid_value");
    expect(invalid.details?.problems).to.have.length.of.at.least(2);
    expectApiError(await tenant.admin("post", "/roles", { name: "finance", level: "organization", permissions: ["billing:manage"] }), 409, "conflict");
    expectApiError(await tenant.admin("patch", `/roles/${contributor.id}`, { name: "TAKEN" }), 409, "conflict");
    expectApiError(await tenant.admin("patch", `/roles/${finance.id}`, {}), 400, "invalid_request");
    expectApiError(await tenant.admin("patch", `/roles/${finance.id}`, { level: "workspace" }), 400, "invalid_request");
    expectApiError(await tenant.admin("patch", `/roles/${finance.id}`, { permissions: ["source:read"] }), 400, "invalid_value");
    expect(await roles()).to.deep.equal(list);
    expect(await tenant.events()).to.deep.equal(before);
  });

  it("PATCH renames, re-describes and changes permissions (one event with before/after); the change counts on the next check", async () => {
    const role = (await tenant.admin("post", "/roles", { name: "Source Team", level: "workspace", permissions: ["workspace:read", "source:create"] })).body as Role;
    const grant = await tenant.admin("post", `/users/${alice}/grants`, { role: { id: role.id }, scope: { type: "workspace", workspaceId: prod } });
    expect(grant.status, grant.text).to.equal(201);
    const check = async () => (await tenant.access("post", "/check", { userId: alice, permission: "source:create", workspaceId: prod })).body.allowed as boolean;
    expect(await check()).to.equal(true);
    expect(await check()).to.equal(true);
    const before = (await tenant.events()).length;
    const res = await tenant.admin("patch", `/roles/${role.id}`, { name: "Source Readers", description: "Read only", permissions: ["workspace:read", "source:read"] });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ name: "Source Readers", description: "Read only" });
    expect(await check()).to.equal(false);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetId])).to.deep.equal([["role.update", role.id]]);
    expect(events[0]?.details.before).to.include({ name: "Source Team" });
    expect(events[0]?.details.after).to.deep.equal(res.body);
  });

  it("built-in roles: 403 on any change, nothing changed, no event", async () => {
    const editor = await builtIn("workspace.editor");
    const before = await tenant.events();
    expectApiError(await tenant.admin("patch", `/roles/${editor.id}`, { name: "Writer" }), 403, "forbidden");
    expectApiError(await tenant.admin("delete", `/roles/${editor.id}`), 403, "forbidden");
    expect(await builtIn("workspace.editor")).to.deep.equal(editor);
    expect(await tenant.events()).to.deep.equal(before);
  });

  it("deleting a role still held: 409 listing the holders, nothing changed; after revoking, 204 and one event", async () => {
    const role = (await tenant.admin("post", "/roles", { name: "Held", level: "workspace", permissions: ["workspace:read"] })).body as Role;
    const marketing = await tenant.scimGroup("Marketing", [alice]);
    const byGroup = (await tenant.admin("post", `/groups/${marketing}/grants`, { role: { id: role.id }, scope: { type: "workspace", workspaceId: prod } })).body;
    const byUser = (await tenant.admin("post", `/users/${alice}/grants`, { role: { id: role.id }, scope: { type: "workspace", workspaceId: prod } })).body;
    const before = (await tenant.events()).length;
    const error = expectApiError(await tenant.admin("delete", `/roles/${role.id}`), 409, "conflict");
    const holders = error.details?.holders as Array<{ grantId: string; principal: { type: string; id: string } }>;
    expect(holders.map((h) => [h.grantId, h.principal.type, h.principal.id])).to.have.deep.members([
      [byGroup.id, "group", marketing],
      [byUser.id, "user", alice],
    ]);
    expect((await tenant.admin("get", `/roles/${role.id}`)).status).to.equal(200);
    expect((await tenant.events()).length).to.equal(before);

    expect((await tenant.admin("delete", `/grants/${byGroup.id}`)).status).to.equal(204);
    expect((await tenant.admin("delete", `/grants/${byUser.id}`)).status).to.equal(204);
    expect((await tenant.admin("delete", `/roles/${role.id}`)).status).to.equal(204);
    expectApiError(await tenant.admin("get", `/roles/${role.id}`), 404, "not_found");
    expect((await tenant.events()).slice(before).map((e) => e.action)).to.deep.equal(["grant.delete", "grant.delete", "role.delete"]);
  });

  it('the free plan: creating or changing a custom role is 403 "custom roles need a paid plan"; nothing changed, no event', async () => {
    const role = (await tenant.admin("post", "/roles", { name: "Paid Era", level: "workspace", permissions: ["workspace:read"] })).body as Role;
    await context.directory.organizations.update(tenant.organizationId, { plan: "free" });
    try {
      const list = await roles();
      const before = await tenant.events();
      const created = expectApiError(await tenant.admin("post", "/roles", { name: "Free Era", level: "workspace", permissions: ["workspace:read"] }), 403, "forbidden");
      expect(created.message).to.equal("custom roles need a paid plan");
      const changed = expectApiError(await tenant.admin("patch", `/roles/${role.id}`, { name: "Renamed" }), 403, "forbidden");
      expect(changed.message).to.equal("custom roles need a paid plan");
      expect(await roles()).to.deep.equal(list);
      expect(await tenant.events()).to.deep.equal(before);
    } finally {
      await context.directory.organizations.update(tenant.organizationId, { plan: "paid" });
    }
  });

  it("404 for unknown, malformed and another organization's roles; nothing changed", async () => {
    const mine = (await roles()).find((role) => !role.builtIn) as Role;
    const before = await tenant.events();
    for (const path of [`/roles/${UNKNOWN}`, "/roles/not-a-uuid"]) {
      expectApiError(await tenant.admin("get", path), 404, "not_found");
      expectApiError(await tenant.admin("patch", path, { name: "X" }), 404, "not_found");
      expectApiError(await tenant.admin("delete", path), 404, "not_found");
    }
    expectApiError(await other.admin("get", `/roles/${mine.id}`), 404, "not_found");
    expectApiError(await other.admin("patch", `/roles/${mine.id}`, { name: "Stolen" }), 404, "not_found");
    expectApiError(await other.admin("delete", `/roles/${mine.id}`), 404, "not_found");
    expect((await tenant.admin("get", `/roles/${mine.id}`)).body).to.deep.equal(mine);
    expect(await tenant.events()).to.deep.equal(before);
  });

  it("405 with Allow", async () => {
    const list = await tenant.admin("put", "/roles", {});
    expectApiError(list, 405, "method_not_allowed");
    expect(list.headers.allow).to.equal("GET, POST");
    const one = await tenant.admin("post", `/roles/${UNKNOWN}`, {});
    expectApiError(one, 405, "method_not_allowed");
    expect(one.headers.allow).to.equal("GET, PATCH, DELETE");
  });
});
