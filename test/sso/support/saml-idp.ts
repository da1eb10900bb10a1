/**
 * An in-process SAML IdP for tests (TEST-IDPS.md): keys made with openssl at start, samlify to parse our
 * AuthnRequests / LogoutRequests and to sign and encrypt, and a response builder that signs whatever XML a test
 * asks for — including hostile shapes spliced in after signing. Bound to nothing: tests pass forms around.
 * Reusable by the /auth end-to-end tests: `createTestIdp()` + `idp.loginResponse(options)`.
 */
import { execFileSync } from "node:child_process";
import { createSign, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import samlify from "samlify";
import * as xmllint from "@authenio/samlify-xmllint-wasm";
import { parseSamlSettings, type SamlServiceProvider, type SamlSettings } from "../../../src/sso/saml/index.js";

samlify.setSchemaValidator({ validate: (xml: string) => xmllint.validate(xml) });

export const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
export const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
export const PERSISTENT_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

export interface KeyPair {
  privateKey: string;
  certificate: string;
}

/** An RSA key and self-signed certificate from openssl (TEST-IDPS.md: keys made at test start). */
export function makeKeyPair(commonName: string, bits = 2048): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-saml-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", `rsa:${bits}`, "-nodes", "-sha256", "-days", "30", "-subj", `/CN=${commonName}`,
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    return { privateKey: readFileSync(join(dir, "key.pem"), "utf8"), certificate: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const escapeXml = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const iso = (date: Date): string => date.toISOString();
const certificateBody = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
export const newId = (): string => `_${randomBytes(16).toString("hex")}`;

export interface LoginResponseOptions {
  /** InResponseTo on the Response and the SubjectConfirmationData (null: unsolicited). */
  inResponseTo?: string | null;
  /** Overrides the Response-level InResponseTo only. */
  responseInResponseTo?: string | null;
  issuer?: string;
  responseIssuer?: string | null;
  audience?: string;
  /** Response Destination (null omits it). Defaults to the SP's ACS. */
  destination?: string | null;
  recipient?: string;
  nameId?: string;
  /** Raw XML inside <NameID> (comments, PIs, CDATA), used instead of the escaped nameId. */
  nameIdXml?: string;
  nameIdFormat?: string;
  attributes?: Array<{ name: string; values: string[] }>;
  now?: Date;
  notBefore?: Date;
  notOnOrAfter?: Date;
  subjectNotOnOrAfter?: Date;
  authnInstant?: Date;
  sessionIndex?: string;
  assertionId?: string;
  status?: string;
  signAssertion?: boolean;
  signResponse?: boolean;
  /** Sign with this key instead of the IdP's (its certificate goes into KeyInfo). */
  signingKey?: KeyPair;
  /** Encrypt the (signed) assertion for this SP certificate. */
  encryptFor?: string;
  /** Edit the XML after signing and before encryption: hostile shapes a real IdP would never send. */
  afterSigning?: (xml: string) => string;
}

export interface TestIdp {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  keys: KeyPair;
  /** Settings for a connection to this IdP, validated by parseSamlSettings. */
  settings(overrides?: Record<string, unknown>): SamlSettings;
  /** Parses (and, when signed, verifies) an AuthnRequest redirect URL with samlify. */
  parseAuthnRequest(url: string, sp: SamlServiceProvider, spMetadata: string): Promise<{ id: string; issuer: string; acsUrl: string; forceAuthn: boolean }>;
  /** The Response XML for a login, unsigned. */
  loginResponseXml(sp: SamlServiceProvider, options?: LoginResponseOptions): { xml: string; assertionId: string };
  /** A complete SAMLResponse form, signed (and encrypted) as the options say. */
  loginResponse(sp: SamlServiceProvider, options?: LoginResponseOptions): Promise<{ form: { SAMLResponse: string }; assertionId: string; xml: string }>;
  /** Signs a Redirect-binding message like an IdP (SAML bindings §3.4.4.1): returns the raw query string. */
  redirectQuery(field: "SAMLRequest" | "SAMLResponse", xml: string, relayState?: string, key?: KeyPair): string;
  /** Signs a protocol message's root element (enveloped signature) for the POST binding. */
  signRoot(xml: string, key?: KeyPair): string;
  /** samlify's own login response (its default template, assertion signed as our SP metadata asks) to an AuthnRequest URL. samlify puts one value per attribute tag. */
  samlifyLoginResponse(requestUrl: string, sp: SamlServiceProvider, spMetadata: string, user: { nameId: string; group: string }): Promise<{ SAMLResponse: string }>;
  logoutRequestXml(sp: SamlServiceProvider, options: { nameId: string; sessionIndex?: string; issuer?: string; destination?: string; id?: string }): string;
  logoutResponseXml(sp: SamlServiceProvider, options: { inResponseTo: string; status?: string; issuer?: string; destination?: string }): string;
}

export function createTestIdp(options: { entityId?: string; keys?: KeyPair } = {}): TestIdp {
  const entityId = options.entityId ?? "https://idp.acme.test/saml";
  const keys = options.keys ?? makeKeyPair("idp.acme.test");
  const ssoUrl = "https://idp.acme.test/sso";
  const sloUrl = "https://idp.acme.test/slo";

  const samlifyIdp = (wantAuthnRequestsSigned: boolean) =>
    samlify.IdentityProvider({
      entityID: entityId, privateKey: keys.privateKey, signingCert: keys.certificate, wantAuthnRequestsSigned,
      singleSignOnService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: ssoUrl }],
      singleLogoutService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: sloUrl }],
      isAssertionEncrypted: true, // samlify's defaults: AES-256-CBC content, RSA-OAEP key transport
    });

  const sign = (xml: string, key: KeyPair, reference: string, issuerPath: string, isMessageSigned: boolean): string =>
    samlify.SamlLib.constructSAMLSignature({
      // samlify adds the root reference itself for a message signature; naming it again would add a second Reference.
      rawSamlMessage: xml, referenceTagXPath: isMessageSigned ? undefined : reference, isMessageSigned, isBase64Output: false,
      privateKey: key.privateKey, signingCert: certificateBody(key.certificate), signatureAlgorithm: RSA_SHA256,
      transformationAlgorithms: [ENVELOPED, EXC_C14N],
      signatureConfig: { prefix: "ds", location: { reference: issuerPath, action: "after" } },
    });

  const idp: TestIdp = {
    entityId, ssoUrl, sloUrl, keys,

    settings(overrides = {}) {
      const parsed = parseSamlSettings({
        idpEntityId: entityId, ssoUrl, sloUrl, idpCertificates: [keys.certificate],
        attributes: { email: "email", givenName: "givenName", familyName: "surname", displayName: "displayName", groups: "groups" },
        ...overrides,
      });
      if ("problems" in parsed) throw new Error(`test IdP settings: ${parsed.problems.join("; ")}`);
      return parsed.settings;
    },

    async parseAuthnRequest(url, sp, spMetadata) {
      const query = Object.fromEntries(new URL(url).searchParams);
      const octetString = new URL(url).search.slice(1).split("&").filter((part) => !part.startsWith("Signature=")).join("&");
      const serviceProvider = samlify.ServiceProvider({ metadata: spMetadata });
      const { extract } = (await samlifyIdp(Boolean(query.Signature)).parseLoginRequest(serviceProvider, "redirect", { query, octetString })) as unknown as {
        extract: { request: { id: string; assertionConsumerServiceUrl: string }; issuer: string };
      };
      void sp;
      const forceAuthn = /\sForceAuthn="true"/.test(inflateRedirectParameter(url, "SAMLRequest"));
      return { id: extract.request.id, issuer: extract.issuer, acsUrl: extract.request.assertionConsumerServiceUrl, forceAuthn };
    },

    loginResponseXml(sp, o = {}) {
      const now = o.now ?? new Date();
      const later = new Date(now.getTime() + 5 * 60_000);
      const assertionId = o.assertionId ?? newId();
      const inResponseTo = o.inResponseTo ?? null;
      const responseIrt = o.responseInResponseTo === undefined ? inResponseTo : o.responseInResponseTo;
      const issuer = o.issuer ?? entityId;
      const responseIssuer = o.responseIssuer === undefined ? issuer : o.responseIssuer;
      const destination = o.destination === undefined ? sp.acsUrl : o.destination;
      const attr = (name: string, value: string | undefined): string => (value === undefined ? "" : ` ${name}="${escapeXml(value)}"`);
      const nameId = o.nameIdXml ?? escapeXml(o.nameId ?? "alice@acme.test");
      const attributes = (o.attributes ?? [{ name: "email", values: ["alice@acme.test"] }])
        .map((a) => `<saml:Attribute Name="${escapeXml(a.name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${a.values
          .map((v) => `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
          .join("")}</saml:Attribute>`)
        .join("");
      const xml =
        `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}"${attr("Destination", destination ?? undefined)}${attr("InResponseTo", responseIrt ?? undefined)}>` +
        (responseIssuer === null ? "" : `<saml:Issuer>${escapeXml(responseIssuer)}</saml:Issuer>`) +
        `<samlp:Status><samlp:StatusCode Value="${escapeXml(o.status ?? SUCCESS)}"/></samlp:Status>` +
        `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${iso(now)}">` +
        `<saml:Issuer>${escapeXml(issuer)}</saml:Issuer>` +
        `<saml:Subject><saml:NameID Format="${escapeXml(o.nameIdFormat ?? EMAIL_FORMAT)}">${nameId}</saml:NameID>` +
        `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(o.subjectNotOnOrAfter ?? o.notOnOrAfter ?? later)}" Recipient="${escapeXml(o.recipient ?? sp.acsUrl)}"${attr("InResponseTo", inResponseTo ?? undefined)}/></saml:SubjectConfirmation></saml:Subject>` +
        `<saml:Conditions NotBefore="${iso(o.notBefore ?? now)}" NotOnOrAfter="${iso(o.notOnOrAfter ?? later)}"><saml:AudienceRestriction><saml:Audience>${escapeXml(o.audience ?? sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
        `<saml:AuthnStatement AuthnInstant="${iso(o.authnInstant ?? now)}" SessionIndex="${escapeXml(o.sessionIndex ?? "_session-1")}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
        (attributes === "" ? "" : `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`) +
        `</saml:Assertion></samlp:Response>`;
      return { xml, assertionId };
    },

    async loginResponse(sp, o = {}) {
      const { xml: unsigned, assertionId } = idp.loginResponseXml(sp, o);
      const key = o.signingKey ?? keys;
      let xml = unsigned;
      if (o.signAssertion ?? true) {
        xml = sign(xml, key, "/*[local-name(.)='Response']/*[local-name(.)='Assertion']", "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", false);
      }
      if (o.signResponse ?? false) {
        xml = sign(xml, key, "/*[local-name(.)='Response']", "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", true);
      }
      if (o.afterSigning) xml = o.afterSigning(xml);
      let encoded = Buffer.from(xml).toString("base64");
      if (o.encryptFor) {
        const target = samlify.ServiceProvider({
          entityID: sp.entityId, encryptCert: o.encryptFor,
          assertionConsumerService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", Location: sp.acsUrl }],
        });
        encoded = await samlify.SamlLib.encryptAssertion(samlifyIdp(false), target, xml);
        xml = Buffer.from(encoded, "base64").toString("utf8");
      }
      return { form: { SAMLResponse: encoded }, assertionId, xml };
    },

    async samlifyLoginResponse(requestUrl, sp, spMetadata, user) {
      const serviceProvider = samlify.ServiceProvider({ metadata: spMetadata });
      const issuer = samlify.IdentityProvider({
        entityID: entityId, privateKey: keys.privateKey, signingCert: keys.certificate,
        nameIDFormat: [EMAIL_FORMAT],
        singleSignOnService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: ssoUrl }],
        singleLogoutService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: sloUrl }],
        loginResponseTemplate: {
          context: samlify.SamlLib.defaultLoginResponseTemplate.context,
          attributes: [{ name: "groups", valueTag: "groups", nameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", valueXsiType: "xs:string" }],
        },
      });
      const query = Object.fromEntries(new URL(requestUrl).searchParams);
      const { extract } = (await issuer.parseLoginRequest(serviceProvider, "redirect", { query })) as unknown as { extract: { request: { id: string } } };
      const now = new Date();
      const later = new Date(now.getTime() + 5 * 60_000).toISOString();
      const { context } = (await issuer.createLoginResponse(serviceProvider, { extract } as never, "post", { email: user.nameId }, (template: string) => ({
        id: newId(),
        context: samlify.SamlLib.replaceTagsByValue(template, {
          ID: newId(), AssertionID: newId(), Destination: sp.acsUrl, Audience: sp.entityId, SubjectRecipient: sp.acsUrl,
          Issuer: entityId, IssueInstant: now.toISOString(), StatusCode: SUCCESS, ConditionsNotBefore: now.toISOString(),
          ConditionsNotOnOrAfter: later, SubjectConfirmationDataNotOnOrAfter: later, NameIDFormat: EMAIL_FORMAT, NameID: user.nameId,
          InResponseTo: extract.request.id, AuthnStatement: "", attrGroups: user.group,
        }),
      }))) as { context: string };
      return { SAMLResponse: context };
    },

    redirectQuery(field, xml, relayState, key = keys) {
      const parts = [`${field}=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString("base64"))}`];
      if (relayState !== undefined) parts.push(`RelayState=${encodeURIComponent(relayState)}`);
      parts.push(`SigAlg=${encodeURIComponent(RSA_SHA256)}`);
      const signature = createSign("RSA-SHA256").update(parts.join("&")).sign(key.privateKey, "base64");
      return `${parts.join("&")}&Signature=${encodeURIComponent(signature)}`;
    },

    signRoot(xml, key = keys) {
      return sign(xml, key, "/*", "/*/*[local-name(.)='Issuer']", true);
    },

    logoutRequestXml(sp, o) {
      const now = new Date();
      return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? newId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${escapeXml(o.destination ?? sp.sloUrl)}" NotOnOrAfter="${iso(new Date(now.getTime() + 300_000))}">` +
        `<saml:Issuer>${escapeXml(o.issuer ?? entityId)}</saml:Issuer><saml:NameID Format="${EMAIL_FORMAT}">${escapeXml(o.nameId)}</saml:NameID>` +
        (o.sessionIndex ? `<samlp:SessionIndex>${escapeXml(o.sessionIndex)}</samlp:SessionIndex>` : "") +
        `</samlp:LogoutRequest>`;
    },

    logoutResponseXml(sp, o) {
      return `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(new Date())}" Destination="${escapeXml(o.destination ?? sp.sloUrl)}" InResponseTo="${escapeXml(o.inResponseTo)}">` +
        `<saml:Issuer>${escapeXml(o.issuer ?? entityId)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${escapeXml(o.status ?? SUCCESS)}"/></samlp:Status></samlp:LogoutResponse>`;
    },
  };
  return idp;
}

/** The XML inside a Redirect-binding URL's SAMLRequest / SAMLResponse. */
export function inflateRedirectParameter(url: string, field: "SAMLRequest" | "SAMLResponse"): string {
  const value = new URL(url).searchParams.get(field);
  if (value === null) throw new Error(`no ${field} in ${url}`);
  return inflateRawSync(Buffer.from(value, "base64")).toString("utf8");
}

/** A ReplayStore fake with the real one's contract: true the first time (connection, id) is seen. */
export function memoryReplayStore(): { remember(connectionId: string, messageId: string, expiresAt: Date): Promise<boolean>; seen: Map<string, Date> } {
  const seen = new Map<string, Date>();
  return {
    seen,
    async remember(connectionId, messageId, expiresAt) {
      const key = `${connectionId}\u0000${messageId}`;
      if (seen.has(key)) return false;
      seen.set(key, expiresAt);
      return true;
    },
  };
}
