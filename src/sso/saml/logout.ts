/**
 * SAML single logout (SAML profiles §4.4) in both directions: our signed LogoutRequest to the IdP and the check of
 * its LogoutResponse, and an IdP's LogoutRequest with the signed LogoutResponse we send back. Every logout message
 * from the IdP must be signed by a pinned certificate: node-saml accepts an unsigned Redirect message, we do not.
 */
import type { Profile } from "@node-saml/passport-saml";
import { hasOwnSignature, readEnvelope, STATUS_SUCCESS, type Envelope } from "./envelope.js";
import { fromLibraryError, reject } from "./reasons.js";
import { createSamlClient, newMessageId } from "./saml-client.js";
import { NAME_ID_FORMAT_URNS, type SamlServiceProvider, type SamlSettings } from "./settings.js";
import { decodePostMessage, decodeRedirectMessage, parseGuardedXml } from "./xml-guard.js";

/** A logout message as it arrived: the Redirect binding needs the raw query string (its signature covers it byte for byte). */
export type SamlHttpMessage = { binding: "redirect"; rawQuery: string } | { binding: "post"; form: Record<string, unknown> };

export async function logoutRedirect(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  input: { nameId: string; nameIdFormat: string | null; sessionIndex: string | null; relayState: string },
): Promise<{ url: string; requestId: string } | null> {
  if (settings.sloUrl === null) return null;
  const requestId = newMessageId();
  const client = createSamlClient(settings, sp, { messageId: requestId, signRedirects: true });
  const user = {
    nameID: input.nameId,
    nameIDFormat: input.nameIdFormat ?? NAME_ID_FORMAT_URNS.unspecified,
    ...(input.sessionIndex !== null ? { sessionIndex: input.sessionIndex } : {}),
  } as Profile;
  return { url: await client.getLogoutUrlAsync(user, input.relayState, {}), requestId };
}

export async function validateLogoutResponse(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  message: SamlHttpMessage,
  expected: { requestId: string },
): Promise<void> {
  const envelope = await verifyLogoutMessage(settings, sp, message, "SAMLResponse");
  if (envelope.statusCode !== STATUS_SUCCESS) throw reject("status_not_success", "the identity provider could not end the session");
  if (envelope.inResponseTo === null) throw reject("missing_in_response_to", "the logout response answers no request");
  if (envelope.inResponseTo !== expected.requestId) throw reject("in_response_to_mismatch", "the logout response answers another request");
}

export async function handleLogoutRequest(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  message: SamlHttpMessage,
): Promise<{ nameId: string; sessionIndex: string | null; responseUrl: string }> {
  if (settings.sloUrl === null) throw reject("slo_not_configured", "this connection has no IdP single logout URL to answer");
  const { profile, relayState } = await verifyLogoutRequest(settings, sp, message);
  const client = createSamlClient(settings, sp, { messageId: newMessageId(), signRedirects: true });
  const responseUrl = await client.getLogoutResponseUrlAsync(profile, relayState ?? "", {}, true);
  return { nameId: profile.nameID, sessionIndex: profile.sessionIndex ?? null, responseUrl };
}

async function verifyLogoutRequest(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  message: SamlHttpMessage,
): Promise<{ profile: Profile; relayState: string | undefined }> {
  let result: { profile: Profile | null };
  const client = createSamlClient(settings, sp, { signRedirects: false });
  await verifyLogoutMessage(settings, sp, message, "SAMLRequest");
  try {
    result = message.binding === "redirect"
      ? await client.validateRedirectAsync(redirectContainer(message.rawQuery), message.rawQuery)
      : await client.validatePostRequestAsync({ SAMLRequest: message.form.SAMLRequest as string });
  } catch (error) {
    throw fromLibraryError(error);
  }
  if (!result.profile?.nameID) throw reject("no_subject", "the logout request names no subject");
  const relay = message.binding === "redirect" ? redirectContainer(message.rawQuery).RelayState : message.form.RelayState;
  return { profile: result.profile, relayState: typeof relay === "string" ? relay : undefined };
}

/** Guards, parses and checks a logout message's envelope; for LogoutResponses also verifies the signature. */
async function verifyLogoutMessage(
  settings: SamlSettings,
  sp: SamlServiceProvider,
  message: SamlHttpMessage,
  field: "SAMLRequest" | "SAMLResponse",
): Promise<Envelope> {
  const kind = field === "SAMLRequest" ? "LogoutRequest" : "LogoutResponse";
  let xml: string;
  if (message.binding === "redirect") {
    const container = redirectContainer(message.rawQuery);
    xml = decodeRedirectMessage(container[field], field);
    if (!container.Signature || !container.SigAlg) throw reject("unsigned_message", `the ${kind} is not signed`);
  } else {
    xml = decodePostMessage(message.form[field], field);
  }
  const document = parseGuardedXml(xml);
  const envelope = readEnvelope(document, [kind]);
  if (message.binding === "post" && !hasOwnSignature(document)) throw reject("unsigned_message", `the ${kind} is not signed`);
  if (envelope.issuer !== settings.idpEntityId) throw reject("wrong_issuer", `the ${kind} was not issued by this connection's identity provider`);
  if (envelope.destination !== null && envelope.destination !== sp.sloUrl) throw reject("wrong_destination", `the ${kind} is addressed to another endpoint`);
  if (field === "SAMLResponse") await verifyLogoutResponseSignature(settings, sp, message);
  return envelope;
}

async function verifyLogoutResponseSignature(settings: SamlSettings, sp: SamlServiceProvider, message: SamlHttpMessage): Promise<void> {
  const client = createSamlClient(settings, sp, { signRedirects: false });
  try {
    const result = message.binding === "redirect"
      ? await client.validateRedirectAsync(redirectContainer(message.rawQuery), message.rawQuery)
      : await client.validatePostResponseAsync({ SAMLResponse: message.form.SAMLResponse as string });
    if (!result.loggedOut) throw reject("malformed", "expected a LogoutResponse");
  } catch (error) {
    throw fromLibraryError(error);
  }
}

function redirectContainer(rawQuery: string): Record<string, string> {
  const params = new URLSearchParams(rawQuery.startsWith("?") ? rawQuery.slice(1) : rawQuery);
  const container: Record<string, string> = {};
  for (const key of ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"]) {
    const values = params.getAll(key);
    if (values.length > 1) throw reject("malformed", `the query repeats ${key}`);
    if (values[0] !== undefined) container[key] = values[0];
  }
  return container;
}
