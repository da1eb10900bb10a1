/**
 * The stable reason codes the SAML adapter rejects with, and the translation of node-saml's free-text errors into
 * them. Messages here are ours: node-saml's can echo values from the response, which we do not log verbatim.
 */
import { SamlStatusError } from "@node-saml/passport-saml";
import { SignInRejected } from "../identity.js";

export const SAML_REJECTION_REASONS = [
  "malformed", "too_large", "too_complex", "doctype_forbidden", "multiple_assertions",
  "bad_signature", "unsigned_assertion", "unsigned_message", "unencrypted_assertion", "decryption_failed",
  "status_not_success", "no_assertion", "no_subject",
  "wrong_issuer", "wrong_audience", "wrong_destination", "wrong_recipient",
  "expired", "not_yet_valid", "replayed",
  "unknown_in_response_to", "in_response_to_mismatch", "missing_in_response_to", "idp_initiated_not_allowed",
  "slo_not_configured", "invalid_response",
] as const;
export type SamlRejectionReason = (typeof SAML_REJECTION_REASONS)[number];

export function reject(reason: SamlRejectionReason, message: string): SignInRejected {
  return new SignInRejected(reason, message);
}

const PATTERNS: Array<[RegExp, SamlRejectionReason, string]> = [
  [/too many transforms/i, "too_complex", "the signature has too many transforms"],
  [/decrypt|oaep|EncryptedAssertion content|No decryption key/i, "decryption_failed", "the encrypted assertion could not be decrypted with this connection's key"],
  [/signature|Referenced node|ID cannot refer/i, "bad_signature", "the signature does not verify against the connection's pinned certificates"],
  [/expired/i, "expired", "the assertion has expired"],
  [/not yet valid/i, "not_yet_valid", "the assertion is not valid yet"],
  [/audience|AudienceRestriction/i, "wrong_audience", "the assertion is not addressed to this service provider"],
  [/Unknown SAML issuer|Missing SAML issuer/i, "wrong_issuer", "the message was not issued by this connection's identity provider"],
  [/Missing SAML assertion/i, "no_assertion", "the response carries no assertion"],
  [/Bad status code/i, "status_not_success", "the identity provider reported a failure"],
  [/NameID/i, "no_subject", "the message names no subject"],
];

/** A SignInRejected for whatever node-saml (or xml-crypto / xml-encryption below it) threw. */
export function fromLibraryError(error: unknown): SignInRejected {
  if (error instanceof SignInRejected) return error;
  if (error instanceof SamlStatusError) return reject("status_not_success", "the identity provider reported a failure");
  const text = error instanceof Error ? error.message : String(error);
  for (const [pattern, reason, message] of PATTERNS) if (pattern.test(text)) return reject(reason, message);
  return reject("invalid_response", "the SAML message could not be validated");
}
