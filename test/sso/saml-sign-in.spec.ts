/**
 * SAML sign-in end to end through the /auth routes (issue 6), with an in-process IdP (samlify) that signs whatever
 * the test builds: SP-initiated and IdP-initiated sign-in, and hostile responses refused over HTTP with nothing
 * created — no user, no membership, no session — and an audit event naming the reason.
 */
import { expect } from "chai";
import { useAdminApp, PUBLIC_URL, type AdminTenant } from "../admin/admin-app.js";
import type { ConnectionRecord } from "../../src/sso/connections.service.js";
import type { SamlServiceProvider } from "../../src/sso/saml/settings.js";
import { truncateAll } from "../support/database.js";
import { Browser, parseSetCookies } from "./support/browser.js";
import { createTestIdp, makeKeyPair, type LoginResponseOptions, type TestIdp } from "./support/saml-idp.js";

describe("SSO: SAML sign-in end to end", function () {
  this.timeout(30_000);
  const context = useAdminApp();
  const idp: TestIdp = createTestIdp();
  let tenant: AdminTenant;
  let connection: ConnectionRecord;
  let sp: SamlServiceProvider;

  async function samlConnection(overrides: Record<string, unknown> = {}): Promise<ConnectionRecord> {
    return context.instance.sso.connections.create(tenant.organizationId, {
      protocol: "saml",
      name: `Acme SAML ${Math.random().toString(36).slice(2, 8)}`,
      settings: { ...idp.settings(), attributes: { email: "email", givenName: null, familyName: null, displayName: null, groups: "groups" }, ...overrides },
    });
  }

  beforeEach(async () => {
    await truncateAll(context.database);
    tenant = await context.newTenant("Acme");
    await context.db.query(`INSERT INTO organization_domains (organization_id, domain, verified) VALUES ($1, 'acme.test', true)`, [tenant.organizationId]);
    connection = await samlConnection();
    sp = context.instance.sso.connections.serviceProvider(connection);
  });

  const count = async (table: string) => Number((await context.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE organization_id = $1`, [tenant.organizationId])).rows[0]?.n);

  /** GET /auth/login/{id}: the AuthnRequest as the IdP parses it, and the RelayState to send back. */
  async function start(browser: Browser, target = connection, query = ""): Promise<{ requestId: string; relayState: string }> {
    const res = await browser.get(`/auth/login/${target.id}${query}`);
    expect(res.status, res.text).to.equal(303);
    const location = res.headers.location as string;
    expect(location.startsWith(idp.ssoUrl)).to.equal(true);
    const targetSp = context.instance.sso.connections.serviceProvider(target);
    const request = await idp.parseAuthnRequest(location, targetSp, context.instance.sso.connections.samlAdapter(target).serviceProviderMetadata());
    expect(request.acsUrl).to.equal(targetSp.acsUrl);
    return { requestId: request.id, relayState: new URL(location).searchParams.get("RelayState") as string };
  }

  async function post(browser: Browser, options: LoginResponseOptions, relayState?: string, target = connection) {
    const targetSp = context.instance.sso.connections.serviceProvider(target);
    const { form } = await idp.loginResponse(targetSp, { nameId: "alice@acme.test", attributes: [{ name: "email", values: ["alice@acme.test"] }, { name: "groups", values: ["eng", "admins"] }], ...options });
    return browser.postForm(`/auth/saml/${target.id}/acs`, relayState === undefined ? form : { ...form, RelayState: relayState });
  }

  async function expectNothingCreated(reason: string): Promise<void> {
    expect(await count("users")).to.equal(0);
    expect(await count("sessions")).to.equal(0);
    expect(await count("claim_memberships")).to.equal(0);
    const failed = (await tenant.events()).filter((e) => e.action === "auth.sign_in_failed");
    expect(failed.map((e) => e.details.reason)).to.include(reason);
  }

  it("signs in SP-initiated: session cookie, multi-valued groups mapped, back to returnTo", async () => {
    const eng = await tenant.scimGroup("eng");
    const admins = await tenant.scimGroup("admins");
    const browser = new Browser(context.app);
    const { requestId, relayState } = await start(browser, connection, "?returnTo=/home");
    const res = await post(browser, { inResponseTo: requestId }, relayState);
    expect(res.status, res.text).to.equal(303);
    expect(res.headers.location).to.equal(`${PUBLIC_URL}/home`);
    expect(parseSetCookies(res).some((c) => c.name === "__Host-gatehouse_session")).to.equal(true);
    const session = await browser.get("/auth/session");
    expect(session.body.user.userName).to.equal("alice@acme.test");
    expect(session.body.access.groups.map((g: { id: string }) => g.id).sort()).to.deep.equal([eng, admins].sort());
  });

  it("steps up with ForceAuthn; the ACS (a cross-site POST without the cookie) renews the session's sign-in time", async () => {
    const browser = new Browser(context.app);
    const first = await start(browser);
    expect((await post(browser, { inResponseTo: first.requestId }, first.relayState)).status).to.equal(303);
    await context.db.query(`UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE organization_id = $1`, [tenant.organizationId]);

    const stepUp = await browser.get("/auth/step-up?returnTo=/transfer");
    expect(stepUp.status, stepUp.text).to.equal(303);
    const location = stepUp.headers.location as string;
    const request = await idp.parseAuthnRequest(location, sp, context.instance.sso.connections.samlAdapter(connection).serviceProviderMetadata());
    expect(request.forceAuthn).to.equal(true);
    const relayState = new URL(location).searchParams.get("RelayState") as string;
    // A browser posting the IdP's form cross-site sends no SameSite=Lax cookie.
    const crossSite = new Browser(context.app);
    const done = await post(crossSite, { inResponseTo: request.id, authnInstant: new Date() }, relayState);
    expect(done.status, done.text).to.equal(303);
    expect(done.headers.location).to.equal(`${PUBLIC_URL}/transfer`);
    expect(parseSetCookies(done).some((c) => c.name === "__Host-gatehouse_session")).to.equal(false);
    const session = await browser.get("/auth/session");
    expect(Date.now() - Date.parse(session.body.session.authenticatedAt as string)).to.be.lessThan(60_000);
    expect(await count("sessions")).to.equal(1);
  });

  it("serves this connection's SP metadata with its ACS and certificate", async () => {
    const res = await new Browser(context.app).get(`/auth/saml/${connection.id}/metadata`);
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/samlmetadata\+xml/);
    expect(res.text).to.include(sp.acsUrl);
    expect(res.text).to.include(sp.certificate.replace(/-----[A-Z ]+-----|\s/g, "").slice(0, 40));
  });

  it("refuses an IdP-initiated response unless the connection opted in; accepts it when it did", async () => {
    const browser = new Browser(context.app);
    const refused = await post(browser, { inResponseTo: null });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include("idp_initiated_not_allowed");
    await expectNothingCreated("idp_initiated_not_allowed");

    const optedIn = await samlConnection({ allowIdpInitiated: true });
    const accepted = await post(new Browser(context.app), { inResponseTo: null }, "https://evil.example/after", optedIn);
    expect(accepted.status, accepted.text).to.equal(303);
    // An unsolicited RelayState is only a place to go, through the allow-list.
    expect(accepted.headers.location).to.equal(`${PUBLIC_URL}/auth/session`);
  });

  it("refuses a replayed IdP-initiated response (the replay store holds across requests)", async () => {
    const optedIn = await samlConnection({ allowIdpInitiated: true });
    const targetSp = context.instance.sso.connections.serviceProvider(optedIn);
    const { form } = await idp.loginResponse(targetSp, { inResponseTo: null, nameId: "alice@acme.test", attributes: [{ name: "email", values: ["alice@acme.test"] }] });
    expect((await new Browser(context.app).postForm(`/auth/saml/${optedIn.id}/acs`, form)).status).to.equal(303);
    const again = await new Browser(context.app).postForm(`/auth/saml/${optedIn.id}/acs`, form);
    expect(again.status).to.equal(400);
    expect(again.text).to.include("replayed");
    expect(await count("sessions")).to.equal(1);
  });

  const hostile: Array<[string, (requestId: string) => LoginResponseOptions, string]> = [
    ["signed by a key that is not the connection's pinned certificate", (id) => ({ inResponseTo: id, signingKey: makeKeyPair("attacker") }), "bad_signature"],
    ["for another audience", (id) => ({ inResponseTo: id, audience: "https://other-sp.example" }), "wrong_audience"],
    ["from another issuer", (id) => ({ inResponseTo: id, issuer: "https://evil-idp.example", responseIssuer: "https://evil-idp.example" }), "wrong_issuer"],
    ["expired", (id) => ({ inResponseTo: id, notOnOrAfter: new Date(Date.now() - 10 * 60_000), subjectNotOnOrAfter: new Date(Date.now() - 10 * 60_000) }), "expired"],
    ["answering another request", () => ({ inResponseTo: "_not-our-request" }), "in_response_to_mismatch"],
  ];
  for (const [what, options, reason] of hostile) {
    it(`refuses a response ${what}: 400, nothing created, audited as ${reason}`, async () => {
      const browser = new Browser(context.app);
      const { requestId, relayState } = await start(browser);
      const res = await post(browser, options(requestId), relayState);
      expect(res.status).to.equal(400);
      expect(res.headers["content-type"]).to.match(/^text\/html/);
      expect(res.text).to.include(reason);
      await expectNothingCreated(reason);
    });
  }

  it("refuses a response for connection A's request posted at connection B", async () => {
    const other = await samlConnection();
    const browser = new Browser(context.app);
    const { requestId, relayState } = await start(browser);
    const targetSp = context.instance.sso.connections.serviceProvider(connection);
    const { form } = await idp.loginResponse(targetSp, { inResponseTo: requestId, nameId: "alice@acme.test", attributes: [{ name: "email", values: ["alice@acme.test"] }] });
    const res = await browser.postForm(`/auth/saml/${other.id}/acs`, { ...form, RelayState: relayState });
    expect(res.status).to.equal(400);
    expect(await count("users")).to.equal(0);
    expect(await count("sessions")).to.equal(0);
  });

  it("refuses an oversized body before parsing it", async () => {
    const browser = new Browser(context.app);
    const res = await browser.postForm(`/auth/saml/${connection.id}/acs`, { SAMLResponse: "A".repeat(800_000) });
    expect(res.status).to.equal(400);
    expect(res.text).to.include("too_large");
    expect(await count("users")).to.equal(0);
  });
});
