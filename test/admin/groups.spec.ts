import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Group {
  id: string;
  displayName: string;
  origin: string;
  memberCount: number;
}

describe("Admin API: user groups and their members", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let bob: string;
  let marketing: string;
  let foreignGroup: string;
  let foreignUser: string;
  let prod: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    bob = await tenant.scimUser("bob@acme.test");
    marketing = await tenant.scimGroup("Marketing", [alice, bob]);
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    foreignUser = await other.scimUser("eve@globex.test");
    foreignGroup = await other.scimGroup("Globex Team", [foreignUser]);
  });

  const groupState = async (id: string) => (await tenant.admin("get", `/groups/${id}`)).body as Group;

  it("POST /groups creates a manual group: 201, Location, one event; listed beside the SCIM groups with member counts", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("post", "/groups", { displayName: "Contractors" });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ displayName: "Contractors", origin: "manual", memberCount: 0, externalId: null });
    expect(res.headers.location).to.equal(`/admin/v1/groups/${res.body.id}`);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.actorType, e.actorId, e.action, e.targetType, e.targetId])).to.deep.equal([["api_key", tenant.keyId, "group.create", "group", res.body.id]]);
    expect(events[0]?.details).to.deep.include({ before: null, after: res.body });

    const list = await tenant.admin("get", "/groups");
    expect(list.status, list.text).to.equal(200);
    expect((list.body.items as Group[]).map((g) => [g.displayName, g.origin, g.memberCount])).to.deep.equal([
      ["Contractors", "manual", 0],
      ["Marketing", "scim", 2],
    ]);
    expect(list.body).to.include({ total: 2, limit: 50, offset: 0 });
  });

  it("GET /groups searches by displayName and pages with totals; bad query parameters are 400 naming each", async () => {
    await tenant.admin("post", "/groups", { displayName: "Market Research" });
    const found = await tenant.admin("get", "/groups?q=market");
    expect((found.body.items as Group[]).map((g) => g.displayName)).to.deep.equal(["Market Research", "Marketing"]);
    expect(found.body.total).to.equal(2);
    const page = await tenant.admin("get", "/groups?limit=1&offset=1");
    expect((page.body.items as Group[]).map((g) => g.displayName)).to.deep.equal(["Market Research"]);
    expect(page.body).to.include({ total: 3, limit: 1, offset: 1 });
    const bad = expectApiError(await tenant.admin("get", "/groups?limit=x&offset=-1&sort=name"), 400, "invalid_request");
    expect(bad.details?.problems).to.have.length(3);
  });

  it("PATCH renames a manual group (one event with before/after); DELETE removes it (one event)", async () => {
    const id = (await tenant.admin("post", "/groups", { displayName: "Temp" })).body.id as string;
    const before = (await tenant.events()).length;
    const res = await tenant.admin("patch", `/groups/${id}`, { displayName: "Temporary" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.displayName).to.equal("Temporary");
    const renamed = (await tenant.events()).slice(before);
    expect(renamed.map((e) => e.action)).to.deep.equal(["group.update"]);
    expect(renamed[0]?.details.before).to.include({ displayName: "Temp" });
    expect(renamed[0]?.details.after).to.include({ displayName: "Temporary" });

    expect((await tenant.admin("delete", `/groups/${id}`)).status).to.equal(204);
    expectApiError(await tenant.admin("get", `/groups/${id}`), 404, "not_found");
    expect((await tenant.events()).slice(before).map((e) => e.action)).to.deep.equal(["group.update", "group.delete"]);
  });

  it("a SCIM-owned group cannot be renamed, deleted or given members here: 409 naming the identity provider, nothing changed, no event", async () => {
    const state = await groupState(marketing);
    const before = await tenant.events();
    const writes = context.instance.afterWrites.length;
    for (const [method, path, body] of [
      ["patch", `/groups/${marketing}`, { displayName: "Renamed" }],
      ["delete", `/groups/${marketing}`, undefined],
      ["put", `/groups/${marketing}/members/${alice}`, undefined],
      ["delete", `/groups/${marketing}/members/${alice}`, undefined],
    ] as const) {
      const error = expectApiError(await tenant.admin(method, path, body), 409, "conflict");
      expect(error.message).to.match(/identity provider/);
    }
    expect(await groupState(marketing)).to.deep.equal(state);
    expect((await tenant.scim("get", `/Groups/${marketing}`)).body.displayName).to.equal("Marketing");
    expect(await tenant.events()).to.deep.equal(before);
    expect(context.instance.afterWrites.length).to.equal(writes);
  });

  it("400 with every problem and 409 for a taken name; nothing changed, no event", async () => {
    const id = (await tenant.admin("post", "/groups", { displayName: "Ops" })).body.id as string;
    const list = (await tenant.admin("get", "/groups?limit=500")).body;
    const before = await tenant.events();
    const bad = expectApiError(await tenant.admin("post", "/groups", { displayName: " ", extra: 1 }), 400, "invalid_request");
    expect(bad.details?.problems).to.have.length(2);
    expectApiError(await tenant.admin("post", "/groups", {}), 400, "invalid_request");
    expectApiError(await tenant.admin("patch", `/groups/${id}`, { displayName: 42 }), 400, "invalid_request");
    expectApiError(await tenant.admin("post", "/groups", { displayName: "marketing" }), 409, "conflict");
    expectApiError(await tenant.admin("patch", `/groups/${id}`, { displayName: "MARKETING" }), 409, "conflict");
    expect((await tenant.admin("get", "/groups?limit=500")).body).to.deep.equal(list);
    expect(await tenant.events()).to.deep.equal(before);
  });

  it("members of a manual group: PUT adds (201, one event; again 200 and no event), GET pages, DELETE removes (one event; again 404)", async () => {
    const id = (await tenant.admin("post", "/groups", { displayName: "Reviewers" })).body.id as string;
    const before = (await tenant.events()).length;
    const added = await tenant.admin("put", `/groups/${id}/members/${alice}`);
    expect(added.status, added.text).to.equal(201);
    expect(added.body).to.deep.equal({ groupId: id, userId: alice, userName: "alice@acme.test" });
    expect((await tenant.admin("put", `/groups/${id}/members/${alice.toUpperCase()}`)).status).to.equal(200);
    expect((await tenant.admin("put", `/groups/${id}/members/${bob}`)).status).to.equal(201);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetId, e.details.userId])).to.deep.equal([
      ["group.member.add", id, alice],
      ["group.member.add", id, bob],
    ]);
    expect((await groupState(id)).memberCount).to.equal(2);

    const first = await tenant.admin("get", `/groups/${id}/members?limit=1`);
    expect(first.status, first.text).to.equal(200);
    expect(first.body.total).to.equal(2);
    expect(first.body.items).to.have.length(1);
    const second = await tenant.admin("get", `/groups/${id}/members?limit=1&after=${first.body.next as string}`);
    expect(second.body.items).to.have.length(1);
    expect(second.body.next).to.equal(undefined);
    const all = [...(first.body.items as Array<{ userId: string }>), ...(second.body.items as Array<{ userId: string }>)].map((m) => m.userId);
    expect(all.sort()).to.deep.equal([alice, bob].sort());
    expectApiError(await tenant.admin("get", `/groups/${id}/members?after=nope&x=1`), 400, "invalid_request");

    expect((await tenant.admin("delete", `/groups/${id}/members/${alice}`)).status).to.equal(204);
    expectApiError(await tenant.admin("delete", `/groups/${id}/members/${alice}`), 404, "not_found");
    expect((await tenant.events()).slice(before).map((e) => e.action)).to.deep.equal(["group.member.add", "group.member.add", "group.member.remove"]);
    expect((await groupState(id)).memberCount).to.equal(1);
  });

  it("a manual group's membership is visible to an Access API check at once", async () => {
    const id = (await tenant.admin("post", "/groups", { displayName: "Editors" })).body.id as string;
    const grant = await tenant.admin("post", `/groups/${id}/grants`, { role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: prod } });
    expect(grant.status, grant.text).to.equal(201);
    const carol = await tenant.scimUser("carol@acme.test");
    const check = async () => {
      const res = await tenant.access("post", "/check", { userId: carol, permission: "source:create", workspaceId: prod });
      expect(res.status, res.text).to.equal(200);
      return res.body.allowed as boolean;
    };
    expect(await check()).to.equal(false);
    expect(await check()).to.equal(false);
    expect((await tenant.admin("put", `/groups/${id}/members/${carol}`)).status).to.equal(201);
    expect(await check()).to.equal(true);
    expect((await tenant.admin("delete", `/groups/${id}/members/${carol}`)).status).to.equal(204);
    expect(await check()).to.equal(false);
    expect((await tenant.admin("put", `/groups/${id}/members/${carol}`)).status).to.equal(201);
    expect(await check()).to.equal(true);
    expect((await tenant.admin("delete", `/groups/${id}`)).status).to.equal(204);
    expect(await check()).to.equal(false);
  });

  it("404 for unknown, malformed and another organization's groups and users; nothing changed, no event", async () => {
    const id = (await tenant.admin("post", "/groups", { displayName: "Isolated" })).body.id as string;
    const before = await tenant.events();
    const refused: Array<["get" | "patch" | "delete" | "put", string, unknown?]> = [
      ["get", `/groups/${UNKNOWN}`],
      ["get", "/groups/not-a-uuid"],
      ["get", `/groups/${foreignGroup}`],
      ["get", `/groups/${foreignGroup}/members`],
      ["patch", `/groups/${foreignGroup}`, { displayName: "Mine" }],
      ["delete", `/groups/${foreignGroup}`],
      ["put", `/groups/${id}/members/${foreignUser}`],
      ["put", `/groups/${id}/members/${UNKNOWN}`],
      ["put", `/groups/${foreignGroup}/members/${alice}`],
      ["delete", `/groups/${id}/members/${foreignUser}`],
    ];
    for (const [method, path, body] of refused) expectApiError(await tenant.admin(method, path, body), 404, "not_found");
    expectApiError(await other.admin("get", `/groups/${marketing}`), 404, "not_found");
    expectApiError(await other.admin("delete", `/groups/${id}`), 404, "not_found");
    expect((await groupState(id)).memberCount).to.equal(0);
    expect(await tenant.events()).to.deep.equal(before);
    expect((await other.admin("get", "/groups")).body.items.map((g: Group) => g.displayName)).to.deep.equal(["Globex Team"]);
  });

  it("405 with Allow", async () => {
    const cases: Array<[string, string]> = [
      ["/groups", "GET, POST"],
      [`/groups/${marketing}`, "GET, PATCH, DELETE"],
      [`/groups/${marketing}/members`, "GET"],
      [`/groups/${marketing}/members/${alice}`, "PUT, DELETE"],
    ];
    for (const [path, allow] of cases) {
      const res = await tenant.admin(path.endsWith(alice) ? "get" : "put", path, {});
      expectApiError(res, 405, "method_not_allowed");
      expect(res.headers.allow).to.equal(allow);
    }
  });
});
