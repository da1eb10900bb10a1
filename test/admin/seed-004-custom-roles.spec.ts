/**
 * Seed 004 ("How to manage roles and permissions"): custom organization and workspace roles — paid plans only,
 * created with a name, description and permissions of their level, edited with immediate effect, deleted only
 * when no one holds them; default roles immutable; both levels apply at once. Through the Admin API (an
 * operator key, and a signed-in person's session) and /access/v1/check.
 */
import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

interface Role {
  id: string;
  key: string | null;
  name: string;
  description: string;
  level: string;
  permissions: string[];
  builtIn: boolean;
}

describe("seed 004: custom roles", () => {
  const context = useAdminApp();
  let acme: AdminTenant;
  let prod: string;
  const people: Record<string, string> = {};

  const check = async (userId: string, permission: string, workspaceId?: string) => {
    const res = await acme.access("post", "/check", { userId, permission, ...(workspaceId ? { workspaceId } : {}) });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const roles = async (who = acme) => (await who.admin("get", "/roles")).body.items as Role[];
  const grant = async (userId: string, roleId: string, workspaceId?: string) => {
    const scope = workspaceId ? { type: "workspace", workspaceId } : { type: "organization" };
    const res = await acme.admin("post", `/users/${userId}/grants`, { role: { id: roleId }, scope });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };

  before(async () => {
    acme = await context.newTenant("Acme");
    for (const name of ["nia", "otto", "pam"]) people[name] = await acme.scimUser(`${name}@acme.test`);
    prod = (await acme.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
  });

  it("custom roles are available on paid plans only", async () => {
    const thrifty = await context.newTenant("Thrifty");
    const downgraded = await thrifty.admin("patch", "/organization", { plan: "free" });
    expect(downgraded.status, downgraded.text).to.equal(200);
    const refused = expectApiError(await thrifty.admin("post", "/roles", { name: "Finance", level: "organization", permissions: ["billing:manage"] }), 403, "forbidden");
    expect(refused.message).to.equal("custom roles need a paid plan");
    expect((await roles(thrifty)).every((role) => role.builtIn)).to.equal(true);
  });

  it("the default roles (Organization Admin and Viewer, workspace Admin, Editor, Viewer) cannot be deleted or modified", async () => {
    const before = await roles();
    for (const key of ["organization.admin", "organization.viewer", "workspace.admin", "workspace.editor", "workspace.viewer"]) {
      const role = before.find((r) => r.key === key) as Role;
      expectApiError(await acme.admin("patch", `/roles/${role.id}`, { name: "Renamed" }), 403, "forbidden");
      expectApiError(await acme.admin("patch", `/roles/${role.id}`, { permissions: [] }), 403, "forbidden");
      expectApiError(await acme.admin("delete", `/roles/${role.id}`), 403, "forbidden");
    }
    expect(await roles()).to.deep.equal(before);
  });

  it("creates a custom organization role from Manage, Integrations and Billing; it applies on the next check", async () => {
    const created = await acme.admin("post", "/roles", { name: "Finance Ops", level: "organization", description: "Billing and integrations", permissions: ["integrations:manage", "billing:manage"] });
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.deep.include({ name: "Finance Ops", description: "Billing and integrations", level: "organization", builtIn: false, key: null });
    expect((await roles()).map((role) => role.name)).to.include("Finance Ops");
    await grant(people.nia as string, created.body.id as string);
    expect(await check(people.nia as string, "billing:manage")).to.equal(true);
    expect(await check(people.nia as string, "integrations:manage")).to.equal(true);
    expect(await check(people.nia as string, "sso:manage")).to.equal(false);
  });

  it("editing a role's name or permissions takes effect immediately for everyone holding it", async () => {
    const role = (await roles()).find((r) => r.name === "Finance Ops") as Role;
    const edited = await acme.admin("patch", `/roles/${role.id}`, { name: "Billing Only", permissions: ["billing:manage"] });
    expect(edited.status, edited.text).to.equal(200);
    expect(await check(people.nia as string, "integrations:manage")).to.equal(false);
    expect(await check(people.nia as string, "billing:manage")).to.equal(true);
    expect((await acme.admin("get", `/roles/${role.id}`)).body).to.deep.include({ name: "Billing Only", permissions: ["billing:manage"] });
  });

  it("a role still assigned cannot be deleted (409 naming who holds it); reassigned first, it is deleted for good", async () => {
    const role = (await roles()).find((r) => r.name === "Billing Only") as Role;
    const error = expectApiError(await acme.admin("delete", `/roles/${role.id}`), 409, "conflict");
    const holders = error.details?.holders as Array<{ grantId: string; principal: { type: string; id: string } }>;
    expect(holders.map((h) => h.principal)).to.deep.equal([{ type: "user", id: people.nia }]);
    expect((await acme.admin("get", `/roles/${role.id}`)).status).to.equal(200);
    expect(await check(people.nia as string, "billing:manage")).to.equal(true);
    expect((await acme.admin("delete", `/grants/${holders[0]?.grantId}`)).status).to.equal(204);
    expect((await acme.admin("delete", `/roles/${role.id}`)).status).to.equal(204);
    expectApiError(await acme.admin("get", `/roles/${role.id}`), 404, "not_found");
    expect(await check(people.nia as string, "billing:manage")).to.equal(false);
  });

  it("a custom workspace role picks workspace permissions; organization and workspace roles apply to a person at the same time", async () => {
    const org = await acme.admin("post", "/roles", { name: "Integrations Lead", level: "organization", permissions: ["integrations:manage"] });
    const ws = await acme.admin("post", "/roles", { name: "Research Contributor", level: "workspace", description: "Reads models, proposes changes", permissions: ["workspace:read", "model:read", "model:propose"] });
    expect([org.status, ws.status]).to.deep.equal([201, 201]);
    const otto = people.otto as string;
    await grant(otto, org.body.id as string);
    await grant(otto, ws.body.id as string, prod);
    expect(await check(otto, "integrations:manage")).to.equal(true);
    expect(await check(otto, "model:propose", prod)).to.equal(true);
    expect(await check(otto, "model:publish", prod)).to.equal(false);
    expect(await check(otto, "workspace:manage", prod)).to.equal(false);
  });

  it("a role's permissions must be of its level and never owner-only; names are unique per level; nothing changes when refused", async () => {
    const before = await roles();
    expectApiError(await acme.admin("post", "/roles", { name: "Mixed", level: "organization", permissions: ["model:read"] }), 400, "invalid_value");
    expectApiError(await acme.admin("post", "/roles", { name: "Usurper", level: "organization", permissions: ["organization:transfer"] }), 400, "invalid_value");
    expectApiError(await acme.admin("post", "/roles", { name: "research contributor", level: "workspace", permissions: ["workspace:read"] }), 409, "conflict");
    expect(await roles()).to.deep.equal(before);
  });

  it("creating or editing roles needs the Organization Manage permission: an Organization Viewer signed in is refused", async () => {
    const pam = people.pam as string;
    const viewer = (await roles()).find((r) => r.key === "organization.viewer") as Role;
    await grant(pam, viewer.id);
    const person = await context.signIn(acme.organizationId, pam, { ip: "203.0.113.4", userAgent: "seed-004" });
    const res = await person.admin("post", "/roles", { name: "Sneaky", level: "workspace", permissions: ["workspace:read"] });
    const error = expectApiError(res, 403, "forbidden");
    expect(String(error.details?.permission)).to.match(/manage$/);
    expect((await roles()).map((role) => role.name)).not.to.include("Sneaky");
  });
});
