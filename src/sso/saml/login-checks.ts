/**
 * The checks node-saml 5.1 does not do on a login response (IDP-TRAFFIC.md, "SAML and OIDC pitfalls"), each a
 * small function that throws a SignInRejected or returns: Issuer, Destination, bearer Recipient and time window,
 * InResponseTo against the pending request, and the time window again on our own clock.
 */
import type { Envelope } from "./envelope.js";
import { reject } from "./reasons.js";
import type { BearerConfirmation, SignedAssertion } from "./signed-assertion.js";

export interface LoginExpectations {
  idpEntityId: string;
  acsUrl: string;
  requestId: string | null;
  allowIdpInitiated: boolean;
  skewMs: number;
  now: Date;
}

export function checkIssuers(envelope: Envelope, assertion: SignedAssertion, idpEntityId: string): void {
  // The Response's Issuer is optional (SAML core §3.2.2) but must match when present; the assertion's is required.
  if (envelope.issuer !== null && envelope.issuer !== idpEntityId) throw reject("wrong_issuer", "the response was issued by another identity provider");
  if (assertion.issuer !== idpEntityId) throw reject("wrong_issuer", "the assertion was issued by another identity provider");
}

export function checkDestination(envelope: Envelope, acsUrl: string): void {
  // Optional on an unsigned Response (bindings §3.5.5.2); the signed bearer Recipient below binds the assertion anyway.
  if (envelope.destination !== null && envelope.destination !== acsUrl) throw reject("wrong_destination", "the response is addressed to another endpoint");
}

function timestamp(value: string, what: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d\d-\d\dT/.test(value)) throw reject("malformed", `${what} is not a timestamp`);
  return ms;
}

export function checkWindow(notBefore: string | null, notOnOrAfter: string | null, expected: LoginExpectations, what: string): void {
  const now = expected.now.getTime();
  if (notBefore !== null && now + expected.skewMs < timestamp(notBefore, `${what} NotBefore`)) throw reject("not_yet_valid", `${what} is not valid yet`);
  if (notOnOrAfter !== null && now - expected.skewMs >= timestamp(notOnOrAfter, `${what} NotOnOrAfter`)) throw reject("expired", `${what} has expired`);
}

/**
 * Web SSO profile §4.1.4.2: a bearer SubjectConfirmation with Recipient = our ACS and a NotOnOrAfter. Returns the
 * confirmation that passes; when none does, the first one's failure is the reason.
 */
export function checkBearerConfirmation(assertion: SignedAssertion, expected: LoginExpectations): BearerConfirmation {
  if (assertion.bearerConfirmations.length === 0) throw reject("no_subject", "the assertion has no bearer subject confirmation");
  let firstFailure: unknown = null;
  for (const confirmation of assertion.bearerConfirmations) {
    try {
      if (confirmation.recipient !== expected.acsUrl) throw reject("wrong_recipient", "the assertion is meant for another endpoint");
      if (confirmation.notOnOrAfter === null) throw reject("no_subject", "the subject confirmation has no NotOnOrAfter");
      checkWindow(confirmation.notBefore, confirmation.notOnOrAfter, expected, "the subject confirmation");
      return confirmation;
    } catch (error) {
      firstFailure ??= error;
    }
  }
  throw firstFailure;
}

/**
 * InResponseTo as the lead's pending sign-in expects it. The signed SubjectConfirmationData value wins over the
 * Response attribute (which is outside the signature when only the assertion is signed); both present and
 * different is a mismatch.
 */
export function checkInResponseTo(envelope: Envelope, confirmation: BearerConfirmation, expected: LoginExpectations): void {
  if (envelope.inResponseTo !== null && confirmation.inResponseTo !== null && envelope.inResponseTo !== confirmation.inResponseTo) {
    throw reject("in_response_to_mismatch", "the response and its assertion answer different requests");
  }
  const answered = confirmation.inResponseTo ?? envelope.inResponseTo;
  if (expected.requestId === null) {
    if (answered !== null) throw reject("unknown_in_response_to", "the response answers a request this browser has not made");
    if (!expected.allowIdpInitiated) throw reject("idp_initiated_not_allowed", "this connection does not accept IdP-initiated sign-in");
    return;
  }
  if (answered === null) throw reject("missing_in_response_to", "a sign-in is pending but the response answers no request");
  if (answered !== expected.requestId) throw reject("in_response_to_mismatch", "the response answers another request");
}

/** How long the replay store must remember the assertion: until no clock within the skew could still accept it. */
export function replayExpiry(assertion: SignedAssertion, confirmation: BearerConfirmation, expected: LoginExpectations): Date {
  const ends = [confirmation.notOnOrAfter, assertion.conditionsNotOnOrAfter]
    .filter((value): value is string => value !== null)
    .map((value) => Date.parse(value));
  return new Date(Math.max(...ends) + expected.skewMs);
}
