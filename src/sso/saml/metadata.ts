/**
 * SAML metadata (SAML metadata spec, 2.0): importing an IdP's EntityDescriptor into connection settings, and
 * exporting this connection's SP metadata for the IdP admin. Import errors are DomainError("invalid_value") with a
 * message an admin can act on; the XML goes through the same guard as protocol messages (no DOCTYPE, bounded size).
 */
import { generateServiceProviderMetadata } from "@node-saml/passport-saml";
import { DOMParser } from "@xmldom/xmldom";
import { DomainError } from "../../directory/domain-error.js";
import { SignInRejected } from "../identity.js";
import { certificateProblem, normalizeCertificatePem } from "./certificates.js";
import { NAME_ID_FORMAT_URNS, type SamlNameIdFormat, type SamlServiceProvider, type SamlSettings } from "./settings.js";

const MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const MAX_METADATA_BYTES = 2 * 1024 * 1024;

const invalid = (message: string): DomainError => new DomainError("invalid_value", `IdP metadata: ${message}`);

function descendants(parent: Element | Document, localName: string, namespace = MD_NS): Element[] {
  return Array.from(parent.getElementsByTagNameNS(namespace, localName));
}

function parseMetadata(xml: string): Document {
  if (typeof xml !== "string" || xml.trim() === "") throw invalid("the document is empty");
  if (Buffer.byteLength(xml) > MAX_METADATA_BYTES) throw invalid(`the document is larger than ${MAX_METADATA_BYTES} bytes`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw invalid("DOCTYPE and ENTITY declarations are not accepted");
  const fail = (): never => {
    throw invalid("the document is not well-formed XML");
  };
  try {
    const document = new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } }).parseFromString(xml, "text/xml");
    if (!document?.documentElement) fail();
    return document;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if (error instanceof SignInRejected) throw invalid(error.message);
    throw invalid("the document is not well-formed XML");
  }
}

/** Entity id, Redirect-binding SSO and SLO URLs, signing certificates and (when it names one) the NameID format. */
export function settingsFromIdpMetadata(xml: string): Partial<SamlSettings> {
  const document = parseMetadata(xml);
  const idps = descendants(document, "IDPSSODescriptor");
  if (idps.length === 0) throw invalid("no IDPSSODescriptor (is this an identity provider's metadata?)");
  if (idps.length > 1) throw invalid("it describes several identity providers; import one EntityDescriptor");
  const idp = idps[0]!;
  const entity = idp.parentNode as Element | null;
  const idpEntityId = entity?.getAttribute("entityID")?.trim() ?? "";
  if (idpEntityId === "") throw invalid("the EntityDescriptor has no entityID");

  const location = (service: string): string | null =>
    descendants(idp, service).find((element) => element.getAttribute("Binding") === REDIRECT)?.getAttribute("Location")?.trim() || null;
  const ssoUrl = location("SingleSignOnService");
  if (ssoUrl === null) throw invalid("no SingleSignOnService with the HTTP-Redirect binding");

  const idpCertificates = signingCertificates(idp);
  if (idpCertificates.length === 0) throw invalid("no signing certificate in a KeyDescriptor");
  const settings: Partial<SamlSettings> = { idpEntityId, ssoUrl, sloUrl: location("SingleLogoutService"), idpCertificates };
  const formats = descendants(idp, "NameIDFormat").map((element) => (element.textContent ?? "").trim());
  const known = (Object.entries(NAME_ID_FORMAT_URNS) as Array<[SamlNameIdFormat, string]>).find(([, urn]) => formats.includes(urn));
  if (known) settings.nameIdFormat = known[0];
  return settings;
}

function signingCertificates(idp: Element): string[] {
  const pems: string[] = [];
  for (const descriptor of descendants(idp, "KeyDescriptor")) {
    const use = descriptor.getAttribute("use");
    if (use && use !== "signing") continue;
    for (const element of descendants(descriptor, "X509Certificate", DSIG_NS)) {
      const text = (element.textContent ?? "").trim();
      const problem = certificateProblem(text);
      if (problem !== null) throw invalid(`a signing certificate ${problem}`);
      const pem = normalizeCertificatePem(text);
      if (!pems.includes(pem)) pems.push(pem);
    }
  }
  return pems;
}

/**
 * This connection's SP metadata: entity id, ACS (HTTP-POST), SLO, the SP certificate for signing and for
 * encryption, and the NameID format. node-saml marks AuthnRequestsSigned whenever a signing key is present (we
 * always sign logout messages), so the flag is set back to what the connection really does.
 */
export function serviceProviderMetadata(settings: SamlSettings, sp: SamlServiceProvider): string {
  const xml = generateServiceProviderMetadata({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    logoutCallbackUrl: sp.sloUrl,
    identifierFormat: NAME_ID_FORMAT_URNS[settings.nameIdFormat],
    wantAssertionsSigned: true,
    privateKey: sp.privateKey,
    publicCerts: [sp.certificate],
    decryptionPvk: sp.privateKey,
    decryptionCert: sp.certificate,
    signatureAlgorithm: "sha256",
  });
  return xml.replace(/AuthnRequestsSigned="(true|false)"/, `AuthnRequestsSigned="${settings.signAuthnRequests}"`);
}
