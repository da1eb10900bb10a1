/**
 * SAML end to end against a real SimpleSAMLphp 1.19 IdP (issue 6, "Tests with real identity providers"): the IdP
 * runs with `php -S` on 127.0.0.1 and is reached over real HTTP; Gatehouse's /auth routes through supertest with
 * the cookie-keeping test browser. SP-initiated and (opted-in) IdP-initiated sign-in, multi-valued groups, and
 * single logout in both directions. Skipped, saying why, where php or the simplesamlphp package is missing.
 */
import { expect } from "chai";
import { useAdminApp, PUBLIC_URL, type AdminTenant } from "../admin/admin-app.js";
import type { ConnectionRecord } from "../../src/sso/connections.service.js";
import { truncateAll } from "../support/database.js";
import { Browser } from "./support/browser.js";
import { IdpBrowser, readForm, type PostedForm } from "./support/idp-browser.js";
import { simpleSamlPhpMissing, startSimpleSamlPhp, type SimpleSamlIdp } from "./support/simplesamlphp.js";

const SESSION_COOKIE = "__Host-gatehouse_session";
const ALICE = { username: "alice", password: "alicepass", attributes: { email: ["alice@acme.test"], groups: ["eng", "admins"] } };
const USERS = [
  ALICE,
  { username: "bob", password: "bobpass", attributes: { email: ["bob@acme.test"], groups: ["eng"] } },
];

describe("SSO: SAML end to end against SimpleSAMLphp", function () {
  this.timeout(60_000);
  const context = useAdminApp();
  let idp: SimpleSamlIdp | undefined;
  let tenant: AdminTenant;
  let connection: ConnectionRecord;
  let groups: { eng: string; admins: string };

  before(async function () {
    const missing = simpleSamlPhpMissing();
    if (missing !== null) {
      console.warn(`    SimpleSAMLphp interop suite skipped: ${missing}`);
      this.skip();
    }
    idp = await startSimpleSamlPhp(USERS);
  });
  after(async () => {
    await idp?.stop();
  });

  const theIdp = (): SimpleSamlIdp => idp as SimpleSamlIdp;

  beforeEach(async () => {
    await truncateAll(context.database);
    tenant = await context.newTenant("Acme");
    await context.db.query(`INSERT INTO organization_domains (organization_id, domain, verified) VALUES ($1, 'acme.test', true)`, [tenant.organizationId]);
    groups = { eng: await tenant.scimGroup("eng"), admins: await tenant.scimGroup("admins") };
    // The IdP's metadata fills entity id, SSO/SLO URLs and the signing certificate; SimpleSAMLphp sends
    // attributes under their plain names ('email', 'groups') in the basic name format.
    connection = await context.instance.sso.connections.create(tenant.organizationId, {
      protocol: "saml",
      name: "Acme SimpleSAMLphp",
      metadataXml: await theIdp().metadataXml(),
      settings: { attributes: { email: "email", groups: "groups" } },
    });
    const sp = context.instance.sso.connections.serviceProvider(connection);
    theIdp().trust([{ entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, certificate: sp.certificate }]);
  });

  const spUrls = () => context.instance.sso.connections.serviceProvider(connection);
  const newIdpBrowser = () => new IdpBrowser(new URL(theIdp().baseUrl).origin);
  const count = async (table: "users" | "sessions") =>
    Number((await context.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE organization_id = $1`, [tenant.organizationId])).rows[0]?.n);
  const liveSessions = async () =>
    Number((await context.db.query<{ n: string }>(`SELECT count(*) AS n FROM sessions WHERE organization_id = $1 AND revoked_at IS NULL`, [tenant.organizationId])).rows[0]?.n);

  /** The auto-post form the IdP answers with, posted to Gatehouse's ACS by the test browser. */
  async function postToAcs(browser: Browser, form: PostedForm) {
    expect(form.action).to.equal(spUrls().acsUrl);
    return browser.postForm(form.action, form.fields);
  }

  /** SP-initiated: /auth/login/{id} → IdP (sign-in form) → auto-post to the ACS. Returns the ACS answer. */
  async function signInAt(browser: Browser, idpBrowser: IdpBrowser, user = USERS[0]!, query = "?returnTo=/welcome") {
    const start = await browser.get(`/auth/login/${connection.id}${query}`);
    expect(start.status, start.text).to.equal(303);
    const authnRequest = new URL(start.headers.location as string);
    expect(`${authnRequest.origin}${authnRequest.pathname}`).to.equal(theIdp().ssoUrl);
    expect(authnRequest.searchParams.get("SAMLRequest")).to.be.a("string");
    const form = await idpBrowser.signIn(authnRequest.href, user.username, user.password);
    expect(form.fields.RelayState, "RelayState comes back").to.be.a("string").and.not.equal("");
    return postToAcs(browser, form);
  }

  async function signedIn(browser: Browser, idpBrowser: IdpBrowser) {
    const done = await signInAt(browser, idpBrowser);
    expect(done.status, `${done.text}\n${theIdp().log().slice(-3000)}`).to.equal(303);
    const session = await browser.get("/auth/session");
    expect(session.status, session.text).to.equal(200);
    return session.body as { user: { id: string; userName: string }; csrfToken: string; access: { groups: Array<{ id: string }> } };
  }

  it("signs a person in SP-initiated: just-in-time account, email from the attribute, both groups of the multi-valued claim", async () => {
    const browser = new Browser(context.app);
    const done = await signInAt(browser, newIdpBrowser());
    expect(done.status, `${done.text}\n${theIdp().log().slice(-3000)}`).to.equal(303);
    expect(done.headers.location).to.equal(`${PUBLIC_URL}/welcome`);
    expect(browser.cookies.get(SESSION_COOKIE)).to.be.a("string");

    const session = await browser.get("/auth/session");
    expect(session.status, session.text).to.equal(200);
    expect(session.body.user.userName).to.equal("alice@acme.test");
    expect(session.body.organization.id).to.equal(tenant.organizationId);
    expect(session.body.session.connectionId).to.equal(connection.id);
    expect(session.body.access.groups.map((g: { id: string }) => g.id)).to.have.members([groups.eng, groups.admins]);
    const events = await tenant.events();
    expect(events.map((e) => e.action)).to.include("auth.sign_in");
  });

  it("reconciles groups at the next sign-in to what the IdP sends then, and keeps each person's own", async () => {
    const first = await signedIn(new Browser(context.app), newIdpBrowser());
    expect(first.access.groups.map((g) => g.id)).to.have.members([groups.eng, groups.admins]);
    const bob = new Browser(context.app);
    expect((await signInAt(bob, newIdpBrowser(), USERS[1])).status).to.equal(303);
    const bobSession = await bob.get("/auth/session");
    expect(bobSession.body.user.userName).to.equal("bob@acme.test");
    expect(bobSession.body.access.groups.map((g: { id: string }) => g.id)).to.deep.equal([groups.eng]);

    // At the IdP, alice leaves "eng"; her next sign-in carries only "admins".
    theIdp().setUsers([{ ...ALICE, attributes: { ...ALICE.attributes, groups: ["admins"] } }, USERS[1]!]);
    try {
      const second = new Browser(context.app);
      const again = await signedIn(second, newIdpBrowser());
      expect(again.access.groups.map((g) => g.id)).to.deep.equal([groups.admins]);
    } finally {
      theIdp().setUsers(USERS);
    }
    expect(await count("users")).to.equal(2);
    expect((await bob.get("/auth/session")).body.access.groups.map((g: { id: string }) => g.id)).to.deep.equal([groups.eng]);
    // SCIM's view of the groups is untouched: claim memberships are Gatehouse's own source.
    expect((await tenant.scim("get", `/Groups/${groups.eng}`)).body.members ?? []).to.deep.equal([]);
  });

  it("interoperates with signed AuthnRequests and encrypted assertions when the connection asks for them", async () => {
    ({ after: connection } = await context.instance.sso.connections.update(tenant.organizationId, connection.id, { settings: { signAuthnRequests: true, wantEncryptedAssertions: true } }));
    const sp = spUrls();
    theIdp().trust([{ entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, certificate: sp.certificate, requireSignedAuthnRequests: true, encryptAssertions: true }]);
    const browser = new Browser(context.app);
    const start = await browser.get(`/auth/login/${connection.id}`);
    expect(new URL(start.headers.location as string).searchParams.get("Signature"), "a signed AuthnRequest").to.be.a("string");
    const form = await newIdpBrowser().signIn(start.headers.location as string, "alice", "alicepass");
    expect(Buffer.from(form.fields.SAMLResponse as string, "base64").toString("utf8")).to.include("EncryptedAssertion");
    const done = await postToAcs(browser, form);
    expect(done.status, `${done.text}\n${theIdp().log().slice(-3000)}`).to.equal(303);
    const session = await browser.get("/auth/session");
    expect(session.body.user.userName).to.equal("alice@acme.test");
    expect(session.body.access.groups.map((g: { id: string }) => g.id)).to.have.members([groups.eng, groups.admins]);
  });

  it("the IdP really checks AuthnRequest signatures: an unsigned one is refused there and nothing is created", async () => {
    const sp = spUrls();
    theIdp().trust([{ entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, certificate: sp.certificate, requireSignedAuthnRequests: true }]);
    const browser = new Browser(context.app);
    const start = await browser.get(`/auth/login/${connection.id}`);
    const page = await newIdpBrowser().visit(start.headers.location as string);
    // SimpleSAMLphp renders its error page with HTTP 200 under `php -S`: the refusal is read from the page.
    expect(page.text, theIdp().log().slice(-2500)).to.include("no signature found on message");
    expect(readForm(page.text, page.url)?.fields.SAMLResponse).to.equal(undefined);
    expect(await count("users")).to.equal(0);
  });

  it("refuses IdP-initiated sign-in on a connection that has not opted in: no user, no session, audited reason", async () => {
    const browser = new Browser(context.app);
    const form = await newIdpBrowser().signIn(`${theIdp().ssoUrl}?spentityid=${encodeURIComponent(spUrls().entityId)}`, "alice", "alicepass");
    const res = await postToAcs(browser, form);
    expect(res.status).to.equal(400);
    expect(res.text).to.include("idp_initiated_not_allowed");
    expect(browser.cookies.has(SESSION_COOKIE)).to.equal(false);
    expect(await count("users")).to.equal(0);
    expect(await count("sessions")).to.equal(0);
    const failed = (await tenant.events()).filter((e) => e.action === "auth.sign_in_failed");
    expect(failed.map((e) => e.details.reason)).to.deep.equal(["idp_initiated_not_allowed"]);
  });

  it("accepts IdP-initiated sign-in once the connection opts in (allowIdpInitiated), and only once per assertion", async () => {
    ({ after: connection } = await context.instance.sso.connections.update(tenant.organizationId, connection.id, { settings: { allowIdpInitiated: true } }));
    const browser = new Browser(context.app);
    const form = await newIdpBrowser().signIn(`${theIdp().ssoUrl}?spentityid=${encodeURIComponent(spUrls().entityId)}&RelayState=${encodeURIComponent("https://app.acme.test/home")}`, "alice", "alicepass");
    const res = await postToAcs(browser, form);
    expect(res.status, `${res.text}\n${theIdp().log().slice(-3000)}`).to.equal(303);
    expect(res.headers.location).to.equal("https://app.acme.test/home");
    const session = await browser.get("/auth/session");
    expect(session.status).to.equal(200);
    expect(session.body.user.userName).to.equal("alice@acme.test");
    expect(session.body.access.groups.map((g: { id: string }) => g.id)).to.have.members([groups.eng, groups.admins]);

    // The same posted response again (an attacker replaying a captured form) is refused by the replay store.
    const replayer = new Browser(context.app);
    const again = await postToAcs(replayer, form);
    expect(again.status).to.equal(400);
    expect(again.text).to.include("replayed");
    expect(await count("sessions")).to.equal(1);
  });

  it("single logout started at Gatehouse: the IdP ends its session and its signed LogoutResponse is accepted", async () => {
    const browser = new Browser(context.app);
    const idpBrowser = newIdpBrowser();
    const { csrfToken } = await signedIn(browser, idpBrowser);

    const logout = await browser.postJson("/auth/logout", {}, { Origin: PUBLIC_URL, "X-CSRF-Token": csrfToken });
    expect(logout.status, logout.text).to.equal(200);
    const redirect = logout.body.redirect as string;
    expect(redirect, "a LogoutRequest for the IdP").to.be.a("string");
    expect(redirect.startsWith(`${theIdp().sloUrl}?`)).to.equal(true);
    expect((await browser.get("/auth/session")).status).to.equal(401);

    const answer = await idpBrowser.visit(redirect);
    expect(answer.status, `${answer.text.slice(0, 2000)}\n${theIdp().log().slice(-3000)}`).to.be.within(300, 399);
    const response = new URL(answer.url);
    expect(`${response.origin}${response.pathname}`).to.equal(spUrls().sloUrl);
    expect(response.searchParams.get("SAMLResponse")).to.be.a("string");
    expect(response.searchParams.get("Signature"), "SimpleSAMLphp signs the LogoutResponse (sign.logout)").to.be.a("string");

    const accepted = await browser.get(response);
    expect(accepted.status, accepted.text).to.equal(303);
    expect(accepted.headers.location).to.equal(`${PUBLIC_URL}/auth/session`);
    // The logout state is used once: the same response again answers no logout we started.
    const again = await browser.get(response);
    expect(again.status).to.equal(400);
    expect(again.text).to.include("unknown_in_response_to");

    // The IdP session is gone: the next sign-in asks for the password again.
    const restart = await browser.get(`/auth/login/${connection.id}`);
    const page = await idpBrowser.visit(restart.headers.location as string);
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/name="password"/);
  });

  it("single logout started at the IdP: its LogoutRequest revokes the session and Gatehouse's signed answer completes it", async () => {
    const browser = new Browser(context.app);
    const idpBrowser = newIdpBrowser();
    await signedIn(browser, idpBrowser);
    const cookie = browser.cookies.get(SESSION_COOKIE) as string;
    expect(await liveSessions()).to.equal(1);

    const returnTo = "https://app.acme.test/signed-out";
    const request = await idpBrowser.visit(`${theIdp().sloUrl}?ReturnTo=${encodeURIComponent(returnTo)}`);
    expect(request.status, `${request.text.slice(0, 2000)}\n${theIdp().log().slice(-3000)}`).to.be.within(300, 399);
    const toSp = new URL(request.url);
    expect(`${toSp.origin}${toSp.pathname}`).to.equal(spUrls().sloUrl);
    expect(toSp.searchParams.get("SAMLRequest")).to.be.a("string");

    const answered = await browser.get(toSp);
    expect(answered.status, answered.text).to.equal(303);
    const toIdp = answered.headers.location as string;
    expect(toIdp.startsWith(`${theIdp().sloUrl}?`)).to.equal(true);
    expect(new URL(toIdp).searchParams.get("SAMLResponse")).to.be.a("string");
    expect(await liveSessions()).to.equal(0);
    // The old cookie, replayed from anywhere, no longer works.
    const stolen = new Browser(context.app);
    stolen.cookies.set(SESSION_COOKIE, cookie);
    expect((await stolen.get("/auth/session")).status).to.equal(401);

    // The IdP accepts Gatehouse's LogoutResponse and finishes at its ReturnTo.
    const finished = await idpBrowser.visit(toIdp);
    expect(finished.url, `${finished.text.slice(0, 2000)}\n${theIdp().log().slice(-3000)}`).to.equal(returnTo);
  });

  it("the IdP checks Gatehouse's LogoutRequest signature: an altered one ends nothing at the IdP", async () => {
    const browser = new Browser(context.app);
    const idpBrowser = newIdpBrowser();
    const { csrfToken } = await signedIn(browser, idpBrowser);
    const logout = await browser.postJson("/auth/logout", {}, { Origin: PUBLIC_URL, "X-CSRF-Token": csrfToken });
    const redirect = logout.body.redirect as string;
    const signature = /[?&]Signature=([^&]+)/.exec(redirect)?.[1] as string;
    const forged = `${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
    const refused = await idpBrowser.visit(redirect.replace(`Signature=${signature}`, `Signature=${forged}`));
    // SimpleSAMLphp renders its error page with HTTP 200 under `php -S`: the refusal is read from the page.
    expect(refused.text, theIdp().log().slice(-2500)).to.include("Unable to validate signature");
    expect(readForm(refused.text, refused.url)?.fields.SAMLResponse).to.equal(undefined);
    // The IdP session is still there: a new sign-in completes without the password form.
    const again = new Browser(context.app);
    const start = await again.get(`/auth/login/${connection.id}`);
    const page = await idpBrowser.visit(start.headers.location as string);
    expect(readForm(page.text, page.url)?.fields.SAMLResponse).to.be.a("string");
  });

  it("refuses a LogoutRequest whose signature was tampered with: the session stays", async () => {
    const browser = new Browser(context.app);
    const idpBrowser = newIdpBrowser();
    await signedIn(browser, idpBrowser);
    const request = await idpBrowser.visit(`${theIdp().sloUrl}?ReturnTo=${encodeURIComponent("https://app.acme.test/signed-out")}`);
    // One character of the signature changed in the raw query (the Redirect binding signs the bytes as sent).
    const signature = /[?&]Signature=([^&]+)/.exec(request.url)?.[1] as string;
    const forged = `${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
    const refused = await browser.get(request.url.replace(`Signature=${signature}`, `Signature=${forged}`));
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include("bad_signature");
    expect(await liveSessions()).to.equal(1);
    expect((await browser.get("/auth/session")).status).to.equal(200);
  });
});
