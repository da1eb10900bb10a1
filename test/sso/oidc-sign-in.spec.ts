/**
 * OIDC sign-in end to end (issue 6): a real oidc-provider on 127.0.0.1, Gatehouse's /auth routes through HTTP,
 * the database behind them. Success (JIT, groups, session, access) and every way it must refuse, each leaving
 * no user, no membership and no session behind.
 */
import { expect } from "chai";
import { useAdminApp, PUBLIC_URL, type AdminTenant } from "../admin/admin-app.js";
import type { ConnectionRecord } from "../../src/sso/connections.service.js";
import { truncateAll } from "../support/database.js";
import { Browser, parseSetCookies } from "./support/browser.js";
import { startOidcProvider, type TestOidcAccount, type TestOidcProvider } from "./support/oidc-op.js";

describe("SSO: OIDC sign-in end to end", function () {
  this.timeout(30_000);
  const context = useAdminApp();
  let tenant: AdminTenant;
  let op: TestOidcProvider | undefined;
  let connection: ConnectionRecord;

  const ALICE: TestOidcAccount = { sub: "alice-sub", email: "alice@acme.test", email_verified: true, name: "Alice Liddell", given_name: "Alice", family_name: "Liddell", groups: ["eng", "UK Marketing"] };

  async function connect(accounts: TestOidcAccount[] = [ALICE], name = "Acme OIDC"): Promise<{ connection: ConnectionRecord; op: TestOidcProvider }> {
    // The connection's callback URL must be registered at the OP, and it contains the connection id: create the
    // connection against a placeholder issuer first, then point it at the OP started with that redirect URI.
    const created = await context.instance.sso.connections.create(tenant.organizationId, {
      protocol: "oidc",
      name,
      settings: { issuer: "http://127.0.0.1:1", clientId: `client-${name}`, scopes: ["openid", "email", "profile", "groups"], groupsClaim: "groups" },
      clientSecret: "s3cret-of-the-client",
    });
    const redirectUri = `${PUBLIC_URL}/auth/oidc/${created.id}/callback`;
    const provider = await startOidcProvider({ clients: [{ clientId: `client-${name}`, clientSecret: "s3cret-of-the-client", redirectUri }], accounts });
    const { after } = await context.instance.sso.connections.update(tenant.organizationId, created.id, { settings: { issuer: provider.issuer } });
    return { connection: after, op: provider };
  }

  beforeEach(async () => {
    // Each test starts empty: a verified domain belongs to one organization only.
    await truncateAll(context.database);
    tenant = await context.newTenant("Acme");
    await context.db.query(`INSERT INTO organization_domains (organization_id, domain, verified) VALUES ($1, 'acme.test', true)`, [tenant.organizationId]);
    ({ connection, op } = await connect());
  });
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  const userCount = async () => Number((await context.db.query<{ n: string }>(`SELECT count(*) AS n FROM users WHERE organization_id = $1`, [tenant.organizationId])).rows[0]?.n);
  const sessionCount = async () => Number((await context.db.query<{ n: string }>(`SELECT count(*) AS n FROM sessions WHERE organization_id = $1`, [tenant.organizationId])).rows[0]?.n);

  /** Starts at /auth/login/{id}, signs in at the OP; returns the callback URL (not yet visited). */
  async function throughIdp(browser: Browser, login = ALICE.sub, query = "?returnTo=/welcome", target = connection, provider = op as TestOidcProvider): Promise<URL> {
    const start = await browser.get(`/auth/login/${target.id}${query}`);
    expect(start.status, start.text).to.equal(303);
    const authorization = new URL(start.headers.location as string);
    expect(authorization.origin).to.equal(provider.issuer);
    expect(authorization.searchParams.get("code_challenge_method")).to.equal("S256");
    expect(authorization.searchParams.get("state")).to.be.a("string");
    expect(authorization.searchParams.get("nonce")).to.be.a("string");
    return provider.signIn(authorization, login);
  }

  it("signs a new person in: just-in-time account, groups from the claim, a Secure HttpOnly Lax session, access resolved", async () => {
    const eng = await tenant.scimGroup("eng");
    const browser = new Browser(context.app);
    const callback = await throughIdp(browser);
    const done = await browser.get(callback);
    expect(done.status, done.text).to.equal(303);
    expect(done.headers.location).to.equal(`${PUBLIC_URL}/welcome`);
    const cookie = parseSetCookies(done).find((c) => c.name === "__Host-gatehouse_session");
    expect(cookie, "session cookie").to.not.equal(undefined);
    expect(cookie?.attributes.map((a) => a.toLowerCase())).to.include.members(["httponly", "secure", "samesite=lax", "path=/"]);

    const session = await browser.get("/auth/session");
    expect(session.status, session.text).to.equal(200);
    expect(session.body.user.userName).to.equal("alice@acme.test");
    expect(session.body.organization.id).to.equal(tenant.organizationId);
    expect(session.body.csrfToken).to.be.a("string");
    expect(session.body.access.groups.map((g: { id: string }) => g.id)).to.deep.equal([eng]);

    // The IdP's view of the group (SCIM) is untouched: claim memberships are Gatehouse's own.
    const group = await tenant.scim("get", `/Groups/${eng}`);
    expect(group.body.members ?? []).to.deep.equal([]);
    const events = await tenant.events();
    expect(events.map((e) => e.action)).to.include("auth.sign_in");
  });

  it("links the second sign-in to the same person and reconciles groups to the claim", async () => {
    await tenant.scimGroup("eng");
    const marketing = await tenant.scimGroup("UK Marketing");
    const first = new Browser(context.app);
    await first.get(await throughIdp(first));
    await op?.close();
    ({ op } = { op: undefined });
    // Same connection, the IdP now sends only one group.
    const provider = await startOidcProvider({
      clients: [{ clientId: "client-Acme OIDC", clientSecret: "s3cret-of-the-client", redirectUri: `${PUBLIC_URL}/auth/oidc/${connection.id}/callback` }],
      accounts: [{ ...ALICE, groups: ["UK Marketing"] }],
    });
    op = provider;
    const { after } = await context.instance.sso.connections.update(tenant.organizationId, connection.id, { settings: { issuer: provider.issuer } });
    connection = after;
    const second = new Browser(context.app);
    await second.get(await throughIdp(second, ALICE.sub, "", connection, provider));
    expect(await userCount()).to.equal(1);
    const session = await second.get("/auth/session");
    expect(session.body.access.groups.map((g: { id: string }) => g.id)).to.deep.equal([marketing]);
  });

  it("gives an invited newcomer the invite's roles and the domain's default role at the first sign-in", async () => {
    const prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    const invite = await tenant.admin("post", "/invites", { email: "ALICE@acme.test", roles: [{ key: "workspace.editor" }], workspaceId: prod });
    expect(invite.status, invite.text).to.equal(201);
    const domain = await tenant.admin("put", "/organization/domains/acme.test", { defaultRole: { key: "organization.viewer" } });
    expect(domain.status, domain.text).to.be.oneOf([200, 201]);
    const browser = new Browser(context.app);
    await browser.get(await throughIdp(browser));
    const session = await browser.get("/auth/session");
    expect(session.body.access.organization.roles.map((r: { name: string }) => r.name)).to.include("Organization Viewer");
    const workspace = (session.body.access.workspaces as Array<{ id: string; roles: Array<{ name: string }> }>).find((w) => w.id === prod);
    expect(workspace?.roles.map((r) => r.name)).to.include("Editor");
    const after = await tenant.admin("get", `/invites/${invite.body.id}`);
    expect(after.body.status).to.equal("accepted");
    const signIn = (await tenant.events()).find((e) => e.action === "auth.sign_in");
    expect(signIn?.details.provisioned).to.equal(true);
  });

  it("refuses a callback whose state was tampered with: no user, no session", async () => {
    const browser = new Browser(context.app);
    const callback = await throughIdp(browser);
    callback.searchParams.set("state", "forged-state");
    const res = await browser.get(callback);
    expect(res.status).to.equal(400);
    expect(res.headers["content-type"]).to.match(/^text\/html/);
    expect(res.text).to.include("state_mismatch");
    expect(await userCount()).to.equal(0);
    expect(await sessionCount()).to.equal(0);
    const failed = (await tenant.events()).filter((e) => e.action === "auth.sign_in_failed");
    expect(failed.map((e) => e.details.reason)).to.deep.equal(["state_mismatch"]);
  });

  it("refuses a callback finished in another browser than the one that started it (login CSRF)", async () => {
    const attacker = new Browser(context.app);
    const callback = await throughIdp(attacker);
    const victim = new Browser(context.app);
    const res = await victim.get(callback);
    expect(res.status).to.equal(400);
    expect(res.text).to.include("state_not_bound");
    expect(await sessionCount()).to.equal(0);
  });

  it("refuses the same callback twice (the pre-login state is used once)", async () => {
    const browser = new Browser(context.app);
    const callback = await throughIdp(browser);
    expect((await browser.get(callback)).status).to.equal(303);
    const again = new Browser(context.app);
    for (const [name, value] of browser.cookies) again.cookies.set(name, value);
    again.cookies.delete("__Host-gatehouse_session");
    const res = await again.get(callback);
    expect(res.status).to.equal(400);
    expect(await sessionCount()).to.equal(1);
  });

  it("refuses a code obtained for connection A at connection B's callback", async () => {
    const other = await connect([ALICE], "Other OIDC");
    try {
      const browser = new Browser(context.app);
      const callbackA = await throughIdp(browser);
      const atB = new URL(`${PUBLIC_URL}/auth/oidc/${other.connection.id}/callback${callbackA.search}`);
      const res = await browser.get(atB);
      expect(res.status).to.equal(400);
      expect(res.text).to.include("wrong_connection");
      expect(await userCount()).to.equal(0);
    } finally {
      await other.op.close();
    }
  });

  it("refuses a mix-up: an iss response parameter naming another issuer", async () => {
    const browser = new Browser(context.app);
    const callback = await throughIdp(browser);
    callback.searchParams.set("iss", "https://evil.example");
    const res = await browser.get(callback);
    expect(res.status).to.equal(400);
    expect(await userCount()).to.equal(0);
  });

  it("never re-creates a person the IdP deleted, and refuses a deactivated one", async () => {
    const id = await tenant.scimUser("alice@acme.test");
    expect((await tenant.scim("delete", `/Users/${id}`)).status).to.equal(204);
    const browser = new Browser(context.app);
    const res = await browser.get(await throughIdp(browser));
    expect(res.status).to.equal(403);
    expect(res.text).to.include("user_deleted");
    expect(await userCount()).to.equal(0);
    // An admin's new invite is the decision to let them back in.
    expect((await tenant.admin("post", "/invites", { email: "alice@acme.test", roles: [{ key: "organization.viewer" }] })).status).to.equal(201);
    const back = new Browser(context.app);
    expect((await back.get(await throughIdp(back))).status).to.equal(303);
    expect(await userCount()).to.equal(1);

    const bob = await tenant.scimUser("bob@acme.test");
    const before = await userCount();
    await tenant.scim("patch", `/Users/${bob}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
    const other = new Browser(context.app);
    const refused = await other.get(await throughIdp(other, "bob"));
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include("user_deactivated");
    expect(await userCount()).to.equal(before);
    expect(await sessionCount()).to.equal(1); // alice's, from her return above: none for bob
  });

  it("ends a live session the moment SCIM deactivates the person", async () => {
    const browser = new Browser(context.app);
    await browser.get(await throughIdp(browser));
    const session = await browser.get("/auth/session");
    expect(session.status).to.equal(200);
    const userId = session.body.user.id as string;
    await tenant.scim("patch", `/Users/${userId}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
    expect((await browser.get("/auth/session")).status).to.equal(401);
    // Reactivation does not bring the old session back.
    await tenant.scim("patch", `/Users/${userId}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: true }] });
    expect((await browser.get("/auth/session")).status).to.equal(401);
  });

  it("applies a role change to a live session at once (it carries the access version, not a copy)", async () => {
    const browser = new Browser(context.app);
    await browser.get(await throughIdp(browser));
    const before = await browser.get("/auth/session");
    expect(before.body.access.organization.roles).to.deep.equal([]);
    const grant = await tenant.admin("post", `/users/${before.body.user.id}/grants`, { role: { key: "organization.viewer" }, scope: { type: "organization" } });
    expect(grant.status, grant.text).to.equal(201);
    const after = await browser.get("/auth/session");
    expect(after.body.access.organization.roles.map((r: { key?: string; name: string }) => r.name)).to.include("Organization Viewer");
    expect(Number(after.headers["gatehouse-access-version"])).to.be.greaterThan(Number(before.headers["gatehouse-access-version"]));
  });

  it("issues a new session id at sign-in: a planted cookie is not adopted (fixation)", async () => {
    const browser = new Browser(context.app);
    browser.cookies.set("__Host-gatehouse_session", "planted-by-an-attacker");
    await browser.get(await throughIdp(browser));
    expect(browser.cookies.get("__Host-gatehouse_session")).to.not.equal("planted-by-an-attacker");
    expect((await browser.get("/auth/session")).status).to.equal(200);
  });

  it("only returns to allow-listed places", async () => {
    const browser = new Browser(context.app);
    const evil = await browser.get(await throughIdp(browser, ALICE.sub, `?returnTo=${encodeURIComponent("https://evil.example/steal")}`));
    expect(evil.headers.location).to.equal(`${PUBLIC_URL}/auth/session`);
    const other = new Browser(context.app);
    const allowed = await other.get(await throughIdp(other, ALICE.sub, `?returnTo=${encodeURIComponent("https://app.acme.test/home")}`));
    expect(allowed.headers.location).to.equal("https://app.acme.test/home");
    const third = new Browser(context.app);
    const protocolRelative = await third.get(await throughIdp(third, ALICE.sub, `?returnTo=${encodeURIComponent("//evil.example")}`));
    expect(protocolRelative.headers.location).to.equal(`${PUBLIC_URL}/auth/session`);
  });

  it("logs out only with the CSRF token and a same-origin Origin", async () => {
    const browser = new Browser(context.app);
    await browser.get(await throughIdp(browser));
    const { csrfToken } = (await browser.get("/auth/session")).body as { csrfToken: string };
    const crossSite = await browser.postJson("/auth/logout", {}, { Origin: "https://evil.example", "X-CSRF-Token": csrfToken });
    expect(crossSite.status).to.equal(403);
    const noToken = await browser.postJson("/auth/logout", {}, { Origin: PUBLIC_URL });
    expect(noToken.status).to.equal(403);
    expect((await browser.get("/auth/session")).status).to.equal(200);
    const ok = await browser.postJson("/auth/logout", {}, { Origin: PUBLIC_URL, "X-CSRF-Token": csrfToken });
    expect(ok.status, ok.text).to.equal(200);
    expect((await browser.get("/auth/session")).status).to.equal(401);
  });

  it("answers /scim/v2/Me with the signed-in person's SCIM resource, read-only", async () => {
    const browser = new Browser(context.app);
    expect((await browser.get("/scim/v2/Me")).status).to.equal(401);
    await browser.get(await throughIdp(browser));
    const me = await browser.get("/scim/v2/Me");
    expect(me.status, me.text).to.equal(200);
    expect(me.headers["content-type"]).to.match(/^application\/scim\+json/);
    expect(me.body.userName).to.equal("alice@acme.test");
    expect(me.body.schemas).to.include("urn:ietf:params:scim:schemas:core:2.0:User");
    const put = await browser.postJson("/scim/v2/Me", {});
    expect(put.status).to.equal(405);
  });

  it("steps up: a fresh sign-in at the IdP (prompt=login, max_age) renews the session's sign-in time, same person only", async () => {
    const browser = new Browser(context.app);
    await browser.get(await throughIdp(browser));
    const token = browser.cookies.get("__Host-gatehouse_session");
    await context.db.query(`UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE organization_id = $1`, [tenant.organizationId]);
    const start = await browser.get("/auth/step-up?returnTo=/transfer");
    expect(start.status, start.text).to.equal(303);
    const authorization = new URL(start.headers.location as string);
    expect(authorization.searchParams.get("prompt")).to.equal("login");
    expect(authorization.searchParams.get("max_age")).to.equal("300");
    const done = await browser.get(await (op as TestOidcProvider).signIn(authorization, ALICE.sub));
    expect(done.status, done.text).to.equal(303);
    expect(done.headers.location).to.equal(`${PUBLIC_URL}/transfer`);
    expect(browser.cookies.get("__Host-gatehouse_session")).to.equal(token);
    const session = await browser.get("/auth/session");
    expect(Date.now() - Date.parse(session.body.session.authenticatedAt as string)).to.be.lessThan(60_000);
    expect((await tenant.events()).map((e) => e.action)).to.include("auth.step_up");

    // Someone else signing in at the IdP cannot step up this session.
    const other = await browser.get("/auth/step-up");
    const refused = await browser.get(await (op as TestOidcProvider).signIn(new URL(other.headers.location as string), "mallory"));
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include("step_up_other_person");
  });

  it("finds the connection from the email domain (home-realm discovery)", async () => {
    const browser = new Browser(context.app);
    const found = await browser.get("/auth/login?email=Alice@ACME.test&returnTo=/x");
    expect(found.status).to.equal(303);
    expect(found.headers.location).to.equal(`/auth/login/${connection.id}?returnTo=%2Fx`);
    const unknown = await browser.get("/auth/login?email=someone@unknown.test");
    expect(unknown.status).to.equal(404);

    // Several connections: a picker naming each (escaped), each link starting that connection.
    const second = await context.instance.sso.connections.create(tenant.organizationId, {
      protocol: "oidc",
      name: "Contractors <via> Entra",
      settings: { issuer: "https://login.example/tenant/v2.0", clientId: "c2" },
      clientSecret: "another-secret",
    });
    const picker = await browser.get("/auth/login?email=alice@acme.test");
    expect(picker.status).to.equal(200);
    expect(picker.headers["content-type"]).to.match(/^text\/html/);
    expect(picker.text).to.include(`/auth/login/${connection.id}`);
    expect(picker.text).to.include(`/auth/login/${second.id}`);
    expect(picker.text).to.include("Contractors &lt;via&gt; Entra");
    // A disabled connection is not offered, and cannot be started.
    await context.instance.sso.connections.update(tenant.organizationId, second.id, { enabled: false });
    expect((await browser.get("/auth/login?email=alice@acme.test")).status).to.equal(303);
    expect((await browser.get(`/auth/login/${second.id}`)).status).to.equal(404);
  });
});
