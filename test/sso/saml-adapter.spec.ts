/**
 * The SAML adapter's happy paths against an in-process samlify IdP: SP- and IdP-initiated sign-in, signature
 * placements, attribute mapping, encryption, certificate rotation, clock skew at both edges, settings validation,
 * metadata import and export, and single logout in both directions.
 */
import { expect } from "chai";
import { createVerify, X509Certificate } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import { DomainError } from "../../src/directory/domain-error.js";
import {
  createSamlAdapter, generateServiceProviderKeyPair, parseSamlSettings, settingsFromIdpMetadata,
} from "../../src/sso/saml/index.js";
import { expectRejected, samlCast, type SamlCast } from "./support/saml-fixture.js";
import { createTestIdp, inflateRedirectParameter, makeKeyPair, memoryReplayStore, PERSISTENT_FORMAT } from "./support/saml-idp.js";

const seconds = (n: number): Date => new Date(Date.now() + n * 1000);
const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const body = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");

describe("SAML adapter", function () {
  this.timeout(60_000);
  let cast: SamlCast;
  before(async () => {
    cast = await samlCast();
  });

  describe("sign-in", () => {
    it("SP-initiated: the AuthnRequest parses at the IdP and the answer yields the signed identity", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      const { url, requestId } = await adapter.loginRedirect({ relayState: "pending-1", forceAuthn: false });
      expect(url.startsWith(`${cast.idp.ssoUrl}?`)).to.equal(true);
      expect(new URL(url).searchParams.get("RelayState")).to.equal("pending-1");
      const request = await cast.idp.parseAuthnRequest(url, cast.spA, adapter.serviceProviderMetadata());
      expect(request).to.deep.equal({ id: requestId, issuer: cast.spA.entityId, acsUrl: cast.spA.acsUrl, forceAuthn: false });

      const authnInstant = seconds(-30);
      authnInstant.setMilliseconds(0);
      const { form } = await cast.idp.loginResponse(cast.spA, {
        inResponseTo: request.id, authnInstant, sessionIndex: "_idp-session-7",
        attributes: [
          { name: "email", values: ["Alice.Smith@acme.test"] },
          { name: "givenName", values: ["Alice"] },
          { name: "surname", values: ["Smith"] },
          { name: "displayName", values: ["Alice Smith"] },
          { name: "groups", values: ["eng"] },
        ],
      });
      const store = memoryReplayStore();
      const identity = await adapter.validateLoginResponse(form, { requestId, connectionId: "conn-a" }, store);
      expect(identity).to.deep.equal({
        subject: "alice@acme.test", email: "Alice.Smith@acme.test", givenName: "Alice", familyName: "Smith", displayName: "Alice Smith",
        groups: ["eng"], authenticatedAt: authnInstant,
        saml: { nameId: "alice@acme.test", nameIdFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", sessionIndex: "_idp-session-7" },
      });
      expect(store.seen.size).to.equal(1);
    });

    it("samlify's own IdP output (its default login response template) is accepted", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      const { url, requestId } = await adapter.loginRedirect({ relayState: "r", forceAuthn: false });
      const form = await cast.idp.samlifyLoginResponse(url, cast.spA, adapter.serviceProviderMetadata(), { nameId: "carol@acme.test", group: "eng" });
      const identity = await adapter.validateLoginResponse(form, { requestId, connectionId: "conn-a" }, memoryReplayStore());
      expect(identity).to.deep.include({ subject: "carol@acme.test", email: "carol@acme.test", authenticatedAt: null });
      expect(identity.groups).to.deep.equal(["eng"]);
    });

    it("ForceAuthn is asked for only when step-up needs it, and every AuthnRequest has a fresh id", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      const forced = await adapter.loginRedirect({ relayState: "r", forceAuthn: true });
      const plain = await adapter.loginRedirect({ relayState: "r", forceAuthn: false });
      expect(inflateRedirectParameter(forced.url, "SAMLRequest")).to.match(/ForceAuthn="true"/);
      expect(inflateRedirectParameter(plain.url, "SAMLRequest")).to.not.match(/ForceAuthn/);
      expect(forced.requestId).to.not.equal(plain.requestId);
    });

    it("signed AuthnRequests when the connection asks: samlify verifies them with the certificate from our SP metadata", async () => {
      const signing = createSamlAdapter(cast.idp.settings({ signAuthnRequests: true }), cast.spA);
      const { url, requestId } = await signing.loginRedirect({ relayState: "r", forceAuthn: false });
      expect(new URL(url).searchParams.get("SigAlg")).to.equal("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
      expect((await cast.idp.parseAuthnRequest(url, cast.spA, signing.serviceProviderMetadata())).id).to.equal(requestId);
      const tampered = url.replace("RelayState=r", "RelayState=evil");
      let refused = false;
      await cast.idp.parseAuthnRequest(tampered, cast.spA, signing.serviceProviderMetadata()).catch(() => (refused = true));
      expect(refused, "a tampered signed request fails at the IdP").to.equal(true);
      const { url: unsignedUrl } = await createSamlAdapter(cast.idp.settings(), cast.spA).loginRedirect({ relayState: "r", forceAuthn: false });
      expect(new URL(unsignedUrl).searchParams.has("Signature")).to.equal(false);
    });

    it("IdP-initiated on a connection that opted in", async () => {
      const adapter = createSamlAdapter(cast.idp.settings({ allowIdpInitiated: true }), cast.spA);
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: null });
      const identity = await adapter.validateLoginResponse(form, { requestId: null, connectionId: "conn-a" }, memoryReplayStore());
      expect(identity.subject).to.equal("alice@acme.test");
    });

    it("a signed Response around a signed assertion, and an assertion-only signature", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      for (const signResponse of [true, false]) {
        const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", signResponse, signAssertion: true });
        const identity = await adapter.validateLoginResponse(form, { requestId: "_r", connectionId: "conn-a" }, memoryReplayStore());
        expect(identity.subject, `signResponse=${signResponse}`).to.equal("alice@acme.test");
      }
    });

    it("multi-valued groups: several values in one attribute and several attributes of the same name, merged in order without duplicates", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      const { form } = await cast.idp.loginResponse(cast.spA, {
        inResponseTo: "_r",
        attributes: [
          { name: "groups", values: ["eng", "admins"] },
          { name: "email", values: ["alice@acme.test"] },
          { name: "groups", values: ["ops", "eng"] },
        ],
      });
      const identity = await adapter.validateLoginResponse(form, { requestId: "_r", connectionId: "conn-a" }, memoryReplayStore());
      expect(identity.groups).to.deep.equal(["eng", "admins", "ops"]);
    });

    it("attribute mapping by the connection's names; email from an email-format NameID when no attribute is mapped", async () => {
      const settings = cast.idp.settings({ attributes: { email: null, givenName: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", groups: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" } });
      const { form } = await cast.idp.loginResponse(cast.spA, {
        inResponseTo: "_r", nameId: "bob@acme.test",
        attributes: [
          { name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", values: ["Bob"] },
          { name: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", values: ["6f1c2a4e-0000-4000-8000-000000000001"] },
        ],
      });
      const identity = await createSamlAdapter(settings, cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
      expect(identity).to.include({ subject: "bob@acme.test", email: "bob@acme.test", givenName: "Bob", familyName: null, displayName: null });
      expect(identity.groups).to.deep.equal(["6f1c2a4e-0000-4000-8000-000000000001"]);
    });

    it("a persistent NameID is the subject; email comes from the mapped attribute", async () => {
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", nameId: "00u1x2y3", nameIdFormat: PERSISTENT_FORMAT });
      const identity = await createSamlAdapter(cast.idp.settings({ nameIdFormat: "persistent" }), cast.spA)
        .validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
      expect(identity.subject).to.equal("00u1x2y3");
      expect(identity.email).to.equal("alice@acme.test");
      expect(identity.saml?.nameIdFormat).to.equal(PERSISTENT_FORMAT);
    });

    it("an encrypted assertion is decrypted with the connection's SP key (also when the connection requires encryption)", async () => {
      for (const wantEncryptedAssertions of [false, true]) {
        const adapter = createSamlAdapter(cast.idp.settings({ wantEncryptedAssertions }), cast.spA);
        const { form, xml } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", encryptFor: cast.spA.certificate, attributes: [{ name: "groups", values: ["eng"] }] });
        expect(xml).to.include("EncryptedAssertion");
        expect(xml).to.not.include("alice@acme.test");
        const identity = await adapter.validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
        expect(identity.subject).to.equal("alice@acme.test");
        expect(identity.groups).to.deep.equal(["eng"]);
      }
    });

    it("certificate rotation: with two pinned certificates, responses signed by either are accepted", async () => {
      const next = makeKeyPair("idp.acme.test next");
      const settings = cast.idp.settings({ idpCertificates: [cast.idp.keys.certificate, next.certificate] });
      const adapter = createSamlAdapter(settings, cast.spA);
      for (const signingKey of [cast.idp.keys, next]) {
        const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", signingKey });
        expect((await adapter.validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore())).subject).to.equal("alice@acme.test");
      }
      const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", signingKey: next });
      await expectRejected(createSamlAdapter(cast.idp.settings(), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore()), "bad_signature");
    });

    describe("clock skew (60 s): 15 s inside each edge is accepted, 15 s outside is refused", () => {
      const validate = async (options: { notBefore?: Date; notOnOrAfter?: Date; now?: Date }) => {
        const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", ...options });
        return createSamlAdapter(cast.idp.settings({ clockSkewSeconds: 60 }), cast.spA).validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore());
      };

      it("NotBefore ahead of our clock", async () => {
        expect((await validate({ notBefore: seconds(45), notOnOrAfter: seconds(600) })).subject).to.equal("alice@acme.test");
        await expectRejected(validate({ notBefore: seconds(75), notOnOrAfter: seconds(600) }), "not_yet_valid");
      });

      it("NotOnOrAfter behind our clock", async () => {
        expect((await validate({ now: seconds(-600), notBefore: seconds(-600), notOnOrAfter: seconds(-45) })).subject).to.equal("alice@acme.test");
        await expectRejected(validate({ now: seconds(-600), notBefore: seconds(-600), notOnOrAfter: seconds(-75) }), "expired");
      });
    });
  });

  it("options.now drives the adapter's own time checks (node-saml keeps the system clock)", async () => {
    const { form } = await cast.idp.loginResponse(cast.spA, { inResponseTo: "_r", notOnOrAfter: seconds(300) });
    const later = createSamlAdapter(cast.idp.settings(), cast.spA, { now: () => seconds(600) });
    await expectRejected(later.validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore()), "expired");
    const onTime = createSamlAdapter(cast.idp.settings(), cast.spA, { now: () => new Date() });
    expect((await onTime.validateLoginResponse(form, { requestId: "_r", connectionId: "c" }, memoryReplayStore())).subject).to.equal("alice@acme.test");
  });

  describe("settings", () => {
    it("defaults: IdP-initiated off, unsigned AuthnRequests, no encryption required, email NameID, 60 s skew", () => {
      const parsed = parseSamlSettings({ idpEntityId: cast.idp.entityId, ssoUrl: cast.idp.ssoUrl, idpCertificates: [body(cast.idp.keys.certificate)] });
      expect(parsed).to.have.property("settings");
      const { settings } = parsed as { settings: ReturnType<typeof cast.idp.settings> };
      expect(settings).to.deep.include({ sloUrl: null, allowIdpInitiated: false, signAuthnRequests: false, wantEncryptedAssertions: false, nameIdFormat: "email", clockSkewSeconds: 60 });
      expect(settings.attributes).to.deep.equal({ email: null, givenName: null, familyName: null, displayName: null, groups: null });
      expect(settings.idpCertificates[0]).to.match(/^-----BEGIN CERTIFICATE-----\n/);
      expect(Object.isFrozen(settings)).to.equal(true);
    });

    it("names every problem at once", () => {
      const weak = makeKeyPair("weak", 1024);
      const parsed = parseSamlSettings({
        idpEntityId: "", ssoUrl: "http://idp.example.com/sso", sloUrl: "not a url", idpCertificates: ["garbage", weak.certificate],
        allowIdpInitiated: "yes", nameIdFormat: "transient", attributes: { email: 7, roles: "x" }, clockSkewSeconds: 3600, extra: 1,
      });
      expect(parsed).to.have.property("problems");
      const problems = (parsed as { problems: string[] }).problems.join("\n");
      for (const expected of [
        'unknown setting "extra"', "idpEntityId is required", "ssoUrl must be an https URL", "sloUrl is not a valid URL",
        "idpCertificates[0] cannot be read as an X.509 certificate", "idpCertificates[1] has a 1024-bit RSA key", "allowIdpInitiated must be true or false",
        "nameIdFormat must be one of", "attributes.email must be an attribute name", 'attributes: unknown key "roles"', "clockSkewSeconds must be a whole number from 0 to 300",
      ]) expect(problems).to.include(expected);
    });

    it("plain http only for a loopback IdP (local development, the SimpleSAMLphp suite)", () => {
      const parsed = parseSamlSettings({ idpEntityId: "x", ssoUrl: "http://127.0.0.1:8080/simplesaml/saml2/idp/SSOService.php", idpCertificates: [cast.idp.keys.certificate] });
      expect(parsed).to.have.property("settings");
      expect(parseSamlSettings(null)).to.deep.equal({ problems: ["settings must be an object"] });
    });
  });

  describe("metadata", () => {
    const idpMetadata = (signing: string, extra = ""): string => `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://www.okta.com/exk1a2b3c4d5e6f7g8h9" validUntil="2036-01-01T00:00:00Z">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body(cast.spB.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
${body(signing).match(/.{1,76}/g)!.join("\n")}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    ${extra}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.okta.com/app/exk1/slo/saml"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/exk1/slo/saml?binding=redirect"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.okta.com/app/exk1/sso/saml"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/exk1/sso/saml?binding=redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

    it("imports a real-looking IdP metadata document into settings that validate", () => {
      const imported = settingsFromIdpMetadata(idpMetadata(cast.idp.keys.certificate));
      expect(imported).to.deep.include({
        idpEntityId: "http://www.okta.com/exk1a2b3c4d5e6f7g8h9",
        ssoUrl: "https://acme.okta.com/app/exk1/sso/saml?binding=redirect",
        sloUrl: "https://acme.okta.com/app/exk1/slo/saml?binding=redirect",
        nameIdFormat: "email",
      });
      expect(imported.idpCertificates?.map(body)).to.deep.equal([body(cast.idp.keys.certificate)], "signing certificates only");
      expect(parseSamlSettings(imported)).to.have.property("settings");
    });

    it("imports two signing certificates (an IdP mid-rotation)", () => {
      const next = makeKeyPair("next");
      const second = `<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body(next.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
      expect(settingsFromIdpMetadata(idpMetadata(cast.idp.keys.certificate, second)).idpCertificates).to.have.length(2);
    });

    it("refuses a DOCTYPE, broken XML, an SP's metadata, and metadata without a Redirect SSO endpoint, with a clear message", () => {
      const cases: Array<[string, RegExp]> = [
        [`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${idpMetadata(cast.idp.keys.certificate)}`, /DOCTYPE/],
        ["<md:EntityDescriptor", /not well-formed/],
        [createSamlAdapter(cast.idp.settings(), cast.spA).serviceProviderMetadata(), /no IDPSSODescriptor/],
        [idpMetadata(cast.idp.keys.certificate).replace(/<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*>/, ""), /HTTP-Redirect/],
        [idpMetadata("MIIBroken"), /certificate/],
      ];
      for (const [xml, message] of cases) {
        let caught: unknown = null;
        try {
          settingsFromIdpMetadata(xml);
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(DomainError);
        expect((caught as DomainError).code).to.equal("invalid_value");
        expect((caught as DomainError).message).to.match(message);
      }
    });

    it("SP metadata carries the entity id, the ACS (POST), SLO, the signing and encryption certificates and the NameID format", () => {
      for (const signAuthnRequests of [false, true]) {
        const xml = createSamlAdapter(cast.idp.settings({ signAuthnRequests, nameIdFormat: "persistent" }), cast.spA).serviceProviderMetadata();
        const document = new DOMParser().parseFromString(xml, "text/xml");
        const root = document.documentElement;
        expect(root.getAttribute("entityID")).to.equal(cast.spA.entityId);
        const descriptor = document.getElementsByTagNameNS(MD, "SPSSODescriptor")[0]!;
        expect(descriptor.getAttribute("AuthnRequestsSigned")).to.equal(String(signAuthnRequests));
        expect(descriptor.getAttribute("WantAssertionsSigned")).to.equal("true");
        const acs = document.getElementsByTagNameNS(MD, "AssertionConsumerService")[0]!;
        expect([acs.getAttribute("Binding"), acs.getAttribute("Location")]).to.deep.equal(["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", cast.spA.acsUrl]);
        expect(document.getElementsByTagNameNS(MD, "SingleLogoutService")[0]!.getAttribute("Location")).to.equal(cast.spA.sloUrl);
        expect(document.getElementsByTagNameNS(MD, "NameIDFormat")[0]!.textContent).to.equal(PERSISTENT_FORMAT);
        const keys = Array.from(document.getElementsByTagNameNS(MD, "KeyDescriptor")).map((key) => [
          key.getAttribute("use"), body(key.getElementsByTagNameNS(DS, "X509Certificate")[0]!.textContent ?? ""),
        ]);
        expect(keys).to.deep.equal([["signing", body(cast.spA.certificate)], ["encryption", body(cast.spA.certificate)]]);
        expect(xml).to.not.include("PRIVATE KEY");
      }
    });

    it("generateServiceProviderKeyPair: an RSA key and its self-signed certificate, valid for about ten years", async () => {
      const pair = await generateServiceProviderKeyPair("Gatehouse SAML acme");
      const certificate = new X509Certificate(pair.certificate);
      expect(certificate.subject).to.equal("CN=Gatehouse SAML acme");
      expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).to.be.at.least(2048);
      const years = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / (365.25 * 86_400_000);
      expect(years).to.be.within(9.9, 10.1);
      const signature = createVerify("RSA-SHA256").update("x");
      const { createSign } = await import("node:crypto");
      expect(signature.verify(certificate.publicKey, createSign("RSA-SHA256").update("x").sign(pair.privateKey))).to.equal(true);
    });
  });

  describe("single logout", () => {
    it("SP-initiated: a signed LogoutRequest to the IdP, its signed LogoutResponse accepted (Redirect and POST)", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      for (const binding of ["redirect", "post"] as const) {
        const started = await adapter.logoutRedirect({ nameId: "alice@acme.test", nameIdFormat: null, sessionIndex: "_idp-session-7", relayState: "bye" });
        expect(started).to.not.equal(null);
        const { url, requestId } = started!;
        expect(url.startsWith(`${cast.idp.sloUrl}?`)).to.equal(true);
        const request = inflateRedirectParameter(url, "SAMLRequest");
        expect(request).to.include(`ID="${requestId}"`).and.include(">alice@acme.test</saml:NameID>").and.include(">_idp-session-7<");
        const query = new URL(url).search.slice(1);
        const signed = query.split("&").filter((part) => !part.startsWith("Signature=")).join("&");
        const signature = new URL(url).searchParams.get("Signature")!;
        expect(createVerify("RSA-SHA256").update(signed).verify(cast.spA.certificate, signature, "base64"), "signed with the SP key").to.equal(true);

        const answer = cast.idp.logoutResponseXml(cast.spA, { inResponseTo: requestId });
        const message = binding === "redirect"
          ? { binding, rawQuery: cast.idp.redirectQuery("SAMLResponse", answer, "bye") }
          : { binding, form: { SAMLResponse: Buffer.from(cast.idp.signRoot(answer)).toString("base64"), RelayState: "bye" } };
        await adapter.validateLogoutResponse(message, { requestId });
      }
    });

    it("no SLO URL at the IdP: logoutRedirect answers null", async () => {
      const adapter = createSamlAdapter(cast.idp.settings({ sloUrl: null }), cast.spA);
      expect(await adapter.logoutRedirect({ nameId: "a", nameIdFormat: null, sessionIndex: null, relayState: "" })).to.equal(null);
    });

    it("IdP-initiated: who to log out, and a signed LogoutResponse back to the IdP (Redirect and POST)", async () => {
      const adapter = createSamlAdapter(cast.idp.settings(), cast.spA);
      for (const binding of ["redirect", "post"] as const) {
        const xml = cast.idp.logoutRequestXml(cast.spA, { nameId: "alice@acme.test", sessionIndex: "_idp-session-7", id: "_idp-logout-1" });
        const message = binding === "redirect"
          ? { binding, rawQuery: cast.idp.redirectQuery("SAMLRequest", xml, "relay-9") }
          : { binding, form: { SAMLRequest: Buffer.from(cast.idp.signRoot(xml)).toString("base64"), RelayState: "relay-9" } };
        const result = await adapter.handleLogoutRequest(message);
        expect(result).to.include({ nameId: "alice@acme.test", sessionIndex: "_idp-session-7" });
        const response = new URL(result.responseUrl);
        expect(`${response.origin}${response.pathname}`).to.equal(cast.idp.sloUrl);
        expect(response.searchParams.get("RelayState")).to.equal("relay-9");
        const answer = inflateRedirectParameter(result.responseUrl, "SAMLResponse");
        expect(answer).to.include('InResponseTo="_idp-logout-1"').and.include("status:Success");
        const signed = response.search.slice(1).split("&").filter((part) => !part.startsWith("Signature=")).join("&");
        expect(createVerify("RSA-SHA256").update(signed).verify(cast.spA.certificate, response.searchParams.get("Signature")!, "base64")).to.equal(true);
      }
    });

    it("the test IdP helper builds a second IdP for other suites", () => {
      const other = createTestIdp({ entityId: "https://idp.other.test", keys: cast.rogue });
      expect(other.settings().idpEntityId).to.equal("https://idp.other.test");
    });
  });
});
