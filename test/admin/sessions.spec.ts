import { expect } from "chai";
import { createHash } from "node:crypto";
import supertest from "supertest";
import type { SessionRecord } from "../../src/store/sessions.repository.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";
import { restrictedAdminApi } from "./restricted-admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

describe("Admin API: a user's sign-in sessions (issue 6: revocable by admins)", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    bob = await tenant.scimUser("bob@acme.test");
  });

  /** A session as the sign-in pipeline issues it; returns it with its cookie token, which must keep working until revoked. */
  const signIn = (who: AdminTenant, userId: string, userAgent = "Firefox"): Promise<{ session: SessionRecord; token: string }> =>
    context.signIn(who.organizationId, userId, { userAgent });
  /** Whether the browser holding this session is still signed in, as GET /auth/session says. */
  const live = async ({ token }: { token: string }) => {
    const res = await supertest(context.app).get("/auth/session").set("Cookie", `${context.instance.sso.sessions.cookieName}=${token}`);
    expect(res.status, res.text).to.be.oneOf([200, 401]);
    return res.status === 200;
  };
  const listed = async (userId: string, who: AdminTenant = tenant) => {
    const res = await who.admin("get", `/users/${userId}/sessions`);
    expect(res.status, res.text).to.equal(200);
    return res.body as { items: Array<{ id: string; userId: string; ip: string; userAgent: string; expiresAt: string }>; total: number };
  };
  const sessionEvents = async () => (await tenant.events()).filter((event) => event.action.includes("session"));

  it("GET lists the user's live sessions (only theirs), without token or hash", async () => {
    const first = await signIn(tenant, alice, "Firefox");
    const second = await signIn(tenant, alice, "Safari");
    await signIn(tenant, bob);
    const page = await listed(alice);
    expect(page.total).to.equal(2);
    expect(page.items.map((item) => item.id).sort()).to.deep.equal([first.session.id, second.session.id].sort());
    expect(page.items[0]).to.include({ userId: alice, ip: "203.0.113.7" });
    const text = JSON.stringify(page);
    expect(text).not.to.contain(first.token);
    expect(text).not.to.contain(createHash("sha256").update(first.token).digest("hex"));
    expect((await listed(bob)).total).to.equal(1);
  });

  it("DELETE /sessions/{id} ends that session only: it stops working, the others keep working; audited", async () => {
    const ended = await signIn(tenant, alice);
    const kept = await signIn(tenant, alice);
    const res = await tenant.admin("delete", `/users/${alice}/sessions/${ended.session.id}`);
    expect(res.status, res.text).to.equal(204);
    expect(await live(ended)).to.equal(false);
    expect(await live(kept)).to.equal(true);
    expect((await listed(alice)).items.map((item) => item.id)).to.deep.equal([kept.session.id]);

    const [event, ...more] = await sessionEvents();
    expect(more).to.deep.equal([]);
    expect(event).to.include({ action: "session.revoke", actorType: "api_key", actorId: tenant.keyId, targetType: "session", targetId: ended.session.id });
    expect(event?.details).to.deep.include({ userId: alice, after: null });
    expect((event?.details.before as { id: string }).id).to.equal(ended.session.id);
    expect(JSON.stringify(event)).not.to.contain(ended.token);
    expect(JSON.stringify(event)).not.to.contain(createHash("sha256").update(ended.token).digest("hex"));
  });

  it("DELETE /sessions signs the user out everywhere, and nobody else; audited once with the sessions ended", async () => {
    const sessions = [await signIn(tenant, alice), await signIn(tenant, alice)];
    const bobs = await signIn(tenant, bob);
    const res = await tenant.admin("delete", `/users/${alice}/sessions`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ revoked: 2 });
    for (const session of sessions) expect(await live(session)).to.equal(false);
    expect(await live(bobs)).to.equal(true);
    expect((await listed(alice)).total).to.equal(0);

    const [event, ...more] = await sessionEvents();
    expect(more).to.deep.equal([]);
    expect(event).to.include({ action: "user.sessions.revoke", targetType: "user", targetId: alice });
    expect(event?.details.revoked).to.equal(2);
    expect((event?.details.before as { sessions: Array<{ id: string }> }).sessions.map((s) => s.id).sort()).to.deep.equal(sessions.map((s) => s.session.id).sort());

    // Again: nothing left to end, nothing recorded.
    expect((await tenant.admin("delete", `/users/${alice}/sessions`)).body).to.deep.equal({ revoked: 0 });
    expect(await sessionEvents()).to.have.length(1);
  });

  it("404 for an unknown user, another organization's user, or a session that is not this user's live one; nothing ended, nothing audited", async () => {
    const theirUser = await other.scimUser("carol@globex.test");
    const theirs = await signIn(other, theirUser);
    const alices = await signIn(tenant, alice);
    const bobs = await signIn(tenant, bob);
    const revoked = await signIn(tenant, alice);
    expect((await tenant.admin("delete", `/users/${alice}/sessions/${revoked.session.id}`)).status).to.equal(204);
    const eventsBefore = (await tenant.events()).length;

    for (const userId of [UNKNOWN, "not-a-uuid", theirUser]) {
      expectApiError(await tenant.admin("get", `/users/${userId}/sessions`), 404, "not_found");
      expectApiError(await tenant.admin("delete", `/users/${userId}/sessions`), 404, "not_found");
      expectApiError(await tenant.admin("delete", `/users/${userId}/sessions/${theirs.session.id}`), 404, "not_found");
    }
    for (const sessionId of [UNKNOWN, "not-a-uuid", bobs.session.id, theirs.session.id, revoked.session.id]) {
      expectApiError(await tenant.admin("delete", `/users/${alice}/sessions/${sessionId}`), 404, "not_found");
    }
    for (const session of [theirs, alices, bobs]) expect(await live(session)).to.equal(true);
    expect((await tenant.events()).length).to.equal(eventsBefore);
    expect((await listed(theirUser, other)).total).to.equal(1);
  });

  it("403 naming users:read / users:manage for a key whose role lacks them; nothing ended, nothing audited", async () => {
    const session = await signIn(tenant, alice);
    const eventsBefore = (await tenant.events()).length;
    const readless = restrictedAdminApi(context, ["users:read", "users:manage"]);
    expect(expectApiError(await readless(tenant.apiKey, "get", `/users/${alice}/sessions`), 403, "forbidden").details).to.deep.equal({ permission: "users:read" });
    const manageless = restrictedAdminApi(context, ["users:manage"]);
    expect((await manageless(tenant.apiKey, "get", `/users/${alice}/sessions`)).status).to.equal(200);
    for (const path of [`/users/${alice}/sessions`, `/users/${alice}/sessions/${session.session.id}`]) {
      expect(expectApiError(await manageless(tenant.apiKey, "delete", path), 403, "forbidden").details).to.deep.equal({ permission: "users:manage" });
    }
    expect(await live(session)).to.equal(true);
    expect((await tenant.events()).length).to.equal(eventsBefore);
  });

  it("a session ended by a SCIM deactivation is no longer listed", async () => {
    const session = await signIn(tenant, alice);
    const res = await tenant.scim("patch", `/Users/${alice}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
    expect(res.status, res.text).to.equal(200);
    expect(await live(session)).to.equal(false);
    expect((await listed(alice)).total).to.equal(0);
  });

  it("405 with Allow for methods the session routes do not have", async () => {
    const res = await tenant.admin("post", `/users/${alice}/sessions`, {});
    expectApiError(res, 405, "method_not_allowed");
    expect(res.headers.allow).to.equal("GET, DELETE");
  });
});
