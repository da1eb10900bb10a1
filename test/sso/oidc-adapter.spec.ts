/**
 * The OIDC adapter against a real oidc-provider on 127.0.0.1: settings, discovery with issuer pinning, the
 * authorization request, successful sign-ins (claims, groups from the ID token or userinfo, step-up), and
 * every attack of IDP-TRAFFIC.md ("SAML and OIDC pitfalls") refused with its reason code.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { SignInRejected, type ReplayStore } from "../../src/sso/identity.js";
import { createOidcAdapter, newOidcPending, parseOidcSettings, type OidcAdapterOptions, type OidcPending, type OidcSettings } from "../../src/sso/oidc/adapter.js";
import { CookieJar, startOidcProvider, tamperingFetch, type TestOidcProvider } from "./support/oidc-op.js";

const CALLBACK_BASE = "http://127.0.0.1:9/auth/oidc";
const client = (id: string, method?: "client_secret_post") => ({
  clientId: id,
  clientSecret: `${id}-secret`,
  redirectUri: `${CALLBACK_BASE}/${id}/callback`,
  ...(method ? { tokenEndpointAuthMethod: method } : {}),
});
const ALICE = { sub: "alice", email: "alice@acme.test", email_verified: true, given_name: "Alice", family_name: "Liddell", name: "Alice Liddell", groups: ["eng", "admins", "eng"] };
const BOB = { sub: "bob", email: "bob@elsewhere.test", email_verified: false, groups: "solo" };

class MemoryReplayStore implements ReplayStore {
  readonly seen = new Map<string, Date>();
  async remember(connectionId: string, messageId: string, expiresAt: Date): Promise<boolean> {
    const key = `${connectionId} ${messageId}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}

describe("OIDC adapter against oidc-provider", function () {
  let op: TestOidcProvider; // clients a, b (same issuer) and post (client_secret_post)
  let otherOp: TestOidcProvider; // another issuer that also knows client a
  let userInfoOp: TestOidcProvider; // releases groups through userinfo only

  before(async function () {
    const clients = [client("conn-a"), client("conn-b"), client("conn-post", "client_secret_post")];
    op = await startOidcProvider({ clients, accounts: [ALICE, BOB] });
    otherOp = await startOidcProvider({ accounts: [ALICE] });
    otherOp.addClient(client("conn-a")); // registered after start, as end-to-end tests do once a connection exists
    userInfoOp = await startOidcProvider({ clients: [client("conn-a")], accounts: [ALICE], groupsIn: "userinfo" });
  });

  after(async function () {
    await Promise.all([op?.close(), otherOp?.close(), userInfoOp?.close()]);
  });

  function settingsFor(provider: TestOidcProvider, clientId: string, overrides: Partial<OidcSettings> = {}): OidcSettings {
    const parsed = parseOidcSettings({ issuer: provider.issuer, clientId, scopes: ["openid", "email", "profile", "groups"], groupsClaim: "groups" });
    if (!("settings" in parsed)) throw new Error(parsed.problems.join("; "));
    return { ...parsed.settings, ...overrides };
  }

  function adapterFor(provider: TestOidcProvider, clientId = "conn-a", options: Partial<OidcAdapterOptions> = {}, overrides: Partial<OidcSettings> = {}) {
    return createOidcAdapter(settingsFor(provider, clientId, overrides), `${clientId}-secret`, {
      redirectUri: `${CALLBACK_BASE}/${clientId}/callback`,
      allowInsecureRequests: true,
      ...options,
    });
  }

  /** Runs the browser part of a sign-in: authorization URL → login + consent at the OP → callback URL. */
  async function callbackFor(
    adapter: ReturnType<typeof adapterFor>,
    provider: TestOidcProvider,
    login: string,
    input: { pending?: OidcPending; forceLogin?: boolean; jar?: CookieJar } = {},
  ) {
    const pending = input.pending ?? newOidcPending(input.forceLogin ? 300 : null);
    const url = await adapter.authorizationUrl(pending, { forceLogin: input.forceLogin ?? false });
    return { pending, callbackUrl: await provider.signIn(url, login, input.jar ? { jar: input.jar } : {}) };
  }

  async function signInThrough(adapter: ReturnType<typeof adapterFor>, provider: TestOidcProvider, login: string, replay = new MemoryReplayStore()) {
    const { pending, callbackUrl } = await callbackFor(adapter, provider, login);
    return adapter.completeCallback(callbackUrl, pending, Object.assign(replay, { connectionId: "connection-1" }));
  }

  async function rejection(promise: Promise<unknown>): Promise<SignInRejected> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof SignInRejected) return error;
      throw error;
    }
    throw new Error("expected the sign-in to be rejected, it succeeded");
  }

  function replayStore(): MemoryReplayStore & { connectionId: string } {
    return Object.assign(new MemoryReplayStore(), { connectionId: "connection-1" });
  }

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
      await adapterFor(op).discover();
    });

    it("pins the issuer exactly: a trailing slash the issuer does not use is refused", async function () {
      const error = await rejection(adapterFor(op, "conn-a", {}, { issuer: `${op.issuer}/` }).discover());
      expect(error.reason).to.equal("discovery_failed");
      expect(error.message).to.contain("calls itself");
    });

    it("refuses a discovery document naming another issuer", async function () {
      const forged: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith("/.well-known/openid-configuration")) return response;
        const metadata = { ...((await response.json()) as object), issuer: otherOp.issuer };
        return new Response(JSON.stringify(metadata), { headers: { "content-type": "application/json" } });
      };
      const error = await rejection(adapterFor(op, "conn-a", { customFetch: forged }).discover());
      expect(error.reason).to.equal("discovery_failed");
    });

    it("refuses an issuer that does not offer PKCE S256", async function () {
      const noPkce: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith("/.well-known/openid-configuration")) return response;
        const metadata = { ...((await response.json()) as object), code_challenge_methods_supported: ["plain"] };
        return new Response(JSON.stringify(metadata), { headers: { "content-type": "application/json" } });
      };
      const error = await rejection(adapterFor(op, "conn-a", { customFetch: noPkce }).discover());
      expect(error.reason).to.equal("discovery_failed");
      expect(error.message).to.contain("PKCE");
    });

    it("refuses plain http unless the adapter allows insecure requests, and an unreachable issuer", async function () {
      expect((await rejection(adapterFor(op, "conn-a", { allowInsecureRequests: false }).discover())).reason).to.equal("discovery_failed");
      const closed = await startOidcProvider({ clients: [client("conn-a")] });
      await closed.close();
      expect((await rejection(adapterFor(closed).discover())).reason).to.equal("discovery_failed");
    });
  });

  describe("authorization request", function () {
    it("uses the code flow with PKCE S256, state, nonce and the connection's redirect URI", async function () {
      const pending = newOidcPending(null);
      const url = await adapterFor(op).authorizationUrl(pending, { forceLogin: false, loginHint: "alice@acme.test" });
      const params = url.searchParams;
      expect(url.origin + url.pathname).to.equal(`${op.issuer}/auth`);
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
      const url = await adapterFor(op).authorizationUrl(newOidcPending(300), { forceLogin: true });
      expect(url.searchParams.get("prompt")).to.equal("login");
      expect(url.searchParams.get("max_age")).to.equal("300");
      let thrown: unknown;
      await adapterFor(op).authorizationUrl(newOidcPending(null), { forceLogin: true }).catch((error: unknown) => (thrown = error));
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
      const identity = await signInThrough(adapterFor(op), op, "alice");
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
      const recording = tamperingFetch(userInfoOp.tokenEndpoint, (claims, idToken) => ((idTokenClaims = claims), idToken));
      const identity = await signInThrough(adapterFor(userInfoOp, "conn-a", { customFetch: recording }), userInfoOp, "alice");
      expect(idTokenClaims).to.not.have.property("groups");
      expect(identity.groups).to.deep.equal(["eng", "admins"]);
      expect(identity.email).to.equal("alice@acme.test");
    });

    it("takes a single-string groups claim as one group, and no email when email_verified is false", async function () {
      const identity = await signInThrough(adapterFor(op), op, "bob");
      expect(identity.groups).to.deep.equal(["solo"]);
      expect(identity.email).to.equal(null);
    });

    it("uses the configured claim names, and no groups when no groups claim is configured", async function () {
      const adapter = adapterFor(op, "conn-a", {}, { groupsClaim: null, claims: { email: "email", givenName: "name", familyName: "family_name", displayName: "sub" } });
      const identity = await signInThrough(adapter, op, "alice");
      expect(identity).to.deep.include({ givenName: "Alice Liddell", displayName: "alice", groups: [] });
    });

    it("authenticates the client with client_secret_post when configured", async function () {
      const adapter = adapterFor(op, "conn-post", {}, { tokenEndpointAuthMethod: "client_secret_post" });
      expect((await signInThrough(adapter, op, "alice")).subject).to.equal("alice");
    });

    it("step-up: prompt=login makes the OP ask again even with a live session at the IdP", async function () {
      const jar = new CookieJar();
      const adapter = adapterFor(op);
      const first = await callbackFor(adapter, op, "alice", { jar });
      expect((await adapter.completeCallback(first.callbackUrl, first.pending, replayStore())).subject).to.equal("alice");
      // Without prompt=login the OP reuses alice's session whatever is typed; with it, the new login counts.
      const reused = await callbackFor(adapter, op, "bob", { jar });
      expect((await adapter.completeCallback(reused.callbackUrl, reused.pending, replayStore())).subject).to.equal("alice");
      const before = Math.floor(Date.now() / 1000) * 1000;
      const forced = await callbackFor(adapter, op, "bob", { jar, forceLogin: true });
      const identity = await adapter.completeCallback(forced.callbackUrl, forced.pending, replayStore());
      expect(identity.subject).to.equal("bob");
      expect(identity.authenticatedAt?.getTime()).to.be.within(before, Date.now());
    });
  });

  describe("attacks", function () {
    async function rejectionOf(adapter: ReturnType<typeof adapterFor>, callbackUrl: URL, pending: OidcPending) {
      return rejection(adapter.completeCallback(callbackUrl, pending, replayStore()));
    }

    it("state: a callback carrying another sign-in's state, or none, is refused before the code is redeemed", async function () {
      const adapter = adapterFor(op);
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice");
      expect((await rejectionOf(adapter, callbackUrl, newOidcPending(null))).reason).to.equal("state_mismatch");
      const stateless = new URL(callbackUrl);
      stateless.searchParams.delete("state");
      expect((await rejectionOf(adapter, stateless, pending)).reason).to.equal("state_mismatch");
      // The code was never sent to the token endpoint: the genuine callback still works.
      expect((await adapter.completeCallback(callbackUrl, pending, replayStore())).subject).to.equal("alice");
    });

    it("IdP error: the OP's own error redirect is refused as idp_error, with no markup from the description", async function () {
      const adapter = adapterFor(op);
      const pending = newOidcPending(null);
      const url = await adapter.authorizationUrl(pending, { forceLogin: false });
      url.searchParams.set("prompt", "none"); // no session at the OP: it must answer login_required
      const answer = await fetch(url, { redirect: "manual" });
      const callbackUrl = new URL(answer.headers.get("location") ?? "");
      expect(callbackUrl.searchParams.get("error")).to.equal("login_required");
      const error = await rejectionOf(adapter, callbackUrl, pending);
      expect(error.reason).to.equal("idp_error");
      expect(error.message).to.contain("login_required");

      const crafted = new URL(`${CALLBACK_BASE}/conn-a/callback`);
      crafted.search = new URLSearchParams({ error: "<b>x</b>", error_description: '<script>alert("x")</script>', state: pending.state, iss: op.issuer }).toString();
      const hostile = await rejectionOf(adapter, crafted, pending);
      expect(hostile.reason).to.equal("idp_error");
      expect(hostile.message).to.not.match(/[<>"]/);
    });

    it("mix-up: an iss parameter naming another issuer, or a missing iss, is refused", async function () {
      const adapter = adapterFor(op);
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice");
      const mixedUp = new URL(callbackUrl);
      mixedUp.searchParams.set("iss", otherOp.issuer);
      expect((await rejectionOf(adapter, mixedUp, pending)).reason).to.equal("issuer_mismatch");
      const unnamed = new URL(callbackUrl);
      unnamed.searchParams.delete("iss");
      expect((await rejectionOf(adapter, unnamed, pending)).reason).to.equal("issuer_mismatch");
    });

    it("a parameter sent twice is refused", async function () {
      const adapter = adapterFor(op);
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice");
      const doubled = new URL(callbackUrl);
      doubled.searchParams.append("code", "second-code");
      expect((await rejectionOf(adapter, doubled, pending)).reason).to.equal("invalid_response");
    });

    it("PKCE: a wrong verifier, or none, makes the token endpoint refuse the code", async function () {
      const adapter = adapterFor(op);
      const wrong = await callbackFor(adapter, op, "alice");
      const wrongVerifier = { ...wrong.pending, codeVerifier: newOidcPending(null).codeVerifier };
      expect((await rejectionOf(adapter, wrong.callbackUrl, wrongVerifier)).reason).to.equal("token_exchange_failed");

      const withoutVerifier: typeof fetch = (input, init) => {
        if (String(input) !== op.tokenEndpoint) return fetch(input, init);
        const body = new URLSearchParams(String(init?.body instanceof Uint8Array ? Buffer.from(init.body).toString() : init?.body));
        body.delete("code_verifier");
        return fetch(input, { ...init, body: body.toString() });
      };
      const stripping = adapterFor(op, "conn-a", { customFetch: withoutVerifier });
      const missing = await callbackFor(stripping, op, "alice");
      expect((await rejectionOf(stripping, missing.callbackUrl, missing.pending)).reason).to.equal("token_exchange_failed");
    });

    it("a code is redeemed once: the same callback twice fails the second time", async function () {
      const adapter = adapterFor(op);
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice");
      await adapter.completeCallback(callbackUrl, pending, replayStore());
      expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("token_exchange_failed");
    });

    it("a code issued to connection A is refused at connection B (same issuer, another client)", async function () {
      const adapterA = adapterFor(op, "conn-a");
      const adapterB = adapterFor(op, "conn-b");
      const { callbackUrl } = await callbackFor(adapterA, op, "alice");
      // The attacker started a sign-in at B (so B has a pre-login state) and injects A's code into it.
      const pendingB = newOidcPending(null);
      await adapterB.authorizationUrl(pendingB, { forceLogin: false });
      const injected = new URL(`${CALLBACK_BASE}/conn-b/callback`);
      injected.search = callbackUrl.search;
      injected.searchParams.set("state", pendingB.state);
      const error = await rejectionOf(adapterB, injected, { ...pendingB });
      expect(error.reason).to.equal("token_exchange_failed");
    });

    it("a code issued by another issuer is refused at this connection (two OPs)", async function () {
      const foreign = adapterFor(otherOp, "conn-a");
      const { callbackUrl } = await callbackFor(foreign, otherOp, "alice");
      const adapter = adapterFor(op, "conn-a");
      const pending = newOidcPending(null);
      const injected = new URL(callbackUrl);
      injected.searchParams.set("state", pending.state);
      expect((await rejectionOf(adapter, injected, pending)).reason).to.equal("issuer_mismatch");
    });

    describe("tampered token responses", function () {
      async function tamperedSignIn(edit: Parameters<typeof tamperingFetch>[1], pending?: OidcPending) {
        const adapter = adapterFor(op, "conn-a", { customFetch: tamperingFetch(op.tokenEndpoint, edit) });
        const { callbackUrl, pending: used } = await callbackFor(adapter, op, "alice", pending ? { pending } : {});
        return adapter.completeCallback(callbackUrl, used, replayStore());
      }
      const reasonOf = async (edit: Parameters<typeof tamperingFetch>[1]) => (await rejection(tamperedSignIn(edit))).reason;

      it("a token re-signed with the issuer's key and unchanged claims passes (the harness is not what fails)", async function () {
        expect((await tamperedSignIn((claims) => op.signIdToken(claims))).subject).to.equal("alice");
      });

      it("expired ID token", async function () {
        const past = Math.floor(Date.now() / 1000) - 3600;
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, iat: past - 60, exp: past }))).to.equal("id_token_expired");
      });

      it("wrong audience, an authorized party that is another client, several audiences without azp naming us", async function () {
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, aud: "conn-b" }))).to.equal("id_token_wrong_audience");
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, azp: "conn-b" }))).to.equal("id_token_wrong_audience");
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, aud: ["conn-a", "conn-b"] }))).to.equal("id_token_wrong_audience");
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, aud: ["conn-a", "conn-b"], azp: "conn-b" }))).to.equal("id_token_wrong_audience");
      });

      it("wrong issuer", async function () {
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, iss: otherOp.issuer }))).to.equal("id_token_wrong_issuer");
      });

      it("alg none, and HMAC", async function () {
        expect(await reasonOf((claims) => op.signIdToken(claims, { alg: "none" }))).to.equal("id_token_unsupported_algorithm");
        const hmac = async (claims: Record<string, unknown>) => {
          const { SignJWT } = await import("jose");
          return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(Buffer.from("conn-a-secret".padEnd(32, "!")));
        };
        expect(await reasonOf(hmac)).to.equal("id_token_unsupported_algorithm");
      });

      it("signed by a key the issuer never published (under the issuer's kid)", async function () {
        expect(await reasonOf((claims) => op.signIdToken(claims, {}, "foreign"))).to.equal("id_token_bad_signature");
      });

      it("signature of the genuine token over edited claims", async function () {
        const spliced = (claims: Record<string, unknown>, idToken: string) => {
          const [header, , signature] = idToken.split(".");
          const payload = Buffer.from(JSON.stringify({ ...claims, email: "admin@acme.test" })).toString("base64url");
          return `${header}.${payload}.${signature}`;
        };
        expect(await reasonOf(spliced)).to.equal("id_token_bad_signature");
      });

      it("malformed, or missing a required claim", async function () {
        expect(await reasonOf(() => "not.a-jwt")).to.equal("invalid_id_token");
        expect(await reasonOf(({ sub: _sub, ...claims }) => op.signIdToken(claims))).to.equal("invalid_id_token");
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, sub: "x".repeat(256) }))).to.equal("invalid_id_token");
      });

      it("nonce of another sign-in", async function () {
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, nonce: newOidcPending(null).nonce }))).to.equal("nonce_mismatch");
      });

      it("a groups claim that is neither a string nor a list of strings", async function () {
        expect(await reasonOf((claims) => op.signIdToken({ ...claims, groups: [{ id: "eng" }] }))).to.equal("invalid_claims");
      });

      it("step-up: auth_time missing, or older than max_age", async function () {
        const stale = Math.floor(Date.now() / 1000) - 3600;
        const run = async (edit: Parameters<typeof tamperingFetch>[1]) => (await rejection(tamperedSignIn(edit, newOidcPending(300)))).reason;
        expect(await run((claims) => op.signIdToken({ ...claims, auth_time: stale }))).to.equal("stale_authentication");
        expect(await run(({ auth_time: _authTime, ...claims }) => op.signIdToken(claims))).to.equal("stale_authentication");
      });

      it("replay: the same jti accepted once", async function () {
        const sameJti = (claims: Record<string, unknown>) => op.signIdToken({ ...claims, jti: "fixed-jti" });
        const adapter = adapterFor(op, "conn-a", { customFetch: tamperingFetch(op.tokenEndpoint, sameJti) });
        const replay = replayStore();
        const first = await callbackFor(adapter, op, "alice");
        await adapter.completeCallback(first.callbackUrl, first.pending, replay);
        const second = await callbackFor(adapter, op, "alice");
        expect((await rejection(adapter.completeCallback(second.callbackUrl, second.pending, replay))).reason).to.equal("replayed");
      });
    });

    it("an ID token past its exp by the adapter's clock is expired", async function () {
      const adapter = adapterFor(op, "conn-a", { now: () => new Date(Date.now() + 2 * 60 * 60 * 1000) });
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice");
      expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("id_token_expired");
    });

    it("step-up: a sign-in older than max_age by the adapter's clock is stale", async function () {
      const later = () => new Date(Date.now() + 10 * 60 * 1000);
      const adapter = adapterFor(op, "conn-a", { now: later });
      const { pending, callbackUrl } = await callbackFor(adapter, op, "alice", { forceLogin: true });
      expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("stale_authentication");
    });

    it("replay: two callbacks of one pre-login state (same sub and nonce) are accepted once", async function () {
      const adapter = adapterFor(op);
      const replay = replayStore();
      const pending = newOidcPending(null);
      const first = await callbackFor(adapter, op, "alice", { pending });
      const second = await callbackFor(adapter, op, "alice", { pending });
      await adapter.completeCallback(first.callbackUrl, pending, replay);
      expect((await rejection(adapter.completeCallback(second.callbackUrl, pending, replay))).reason).to.equal("replayed");
      expect(replay.seen.size).to.equal(1);
    });

    it("userinfo answering for another subject is refused", async function () {
      const impostor: typeof fetch = async (input, init) => {
        if (!String(input).endsWith("/me")) return fetch(input, init);
        return new Response(JSON.stringify({ sub: "mallory", groups: ["admins"] }), { headers: { "content-type": "application/json" } });
      };
      const adapter = adapterFor(userInfoOp, "conn-a", { customFetch: impostor });
      expect((await rejection(signInThrough(adapter, userInfoOp, "alice"))).reason).to.equal("userinfo_failed");
    });
  });
});
