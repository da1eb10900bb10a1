import { expect } from "chai";
import { createDirectory } from "../../src/directory/directory.js";
import { transferOwnership } from "../../src/directory/ownership.service.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Reason {
  kind: string;
  text: string;
  grantId: string;
  source: string;
  group?: { id: string; displayName: string; membership: string[] };
}
interface PersonRole {
  role: { key: string | null; name: string };
  scope: { type: string; workspaceId?: string };
  reasons: Reason[];
}
interface Person {
  id: string;
  userName: string;
  origin: string;
  active: boolean;
  organizationRoles: PersonRole[];
  workspaceRoles: PersonRole[];
}

/** "<role key> @ <scope>: <reason texts>" lines: what an admin reads in the list. */
const lines = (roles: PersonRole[]) => roles.map((r) => `${r.role.key ?? r.role.name} @ ${r.scope.type}: ${r.reasons.map((x) => x.kind).join(", ")}`);

describe("Admin API: users, the workspace tab, direct roles, removing people", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let prod: string;
  let stage: string;
  let ids: Record<"alice" | "bob" | "carol" | "dan" | "erin", string>;
  let ukMarketing: string;
  let ops: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    stage = (await tenant.admin("post", "/workspaces", { title: "Stage" })).body.id as string;
    ids = {
      alice: await tenant.scimUser("alice@acme.test"),
      bob: await tenant.scimUser("bob@acme.test"),
      carol: await tenant.scimUser("carol@acme.test"),
      dan: await tenant.scimUser("dan@acme.test"),
      erin: await tenant.scimUser("erin@acme.test"),
    };
    ukMarketing = await tenant.scimGroup("UK Marketing", [ids.alice, ids.carol]);
    ops = (await tenant.admin("post", "/groups", { displayName: "Ops" })).body.id as string;
    for (const [group, role] of [[ukMarketing, "workspace.editor"], [ops, "workspace.viewer"]] as const) {
      const res = await tenant.admin("post", `/groups/${group}/grants`, { role: { key: role }, scope: { type: "workspace", workspaceId: prod } });
      expect(res.status, res.text).to.equal(201);
    }
    // bob is in Ops by a pin; carol is kept out of UK Marketing by an exclude; dan is an Organization Admin.
    expect((await tenant.admin("put", `/groups/${ops}/overrides/${ids.bob}`, { kind: "pin", reason: "on call" })).status).to.equal(201);
    expect((await tenant.admin("put", `/groups/${ukMarketing}/overrides/${ids.carol}`, { kind: "exclude", reason: "left the team" })).status).to.equal(201);
    expect((await tenant.admin("post", `/users/${ids.dan}/roles`, { role: { key: "organization.admin" } })).status).to.equal(201);
    expect((await tenant.admin("post", `/users/${ids.bob}/roles`, { role: { key: "organization.viewer" } })).status).to.equal(201);
  });

  const list = async (path: string) => {
    const res = await tenant.admin("get", path);
    expect(res.status, res.text).to.equal(200);
    return res.body as { items: Person[]; total: number; limit: number; offset: number };
  };
  const byName = (items: Person[], name: keyof typeof ids) => items.find((p) => p.id === ids[name]) as Person;

  it("GET /users: everyone, by userName, each role with where it comes from", async () => {
    const page = await list("/users");
    expect(page.total).to.equal(5);
    expect(page.items.map((p) => p.userName)).to.deep.equal(["alice@acme.test", "bob@acme.test", "carol@acme.test", "dan@acme.test", "erin@acme.test"]);
    const alice = byName(page.items, "alice");
    expect(alice).to.include({ origin: "scim", active: true });
    expect(lines(alice.workspaceRoles)).to.deep.equal(["workspace.editor @ workspace: group"]);
    expect(alice.workspaceRoles[0]?.reasons[0]).to.deep.include({ text: 'group "UK Marketing" (scim)' });
    const bob = byName(page.items, "bob");
    expect(lines(bob.organizationRoles)).to.deep.equal(["organization.viewer @ organization: direct"]);
    expect(bob.organizationRoles[0]?.reasons[0]?.source).to.equal(`manual:${tenant.keyId}`);
    expect(bob.workspaceRoles[0]?.reasons[0]).to.deep.include({ text: 'group "Ops" (manual), pinned by an override' });
    expect(bob.workspaceRoles[0]?.reasons[0]?.group?.membership).to.deep.equal(["pin"]);
    // The exclude override wins over the IdP's membership.
    expect(byName(page.items, "carol").workspaceRoles).to.deep.equal([]);
    const dan = byName(page.items, "dan");
    expect(dan.organizationRoles.map((r) => (r as { impliesWorkspaceRole?: { key: string } }).impliesWorkspaceRole?.key)).to.deep.equal(["workspace.admin"]);
  });

  it("GET /users: search by userName, email or name; page paging with the total; bad parameters are 400", async () => {
    expect((await list("/users?q=ALI")).items.map((p) => p.userName)).to.deep.equal(["alice@acme.test"]);
    expect((await list("/users?q=%25")).total).to.equal(0);
    const first = await list("/users?limit=2");
    const second = await list("/users?limit=2&offset=2");
    expect([first.total, second.total, first.limit, second.offset]).to.deep.equal([5, 5, 2, 2]);
    expect([...first.items, ...second.items].map((p) => p.userName)).to.deep.equal(["alice@acme.test", "bob@acme.test", "carol@acme.test", "dan@acme.test"]);
    const error = expectApiError(await tenant.admin("get", "/users?limit=many&sort=name"), 400, "invalid_request");
    expect(error.details?.problems).to.have.length(2);
  });

  it("GET /workspaces/{id}/users: who has a role in the workspace and why, including an Organization Admin's implied Admin", async () => {
    const tab = await list(`/workspaces/${prod}/users`);
    expect(tab.items.map((p) => p.userName)).to.deep.equal(["alice@acme.test", "bob@acme.test", "dan@acme.test"]);
    expect(lines(byName(tab.items, "dan").workspaceRoles)).to.deep.equal(["workspace.admin @ workspace: organization_role"]);
    expect(byName(tab.items, "dan").workspaceRoles[0]?.reasons[0]?.text).to.match(/^organization role "Organization Admin" \(direct grant by an admin .*\) implies Admin in every workspace$/);
    expect((await list(`/workspaces/${stage}/users`)).items.map((p) => p.userName)).to.deep.equal(["dan@acme.test"]);
    expect((await list(`/workspaces/${prod}/users?q=bob`)).items.map((p) => p.userName)).to.deep.equal(["bob@acme.test"]);
    expectApiError(await tenant.admin("get", `/workspaces/${UNKNOWN}/users`), 404, "not_found");
  });

  it("GET /users/{id}: one person with their roles, their groups and overrides (an excluded group shows with its reason)", async () => {
    const res = await tenant.admin("get", `/users/${ids.carol}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body.groups).to.have.length(1);
    expect(res.body.groups[0]).to.deep.include({ id: ukMarketing, displayName: "UK Marketing", origin: "scim", membership: ["idp"], effective: false });
    expect(res.body.groups[0].override).to.include({ kind: "exclude", reason: "left the team" });
    expectApiError(await other.admin("get", `/users/${ids.carol}`), 404, "not_found");
    expectApiError(await tenant.admin("get", "/users/not-a-uuid"), 404, "not_found");
  });

  it("POST /users/{id}/roles: roles add up; the same again is 200 with no event; Owner roles and misplaced levels are refused, nothing changed", async () => {
    const before = (await tenant.events()).length;
    const viewer = await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "workspace.viewer" }, workspaceId: prod });
    const editor = await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "workspace.editor" }, workspaceId: prod });
    expect([viewer.status, editor.status]).to.deep.equal([201, 201]);
    expect(editor.body).to.deep.include({ source: `manual:${tenant.keyId}`, scope: { type: "workspace", workspaceId: prod } });
    expect((await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { id: viewer.body.role.id }, workspaceId: prod })).status).to.equal(200);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetType, e.targetId])).to.deep.equal([["user.role.grant", "user", ids.erin], ["user.role.grant", "user", ids.erin]]);
    expect(events[0]?.details).to.deep.include({ before: null, after: viewer.body, workspaceId: prod });
    const erin = byName((await list(`/workspaces/${prod}/users`)).items, "erin");
    expect(lines(erin.workspaceRoles).sort()).to.deep.equal(["workspace.editor @ workspace: direct", "workspace.viewer @ workspace: direct"]);

    const count = (await tenant.events()).length;
    expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "workspace.owner" }, workspaceId: prod }), 409, "conflict");
    expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "organization.owner" } }), 409, "conflict");
    expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "organization.viewer" }, workspaceId: prod }), 400, "invalid_value");
    expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "workspace.viewer" } }), 400, "invalid_value");
    expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "workspace.viewer" }, workspaceId: prod, extra: 1 }), 400, "invalid_request");
    expectApiError(await tenant.admin("post", `/users/${UNKNOWN}/roles`, { role: { key: "workspace.viewer" }, workspaceId: prod }), 404, "not_found");
    expectApiError(await other.admin("post", `/users/${ids.erin}/roles`, { role: { key: "organization.viewer" } }), 404, "not_found");
    const custom = (await tenant.admin("post", "/roles", { name: "Auditor", level: "workspace", permissions: ["workspace:read"] })).body.id as string;
    await context.directory.organizations.update(tenant.organizationId, { plan: "free" });
    try {
      expectApiError(await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { id: custom }, workspaceId: prod }), 412, "precondition_failed");
    } finally {
      await context.directory.organizations.update(tenant.organizationId, { plan: "paid" });
    }
    expect((await tenant.events()).length).to.equal(count + 1); // the custom role's creation only
    expect((await tenant.admin("get", `/users/${ids.erin}/grants`)).body.total).to.equal(2);
  });

  it("DELETE /users/{id}/roles/{grantId}: takes back an admin-given role; a group's grant, another person's, or the IdP's are refused", async () => {
    const grant = (await tenant.admin("post", `/users/${ids.erin}/roles`, { role: { key: "organization.viewer" } })).body.id as string;
    const foreign = await tenant.admin("delete", `/users/${ids.alice}/roles/${grant}`);
    expectApiError(foreign, 404, "not_found");
    const scimGrant = await context.directory.grants.grant(tenant.organizationId, { principal: { type: "user", id: ids.erin }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: stage }, source: "scim:token" });
    expect(expectApiError(await tenant.admin("delete", `/users/${ids.erin}/roles/${scimGrant.id}`), 409, "conflict").message).to.contain("scim:token");
    const res = await tenant.admin("delete", `/users/${ids.erin}/roles/${grant}`);
    expect(res.status, res.text).to.equal(204);
    expect((await tenant.events()).at(-1)).to.deep.include({ action: "user.role.revoke", targetId: ids.erin });
    expectApiError(await tenant.admin("delete", `/users/${ids.erin}/roles/${grant}`), 404, "not_found");
    await context.directory.grants.revoke(tenant.organizationId, scimGrant.id);
  });

  it("DELETE /workspaces/{w}/users/{u}: removes the admin-given roles there and says what access remains and why; the suggested exclude ends it", async () => {
    expect((await tenant.admin("post", `/users/${ids.alice}/roles`, { role: { key: "workspace.viewer" }, workspaceId: prod })).status).to.equal(201);
    const before = (await tenant.events()).length;
    const res = await tenant.admin("delete", `/workspaces/${prod}/users/${ids.alice}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body.removedGrantIds).to.have.length(1);
    expect(lines(res.body.remaining)).to.deep.equal(["workspace.editor @ workspace: group"]);
    expect(res.body.message).to.contain('still Editor via group "UK Marketing" (scim)').and.contain("exclude override");
    expect(res.body.suggestions[0].action).to.deep.equal({ method: "PUT", path: `/groups/${ukMarketing}/overrides/${ids.alice}`, body: { kind: "exclude", reason: "…" } });
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => e.action)).to.deep.equal(["workspace.user.remove"]);
    expect(events[0]?.details).to.deep.include({ workspaceId: prod, removedGrantIds: res.body.removedGrantIds });
    // Nothing left to remove: nothing changes, no event.
    const again = await tenant.admin("delete", `/workspaces/${prod}/users/${ids.alice}`);
    expect(again.body.removedGrantIds).to.deep.equal([]);
    expect((await tenant.events()).length).to.equal(before + 1);

    expect((await tenant.admin("put", `/groups/${ukMarketing}/overrides/${ids.alice}`, { kind: "exclude", reason: "removed from Prod" })).status).to.equal(201);
    expect((await list(`/workspaces/${prod}/users`)).items.map((p) => p.userName)).to.not.include("alice@acme.test");
    const done = await tenant.admin("delete", `/workspaces/${prod}/users/${ids.alice}`);
    expect(done.body).to.deep.include({ remaining: [], message: "no access remains in this workspace" });
    await tenant.admin("delete", `/groups/${ukMarketing}/overrides/${ids.alice}`);
  });

  it("DELETE /users/{id}: a person the IdP owns keeps existing and loses only admin-given roles; an invited person is deleted", async () => {
    await tenant.admin("post", `/users/${ids.bob}/roles`, { role: { key: "workspace.viewer" }, workspaceId: stage });
    const held = ((await tenant.admin("get", `/users/${ids.bob}/grants`)).body.items as Array<{ id: string; source: string }>).map((g) => g.id);
    expect(held).to.have.length(2);
    const res = await tenant.admin("delete", `/users/${ids.bob}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ deleted: false });
    expect(res.body.removedGrantIds).to.have.members(held);
    expect(res.body.message).to.contain("identity provider");
    const bob = (await tenant.admin("get", `/users/${ids.bob}`)).body as Person;
    expect(bob.organizationRoles).to.deep.equal([]);
    // The pinned group membership is an override, not a grant: it stays (remove it in the group's overrides).
    expect(lines(bob.workspaceRoles)).to.deep.equal(["workspace.viewer @ workspace: group"]);
    expect((await tenant.events()).at(-1)).to.deep.include({ action: "user.grants.remove", targetId: ids.bob });

    const invited = (await context.directory.users.create(tenant.organizationId, { userName: "guest@partner.test" })).id;
    await context.db.query(`UPDATE users SET origin = 'invite' WHERE id = $1`, [invited]);
    const gone = await tenant.admin("delete", `/users/${invited}`);
    expect(gone.status, gone.text).to.equal(200);
    expect(gone.body).to.include({ deleted: true });
    expectApiError(await tenant.admin("get", `/users/${invited}`), 404, "not_found");
    expect((await tenant.events()).at(-1)).to.deep.include({ action: "user.delete", targetId: invited });
    expectApiError(await other.admin("delete", `/users/${ids.erin}`), 404, "not_found");
  });

  it("an Owner cannot be removed from the workspace or the organization: 409 transfer ownership first, nothing changed", async () => {
    // The first Owner of a workspace is named by an operator (break-glass transfer).
    await transferOwnership(context.db, { organizationId: tenant.organizationId, workspaceId: stage, fromUserId: null, toUserId: ids.erin, actor: { type: "cli", osUser: "test", reason: "first Owner" } });
    const before = (await tenant.events()).length;
    const grants = (await tenant.admin("get", `/users/${ids.erin}/grants`)).body.total as number;
    expect(expectApiError(await tenant.admin("delete", `/workspaces/${stage}/users/${ids.erin}`), 409, "conflict").message).to.contain("transfer ownership first");
    expect(expectApiError(await tenant.admin("delete", `/users/${ids.erin}`), 409, "conflict").message).to.contain("transfer ownership first");
    const owner = ((await tenant.admin("get", `/users/${ids.erin}/grants`)).body.items as Array<{ id: string; role: { key: string } }>).find((g) => g.role.key === "workspace.owner");
    expectApiError(await tenant.admin("delete", `/users/${ids.erin}/roles/${owner?.id}`), 409, "conflict");
    expect((await tenant.admin("get", `/users/${ids.erin}/grants`)).body.total).to.equal(grants);
    expect((await tenant.events()).length).to.equal(before);
  });
  it("a group membership from a sign-in claim is named as such; an inactive person is listed as inactive", async () => {
    const gwen = await tenant.scimUser("gwen@acme.test");
    await context.db.query(`INSERT INTO claim_memberships (organization_id, group_id, user_id, source) VALUES ($1, $2, $3, 'sso:okta')`, [tenant.organizationId, ops, gwen]);
    expect((await tenant.scim("patch", `/Users/${gwen}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] })).status).to.equal(200);
    const person = (await tenant.admin("get", `/users/${gwen}`)).body as Person & { groups: Array<{ membership: string[] }> };
    expect(person.active).to.equal(false);
    expect(person.workspaceRoles.map((r) => r.reasons.map((x) => x.text))).to.deep.equal([['group "Ops" (manual) via a sign-in claim']]);
    expect(person.groups.map((g) => g.membership)).to.deep.equal([["sso_claim"]]);
  });
  it("a page costs the same number of statements whatever its size (batch SQL, no query per person)", async () => {
    let statements = 0;
    const counting = { query: (sql: string, params?: readonly unknown[]) => ((statements += 1), context.db.query(sql, params)), transaction: context.db.transaction } as typeof context.db;
    const people = createDirectory({ db: counting }).people;
    const cost = async (work: () => Promise<{ items: unknown[] }>) => {
      statements = 0;
      const page = await work();
      return { people: page.items.length, statements };
    };
    const small = await cost(() => people.list(tenant.organizationId, { limit: 1 }));
    const large = await cost(() => people.list(tenant.organizationId, { limit: 500 }));
    const tab = await cost(() => people.list(tenant.organizationId, { limit: 500, workspace: { id: prod, title: "Prod" } }));
    expect(large.people).to.be.above(small.people);
    expect([large.statements, tab.statements]).to.deep.equal([small.statements, small.statements]);
  });
});
