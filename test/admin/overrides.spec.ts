import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Override {
  id: string;
  groupId: string;
  userId: string;
  kind: string;
  reason: string;
  author: string;
}

describe("Admin API: membership overrides (pin and exclude, whatever the identity provider says)", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let bob: string;
  let carol: string;
  let marketing: string;
  let prod: string;
  let foreignGroup: string;
  let foreignUser: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    bob = await tenant.scimUser("bob@acme.test");
    carol = await tenant.scimUser("carol@acme.test");
    marketing = await tenant.scimGroup("Marketing", [alice, bob]);
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    const grant = await tenant.admin("post", `/groups/${marketing}/grants`, { role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: prod } });
    expect(grant.status, grant.text).to.equal(201);
    foreignUser = await other.scimUser("eve@globex.test");
    foreignGroup = await other.scimGroup("Globex Team", [foreignUser]);
  });

  const check = async (userId: string) => {
    const res = await tenant.access("post", "/check", { userId, permission: "source:create", workspaceId: prod });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const overridesOf = async (kind: "groups" | "users", id: string) => (await tenant.admin("get", `/${kind}/${id}/overrides`)).body.items as Override[];
  const scimMembers = async () => (((await tenant.scim("get", `/Groups/${marketing}`)).body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();

  it("PUT pins a user: 201 with the key as author, one event; the same again is 200 with no event; listed per group and per user", async () => {
    expect(await check(carol)).to.equal(false);
    expect(await check(carol)).to.equal(false);
    const before = (await tenant.events()).length;
    const res = await tenant.admin("put", `/groups/${marketing}/overrides/${carol}`, { kind: "pin", reason: "covers for Alice in May" });
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ groupId: marketing, userId: carol, kind: "pin", reason: "covers for Alice in May", author: `api_key:${tenant.keyId}` });
    expect(await check(carol)).to.equal(true);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.actorType, e.actorId, e.action, e.targetType, e.targetId, e.details.userId])).to.deep.equal([
      ["api_key", tenant.keyId, "group.override.pin", "group", marketing, carol],
    ]);
    expect(events[0]?.details).to.deep.include({ before: null, after: res.body });

    const again = await tenant.admin("put", `/groups/${marketing}/overrides/${carol.toUpperCase()}`, { kind: "pin", reason: "covers for Alice in May" });
    expect(again.status, again.text).to.equal(200);
    expect(again.body).to.deep.equal(res.body);
    expect((await tenant.events()).length).to.equal(before + 1);
    expect(await overridesOf("groups", marketing)).to.deep.equal([res.body]);
    expect(await overridesOf("users", carol)).to.deep.equal([res.body]);
    expect(await scimMembers()).to.deep.equal([alice, bob].sort());
  });

  it("an exclude ends an IdP member's access through the group at once; SCIM still lists them; DELETE restores the IdP's word (one event each)", async () => {
    expect(await check(bob)).to.equal(true);
    const before = (await tenant.events()).length;
    const res = await tenant.admin("put", `/groups/${marketing}/overrides/${bob}`, { kind: "exclude", reason: "on leave" });
    expect(res.status, res.text).to.equal(201);
    expect(await check(bob)).to.equal(false);
    expect(await scimMembers()).to.deep.equal([alice, bob].sort());

    const removed = await tenant.admin("delete", `/groups/${marketing}/overrides/${bob}`);
    expect(removed.status, removed.text).to.equal(204);
    expect(await check(bob)).to.equal(true);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.details.userId])).to.deep.equal([
      ["group.override.exclude", bob],
      ["group.override.delete", bob],
    ]);
    expect(events[1]?.details).to.deep.include({ before: res.body, after: null });
    expectApiError(await tenant.admin("delete", `/groups/${marketing}/overrides/${bob}`), 404, "not_found");
    expect((await tenant.events()).length).to.equal(before + 2);
  });

  it("changing a pin into an exclude replaces it: 200, one event with before and after", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("put", `/groups/${marketing}/overrides/${carol}`, { kind: "exclude", reason: "back to her own team" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ kind: "exclude", reason: "back to her own team" });
    expect(await check(carol)).to.equal(false);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => e.action)).to.deep.equal(["group.override.exclude"]);
    expect(events[0]?.details.before).to.include({ kind: "pin" });
    expect(await overridesOf("users", carol)).to.deep.equal([res.body]);
    expect((await tenant.admin("delete", `/groups/${marketing}/overrides/${carol}`)).status).to.equal(204);
  });

  it("a pin survives a later SCIM push: the IdP replaces the members without the pinned user, who keeps access; the SCIM view does not list them", async () => {
    expect((await tenant.admin("put", `/groups/${marketing}/overrides/${alice}`, { kind: "pin", reason: "IdP sync lags behind HR" })).status).to.equal(201);
    const push = await tenant.scim("patch", `/Groups/${marketing}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "members", value: [{ value: bob }] }] });
    expect(push.status, push.text).to.be.oneOf([200, 204]);
    expect(await scimMembers()).to.deep.equal([bob]);
    expect(await check(alice)).to.equal(true);
    expect(await check(bob)).to.equal(true);
    expect((await overridesOf("groups", marketing)).map((o) => [o.userId, o.kind])).to.deep.equal([[alice, "pin"]]);

    // A full replace (PUT) from the IdP does not undo it either.
    const put = await tenant.scim("put", `/Groups/${marketing}`, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Marketing", members: [] });
    expect(put.status, put.text).to.equal(200);
    expect(await scimMembers()).to.deep.equal([]);
    expect(await check(alice)).to.equal(true);
    expect(await check(bob)).to.equal(false);

    expect((await tenant.admin("delete", `/groups/${marketing}/overrides/${alice}`)).status).to.equal(204);
    expect(await check(alice)).to.equal(false);
  });

  it("400 names every problem (kind, reason, unknown fields); nothing changed, no event", async () => {
    const before = await tenant.events();
    const overrides = await overridesOf("groups", marketing);
    const writes = context.instance.afterWrites.length;
    const bad = expectApiError(await tenant.admin("put", `/groups/${marketing}/overrides/${bob}`, { kind: "ban", reason: " ", note: 1 }), 400, "invalid_request");
    expect(bad.details?.problems).to.have.length(3);
    const missing = expectApiError(await tenant.admin("put", `/groups/${marketing}/overrides/${bob}`, { kind: "pin" }), 400, "invalid_request");
    expect(missing.message).to.match(/reason/);
    expectApiError(await tenant.admin("put", `/groups/${marketing}/overrides/${bob}`), 400, "invalid_request");
    expect(await overridesOf("groups", marketing)).to.deep.equal(overrides);
    expect(await tenant.events()).to.deep.equal(before);
    expect(context.instance.afterWrites.length).to.equal(writes);
  });

  it("404 for unknown, malformed and another organization's groups and users; nothing changed, no event", async () => {
    expect((await tenant.admin("put", `/groups/${marketing}/overrides/${bob}`, { kind: "pin", reason: "kept" })).status).to.equal(201);
    const overrides = await overridesOf("groups", marketing);
    const before = await tenant.events();
    const theirs = await other.events();
    const body = { kind: "pin", reason: "r" };
    const refused: Array<["get" | "put" | "delete", string, unknown?]> = [
      ["get", `/groups/${UNKNOWN}/overrides`],
      ["get", `/users/${UNKNOWN}/overrides`],
      ["get", "/users/not-a-uuid/overrides"],
      ["get", `/groups/${foreignGroup}/overrides`],
      ["get", `/users/${foreignUser}/overrides`],
      ["put", `/groups/${UNKNOWN}/overrides/${bob}`, body],
      ["put", `/groups/${marketing}/overrides/${UNKNOWN}`, body],
      ["put", `/groups/${marketing}/overrides/${foreignUser}`, body],
      ["put", `/groups/${foreignGroup}/overrides/${bob}`, body],
      ["delete", `/groups/${marketing}/overrides/${foreignUser}`],
      ["delete", `/groups/${marketing}/overrides/${carol}`],
    ];
    for (const [method, path, payload] of refused) expectApiError(await tenant.admin(method, path, payload), 404, "not_found");
    expectApiError(await other.admin("get", `/groups/${marketing}/overrides`), 404, "not_found");
    expectApiError(await other.admin("delete", `/groups/${marketing}/overrides/${bob}`), 404, "not_found");
    expectApiError(await other.admin("put", `/groups/${marketing}/overrides/${bob}`, { kind: "exclude", reason: "mine now" }), 404, "not_found");
    expect(await overridesOf("groups", marketing)).to.deep.equal(overrides);
    expect(await tenant.events()).to.deep.equal(before);
    expect(await other.events()).to.deep.equal(theirs);
  });

  it("deleting a group takes its overrides with it", async () => {
    const team = (await tenant.admin("post", "/groups", { displayName: "Temp Team" })).body.id as string;
    expect((await tenant.admin("put", `/groups/${team}/overrides/${carol}`, { kind: "pin", reason: "r" })).status).to.equal(201);
    expect((await tenant.admin("delete", `/groups/${team}`)).status).to.equal(204);
    expect((await overridesOf("users", carol)).filter((o) => o.groupId === team)).to.deep.equal([]);
  });

  it("405 with Allow", async () => {
    for (const [method, path, allow] of [
      ["post", `/groups/${marketing}/overrides`, "GET"],
      ["post", `/users/${bob}/overrides`, "GET"],
      ["get", `/groups/${marketing}/overrides/${bob}`, "PUT, DELETE"],
    ] as const) {
      const res = await tenant.admin(method, path, method === "get" ? undefined : {});
      expectApiError(res, 405, "method_not_allowed");
      expect(res.headers.allow).to.equal(allow);
    }
  });
});
