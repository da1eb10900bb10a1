/**
 * Seed 003 ("Workspace roles"), rule by rule, through the Admin API (direct roles, invites, the workspace tab)
 * and the Access API (checks). A project is a `model` here; "shared with the workspace" is a workspace share.
 */
import { expect } from "chai";
import { acceptPendingInvites } from "../../src/directory/directory.js";
import { useAdminApp, type AdminTenant } from "./admin-app.js";

describe("seed 003: workspace roles, share caps, Guest from a project invite, invite defaults", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let prod: string;
  const people: Record<string, string> = {};

  /**
   * Signs the person in as far as invites go: the SSO pipeline calls this in its sign-in transaction, then tells
   * the access engine (afterWrite) so the next check through this instance sees the new grants.
   */
  const signIn = async (userId: string, email: string) => {
    const accepted = await context.db.transaction((tx) => acceptPendingInvites(tx, { organizationId: tenant.organizationId, userId, email }));
    await context.instance.engine.afterWrite(tenant.organizationId);
    return accepted;
  };

  const allowed = async (who: string, permission: string, model?: string): Promise<boolean> => {
    const body = { userId: people[who], permission, ...(model ? { resource: { type: "model", id: model } } : { workspaceId: prod }) };
    const res = await tenant.access("post", "/check", body);
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };

  const role = async (who: string, key: string) => {
    const res = await tenant.admin("post", `/users/${people[who]}/roles`, { role: { key }, workspaceId: prod });
    expect(res.status, res.text).to.equal(201);
  };

  before(async () => {
    tenant = await context.newTenant("Acme");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    for (const name of ["admin", "editor", "viewer", "guest"]) people[name] = await tenant.scimUser(`${name}@acme.test`);
    await role("admin", "workspace.admin");
    await role("editor", "workspace.editor");
    await role("viewer", "workspace.viewer");
    await role("guest", "workspace.guest");
    for (const [id, shares] of [
      ["team-project", [{ principal: { type: "workspace" }, level: "edit" }]],
      ["private-project", []],
      ["viewer-project", [{ principal: { type: "user", id: people.viewer }, level: "edit" }]],
      ["guest-project", [{ principal: { type: "user", id: people.guest }, level: "full" }]],
    ] as const) {
      const res = await tenant.access("put", `/resources/model/${id}`, { workspaceId: prod, shares });
      expect(res.status, res.text).to.equal(201);
    }
  });

  it("the capability table: view all projects, manage users, create projects — Admin, Editor, Viewer, Guest", async () => {
    const table: Array<[string, string, string | undefined, boolean[]]> = [
      ["view all projects", "model:read", "private-project", [true, true, true, false]],
      ["workspace settings: users, groups", "members:manage", undefined, [true, false, false, false]],
      ["create projects", "model:create", undefined, [true, true, false, false]],
      ["access projects shared with the workspace", "model:read", "team-project", [true, true, true, false]],
    ];
    for (const [capability, permission, model, expected] of table) {
      const answers = [];
      for (const who of ["admin", "editor", "viewer", "guest"]) answers.push(await allowed(who, permission, model));
      expect(answers, capability).to.deep.equal(expected);
    }
  });

  it("Guests: only projects shared with them as individuals (up to Full Access); they cannot see users or groups", async () => {
    expect([await allowed("guest", "model:read", "guest-project"), await allowed("guest", "model:delete", "guest-project")]).to.deep.equal([true, true]);
    expect(await allowed("guest", "model:update", "team-project")).to.equal(false);
    expect([await allowed("guest", "members:list"), await allowed("viewer", "members:list")]).to.deep.equal([false, true]);
  });

  it("Viewers can be granted up to Can View: an explicit Can Edit share reads as view", async () => {
    expect([await allowed("viewer", "model:read", "viewer-project"), await allowed("viewer", "model:update", "viewer-project")]).to.deep.equal([true, false]);
    expect(await allowed("editor", "model:update", "team-project")).to.equal(true);
  });

  it("an existing user invited to a project keeps their workspace role: a Viewer stays capped at view until an Admin promotes them", async () => {
    const viewer2 = await tenant.scimUser("viewer2@acme.test");
    people.viewer2 = viewer2;
    await role("viewer2", "workspace.viewer");
    const invite = await tenant.admin("post", "/invites", { email: "viewer2@acme.test", roles: [], resource: { type: "model", id: "private-project", level: "edit" } });
    expect(invite.status, invite.text).to.equal(201);
    const [accepted] = await signIn(viewer2, "viewer2@acme.test");
    expect(accepted).to.include({ guest: false });
    const roles = ((await tenant.admin("get", `/users/${viewer2}`)).body.workspaceRoles as Array<{ role: { key: string } }>).map((r) => r.role.key);
    expect(roles).to.deep.equal(["workspace.viewer"]);
    expect(await allowed("viewer2", "model:update", "private-project")).to.equal(false);
    await role("viewer2", "workspace.editor");
    expect(await allowed("viewer2", "model:update", "private-project")).to.equal(true);
  });

  it("a new user invited to a project becomes Guest by default: the project, and nothing shared with the workspace", async () => {
    const invite = await tenant.admin("post", "/invites", { email: "Newcomer@Partner.test", roles: [], resource: { type: "model", id: "private-project", level: "full" } });
    expect(invite.status, invite.text).to.equal(201);
    people.newcomer = await tenant.scimUser("newcomer@partner.test");
    const [accepted] = await signIn(people.newcomer, "newcomer@partner.test");
    expect(accepted).to.include({ guest: true });
    expect([await allowed("newcomer", "model:update", "private-project"), await allowed("newcomer", "model:read", "team-project")]).to.deep.equal([true, false]);
    expect([await allowed("newcomer", "model:create"), await allowed("newcomer", "members:list")]).to.deep.equal([false, false]);
    const tab = (await tenant.admin("get", `/workspaces/${prod}/users?q=newcomer`)).body.items as Array<{ workspaceRoles: Array<{ role: { key: string }; reasons: Array<{ text: string }> }> }>;
    expect(tab[0]?.workspaceRoles.map((r) => [r.role.key, r.reasons.map((x) => x.text)])).to.deep.equal([["workspace.guest", [`invite ${invite.body.id}`]]]);
  });

  it("unless the allowed domain (applied first at sign-in) gives a role: then that role, not Guest — with its share cap", async () => {
    await tenant.admin("post", "/invites", { email: "analyst@acme.test", roles: [], resource: { type: "model", id: "private-project", level: "edit" } });
    people.analyst = await tenant.scimUser("analyst@acme.test");
    // What the SSO pipeline does before taking invites: the domain's default role, with its own source.
    await context.directory.grants.grant(tenant.organizationId, { principal: { type: "user", id: people.analyst }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: prod }, source: "sso:acme-okta" });
    const [accepted] = await signIn(people.analyst, "analyst@acme.test");
    expect(accepted).to.include({ guest: false });
    expect([await allowed("analyst", "model:read", "team-project"), await allowed("analyst", "model:update", "private-project")]).to.deep.equal([true, false]);
  });

  it("a workspace invite gives its role at sign-in, and Admin is what it takes to manage other users' roles", async () => {
    const invite = await tenant.admin("post", "/invites", { email: "lead@acme.test", workspaceId: prod, roles: [{ key: "workspace.admin" }] });
    expect(invite.status, invite.text).to.equal(201);
    people.lead = await tenant.scimUser("lead@acme.test");
    expect(await allowed("lead", "members:manage")).to.equal(false);
    await signIn(people.lead, "lead@acme.test");
    expect(await allowed("lead", "members:manage")).to.equal(true);
  });
  /** Admin API calls as a person signed in through SSO (session cookie, CSRF token, our Origin). */
  async function asPerson(userId: string) {
    const person = await context.signIn(tenant.organizationId, userId);
    return (method: "get" | "post" | "delete", path: string, body?: unknown) => person.admin(method, path, body);
  }

  it("Guests cannot view the workspace's users; only a workspace Admin adds members and edits their roles (403 naming the permission)", async () => {
    const [guest, viewer, admin] = [await asPerson(people.guest as string), await asPerson(people.viewer as string), await asPerson(people.admin as string)];
    const guestTab = await guest("get", `/workspaces/${prod}/users`);
    expect([guestTab.status, guestTab.body.error?.details?.permission]).to.deep.equal([403, "members:list"]);
    const viewerTab = await viewer("get", `/workspaces/${prod}/users`);
    expect(viewerTab.status, viewerTab.text).to.equal(200);
    expect(viewerTab.body.items.map((p: { userName: string }) => p.userName)).to.include.members(["admin@acme.test", "guest@acme.test"]);

    const invite = { email: "helper@acme.test", workspaceId: prod, roles: [{ key: "workspace.editor" }] };
    const refused = await viewer("post", "/invites", invite);
    expect([refused.status, refused.body.error?.details?.permission]).to.deep.equal([403, "members:manage"]);
    const promote = await viewer("post", `/users/${people.guest}/roles`, { role: { key: "workspace.editor" }, workspaceId: prod });
    expect(promote.status).to.equal(403);
    expect((await tenant.admin("get", "/invites?email=helper@acme.test")).body.total).to.equal(0);

    // A workspace Admin invites into their workspace; the organization's people list stays the organization's admins'.
    const invited = await admin("post", "/invites", invite);
    expect(invited.status, invited.text).to.equal(201);
    expect(invited.body.createdBy).to.contain(people.admin);
    expect((await admin("post", "/invites", { email: "boss@acme.test", roles: [{ key: "organization.admin" }] })).status).to.equal(403);
    expect((await admin("get", "/users")).status).to.equal(403);
    // ... and edits the roles people hold in it (an organization role is the organization admins' to give).
    const promoted = await admin("post", `/users/${people.guest}/roles`, { role: { key: "workspace.viewer" }, workspaceId: prod });
    expect(promoted.status, promoted.text).to.equal(201);
    expect(promoted.body.source).to.equal(`manual:${people.admin}`);
    expect((await admin("delete", `/users/${people.guest}/roles/${promoted.body.id}`)).status).to.equal(204);
    expect((await admin("post", `/users/${people.guest}/roles`, { role: { key: "organization.viewer" } })).status).to.equal(403);
  });
});
