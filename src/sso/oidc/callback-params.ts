/**
 * Checks on the authorization response's query parameters before any request leaves for the token endpoint:
 * mix-up defence (RFC 9207 `iss`), `state` bound to this pre-login state, the IdP's own error answer.
 * openid-client repeats these checks; doing them first gives each failure its own reason code.
 */
import { timingSafeEqual } from "node:crypto";
import { reject, safeToken } from "./reasons.js";

export interface CallbackExpectations {
  issuer: string;
  /** The issuer advertises authorization_response_iss_parameter_supported: a missing `iss` is refused. */
  issRequired: boolean;
  state: string;
}

const SINGLE_VALUED = ["iss", "state", "code", "error", "error_description"];

export function checkCallbackParams(params: URLSearchParams, expected: CallbackExpectations): void {
  for (const name of SINGLE_VALUED) {
    if (params.getAll(name).length > 1) throw reject("invalid_response", `The callback carries "${name}" more than once.`);
  }
  checkIssuer(params.get("iss"), expected);
  const state = params.get("state");
  if (state === null || !sameSecret(state, expected.state)) {
    throw reject("state_mismatch", "The callback's state does not belong to this sign-in.");
  }
  const error = params.get("error");
  if (error !== null) throw idpError(error, params.get("error_description"));
  if (!params.get("code")) throw reject("invalid_response", "The callback carries no authorization code.");
}

function checkIssuer(iss: string | null, expected: CallbackExpectations): void {
  if (iss === null) {
    if (expected.issRequired) throw reject("issuer_mismatch", "The callback does not name its issuer, which this issuer always does.");
    return;
  }
  // RFC 9207 §2.4: simple string comparison with the issuer this sign-in was sent to.
  if (iss !== expected.issuer) throw reject("issuer_mismatch", "The callback comes from another issuer than this connection's.");
}

/**
 * The IdP's `error` and `error_description` are attacker-reachable text (anyone can craft a callback URL):
 * only a well-formed error code and a cut-down description without markup characters go into the message,
 * which the error page must still HTML-escape like any text.
 */
function idpError(error: string, description: string | null): Error {
  const detail = description === null ? "" : `: ${printable(description)}`;
  return reject("idp_error", `The identity provider refused the sign-in (${safeToken(error)})${detail}`);
}

function printable(text: string): string {
  // Letters, digits and plain punctuation only: no markup, quotes or URLs survive into the message.
  const cleaned = text.replace(/[^A-Za-z0-9 .,;:_()'-]/g, "?");
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}

function sameSecret(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
