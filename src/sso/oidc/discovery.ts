/**
 * Discovery of an OIDC connection's issuer with openid-client, and the checks that make its metadata safe to
 * use: the issuer is exactly the pinned one, and it supports what every sign-in relies on (code flow, PKCE
 * S256, published signing keys, our client authentication method).
 */
import * as oidc from "openid-client";
import type { OidcSettings } from "./settings.js";
import { reject } from "./reasons.js";

export interface DiscoveryOptions {
  redirectUri: string;
  allowInsecureRequests?: boolean;
  customFetch?: typeof fetch;
}

/** openid-client's default, said out loud: the skew accepted on exp, nbf and auth_time. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const REQUEST_TIMEOUT_SECONDS = 10;

export async function discoverIssuer(settings: OidcSettings, clientSecret: string, options: DiscoveryOptions): Promise<oidc.Configuration> {
  // Signature checks are optional in OIDC Core §3.1.3.7 for a token received over TLS; we verify anyway, so a
  // tampered or forged ID token (wrong key, alg none, HMAC) is refused wherever it comes from.
  const execute = [oidc.enableNonRepudiationChecks];
  if (options.allowInsecureRequests === true) execute.push(oidc.allowInsecureRequests);
  const authentication =
    settings.tokenEndpointAuthMethod === "client_secret_post" ? oidc.ClientSecretPost(clientSecret) : oidc.ClientSecretBasic(clientSecret);
  const metadata: Partial<oidc.ClientMetadata> = {
    redirect_uris: [options.redirectUri],
    response_types: ["code"],
    token_endpoint_auth_method: settings.tokenEndpointAuthMethod,
    [oidc.clockTolerance]: CLOCK_TOLERANCE_SECONDS,
  };
  let configuration: oidc.Configuration;
  try {
    configuration = await oidc.discovery(new URL(settings.issuer), settings.clientId, metadata, authentication, {
      execute,
      timeout: REQUEST_TIMEOUT_SECONDS,
      ...(options.customFetch === undefined ? {} : { [oidc.customFetch]: asCustomFetch(options.customFetch) }),
    });
  } catch (error) {
    throw reject("discovery_failed", discoveryFailure(error, settings.issuer));
  }
  checkMetadata(configuration.serverMetadata(), settings);
  return configuration;
}

/** openid-client hands fetch a Uint8Array body at most, which every fetch accepts; only the typings disagree. */
function asCustomFetch(fetchImpl: typeof fetch): oidc.CustomFetch {
  return (url, init) => fetchImpl(url, init as RequestInit);
}

function discoveryFailure(error: unknown, issuer: string): string {
  const code = (error as { code?: unknown }).code;
  if (code === "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED") {
    return `The discovery document at ${issuer} names another issuer than the one this connection pins.`;
  }
  if (code === "OAUTH_HTTP_REQUEST_FORBIDDEN") return "The issuer must be an https URL.";
  return `Could not read the issuer's discovery document (${issuer}/.well-known/openid-configuration).`;
}

function checkMetadata(server: oidc.ServerMetadata, settings: OidcSettings): void {
  const problems: string[] = [];
  // Exact string comparison (OIDC Discovery §4.3): openid-client tolerates a trailing-slash difference, but
  // every ID token's `iss` is compared with this exact string.
  if (server.issuer !== settings.issuer) problems.push(`the issuer calls itself ${printable(server.issuer)}, not ${settings.issuer}`);
  if (!server.authorization_endpoint || !server.token_endpoint) problems.push("it has no authorization or token endpoint");
  if (!server.jwks_uri) problems.push("it publishes no signing keys (jwks_uri)");
  if (lacks(server.response_types_supported, "code")) problems.push("it does not support the authorization code flow");
  if (lacks(server.code_challenge_methods_supported, "S256")) problems.push("it does not support PKCE with S256");
  // RFC 8414 §2: when absent, the default is client_secret_basic.
  const authMethods = server.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (!authMethods.includes(settings.tokenEndpointAuthMethod)) {
    problems.push(`it does not accept ${settings.tokenEndpointAuthMethod} client authentication`);
  }
  const algorithms = server.id_token_signing_alg_values_supported;
  if (algorithms !== undefined && !algorithms.some(isAsymmetric)) problems.push("it signs ID tokens with no public-key algorithm");
  if (problems.length > 0) throw reject("discovery_failed", `The issuer cannot be used: ${problems.join("; ")}.`);
}

function lacks(list: string[] | undefined, value: string): boolean {
  return list !== undefined && !list.includes(value);
}

function isAsymmetric(algorithm: string): boolean {
  return /^(RS|PS|ES)(256|384|512)$|^(EdDSA|Ed25519)$/.test(algorithm);
}

function printable(value: unknown): string {
  return typeof value === "string" ? value.replace(/[^\x20-\x7e]/g, "?").slice(0, 200) : "(none)";
}
