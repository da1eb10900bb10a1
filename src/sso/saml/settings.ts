/**
 * A SAML connection's settings (stored as sso_connections.settings JSON) and their validation. Every problem is
 * named at once so an admin fixes a connection in one round; the parsed object is fully defaulted and frozen.
 */
import { certificateProblem, normalizeCertificatePem } from "./certificates.js";

export type SamlNameIdFormat = "email" | "persistent" | "unspecified";

export interface SamlAttributeMapping {
  email: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  groups: string | null;
}

export interface SamlSettings {
  idpEntityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  /** PEM certificates the IdP may sign with (several, for rotation). KeyInfo in a response is never trusted. */
  idpCertificates: string[];
  allowIdpInitiated: boolean;
  signAuthnRequests: boolean;
  wantEncryptedAssertions: boolean;
  nameIdFormat: SamlNameIdFormat;
  attributes: SamlAttributeMapping;
  clockSkewSeconds: number;
}

/** The SP side of one connection, built by the caller: one key pair per connection. */
export interface SamlServiceProvider {
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  /** PEM; signs AuthnRequests / LogoutRequests / LogoutResponses and decrypts encrypted assertions. */
  privateKey: string;
  certificate: string;
}

export const NAME_ID_FORMAT_URNS: Record<SamlNameIdFormat, string> = {
  email: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  persistent: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
  unspecified: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
};

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
const MAX_CERTIFICATES = 5;
const MAX_TEXT = 1024;

const KNOWN_KEYS = new Set([
  "idpEntityId", "ssoUrl", "sloUrl", "idpCertificates", "allowIdpInitiated", "signAuthnRequests",
  "wantEncryptedAssertions", "nameIdFormat", "attributes", "clockSkewSeconds",
]);
const ATTRIBUTE_KEYS = ["email", "givenName", "familyName", "displayName", "groups"] as const;

type Problems = string[];

export function parseSamlSettings(input: unknown): { settings: SamlSettings } | { problems: string[] } {
  if (!isRecord(input)) return { problems: ["settings must be an object"] };
  const problems: Problems = [];
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) problems.push(`unknown setting "${key}"`);

  const idpEntityId = requiredText(input.idpEntityId, "idpEntityId", problems);
  const ssoUrl = url(input.ssoUrl, "ssoUrl", problems, true);
  const sloUrl = input.sloUrl === undefined || input.sloUrl === null ? null : url(input.sloUrl, "sloUrl", problems, true);
  const idpCertificates = certificates(input.idpCertificates, problems);
  const settings: SamlSettings = {
    idpEntityId,
    ssoUrl,
    sloUrl,
    idpCertificates,
    allowIdpInitiated: flag(input.allowIdpInitiated, "allowIdpInitiated", problems),
    signAuthnRequests: flag(input.signAuthnRequests, "signAuthnRequests", problems),
    wantEncryptedAssertions: flag(input.wantEncryptedAssertions, "wantEncryptedAssertions", problems),
    nameIdFormat: nameIdFormat(input.nameIdFormat, problems),
    attributes: attributeMapping(input.attributes, problems),
    clockSkewSeconds: clockSkew(input.clockSkewSeconds, problems),
  };
  if (problems.length > 0) return { problems };
  return { settings: Object.freeze({ ...settings, attributes: Object.freeze(settings.attributes), idpCertificates: Object.freeze(settings.idpCertificates) as string[] }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requiredText(value: unknown, name: string, problems: Problems): string {
  if (typeof value !== "string" || value.trim() === "") {
    problems.push(`${name} is required (a non-empty string)`);
    return "";
  }
  if (value.length > MAX_TEXT) problems.push(`${name} is longer than ${MAX_TEXT} characters`);
  return value.trim();
}

/** https only, except plain http to a loopback host (local development and the test IdPs). */
function url(value: unknown, name: string, problems: Problems, required: boolean): string {
  if (value === undefined && !required) return "";
  const text = requiredText(value, name, problems);
  if (text === "") return "";
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    problems.push(`${name} is not a valid URL`);
    return text;
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname);
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    problems.push(`${name} must be an https URL (plain http only for localhost)`);
  }
  return text;
}

function certificates(value: unknown, problems: Problems): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push("idpCertificates must list at least one PEM certificate");
    return [];
  }
  if (value.length > MAX_CERTIFICATES) problems.push(`idpCertificates lists more than ${MAX_CERTIFICATES} certificates`);
  const pems: string[] = [];
  value.forEach((entry, index) => {
    const problem = typeof entry === "string" ? certificateProblem(entry) : "is not a string";
    if (problem !== null) problems.push(`idpCertificates[${index}] ${problem}`);
    else pems.push(normalizeCertificatePem(entry as string));
  });
  return pems;
}

function flag(value: unknown, name: string, problems: Problems): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") problems.push(`${name} must be true or false`);
  return value === true;
}

function nameIdFormat(value: unknown, problems: Problems): SamlNameIdFormat {
  if (value === undefined || value === null) return "email";
  if (value === "email" || value === "persistent" || value === "unspecified") return value;
  problems.push(`nameIdFormat must be one of "email", "persistent", "unspecified"`);
  return "email";
}

function attributeMapping(value: unknown, problems: Problems): SamlAttributeMapping {
  const mapping: SamlAttributeMapping = { email: null, givenName: null, familyName: null, displayName: null, groups: null };
  if (value === undefined || value === null) return mapping;
  if (!isRecord(value)) {
    problems.push("attributes must be an object mapping email, givenName, familyName, displayName, groups to attribute names");
    return mapping;
  }
  for (const key of Object.keys(value)) {
    if (!(ATTRIBUTE_KEYS as readonly string[]).includes(key)) problems.push(`attributes: unknown key "${key}"`);
  }
  for (const key of ATTRIBUTE_KEYS) {
    const name = value[key];
    if (name === undefined || name === null) continue;
    if (typeof name !== "string" || name.trim() === "" || name.length > MAX_TEXT) {
      problems.push(`attributes.${key} must be an attribute name or null`);
    } else mapping[key] = name.trim();
  }
  return mapping;
}

function clockSkew(value: unknown, problems: Problems): number {
  if (value === undefined || value === null) return DEFAULT_CLOCK_SKEW_SECONDS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_CLOCK_SKEW_SECONDS) {
    problems.push(`clockSkewSeconds must be a whole number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
    return DEFAULT_CLOCK_SKEW_SECONDS;
  }
  return value;
}
