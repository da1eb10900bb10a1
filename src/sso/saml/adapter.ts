/**
 * The SAML 2.0 protocol adapter for one connection: what the /auth router calls. It touches no database (the
 * replay store comes in as a port) and returns a SignInIdentity or throws SignInRejected with a stable reason
 * (reasons.ts). node-saml checks time windows on the system clock; `now` drives the adapter's own checks.
 */
import type { ReplayStore, SignInIdentity } from "../identity.js";
import { loginRedirect, validateLoginResponse } from "./login.js";
import { handleLogoutRequest, logoutRedirect, validateLogoutResponse, type SamlHttpMessage } from "./logout.js";
import { serviceProviderMetadata } from "./metadata.js";
import type { SamlServiceProvider, SamlSettings } from "./settings.js";

export interface SamlAdapter {
  /** HTTP-Redirect AuthnRequest; store `requestId` with the pending sign-in (found again by RelayState). */
  loginRedirect(input: { relayState: string; forceAuthn: boolean }): Promise<{ url: string; requestId: string }>;
  /** The ACS POST body (`SAMLResponse`); `expected.requestId` is the pending sign-in's AuthnRequest id or null. */
  validateLoginResponse(
    form: Record<string, unknown>,
    expected: { requestId: string | null; connectionId: string },
    replay: ReplayStore,
  ): Promise<SignInIdentity>;
  /** A signed LogoutRequest URL, or null when the IdP has no SLO URL; store `requestId` to check the response. */
  logoutRedirect(input: { nameId: string; nameIdFormat: string | null; sessionIndex: string | null; relayState: string }): Promise<{ url: string; requestId: string } | null>;
  /** Finishes SP-initiated SLO: the IdP's signed LogoutResponse, answering `expected.requestId`. */
  validateLogoutResponse(message: SamlHttpMessage, expected: { requestId: string }): Promise<void>;
  /** IdP-initiated SLO: who to log out, and the signed LogoutResponse URL to redirect the browser to. */
  handleLogoutRequest(message: SamlHttpMessage): Promise<{ nameId: string; sessionIndex: string | null; responseUrl: string }>;
  serviceProviderMetadata(): string;
}

export function createSamlAdapter(settings: SamlSettings, sp: SamlServiceProvider, options: { now?: () => Date } = {}): SamlAdapter {
  const now = options.now ?? (() => new Date());
  return {
    loginRedirect: (input) => loginRedirect(settings, sp, input),
    validateLoginResponse: (form, expected, replay) => validateLoginResponse(settings, sp, form, expected, replay, now()),
    logoutRedirect: (input) => logoutRedirect(settings, sp, input),
    validateLogoutResponse: (message, expected) => validateLogoutResponse(settings, sp, message, expected),
    handleLogoutRequest: (message) => handleLogoutRequest(settings, sp, message),
    serviceProviderMetadata: () => serviceProviderMetadata(settings, sp),
  };
}
