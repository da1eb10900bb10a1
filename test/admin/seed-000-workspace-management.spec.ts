/**
 * Seed 000 ("Workspace management"): organizations, isolated workspaces, user groups as the unit of access,
 * pre-built roles (Admin, Editor, Viewer, Draft Contributor) and custom per-resource roles — each rule of the
 * document reproduced through the Admin API, SCIM and /access/v1/check.
 */
import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

describe("seed 000: workspace management", () => {
  const context = useAdminApp();
  let acme: AdminTenant;
  let globex: AdminTenant;
  let prod: string;
  let staging: string;

  const check = async (userId: string, permission: string, where: Record<string, unknown>) => {
    const res = await acme.access("post", "/check", { userId, permission, ...where });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const inWorkspace = (workspaceId: string) => ({ workspaceId });
  const resource = (type: string, id: string) => ({ resource: { type, id } });
  const register = async (type: string, id: string, workspaceId: string) => {
    const res = await acme.access("put", `/resources/${type}/${id}`, { workspaceId });
    expect(res.status, res.text).to.be.oneOf([200, 201]);
  };
  const grantGroup = async (groupId: string, key: string, workspaceId: string) => {
    const res = await acme.admin("post", `/groups/${groupId}/grants`, { role: { key }, scope: { type: "workspace", workspaceId } });
    expect(res.status, res.text).to.equal(201);
  };
  const scimMembers = (groupId: string, op: "add" | "remove", userId: string) =>
    acme.scim("patch", `/Groups/${groupId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: op === "add" ? [{ op, path: "members", value: [{ value: userId }] }] : [{ op, path: `members[value eq "${userId}"]` }],
    });

  before(async () => {
    acme = await context.newTenant("Acme");
    globex = await context.newTenant("Globex");
    prod = (await acme.admin("post", "/workspaces", { title: "Production" })).body.id as string;
    staging = (await acme.admin("post", "/workspaces", { title: "Staging" })).body.id as string;
    for (const [type, id, workspace] of [["source", "warehouse", prod], ["source", "crm", prod], ["destination", "ads", prod], ["model", "customers", prod], ["source", "staging-warehouse", staging]] as const) {
      await register(type, id, workspace);
    }
  });

  it("an organization is the top-level container: its workspaces are its own and invisible to another organization", async () => {
    const listed = (await acme.admin("get", "/workspaces?sort=title")).body as { items: Array<{ title: string }>; total: number };
    expect(listed.items.map((w) => w.title)).to.deep.equal(["Production", "Staging"]);
    expect((await globex.admin("get", "/workspaces")).body.total).to.equal(0);
    expectApiError(await globex.admin("get", `/workspaces/${prod}`), 404, "not_found");
  });

  it("workspaces are fully isolated: a role in Production gives nothing in Staging, not even its shared sources", async () => {
    const ana = await acme.scimUser("ana@acme.test");
    const team = await acme.scimGroup("Production Team", [ana]);
    await grantGroup(team, "workspace.editor", prod);
    expect(await check(ana, "workspace:read", inWorkspace(prod))).to.equal(true);
    expect(await check(ana, "source:read", resource("source", "warehouse"))).to.equal(true);
    expect(await check(ana, "workspace:read", inWorkspace(staging))).to.equal(false);
    expect(await check(ana, "source:read", resource("source", "staging-warehouse"))).to.equal(false);
  });

  it("access is managed at the group level: members get the group's role, and lose it when the identity provider removes them", async () => {
    const ben = await acme.scimUser("ben@acme.test");
    const viewers = await acme.scimGroup("Production Viewers");
    await grantGroup(viewers, "workspace.viewer", prod);
    expect(await check(ben, "model:read", resource("model", "customers"))).to.equal(false);
    expect((await scimMembers(viewers, "add", ben)).status).to.be.oneOf([200, 204]);
    expect(await check(ben, "model:read", resource("model", "customers"))).to.equal(true);
    expect((await scimMembers(viewers, "remove", ben)).status).to.be.oneOf([200, 204]);
    expect(await check(ben, "model:read", resource("model", "customers"))).to.equal(false);
  });

  it("a user in several groups inherits the combined permissions of all of them", async () => {
    const cleo = await acme.scimUser("cleo@acme.test");
    const readers = await acme.scimGroup("Prod Readers", [cleo]);
    const builders = await acme.scimGroup("Staging Builders", [cleo]);
    await grantGroup(readers, "workspace.viewer", prod);
    await grantGroup(builders, "workspace.editor", staging);
    expect(await check(cleo, "source:read", resource("source", "warehouse"))).to.equal(true);
    expect(await check(cleo, "model:create", inWorkspace(prod))).to.equal(false);
    expect(await check(cleo, "model:create", inWorkspace(staging))).to.equal(true);
  });

  describe("pre-built roles apply broadly to all resources in a workspace", () => {
    const holders: Record<string, string> = {};
    before(async () => {
      for (const key of ["admin", "editor", "viewer", "draft-contributor"]) {
        holders[key] = await acme.scimUser(`${key}@acme.test`);
        const res = await acme.admin("post", `/users/${holders[key]}/grants`, { role: { key: `workspace.${key}` }, scope: { type: "workspace", workspaceId: prod } });
        expect(res.status, res.text).to.equal(201);
      }
    });
    const expectRole = async (key: string, cases: Array<[string, Record<string, unknown>, boolean]>) => {
      for (const [permission, where, allowed] of cases) {
        expect(await check(holders[key] as string, permission, where), `${key}: ${permission} ${JSON.stringify(where)}`).to.equal(allowed);
      }
    };

    it("Admin: full grants across the workspace", async () => {
      await expectRole("admin", [
        ["source:update", resource("source", "warehouse"), true],
        ["source:delete", resource("source", "warehouse"), true],
        ["destination:delete", resource("destination", "ads"), true],
        ["model:publish", resource("model", "customers"), true],
        ["members:manage", inWorkspace(prod), true],
      ]);
    });

    it("Editor: creates and configures resources, but cannot delete or update existing source and destination configurations", async () => {
      await expectRole("editor", [
        ["source:create", inWorkspace(prod), true],
        ["destination:create", inWorkspace(prod), true],
        ["model:update", resource("model", "customers"), true],
        ["source:read", resource("source", "warehouse"), true],
        ["source:update", resource("source", "warehouse"), false],
        ["source:delete", resource("source", "warehouse"), false],
        ["destination:update", resource("destination", "ads"), false],
        ["destination:delete", resource("destination", "ads"), false],
      ]);
    });

    it("Viewer: read-only access across the workspace", async () => {
      await expectRole("viewer", [
        ["source:read", resource("source", "crm"), true],
        ["model:read", resource("model", "customers"), true],
        ["model:update", resource("model", "customers"), false],
        ["source:create", inWorkspace(prod), false],
      ]);
    });

    it("Draft Contributor: creates and proposes changes, never publishes", async () => {
      await expectRole("draft-contributor", [
        ["model:create", inWorkspace(prod), true],
        ["model:propose", resource("model", "customers"), true],
        ["model:publish", resource("model", "customers"), false],
        ["model:update", resource("model", "customers"), false],
      ]);
    });
  });

  it("custom roles give per-resource control: a custom role on one source reaches that source only", async () => {
    const dev = await acme.scimUser("dev@acme.test");
    const crmTeam = await acme.scimGroup("CRM Team", [dev]);
    const role = await acme.admin("post", "/roles", { name: "Source Operator", level: "workspace", permissions: ["source:read", "source:update"] });
    expect(role.status, role.text).to.equal(201);
    const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND type = 'source' AND external_id = 'crm'`, [acme.organizationId]);
    const granted = await acme.admin("post", `/groups/${crmTeam}/grants`, { role: { id: role.body.id }, scope: { type: "resource", resourceId: rows[0]?.id } });
    expect(granted.status, granted.text).to.equal(201);
    expect(await check(dev, "source:update", resource("source", "crm"))).to.equal(true);
    expect(await check(dev, "source:update", resource("source", "warehouse"))).to.equal(false);
    expect(await check(dev, "source:delete", resource("source", "crm"))).to.equal(false);
  });

  it("without SSO, user groups and memberships are managed manually; groups the identity provider owns are not", async () => {
    const eli = await acme.scimUser("eli@acme.test");
    const manual = await acme.admin("post", "/groups", { displayName: "Analysts" });
    expect(manual.status, manual.text).to.equal(201);
    expect((await acme.admin("put", `/groups/${manual.body.id}/members/${eli}`)).status).to.equal(201);
    await grantGroup(manual.body.id as string, "workspace.viewer", staging);
    expect(await check(eli, "source:read", resource("source", "staging-warehouse"))).to.equal(true);
    const idpOwned = await acme.scimGroup("IdP Group");
    expectApiError(await acme.admin("put", `/groups/${idpOwned}/members/${eli}`), 409, "conflict");
    expect((await acme.admin("get", `/groups/${idpOwned}/members`)).body.items).to.deep.equal([]);
  });
});
