/**
 * The hostile-response suite (issue 6; IDP-TRAFFIC.md "SAML and OIDC pitfalls"): samlify signs whatever XML the
 * test builds, and every attack must be refused with its stable reason, without spending the replay store.
 */
import { expect } from "chai";
import fc from "fast-check";
import { deflateRawSync } from "node:zlib";
import { SignInRejected } from "../../src/sso/identity.js";
import { createSamlAdapter, type SamlServiceProvider } from "../../src/sso/saml/index.js";
import type { SamlSettings } from "../../src/sso/saml/settings.js";
import { expectRejected, samlCast, type SamlCast } from "./support/saml-fixture.js";
import { memoryReplayStore, newId, PERSISTENT_FORMAT, type LoginResponseOptions } from "./support/saml-idp.js";

const SIGNED_ASSERTION = /<saml:Assertion [\s\S]*<\/saml:Assertion>/;
const minutes = (n: number): Date => new Date(Date.now() + n * 60_000);

describe("SAML hostile responses (IDP-TRAFFIC.md pitfalls)", function () {
  this.timeout(60_000);
  let cast: SamlCast;
  before(async () => {
    cast = await samlCast();
  });

  /** Sends a response built with `options` to connection A (or `sp`) and expects `reason`; the replay store stays empty. */
  async function refused(
    reason: string,
    options: LoginResponseOptions & { requestId?: string | null; settings?: Record<string, unknown>; sp?: SamlServiceProvider; form?: Record<string, unknown> } = {},
  ): Promise<void> {
    const sp = options.sp ?? cast.spA;
    const settings: SamlSettings = cast.idp.settings(options.settings);
    const requestId = options.requestId === undefined ? "_pending-request" : options.requestId;
    const form = options.form ?? (await cast.idp.loginResponse(sp, { inResponseTo: requestId, ...options })).form;
    const store = memoryReplayStore();
    await expectRejected(createSamlAdapter(settings, sp).validateLoginResponse(form, { requestId, connectionId: "conn" }, store), reason);
    expect(store.seen.size, "a refused response never reaches the replay store").to.equal(0);
  }

  describe("signatures", () => {
    it("signature wrapping: the signed assertion moved into StatusDetail, an unsigned copy for another user first", async () => {
      await refused("multiple_assertions", {
        afterSigning: (xml) => {
          const signed = SIGNED_ASSERTION.exec(xml)![0];
          const forged = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace("alice@acme.test</saml:NameID>", "mallory@acme.test</saml:NameID>");
          return xml.replace(signed, forged).replace("</samlp:Status>", `<samlp:StatusDetail>${signed}</samlp:StatusDetail></samlp:Status>`);
        },
      });
    });

    it("signature wrapping: the signed assertion moved into Extensions, an unsigned copy in its place", async () => {
      await refused("multiple_assertions", {
        afterSigning: (xml) => {
          const signed = SIGNED_ASSERTION.exec(xml)![0];
          const forged = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace(/ID="[^"]+"/, `ID="${newId()}"`);
          return xml.replace(signed, forged).replace("</saml:Issuer><samlp:Status>", `</saml:Issuer><samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
        },
      });
    });

    it("an unsigned sibling assertion next to the signed one", async () => {
      await refused("multiple_assertions", {
        afterSigning: (xml) => {
          const signed = SIGNED_ASSERTION.exec(xml)![0];
          const sibling = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace(/ID="[^"]+"/, `ID="${newId()}"`).replace("alice@", "mallory@");
          return xml.replace("</samlp:Response>", `${sibling}</samlp:Response>`);
        },
      });
    });

    it("an unsigned assertion, even inside a signed Response", async () => {
      await refused("unsigned_assertion", { signAssertion: false, signResponse: true });
      await refused("unsigned_assertion", { signAssertion: false, signResponse: false });
    });

    it("a NameID edited after signing", async () => {
      await refused("bad_signature", { afterSigning: (xml) => xml.replace("alice@acme.test</saml:NameID>", "mallory@acme.test</saml:NameID>") });
    });

    it("an attribute value edited after signing (groups escalation)", async () => {
      await refused("bad_signature", {
        attributes: [{ name: "groups", values: ["eng"] }],
        afterSigning: (xml) => xml.replace(">eng</saml:AttributeValue>", ">admins</saml:AttributeValue>"),
      });
    });

    it("a response signed by a key the connection does not pin, with its certificate carried in KeyInfo", async () => {
      await refused("bad_signature", { signingKey: cast.rogue });
      await refused("bad_signature", { signingKey: cast.rogue, signResponse: true });
    });

    it("thousands of Transforms in the signature are refused before any parsing", async () => {
      const transform = '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>';
      await refused("too_complex", { afterSigning: (xml) => xml.replace("<ds:Transforms>", `<ds:Transforms>${transform.repeat(5_000)}`) });
    });
  });

  describe("identity inside a signed NameID (never truncated to another user)", () => {
    const signedName = "alice@acme.test.evil.test";

    it("a comment added after signing: the identity comes out exactly as signed", async () => {
      const store = memoryReplayStore();
      const { form } = await cast.idp.loginResponse(cast.spA, {
        inResponseTo: "_r", nameId: signedName, attributes: [],
        afterSigning: (xml) => xml.replace(`>${signedName}<`, ">alice@acme.test<!---->.evil.test<"),
      });
      const identity = await createSamlAdapter(cast.idp.settings(), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, store);
      expect(identity.subject).to.equal(signedName);
      expect(identity.email).to.equal(signedName);
    });

    it("a comment signed as part of the NameID: the identity is the whole text", async () => {
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", nameIdXml: "alice@acme.test<!--x-->.evil.test", attributes: [] });
      const identity = await createSamlAdapter(cast.idp.settings(), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
      expect(identity.subject).to.equal(signedName);
    });

    it("CDATA added after signing: the identity comes out exactly as signed", async () => {
      const { form } = await cast.idp.loginResponse(cast.spA, {
        inResponseTo: "_r", nameId: signedName, attributes: [],
        afterSigning: (xml) => xml.replace(`>${signedName}<`, "><![CDATA[alice@acme.test]]>.evil.test<"),
      });
      const identity = await createSamlAdapter(cast.idp.settings(), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
      expect(identity.subject).to.equal(signedName);
    });

    it("a processing instruction added after signing is refused (it is part of the signed canonical form)", async () => {
      await refused("bad_signature", {
        nameId: signedName, attributes: [],
        afterSigning: (xml) => xml.replace(`>${signedName}<`, "><?evil x?>alice@acme.test.evil.test<"),
      });
    });
  });

  describe("XML shape, before parsing", () => {
    it("two root elements", async () => {
      await refused("malformed", { afterSigning: (xml) => `${xml}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>` });
    });

    it("a DOCTYPE with an external entity (XXE)", async () => {
      await refused("doctype_forbidden", {
        afterSigning: (xml) => `<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xml.replace("alice@acme.test</saml:NameID>", "&xxe;</saml:NameID>")}`,
      });
    });

    it("an internal entity expansion (billion laughs)", async () => {
      const entities = ['<!ENTITY a "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`)].join("");
      await refused("doctype_forbidden", { afterSigning: (xml) => `<!DOCTYPE samlp:Response [${entities}]>${xml.replace("alice@acme.test</saml:NameID>", "&j;</saml:NameID>")}` });
    });

    it("an oversized body", async () => {
      await refused("too_large", { afterSigning: (xml) => xml.replace("</saml:Issuer>", `</saml:Issuer><!--${"x".repeat(600 * 1024)}-->`) });
    });

    it("a body that is not base64, a missing SAMLResponse, a UTF-16 document", async () => {
      await refused("malformed", { form: { SAMLResponse: "<samlp:Response/>" } });
      await refused("malformed", { form: {} });
      await refused("malformed", { form: { SAMLResponse: 42 } });
      const { xml } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_pending-request" });
      await refused("malformed", { form: { SAMLResponse: Buffer.from(`\ufeff${xml}`, "utf16le").toString("base64") } });
    });
  });

  describe("addressing", () => {
    it("wrong Audience", async () => {
      await refused("wrong_audience", { audience: "https://other-sp.example/saml" });
    });

    it("wrong Recipient", async () => {
      await refused("wrong_recipient", { recipient: "https://evil.example/acs" });
    });

    it("wrong Destination", async () => {
      await refused("wrong_destination", { destination: "https://evil.example/acs" });
    });

    it("wrong Issuer on the assertion, or on the Response", async () => {
      await refused("wrong_issuer", { issuer: "https://evil-idp.example/saml" });
      await refused("wrong_issuer", { responseIssuer: "https://evil-idp.example/saml" });
    });

    it("a response for connection A's request replayed at connection B (same IdP, other SP entity id and ACS)", async () => {
      const settings = cast.idp.settings();
      const a = createSamlAdapter(settings, cast.spA);
      const { requestId } = await a.loginRedirect({ relayState: "r", forceAuthn: false });
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: requestId });
      const store = memoryReplayStore();
      await expectRejected(createSamlAdapter(settings, cast.spB).validateLoginResponse(form, { requestId, connectionId: "conn-b" }, store), "wrong_audience");
      expect(store.seen.size).to.equal(0);
      // Even with B's audience edited in (an IdP signing for both), A's Recipient keeps it out of B.
      const retargeted = await cast.idp.loginResponse(cast.spA, { inResponseTo: requestId, audience: cast.spB.entityId, destination: null });
      await expectRejected(createSamlAdapter(settings, cast.spB).validateLoginResponse(retargeted.form, { requestId, connectionId: "conn-b" }, store), "wrong_recipient");
      expect(store.seen.size).to.equal(0);
    });

    it("a successful status with no assertion, an empty NameID, another message type at the ACS", async () => {
      await refused("no_assertion", { afterSigning: (xml) => xml.replace(SIGNED_ASSERTION, "") });
      await refused("no_subject", { nameIdXml: "" });
      const logout = cast.idp.signRoot(cast.idp.logoutRequestXml(cast.spA, { nameId: "alice@acme.test" }));
      await refused("malformed", { form: { SAMLResponse: Buffer.from(logout).toString("base64") } });
    });

    it("an encrypted assertion that was not signed before encryption", async () => {
      await refused("bad_signature", { encryptFor: cast.spA.certificate, signAssertion: false, signResponse: true });
    });

    it("a failed status", async () => {
      await refused("status_not_success", { status: "urn:oasis:names:tc:SAML:2.0:status:Responder" });
    });
  });

  describe("time window", () => {
    it("expired", async () => {
      await refused("expired", { now: minutes(-20), notBefore: minutes(-20), notOnOrAfter: minutes(-10) });
    });

    it("expired subject confirmation inside still-valid conditions", async () => {
      await refused("expired", { subjectNotOnOrAfter: minutes(-10), notOnOrAfter: minutes(5) });
    });

    it("not yet valid", async () => {
      await refused("not_yet_valid", { notBefore: minutes(10), notOnOrAfter: minutes(15) });
    });
  });

  describe("InResponseTo and replay", () => {
    it("the second use of the same assertion", async () => {
      const adapter = createSamlAdapter(cast.idp.settings({ allowIdpInitiated: true }), cast.spA);
      const store = memoryReplayStore();
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: null });
      await adapter.validateLoginResponse(form, { requestId: null, connectionId: "conn-a" }, store);
      await expectRejected(adapter.validateLoginResponse(form, { requestId: null, connectionId: "conn-a" }, store), "replayed");
    });

    it("the replay store keeps the assertion id until its NotOnOrAfter (plus the skew)", async () => {
      const adapter = createSamlAdapter(cast.idp.settings({ clockSkewSeconds: 30 }), cast.spA);
      const store = memoryReplayStore();
      const end = minutes(4);
      const { form, assertionId } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", notOnOrAfter: end });
      await adapter.validateLoginResponse(form, { requestId: "_r", connectionId: "conn-a" }, store);
      expect(store.seen.get(`conn-a\u0000${assertionId}`)?.getTime()).to.equal(end.getTime() + 30_000);
    });

    it("an InResponseTo with no pending sign-in", async () => {
      await refused("unknown_in_response_to", { requestId: null, inResponseTo: "_made-up", settings: { allowIdpInitiated: true } });
    });

    it("an InResponseTo answering another request", async () => {
      await refused("in_response_to_mismatch", { requestId: "_mine", inResponseTo: "_someone-elses" });
    });

    it("the unsigned Response InResponseTo edited to match while the signed one does not", async () => {
      await refused("in_response_to_mismatch", { requestId: "_mine", inResponseTo: "_someone-elses", responseInResponseTo: "_mine" });
    });

    it("no InResponseTo while a sign-in is pending", async () => {
      await refused("missing_in_response_to", { requestId: "_pending", inResponseTo: null, settings: { allowIdpInitiated: true } });
    });

    it("IdP-initiated on a connection that did not opt in", async () => {
      await refused("idp_initiated_not_allowed", { requestId: null, inResponseTo: null });
    });
  });

  describe("encryption", () => {
    it("a plain assertion on a connection that wants encrypted assertions", async () => {
      await refused("unencrypted_assertion", { settings: { wantEncryptedAssertions: true } });
    });

    it("an assertion encrypted for another service provider's key", async () => {
      await refused("decryption_failed", { encryptFor: cast.spB.certificate });
    });
  });

  describe("single logout messages", () => {
    const sloSettings = () => cast.idp.settings();

    it("an unsigned or foreign-signed LogoutRequest", async () => {
      const adapter = createSamlAdapter(sloSettings(), cast.spA);
      const xml = cast.idp.logoutRequestXml(cast.spA, { nameId: "alice@acme.test" });
      const unsigned = `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString("base64"))}`;
      await expectRejected(adapter.handleLogoutRequest({ binding: "redirect", rawQuery: unsigned }), "unsigned_message");
      await expectRejected(adapter.handleLogoutRequest({ binding: "redirect", rawQuery: cast.idp.redirectQuery("SAMLRequest", xml, "r", cast.rogue) }), "bad_signature");
      await expectRejected(adapter.handleLogoutRequest({ binding: "post", form: { SAMLRequest: Buffer.from(xml).toString("base64") } }), "unsigned_message");
      await expectRejected(adapter.handleLogoutRequest({ binding: "post", form: { SAMLRequest: Buffer.from(cast.idp.signRoot(xml, cast.rogue)).toString("base64") } }), "bad_signature");
    });

    it("a LogoutRequest from another issuer or for another endpoint", async () => {
      const adapter = createSamlAdapter(sloSettings(), cast.spA);
      const foreign = cast.idp.logoutRequestXml(cast.spA, { nameId: "alice@acme.test", issuer: "https://evil-idp.example" });
      await expectRejected(adapter.handleLogoutRequest({ binding: "redirect", rawQuery: cast.idp.redirectQuery("SAMLRequest", foreign) }), "wrong_issuer");
      const elsewhere = cast.idp.logoutRequestXml(cast.spA, { nameId: "alice@acme.test", destination: cast.spB.sloUrl });
      await expectRejected(adapter.handleLogoutRequest({ binding: "redirect", rawQuery: cast.idp.redirectQuery("SAMLRequest", elsewhere) }), "wrong_destination");
    });

    it("a DEFLATE bomb in a Redirect-binding message", async () => {
      const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024, 0x20)).toString("base64");
      const adapter = createSamlAdapter(sloSettings(), cast.spA);
      await expectRejected(adapter.handleLogoutRequest({ binding: "redirect", rawQuery: `SAMLRequest=${encodeURIComponent(bomb)}&SigAlg=x&Signature=y` }), "too_large");
    });

    it("a LogoutResponse answering another request, failed, or unsigned", async () => {
      const adapter = createSamlAdapter(sloSettings(), cast.spA);
      const other = cast.idp.logoutResponseXml(cast.spA, { inResponseTo: "_other" });
      await expectRejected(adapter.validateLogoutResponse({ binding: "redirect", rawQuery: cast.idp.redirectQuery("SAMLResponse", other) }, { requestId: "_mine" }), "in_response_to_mismatch");
      const failed = cast.idp.logoutResponseXml(cast.spA, { inResponseTo: "_mine", status: "urn:oasis:names:tc:SAML:2.0:status:Responder" });
      await expectRejected(adapter.validateLogoutResponse({ binding: "redirect", rawQuery: cast.idp.redirectQuery("SAMLResponse", failed) }, { requestId: "_mine" }), "status_not_success");
      const fine = cast.idp.logoutResponseXml(cast.spA, { inResponseTo: "_mine" });
      await expectRejected(adapter.validateLogoutResponse({ binding: "post", form: { SAMLResponse: Buffer.from(fine).toString("base64") } }, { requestId: "_mine" }), "unsigned_message");
      await expectRejected(adapter.validateLogoutResponse({ binding: "post", form: { SAMLResponse: Buffer.from(cast.idp.signRoot(fine, cast.rogue)).toString("base64") } }, { requestId: "_mine" }), "bad_signature");
    });
  });

  it("property: any one-character edit or comment insertion anywhere in a signed response is refused or changes nothing about who signs in", async () => {
    const options = { inResponseTo: "_r", attributes: [{ name: "email", values: ["alice@acme.test"] }, { name: "groups", values: ["eng", "admins"] }] };
    const { xml } = await cast.idp.loginResponse(cast.spA, options);
    const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
    const signIn = (text: string) => adapter.validateLoginResponse({ SAMLResponse: Buffer.from(text).toString("base64") }, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
    const original = await signIn(xml);
    const edit = fc.oneof(
      fc.record({ at: fc.nat({ max: xml.length - 1 }), put: fc.constantFrom("a", "Z", "0", " ", "<", ">", "\"", "/", "=", "&", "x") })
        .map(({ at, put }) => xml.slice(0, at) + put + xml.slice(at + 1)),
      fc.record({ at: fc.nat({ max: xml.length }), put: fc.constantFrom("<!---->", "<?pi?>", "<![CDATA[x]]>", "<x/>") })
        .map(({ at, put }) => xml.slice(0, at) + put + xml.slice(at)),
    );
    await fc.assert(
      fc.asyncProperty(edit, async (mutated) => {
        try {
          const identity = await signIn(mutated);
          expect({ subject: identity.subject, email: identity.email, groups: identity.groups }).to.deep.equal({ subject: original.subject, email: original.email, groups: original.groups });
        } catch (error) {
          if (!(error instanceof SignInRejected)) throw error;
        }
      }),
      { numRuns: 150 },
    );
  });

  it("persistent NameID without a mapped email attribute yields no email (never guessed)", async () => {
    const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", nameId: "00u1abcd", nameIdFormat: PERSISTENT_FORMAT, attributes: [] });
    const identity = await createSamlAdapter(cast.idp.settings(), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
    expect(identity.subject).to.equal("00u1abcd");
    expect(identity.email).to.equal(null);
  });
});
