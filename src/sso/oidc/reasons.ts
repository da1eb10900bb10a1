/**
 * Why the OIDC adapter refuses a sign-in: one stable code per check (logged, audited, asserted by tests), and
 * the one place that turns openid-client's errors into those codes. Messages are written here, never copied
 * from the identity provider, so an error page cannot be made to show attacker-chosen text.
 */
import { ClientError, ResponseBodyError } from "openid-client";
import { SignInRejected } from "../identity.js";

export const OIDC_REJECTION_REASONS = [
  "discovery_failed", // issuer unreachable, discovery names another issuer, or metadata we cannot use safely
  "invalid_response", // callback without a code, or with a parameter repeated
  "issuer_mismatch", // callback `iss` differs from the pinned issuer (RFC 9207 mix-up defence)
  "state_mismatch", // callback `state` is not the one this pre-login state issued
  "idp_error", // the identity provider answered with `error=` (access_denied, login_required, …)
  "token_exchange_failed", // token endpoint refused the code (wrong/missing PKCE verifier, another client's code) or failed
  "invalid_id_token", // malformed, missing required claims, not yet valid, bad claim types
  "id_token_wrong_issuer",
  "id_token_wrong_audience", // aud is not our client_id, or extra audiences without azp = our client_id
  "id_token_expired",
  "id_token_unsupported_algorithm", // alg none, HMAC, or an algorithm the issuer does not advertise
  "id_token_bad_signature", // signature does not verify with the issuer's published keys
  "nonce_mismatch",
  "stale_authentication", // max_age was requested and auth_time is missing or older than max_age
  "userinfo_failed",
  "invalid_claims", // the groups claim is neither a string nor a list of strings
  "replayed", // this ID token (jti, or sub + nonce) was already accepted
] as const;

export type OidcRejectionReason = (typeof OIDC_REJECTION_REASONS)[number];

export function reject(reason: OidcRejectionReason, message: string): SignInRejected {
  return new SignInRejected(reason, message);
}

interface ProcessingFailure {
  code: string | undefined;
  message: string;
  cause: Record<string, unknown>;
}

/** Maps a failure of openid-client's authorizationCodeGrant (token request + ID token validation). */
export function rejectionForCodeGrant(error: unknown): SignInRejected {
  if (error instanceof SignInRejected) return error;
  if (error instanceof ResponseBodyError) {
    return reject("token_exchange_failed", `The token endpoint refused the authorization code (${safeToken(error.error)}).`);
  }
  const failure = processingFailure(error);
  if (failure === null) return reject("token_exchange_failed", "The token request to the identity provider failed.");
  const claim = typeof failure.cause.claim === "string" ? failure.cause.claim : undefined;
  if (failure.code === "OAUTH_JWT_CLAIM_COMPARISON_FAILED") return rejectionForClaim(claim);
  if (failure.code === "OAUTH_JWT_TIMESTAMP_CHECK_FAILED") {
    if (claim === "exp") return reject("id_token_expired", "The ID token has expired.");
    if (claim === "auth_time") return staleAuthentication();
    return reject("invalid_id_token", "The ID token is not valid yet.");
  }
  if (failure.code === "OAUTH_KEY_SELECTION_FAILED") {
    return reject("id_token_bad_signature", "No key the issuer publishes matches the ID token's signature.");
  }
  if (failure.code === "OAUTH_UNSUPPORTED_OPERATION" && "alg" in failure.cause) return unsupportedAlgorithm();
  if (failure.code === "OAUTH_INVALID_RESPONSE" || failure.code === "OAUTH_PARSE_ERROR") {
    return rejectionForInvalidResponse(failure);
  }
  return reject("token_exchange_failed", "The token request to the identity provider failed.");
}

function rejectionForClaim(claim: string | undefined): SignInRejected {
  switch (claim) {
    case "iss":
      return reject("id_token_wrong_issuer", "The ID token was issued by another issuer.");
    case "aud":
    case "azp":
      return reject("id_token_wrong_audience", "The ID token was issued for another client.");
    case "nonce":
      return reject("nonce_mismatch", "The ID token's nonce is not the one this sign-in sent.");
    default:
      return reject("invalid_id_token", "The ID token has an unexpected claim value.");
  }
}

function rejectionForInvalidResponse(failure: ProcessingFailure): SignInRejected {
  if ("header" in failure.cause) return unsupportedAlgorithm();
  if ("signature" in failure.cause) {
    return reject("id_token_bad_signature", "The ID token's signature does not verify with the issuer's keys.");
  }
  if (failure.message.includes('"auth_time"')) return staleAuthentication();
  if ("claims" in failure.cause || /JWT|ID Token/.test(failure.message)) {
    return reject("invalid_id_token", "The ID token is malformed or misses a required claim.");
  }
  return reject("token_exchange_failed", "The token endpoint's response is not a valid token response.");
}

function unsupportedAlgorithm(): SignInRejected {
  return reject("id_token_unsupported_algorithm", "The ID token is unsigned or signed with an algorithm we do not accept.");
}

export function staleAuthentication(): SignInRejected {
  return reject("stale_authentication", "The identity provider did not prove a recent enough sign-in (max_age).");
}

/**
 * openid-client wraps oauth4webapi's OperationProcessingError (code + details) in a ClientError; some errors
 * arrive unwrapped. Returns the innermost code, message and details, or null for anything else (network, abort).
 */
function processingFailure(error: unknown): ProcessingFailure | null {
  if (!(error instanceof Error)) return null;
  const inner = error instanceof ClientError && error.cause instanceof Error ? error.cause : error;
  const code = (inner as { code?: unknown }).code ?? (error as { code?: unknown }).code;
  if (typeof code !== "string") return null;
  const details = inner.cause;
  const cause = typeof details === "object" && details !== null ? (details as Record<string, unknown>) : {};
  return { code, message: inner.message, cause };
}

/**
 * An OAuth error code as IdPs actually send them (access_denied, invalid_grant, AADSTS-style codes). RFC 6749
 * §5.2 allows any printable ASCII but `"` and `\`, markup included, so anything else becomes "unspecified".
 */
export function safeToken(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) return "unspecified";
  return value;
}
