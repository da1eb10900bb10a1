/**
 * Builds node-saml's SAML object for one connection, with the options IDP-TRAFFIC.md calls for. A fresh object
 * per operation: the request id and ForceAuthn are per call, and node-saml's in-memory request cache is not used
 * (InResponseTo is checked against the pending sign-in the caller stored in PostgreSQL).
 */
import { randomBytes } from "node:crypto";
import { SAML, ValidateInResponseTo, type SamlConfig } from "@node-saml/passport-saml";
import { NAME_ID_FORMAT_URNS, type SamlServiceProvider, type SamlSettings } from "./settings.js";

/** SAML IDs are xs:ID (NCName): an underscore first, then 160 random bits. */
export const newMessageId = (): string => `_${randomBytes(20).toString("hex")}`;

export interface ClientOptions {
  /** The id the next generated message gets. */
  messageId?: string;
  forceAuthn?: boolean;
  /** Sign Redirect-binding messages with the SP key (AuthnRequests only when the connection asks; logout always). */
  signRedirects: boolean;
}

export function createSamlClient(settings: SamlSettings, sp: SamlServiceProvider, options: ClientOptions): SAML {
  const config: SamlConfig = {
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    audience: sp.entityId,
    entryPoint: settings.ssoUrl,
    logoutUrl: settings.sloUrl ?? settings.ssoUrl,
    logoutCallbackUrl: sp.sloUrl,
    idpCert: [...settings.idpCertificates],
    idpIssuer: settings.idpEntityId,
    // Many IdPs sign only the assertion; a signed Response around a signed assertion passes too.
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
    validateInResponseTo: ValidateInResponseTo.never,
    identifierFormat: NAME_ID_FORMAT_URNS[settings.nameIdFormat],
    // node-saml would otherwise demand PasswordProtectedTransport exactly, which MFA and Kerberos sign-ins fail.
    disableRequestedAuthnContext: true,
    forceAuthn: options.forceAuthn ?? false,
    decryptionPvk: sp.privateKey,
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
    ...(options.signRedirects ? { privateKey: sp.privateKey, publicCert: sp.certificate } : {}),
    ...(options.messageId ? { generateUniqueId: () => options.messageId! } : {}),
  };
  return new SAML(config);
}
