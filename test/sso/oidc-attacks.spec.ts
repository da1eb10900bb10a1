/**
 * Every OIDC attack of IDP-TRAFFIC.md ("SAML and OIDC pitfalls") against the adapter and a real oidc-provider
 * on 127.0.0.1, each refused with its reason code: forged callbacks, PKCE, codes of another client or issuer,
 * tampered token responses (expired, wrong aud/iss, alg none, foreign key, nonce), step-up, replay.
 */
import { expect } from "chai";
import { newOidcPending, type OidcAdapter, type OidcPending } from "../../src/sso/oidc/adapter.js";
import { tamperingFetch } from "./support/oidc-op.js";
import { CALLBACK_BASE, adapterFor, callbackFor, rejection, replayStore, signInThrough, useOidcProviders } from "./support/oidc-adapter-fixture.js";

describe("OIDC adapter against oidc-provider: attacks", function () {
  const providers = useOidcProviders();

  async function rejectionOf(adapter: OidcAdapter, callbackUrl: URL, pending: OidcPending) {
    return rejection(adapter.completeCallback(callbackUrl, pending, replayStore()));
  }

  it("state: a callback carrying another sign-in's state, or none, is refused before the code is redeemed", async function () {
    const adapter = adapterFor(providers.op);
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    expect((await rejectionOf(adapter, callbackUrl, newOidcPending(null))).reason).to.equal("state_mismatch");
    const stateless = new URL(callbackUrl);
    stateless.searchParams.delete("state");
    expect((await rejectionOf(adapter, stateless, pending)).reason).to.equal("state_mismatch");
    // The code was never sent to the token endpoint: the genuine callback still works.
    expect((await adapter.completeCallback(callbackUrl, pending, replayStore())).subject).to.equal("alice");
  });

  it("IdP error: the OP's own error redirect is refused as idp_error, with no markup from the description", async function () {
    const adapter = adapterFor(providers.op);
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
    crafted.search = new URLSearchParams({ error: "<b>x</b>", error_description: '<script>alert("x")</script>', state: pending.state, iss: providers.op.issuer }).toString();
    const hostile = await rejectionOf(adapter, crafted, pending);
    expect(hostile.reason).to.equal("idp_error");
    expect(hostile.message).to.not.match(/[<>"]/);
  });

  it("mix-up: an iss parameter naming another issuer, or a missing iss, is refused", async function () {
    const adapter = adapterFor(providers.op);
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    const mixedUp = new URL(callbackUrl);
    mixedUp.searchParams.set("iss", providers.otherOp.issuer);
    expect((await rejectionOf(adapter, mixedUp, pending)).reason).to.equal("issuer_mismatch");
    const unnamed = new URL(callbackUrl);
    unnamed.searchParams.delete("iss");
    expect((await rejectionOf(adapter, unnamed, pending)).reason).to.equal("issuer_mismatch");
  });

  it("a parameter sent twice is refused", async function () {
    const adapter = adapterFor(providers.op);
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    const doubled = new URL(callbackUrl);
    doubled.searchParams.append("code", "second-code");
    expect((await rejectionOf(adapter, doubled, pending)).reason).to.equal("invalid_response");
  });

  it("PKCE: a wrong verifier, or none, makes the token endpoint refuse the code", async function () {
    const adapter = adapterFor(providers.op);
    const wrong = await callbackFor(adapter, providers.op, "alice");
    const wrongVerifier = { ...wrong.pending, codeVerifier: newOidcPending(null).codeVerifier };
    expect((await rejectionOf(adapter, wrong.callbackUrl, wrongVerifier)).reason).to.equal("token_exchange_failed");

    const withoutVerifier: typeof fetch = (input, init) => {
      if (String(input) !== providers.op.tokenEndpoint) return fetch(input, init);
      const body = new URLSearchParams(String(init?.body instanceof Uint8Array ? Buffer.from(init.body).toString() : init?.body));
      body.delete("code_verifier");
      return fetch(input, { ...init, body: body.toString() });
    };
    const stripping = adapterFor(providers.op, "conn-a", { customFetch: withoutVerifier });
    const missing = await callbackFor(stripping, providers.op, "alice");
    expect((await rejectionOf(stripping, missing.callbackUrl, missing.pending)).reason).to.equal("token_exchange_failed");
  });

  it("a pre-login state without a verifier or nonce is refused before the code is sent anywhere", async function () {
    const adapter = adapterFor(providers.op);
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    expect((await rejectionOf(adapter, callbackUrl, { ...pending, codeVerifier: "" })).reason).to.equal("state_mismatch");
    expect((await rejectionOf(adapter, callbackUrl, { ...pending, nonce: "" })).reason).to.equal("state_mismatch");
    expect((await adapter.completeCallback(callbackUrl, pending, replayStore())).subject).to.equal("alice");
  });

  it("a code is redeemed once: the same callback twice fails the second time", async function () {
    const adapter = adapterFor(providers.op);
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    await adapter.completeCallback(callbackUrl, pending, replayStore());
    expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("token_exchange_failed");
  });

  it("a code issued to connection A is refused at connection B (same issuer, another client)", async function () {
    const adapterA = adapterFor(providers.op, "conn-a");
    const adapterB = adapterFor(providers.op, "conn-b");
    const { callbackUrl } = await callbackFor(adapterA, providers.op, "alice");
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
    const foreign = adapterFor(providers.otherOp, "conn-a");
    const { callbackUrl } = await callbackFor(foreign, providers.otherOp, "alice");
    const adapter = adapterFor(providers.op, "conn-a");
    const pending = newOidcPending(null);
    const injected = new URL(callbackUrl);
    injected.searchParams.set("state", pending.state);
    expect((await rejectionOf(adapter, injected, pending)).reason).to.equal("issuer_mismatch");
  });

  describe("tampered token responses", function () {
    async function tamperedSignIn(edit: Parameters<typeof tamperingFetch>[1], pending?: OidcPending) {
      const adapter = adapterFor(providers.op, "conn-a", { customFetch: tamperingFetch(providers.op.tokenEndpoint, edit) });
      const { callbackUrl, pending: used } = await callbackFor(adapter, providers.op, "alice", pending ? { pending } : {});
      return adapter.completeCallback(callbackUrl, used, replayStore());
    }
    const reasonOf = async (edit: Parameters<typeof tamperingFetch>[1]) => (await rejection(tamperedSignIn(edit))).reason;

    it("a token re-signed with the issuer's key and unchanged claims passes (the harness is not what fails)", async function () {
      expect((await tamperedSignIn((claims) => providers.op.signIdToken(claims))).subject).to.equal("alice");
    });

    it("expired ID token", async function () {
      const past = Math.floor(Date.now() / 1000) - 3600;
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, iat: past - 60, exp: past }))).to.equal("id_token_expired");
    });

    it("wrong audience, an authorized party that is another client, several audiences without azp naming us", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, aud: "conn-b" }))).to.equal("id_token_wrong_audience");
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, azp: "conn-b" }))).to.equal("id_token_wrong_audience");
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, aud: ["conn-a", "conn-b"] }))).to.equal("id_token_wrong_audience");
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, aud: ["conn-a", "conn-b"], azp: "conn-b" }))).to.equal("id_token_wrong_audience");
    });

    it("wrong issuer", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, iss: providers.otherOp.issuer }))).to.equal("id_token_wrong_issuer");
    });

    it("alg none, and HMAC", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken(claims, { alg: "none" }))).to.equal("id_token_unsupported_algorithm");
      const hmac = async (claims: Record<string, unknown>) => {
        const { SignJWT } = await import("jose");
        return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(Buffer.from("conn-a-secret".padEnd(32, "!")));
      };
      expect(await reasonOf(hmac)).to.equal("id_token_unsupported_algorithm");
    });

    it("signed by a key the issuer never published (under the issuer's kid)", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken(claims, {}, "foreign"))).to.equal("id_token_bad_signature");
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
      expect(await reasonOf(({ sub: _sub, ...claims }) => providers.op.signIdToken(claims))).to.equal("invalid_id_token");
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, sub: "x".repeat(256) }))).to.equal("invalid_id_token");
    });

    it("nonce of another sign-in", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, nonce: newOidcPending(null).nonce }))).to.equal("nonce_mismatch");
    });

    it("a groups claim that is neither a string nor a list of strings", async function () {
      expect(await reasonOf((claims) => providers.op.signIdToken({ ...claims, groups: [{ id: "eng" }] }))).to.equal("invalid_claims");
    });

    it("step-up: auth_time missing, or older than max_age", async function () {
      const stale = Math.floor(Date.now() / 1000) - 3600;
      const run = async (edit: Parameters<typeof tamperingFetch>[1]) => (await rejection(tamperedSignIn(edit, newOidcPending(300)))).reason;
      expect(await run((claims) => providers.op.signIdToken({ ...claims, auth_time: stale }))).to.equal("stale_authentication");
      expect(await run(({ auth_time: _authTime, ...claims }) => providers.op.signIdToken(claims))).to.equal("stale_authentication");
    });

    it("replay: the same jti accepted once", async function () {
      const sameJti = (claims: Record<string, unknown>) => providers.op.signIdToken({ ...claims, jti: "fixed-jti" });
      const adapter = adapterFor(providers.op, "conn-a", { customFetch: tamperingFetch(providers.op.tokenEndpoint, sameJti) });
      const replay = replayStore();
      const first = await callbackFor(adapter, providers.op, "alice");
      await adapter.completeCallback(first.callbackUrl, first.pending, replay);
      const second = await callbackFor(adapter, providers.op, "alice");
      expect((await rejection(adapter.completeCallback(second.callbackUrl, second.pending, replay))).reason).to.equal("replayed");
    });
  });

  it("an ID token past its exp by the adapter's clock is expired", async function () {
    const adapter = adapterFor(providers.op, "conn-a", { now: () => new Date(Date.now() + 2 * 60 * 60 * 1000) });
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice");
    expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("id_token_expired");
  });

  it("step-up: a sign-in older than max_age by the adapter's clock is stale", async function () {
    const later = () => new Date(Date.now() + 10 * 60 * 1000);
    const adapter = adapterFor(providers.op, "conn-a", { now: later });
    const { pending, callbackUrl } = await callbackFor(adapter, providers.op, "alice", { forceLogin: true });
    expect((await rejectionOf(adapter, callbackUrl, pending)).reason).to.equal("stale_authentication");
  });

  it("replay: two callbacks of one pre-login state (same sub and nonce) are accepted once", async function () {
    const adapter = adapterFor(providers.op);
    const replay = replayStore();
    const pending = newOidcPending(null);
    const first = await callbackFor(adapter, providers.op, "alice", { pending });
    const second = await callbackFor(adapter, providers.op, "alice", { pending });
    await adapter.completeCallback(first.callbackUrl, pending, replay);
    expect((await rejection(adapter.completeCallback(second.callbackUrl, pending, replay))).reason).to.equal("replayed");
    expect(replay.seen.size).to.equal(1);
  });

  it("userinfo answering for another subject is refused", async function () {
    const impostor: typeof fetch = async (input, init) => {
      if (!String(input).endsWith("/me")) return fetch(input, init);
      return new Response(JSON.stringify({ sub: "mallory", groups: ["admins"] }), { headers: { "content-type": "application/json" } });
    };
    const adapter = adapterFor(providers.userInfoOp, "conn-a", { customFetch: impostor });
    expect((await rejection(signInThrough(adapter, providers.userInfoOp, "alice"))).reason).to.equal("userinfo_failed");
  });
});
