import { expect } from "chai";
import { acceptPendingInvites } from "../../src/directory/directory.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Invite {
  id: string;
  email: string;
  status: string;
  workspace: { id: string; title: string } | null;
  resource: { id: string; type: string; externalId: string; level: string } | null;
  roles: Array<{ key: string | null }>;
  createdBy: string;
  expiresAt: string;
}

describe("Admin API: invites", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let prod: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    const model = await tenant.access("put", "/resources/model/churn", { workspaceId: prod });
    expect(model.status, model.text).to.equal(201);
  });

  const invites = async (query = "") => {
    const res = await tenant.admin("get", `/invites${query}`);
    expect(res.status, res.text).to.equal(200);
    return res.body as { items: Invite[]; total: number };
  };

  it("POST /invites: an organization invite, 201 with its Location, pending for 14 days, one audited event", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("post", "/invites", { email: "Ana@Partner.test", roles: [{ key: "organization.viewer" }] });
    expect(res.status, res.text).to.equal(201);
    expect(res.headers.location).to.equal(`/admin/v1/invites/${res.body.id}`);
    expect(res.body).to.deep.include({ email: "ana@partner.test", status: "pending", workspace: null, resource: null, createdBy: `api_key:${tenant.keyId}` });
    expect(res.body.roles.map((r: { key: string }) => r.key)).to.deep.equal(["organization.viewer"]);
    const days = (Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)) / 86_400_000;
    expect(days).to.equal(14);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetType, e.targetId])).to.deep.equal([["invite.create", "invite", res.body.id]]);
    expect(events[0]?.details).to.deep.include({ before: null, after: res.body });
    expect((await tenant.admin("get", `/invites/${res.body.id}`)).body).to.deep.equal(res.body);
  });

  it("a per-workspace invite with several workspace roles, and a resource invite (its workspace is the resource's)", async () => {
    const workspace = await tenant.admin("post", "/invites", { email: "bo@partner.test", workspaceId: prod, roles: [{ key: "workspace.viewer" }, { key: "workspace.draft-contributor" }] });
    expect(workspace.status, workspace.text).to.equal(201);
    expect(workspace.body.workspace).to.deep.equal({ id: prod, title: "Prod" });
    expect(workspace.body.roles.map((r: { key: string }) => r.key).sort()).to.deep.equal(["workspace.draft-contributor", "workspace.viewer"]);
    const resource = await tenant.admin("post", "/invites", { email: "cy@partner.test", roles: [], resource: { type: "model", id: "churn", level: "edit" }, expiresInDays: 3 });
    expect(resource.status, resource.text).to.equal(201);
    expect(resource.body.workspace).to.deep.equal({ id: prod, title: "Prod" });
    expect(resource.body.resource).to.deep.include({ type: "model", externalId: "churn", level: "edit" });
    expect((await invites(`?workspaceId=${prod}`)).items.map((i) => i.email)).to.deep.equal(["cy@partner.test", "bo@partner.test"]);
  });

  it("refuses bad invites with 400/403/404/409, and nothing is stored or audited", async () => {
    const before = { events: (await tenant.events()).length, invites: (await invites()).total };
    const refused: Array<[unknown, number, string]> = [
      [{ email: "nobody", roles: [{ key: "organization.viewer" }] }, 400, "invalid_value"],
      [{ email: "a@partner.test" }, 400, "invalid_request"],
      [{ email: "a@partner.test", roles: [{ key: "organization.viewer" }], admin: true }, 400, "invalid_request"],
      [{ email: "a@partner.test", roles: [{ key: "organization.viewer" }], expiresInDays: 0 }, 400, "invalid_request"],
      [{ email: "a@partner.test", roles: [] }, 400, "invalid_value"],
      [{ email: "a@partner.test", roles: [{ key: "workspace.editor" }] }, 400, "invalid_value"],
      [{ email: "a@partner.test", workspaceId: prod, roles: [{ key: "organization.admin" }] }, 400, "invalid_value"],
      [{ email: "a@partner.test", roles: [], resource: { type: "model", id: "churn", level: "owner" } }, 400, "invalid_value"],
      [{ email: "a@partner.test", roles: [{ key: "organization.owner" }] }, 403, "forbidden"],
      [{ email: "a@partner.test", workspaceId: prod, roles: [{ key: "workspace.owner" }] }, 403, "forbidden"],
      [{ email: "a@partner.test", workspaceId: UNKNOWN, roles: [{ key: "workspace.viewer" }] }, 404, "not_found"],
      [{ email: "a@partner.test", roles: [], resource: { type: "model", id: "missing", level: "view" } }, 404, "not_found"],
      [{ email: "ANA@partner.test", roles: [{ key: "organization.admin" }] }, 409, "conflict"],
    ];
    for (const [body, status, code] of refused) expectApiError(await tenant.admin("post", "/invites", body), status, code);
    const foreign = (await other.admin("post", "/workspaces", { title: "Globex Prod" })).body.id as string;
    expectApiError(await tenant.admin("post", "/invites", { email: "a@partner.test", workspaceId: foreign, roles: [{ key: "workspace.viewer" }] }), 404, "not_found");
    expect({ events: (await tenant.events()).length, invites: (await invites()).total }).to.deep.equal(before);
  });

  it("GET /invites filters by status and email and pages with the total; unknown parameters are 400", async () => {
    const all = await invites();
    expect(all.total).to.equal(3);
    expect((await invites("?status=pending")).total).to.equal(3);
    expect((await invites("?status=accepted")).total).to.equal(0);
    expect((await invites("?email=ANA@partner.test")).items.map((i) => i.email)).to.deep.equal(["ana@partner.test"]);
    const page = await invites("?limit=1&offset=1");
    expect([page.total, page.items.length, page.items[0]?.id]).to.deep.equal([3, 1, all.items[1]?.id]);
    expectApiError(await tenant.admin("get", "/invites?status=lost&color=red"), 400, "invalid_request");
  });

  it("DELETE /invites/{id} revokes a pending invite (audited); revoking again is 409; unknown or another organization's is 404", async () => {
    const invite = (await tenant.admin("post", "/invites", { email: "dee@partner.test", roles: [{ key: "organization.viewer" }] })).body as Invite;
    expectApiError(await other.admin("delete", `/invites/${invite.id}`), 404, "not_found");
    expectApiError(await other.admin("get", `/invites/${invite.id}`), 404, "not_found");
    const res = await tenant.admin("delete", `/invites/${invite.id}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ id: invite.id, status: "revoked" });
    expect((await tenant.events()).at(-1)).to.deep.include({ action: "invite.revoke", targetId: invite.id });
    expectApiError(await tenant.admin("delete", `/invites/${invite.id}`), 409, "conflict");
    expectApiError(await tenant.admin("delete", `/invites/${UNKNOWN}`), 404, "not_found");
    // A revoked invite is never taken, and a new one for the address may be sent.
    expect((await tenant.admin("post", "/invites", { email: "dee@partner.test", roles: [{ key: "organization.viewer" }] })).status).to.equal(201);
  });

  it("at sign-in the invites are taken: the person's roles say 'invite', the workspace tab lists them, the invite is accepted", async () => {
    const [bo] = (await invites("?email=bo@partner.test")).items;
    const user = (await context.directory.users.create(tenant.organizationId, { userName: "bo@partner.test" })).id;
    await context.db.transaction((tx) => acceptPendingInvites(tx, { organizationId: tenant.organizationId, userId: user, email: "Bo@Partner.test" }));
    expect((await tenant.admin("get", `/invites/${bo?.id}`)).body).to.deep.include({ status: "accepted", acceptedUserId: user });
    const tab = (await tenant.admin("get", `/workspaces/${prod}/users`)).body.items as Array<{ id: string; workspaceRoles: Array<{ role: { key: string }; reasons: Array<{ text: string; source: string; grantId: string }> }> }>;
    const person = tab.find((p) => p.id === user);
    expect(person?.workspaceRoles.map((r) => r.role.key).sort()).to.deep.equal(["workspace.draft-contributor", "workspace.viewer"]);
    expect(person?.workspaceRoles[0]?.reasons[0]).to.deep.include({ kind: "direct", text: `invite ${bo?.id}`, source: `invite:${bo?.id}` });
    expectApiError(await tenant.admin("delete", `/invites/${bo?.id}`), 409, "conflict");
    // An invite's roles can be taken back like any admin-given role.
    const grant = person?.workspaceRoles[0]?.reasons[0]?.grantId;
    expect((await tenant.admin("delete", `/users/${user}/roles/${grant}`)).status).to.equal(204);
  });
});
