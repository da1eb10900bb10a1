/**
 * An OpenID Connect connection's settings (stored as sso_connections.settings, JSON): parsed once into a
 * fully-defaulted object, or a list of problems an admin can act on. The client secret is not a setting: it is
 * stored encrypted beside them and handed to the adapter separately.
 */
export interface OidcClaimNames {
  email: string;
  givenName: string;
  familyName: string;
  displayName: string;
}

export interface OidcSettings {
  /** Pinned: discovery must return exactly this issuer, and every ID token must carry it. */
  issuer: string;
  clientId: string;
  /** Must include "openid". */
  scopes: string[];
  /** Claim carrying the person's groups, read from the ID token, else from userinfo; null: no groups. */
  groupsClaim: string | null;
  claims: OidcClaimNames;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post";
}

export const DEFAULT_OIDC_SCOPES: readonly string[] = Object.freeze(["openid", "email", "profile"]);
export const DEFAULT_OIDC_CLAIMS: Readonly<OidcClaimNames> = Object.freeze({
  email: "email",
  givenName: "given_name",
  familyName: "family_name",
  displayName: "name",
});

const AUTH_METHODS = ["client_secret_basic", "client_secret_post"] as const;
const KNOWN_KEYS = new Set(["issuer", "clientId", "scopes", "groupsClaim", "claims", "tokenEndpointAuthMethod"]);
const CLAIM_KEYS = Object.keys(DEFAULT_OIDC_CLAIMS) as (keyof OidcClaimNames)[];
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// A claim name is a JSON member name; printable, no spaces, bounded (they end up in logs and admin screens).
const CLAIM_NAME = /^[\x21-\x7e]{1,100}$/;
// Plain http:// is accepted only for loopback issuers (development and tests); the adapter still refuses it
// unless it is created with allowInsecureRequests.
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

type Parsed<T> = { value: T } | { problem: string };

export function parseOidcSettings(input: unknown): { settings: OidcSettings } | { problems: string[] } {
  if (!isRecord(input)) return { problems: ["settings: must be an object"] };
  const problems = Object.keys(input)
    .filter((key) => !KNOWN_KEYS.has(key))
    .map((key) => `${key}: unknown setting`);
  const issuer = take(parseIssuer(input.issuer), problems);
  const clientId = take(parseClientId(input.clientId), problems);
  const scopes = take(parseScopes(input.scopes), problems);
  const groupsClaim = take(parseGroupsClaim(input.groupsClaim), problems);
  const claims = take(parseClaimNames(input.claims), problems);
  const tokenEndpointAuthMethod = take(parseAuthMethod(input.tokenEndpointAuthMethod), problems);
  if (problems.length > 0) return { problems };
  const settings: OidcSettings = {
    issuer: issuer!,
    clientId: clientId!,
    scopes: scopes!,
    groupsClaim: groupsClaim!,
    claims: claims!,
    tokenEndpointAuthMethod: tokenEndpointAuthMethod!,
  };
  return { settings: Object.freeze(settings) };
}

function take<T>(parsed: Parsed<T>, problems: string[]): T | undefined {
  if ("problem" in parsed) {
    problems.push(parsed.problem);
    return undefined;
  }
  return parsed.value;
}

function parseIssuer(value: unknown): Parsed<string> {
  if (typeof value !== "string" || value.length === 0) return { problem: "issuer: required, a URL" };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: "issuer: must be an absolute URL" };
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) return { problem: "issuer: must be an https URL" };
  // OpenID Connect Discovery §3: the issuer has no query or fragment component.
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) {
    return { problem: "issuer: must not have a query or fragment" };
  }
  if (url.username !== "" || url.password !== "") return { problem: "issuer: must not carry credentials" };
  return { value };
}

function parseClientId(value: unknown): Parsed<string> {
  if (typeof value !== "string" || !/^[\x20-\x7e]{1,255}$/.test(value) || value.trim() !== value) {
    return { problem: "clientId: required, 1 to 255 printable characters" };
  }
  return { value };
}

function parseScopes(value: unknown): Parsed<string[]> {
  if (value === undefined) return { value: [...DEFAULT_OIDC_SCOPES] };
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
    return { problem: "scopes: must be a list of 1 to 50 scope names" };
  }
  if (!value.every((scope) => typeof scope === "string" && SCOPE_TOKEN.test(scope))) {
    return { problem: "scopes: each scope is a name without spaces or quotes" };
  }
  const scopes = [...new Set(value as string[])];
  if (!scopes.includes("openid")) return { problem: 'scopes: must include "openid"' };
  return { value: scopes };
}

function parseGroupsClaim(value: unknown): Parsed<string | null> {
  if (value === undefined || value === null) return { value: null };
  if (typeof value !== "string" || !CLAIM_NAME.test(value)) {
    return { problem: "groupsClaim: must be a claim name (1 to 100 printable characters, no spaces) or null" };
  }
  return { value };
}

function parseClaimNames(value: unknown): Parsed<OidcClaimNames> {
  if (value === undefined) return { value: { ...DEFAULT_OIDC_CLAIMS } };
  if (!isRecord(value)) return { problem: "claims: must be an object" };
  const unknown = Object.keys(value).filter((key) => !(CLAIM_KEYS as string[]).includes(key));
  if (unknown.length > 0) return { problem: `claims: unknown field ${unknown.join(", ")}` };
  const names = { ...DEFAULT_OIDC_CLAIMS };
  for (const key of CLAIM_KEYS) {
    const name = value[key];
    if (name === undefined) continue;
    if (typeof name !== "string" || !CLAIM_NAME.test(name)) {
      return { problem: `claims.${key}: must be a claim name (1 to 100 printable characters, no spaces)` };
    }
    names[key] = name;
  }
  return { value: names };
}

function parseAuthMethod(value: unknown): Parsed<OidcSettings["tokenEndpointAuthMethod"]> {
  if (value === undefined) return { value: "client_secret_basic" };
  const method = AUTH_METHODS.find((candidate) => candidate === value);
  if (method === undefined) return { problem: `tokenEndpointAuthMethod: one of ${AUTH_METHODS.join(", ")}` };
  return { value: method };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
