/**
 * What an OIDC sign-in must remember between the redirect to the IdP and the callback. The pipeline keeps it
 * server-side (sso_login_states), never in a cookie, so any instance can finish the sign-in.
 */
import * as oidc from "openid-client";

export interface OidcPending {
  /** Binds the callback to this browser's sign-in (CSRF); also the key the pipeline finds the row by. */
  state: string;
  /** Binds the ID token to this sign-in (replay of a token minted for another request). */
  nonce: string;
  /** PKCE S256 (RFC 7636): a stolen code is useless without it. */
  codeVerifier: string;
  /** Sent as max_age; auth_time is then required and checked against it. null: no freshness requirement. */
  maxAgeSeconds: number | null;
}

export function newOidcPending(maxAgeSeconds: number | null): OidcPending {
  if (maxAgeSeconds !== null && (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0)) {
    throw new RangeError("maxAgeSeconds must be a non-negative whole number of seconds or null");
  }
  // 32 random bytes each (base64url), from openid-client's crypto.getRandomValues helpers.
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), maxAgeSeconds };
}
