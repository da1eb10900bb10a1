/**
 * The OIDC adapter against a real oidc-provider on 127.0.0.1: settings, discovery with issuer pinning, the
 * authorization request, and successful sign-ins (claims, groups from the ID token or userinfo, step-up).
 * The attacks are in oidc-attacks.spec.ts.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { newOidcPending, parseOidcSettings } from "../../src/sso/oidc/adapter.js";
import { CookieJar, startOidcProvider, tamperingFetch } from "./support/oidc-op.js";
import { CALLBACK_BASE, adapterFor, callbackFor, client, rejection, replayStore, signInThrough, useOidcProviders } from "./support/oidc-adapter-fixture.js";

describe("OIDC adapter against oidc-provider", function () {
  const providers = useOidcProviders();

  describe("settings", function () {
    it("fills the defaults: openid email profile, standard claim names, client_secret_basic, no groups", function () {
      const parsed = parseOidcSettings({ issuer: "https://idp.acme.test", clientId: "gatehouse" });
      expect(parsed).to.deep.equal({
        settings: {
          issuer: "https://idp.acme.test",
          clientId: "gatehouse",
          scopes: ["openid", "email", "profile"],
          groupsClaim: null,
          claims: { email: "email", givenName: "given_name", familyName: "family_name", displayName: "name" },
          tokenEndpointAuthMethod: "client_secret_basic",
        },
      });
    });

    it("lists every problem: plain http off loopback, scopes without openid, unknown keys, bad claim names and methods", function () {
      const parsed = parseOidcSettings({
        issuer: "http://idp.acme.test",
        clientId: "",
        scopes: ["email"],
        groupsClaim: "has space",
        claims: { email: "mail", surname: "sn" },
        tokenEndpointAuthMethod: "private_key_jwt",
        clientSecret: "nope",
      });
      expect(parsed).to.have.property("problems").that.has.members([
        "clientSecret: unknown setting",
        "issuer: must be an https URL",
        "clientId: required, 1 to 255 printable characters",
        'scopes: must include "openid"',
        "groupsClaim: must be a claim name (1 to 100 printable characters, no spaces) or null",
        "claims: unknown field surname",
        "tokenEndpointAuthMethod: one of client_secret_basic, client_secret_post",
      ]);
      expect(parseOidcSettings({ issuer: "https://idp.acme.test/?tenant=1", clientId: "x" })).to.deep.equal({
        problems: ["issuer: must not have a query or fragment"],
      });
      expect(parseOidcSettings("issuer")).to.deep.equal({ problems: ["settings: must be an object"] });
    });
  });

  describe("discovery", function () {
    it("accepts the live issuer", async function () {
      await adapterFor(providers.op).discover();
    });

    it("pins the issuer exactly: a trailing slash the issuer does not use is refused", async function () {
      const error = await rejection(adapterFor(providers.op, "conn-a", {}, { issuer: `${providers.op.issuer}/` }).discover());
      expect(error.reason).to.equal("discovery_failed");
      expect(error.message).to.contain("calls itself");
    });

    it("refuses a discovery document naming another issuer", async function () {
      const forged: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith("/.well-known/openid-configuration")) return response;
        const metadata = { ...((await response.json()) as object), issuer: providers.otherOp.issuer };
        return new Response(JSON.stringify(metadata), { headers: { "content-type": "application/json" } });
      };
      const error = await rejection(adapterFor(providers.op, "conn-a", { customFetch: forged }).discover());
      expect(error.reason).to.equal("discovery_failed");
    });

    it("refuses an issuer that does not offer PKCE S256", async function () {
      const noPkce: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith("/.well-known/openid-configuration")) return response;
        const metadata = { ...((await response.json()) as object), code_challenge_methods_supported: ["plain"] };
        return new Response(JSON.stringify(metadata), { headers: { "content-type": "application/json" } });
      };
      const error = await rejection(adapterFor(providers.op, "conn-a", { customFetch: noPkce }).discover());
      expect(error.reason).to.equal("discovery_failed");
      expect(error.message).to.contain("PKCE");
    });

    it("refuses plain http unless the adapter allows insecure requests, and an unreachable issuer", async function () {
      expect((await rejection(adapterFor(providers.op, "conn-a", { allowInsecureRequests: false }).discover())).reason).to.equal("discovery_failed");
      const closed = await startOidcProvider({ clients: [client("conn-a")] });
      await closed.close();
      expect((await rejection(adapterFor(closed).discover())).reason).to.equal("discovery_failed");
    });
  });

  describe("authorization request", function () {
    it("uses the code flow with PKCE S256, state, nonce and the connection's redirect URI", async function () {
      const pending = newOidcPending(null);
      const url = await adapterFor(providers.op).authorizationUrl(pending, { forceLogin: false, loginHint: "alice@acme.test" });
      const params = url.searchParams;
      expect(url.origin + url.pathname).to.equal(`${providers.op.issuer}/auth`);
      expect(params.get("response_type")).to.equal("code");
      expect(params.get("client_id")).to.equal("conn-a");
      expect(params.get("redirect_uri")).to.equal(`${CALLBACK_BASE}/conn-a/callback`);
      expect(params.get("scope")).to.equal("openid email profile groups");
      expect(params.get("state")).to.equal(pending.state);
      expect(params.get("nonce")).to.equal(pending.nonce);
      expect(params.get("code_challenge_method")).to.equal("S256");
      expect(params.get("code_challenge")).to.equal(createHash("sha256").update(pending.codeVerifier).digest("base64url"));
      expect(params.get("login_hint")).to.equal("alice@acme.test");
      expect(params.has("prompt")).to.equal(false);
      expect(params.has("max_age")).to.equal(false);
    });

    it("forces a fresh login with prompt=login and max_age when asked", async function () {
      const url = await adapterFor(providers.op).authorizationUrl(newOidcPending(300), { forceLogin: true });
      expect(url.searchParams.get("prompt")).to.equal("login");
      expect(url.searchParams.get("max_age")).to.equal("300");
      let thrown: unknown;
      await adapterFor(providers.op).authorizationUrl(newOidcPending(null), { forceLogin: true }).catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(TypeError);
    });

    it("draws fresh random state, nonce and verifier for each sign-in", function () {
      const [first, second] = [newOidcPending(null), newOidcPending(null)];
      expect(first.state).to.not.equal(second.state);
      expect(first.nonce).to.not.equal(second.nonce);
      expect(first.codeVerifier).to.not.equal(second.codeVerifier);
      expect(first.codeVerifier).to.have.length.of.at.least(43);
    });
  });

  describe("successful sign-in", function () {
    it("maps subject, email, names and groups (deduplicated); no auth_time unless max_age asked for it", async function () {
      const identity = await signInThrough(adapterFor(providers.op), providers.op, "alice");
      expect(identity).to.deep.include({
        subject: "alice",
        email: "alice@acme.test",
        givenName: "Alice",
        familyName: "Liddell",
        displayName: "Alice Liddell",
        groups: ["eng", "admins"],
        authenticatedAt: null,
      });
    });

    it("reads the groups from userinfo when the ID token does not carry them", async function () {
      let idTokenClaims: Record<string, unknown> = {};
      const recording = tamperingFetch(providers.userInfoOp.tokenEndpoint, (claims, idToken) => ((idTokenClaims = claims), idToken));
      const identity = await signInThrough(adapterFor(providers.userInfoOp, "conn-a", { customFetch: recording }), providers.userInfoOp, "alice");
      expect(idTokenClaims).to.not.have.property("groups");
      expect(identity.groups).to.deep.equal(["eng", "admins"]);
      expect(identity.email).to.equal("alice@acme.test");
    });

    it("takes a single-string groups claim as one group, and no email when email_verified is false", async function () {
      const identity = await signInThrough(adapterFor(providers.op), providers.op, "bob");
      expect(identity.groups).to.deep.equal(["solo"]);
      expect(identity.email).to.equal(null);
    });

    it("uses the configured claim names, and no groups when no groups claim is configured", async function () {
      const adapter = adapterFor(providers.op, "conn-a", {}, { groupsClaim: null, claims: { email: "email", givenName: "name", familyName: "family_name", displayName: "sub" } });
      const identity = await signInThrough(adapter, providers.op, "alice");
      expect(identity).to.deep.include({ givenName: "Alice Liddell", displayName: "alice", groups: [] });
    });

    it("authenticates the client with client_secret_post when configured", async function () {
      const adapter = adapterFor(providers.op, "conn-post", {}, { tokenEndpointAuthMethod: "client_secret_post" });
      expect((await signInThrough(adapter, providers.op, "alice")).subject).to.equal("alice");
    });

    it("step-up: prompt=login makes the OP ask again even with a live session at the IdP", async function () {
      const jar = new CookieJar();
      const adapter = adapterFor(providers.op);
      const first = await callbackFor(adapter, providers.op, "alice", { jar });
      expect((await adapter.completeCallback(first.callbackUrl, first.pending, replayStore())).subject).to.equal("alice");
      // Without prompt=login the OP reuses alice's session whatever is typed; with it, the new login counts.
      const reused = await callbackFor(adapter, providers.op, "bob", { jar });
      expect((await adapter.completeCallback(reused.callbackUrl, reused.pending, replayStore())).subject).to.equal("alice");
      const before = Math.floor(Date.now() / 1000) * 1000;
      const forced = await callbackFor(adapter, providers.op, "bob", { jar, forceLogin: true });
      const identity = await adapter.completeCallback(forced.callbackUrl, forced.pending, replayStore());
      expect(identity.subject).to.equal("bob");
      expect(identity.authenticatedAt?.getTime()).to.be.within(before, Date.now());
    });
  });
});
