/**
 * SP-initiated sign-in (HTTP-Redirect AuthnRequest) and validation of the POSTed login response: guard the XML,
 * let node-saml verify signatures against the pinned certificates, then run the checks it leaves to us, and
 * finally spend the assertion id in the replay store. Identity comes only from node-saml's signed profile.
 */
import type { Profile } from "@node-saml/passport-saml";
import type { ReplayStore, SignInIdentity } from "../identity.js";
import { readEnvelope, STATUS_SUCCESS } from "./envelope.js";
import {
  checkBearerConfirmation, checkDestination, checkInResponseTo, checkIssuers, checkWindow, replayExpiry, type LoginExpectations,
} from "./login-checks.js";
import { fromLibraryError, reject } from "./reasons.js";
import { createSamlClient, newMessageId } from "./saml-client.js";
import type { SamlServiceProvider, SamlSettings } from "./settings.js";
import { readSignedAssertion, type SignedAssertion } from "./signed-assertion.js";
import { decodePostMessage, parseGuardedXml } from "./xml-guard.js";

const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

export async function loginRedirect(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  input: { relayState: string; forceAuthn: boolean },
): Promise<{ url: string; requestId: string }> {
  const requestId = newMessageId();
  const client = createSamlClient(settings, sp, { messageId: requestId, forceAuthn: input.forceAuthn, signRedirects: settings.signAuthnRequests });
  const url = await client.getAuthorizeUrlAsync(input.relayState, undefined, {});
  return { url, requestId };
}

export async function validateLoginResponse(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  form: Record<string, unknown>,
  expected: { requestId: string | null; connectionId: string },
  replay: ReplayStore,
  now: Date,
): Promise<SignInIdentity> {
  const xml = decodePostMessage(form.SAMLResponse, "SAMLResponse");
  const envelope = readEnvelope(parseGuardedXml(xml), ["Response"]);
  if (envelope.statusCode !== STATUS_SUCCESS) throw reject("status_not_success", "the identity provider reported a failure");
  if (envelope.assertion === "none") throw reject("no_assertion", "the response carries no assertion");
  if (envelope.assertion === "plain-unsigned") throw reject("unsigned_assertion", "the assertion is not signed");
  if (settings.wantEncryptedAssertions && envelope.assertion !== "encrypted") {
    throw reject("unencrypted_assertion", "this connection requires encrypted assertions");
  }

  const profile = await verifyWithNodeSaml(settings, sp, form.SAMLResponse as string);
  const assertion = readSignedAssertion(profile);
  const expectations: LoginExpectations = {
    idpEntityId: settings.idpEntityId, acsUrl: sp.acsUrl, requestId: expected.requestId,
    allowIdpInitiated: settings.allowIdpInitiated, skewMs: settings.clockSkewSeconds * 1000, now,
  };
  checkIssuers(envelope, assertion, settings.idpEntityId);
  checkDestination(envelope, sp.acsUrl);
  checkWindow(assertion.conditionsNotBefore, assertion.conditionsNotOnOrAfter, expectations, "the assertion");
  const confirmation = checkBearerConfirmation(assertion, expectations);
  checkInResponseTo(envelope, confirmation, expectations);
  if (!assertion.nameId?.trim()) throw reject("no_subject", "the assertion names no subject");
  if (!(await replay.remember(expected.connectionId, assertion.id, replayExpiry(assertion, confirmation, expectations)))) {
    throw reject("replayed", "this assertion has already been used");
  }
  return toIdentity(settings, assertion);
}

async function verifyWithNodeSaml(settings: SamlSettings, sp: SamlServiceProvider, encoded: string): Promise<Profile> {
  let result: { profile: Profile | null; loggedOut: boolean };
  try {
    result = await createSamlClient(settings, sp, { signRedirects: false }).validatePostResponseAsync({ SAMLResponse: encoded });
  } catch (error) {
    throw fromLibraryError(error);
  }
  if (!result.profile) throw reject("no_assertion", "the response carries no assertion");
  return result.profile;
}

function toIdentity(settings: SamlSettings, assertion: SignedAssertion): SignInIdentity {
  const mapping = settings.attributes;
  const one = (name: string | null): string | null => {
    if (name === null) return null;
    const value = assertion.attributeValues(name).find((entry) => entry.trim() !== "");
    return value === undefined ? null : value.trim();
  };
  // The raw NameID goes back to the IdP in LogoutRequests; the subject drops only surrounding whitespace.
  const nameId = assertion.nameId!;
  const subject = nameId.trim();
  const email = one(mapping.email) ?? (assertion.nameIdFormat === EMAIL_FORMAT ? subject : null);
  const groups = mapping.groups === null ? [] : [...new Set(assertion.attributeValues(mapping.groups).map((g) => g.trim()).filter((g) => g !== ""))];
  const authenticatedAt = assertion.authnInstant === null ? null : new Date(assertion.authnInstant);
  return {
    subject,
    email,
    givenName: one(mapping.givenName),
    familyName: one(mapping.familyName),
    displayName: one(mapping.displayName),
    groups,
    authenticatedAt: authenticatedAt && Number.isFinite(authenticatedAt.getTime()) ? authenticatedAt : null,
    saml: { nameId, nameIdFormat: assertion.nameIdFormat, sessionIndex: assertion.sessionIndex },
  };
}
