/**
 * Turns validated ID token (and userinfo) claims into the SignInIdentity the pipeline links and provisions.
 * Pure: no network, no clock.
 */
import type { SignInIdentity } from "../identity.js";
import type { OidcSettings } from "./settings.js";
import { reject } from "./reasons.js";

export type Claims = Record<string, unknown>;

/**
 * Which of the configured claims the ID token lacks that userinfo could supply. Only the groups and the email
 * justify a userinfo request: they decide access and linking; missing names do not.
 */
export function needsUserInfo(settings: OidcSettings, idToken: Claims): boolean {
  const groupsMissing = settings.groupsClaim !== null && idToken[settings.groupsClaim] === undefined;
  return groupsMissing || idToken[settings.claims.email] === undefined;
}

/**
 * `idToken` wins over `userInfo` claim by claim (it is the signed statement); userinfo fills the gaps.
 * The email is trusted unless its own source says `email_verified: false` (OIDC Core §5.1): enterprise IdPs
 * (Entra ID, ADFS) often send no email_verified at all, and the pipeline links by email only inside the
 * organization's verified domains anyway.
 */
export function identityFromClaims(settings: OidcSettings, idToken: Claims, userInfo: Claims | null): SignInIdentity {
  const source = (name: string): Claims | null => {
    if (idToken[name] !== undefined) return idToken;
    if (userInfo !== null && userInfo[name] !== undefined) return userInfo;
    return null;
  };
  const text = (name: string): string | null => {
    const value = source(name)?.[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const emailSource = source(settings.claims.email);
  const emailVerified = emailSource?.email_verified;
  const emailRefused = emailVerified === false || emailVerified === "false";
  const authTime = idToken.auth_time;
  return {
    subject: idToken.sub as string,
    email: emailRefused ? null : text(settings.claims.email),
    givenName: text(settings.claims.givenName),
    familyName: text(settings.claims.familyName),
    displayName: text(settings.claims.displayName),
    groups: settings.groupsClaim === null ? [] : groupsFrom(source(settings.groupsClaim)?.[settings.groupsClaim]),
    authenticatedAt: typeof authTime === "number" && Number.isFinite(authTime) ? new Date(authTime * 1000) : null,
  };
}

/**
 * A list of strings or one string (some IdPs send a single group unwrapped). Anything else is refused rather
 * than read as "no groups": the pipeline reconciles memberships at every sign-in, so a misread claim would
 * silently remove the person's access.
 */
function groupsFrom(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((group) => typeof group === "string")) {
    throw reject("invalid_claims", "The groups claim is neither a string nor a list of strings.");
  }
  return [...new Set((list as string[]).map((group) => group.trim()).filter((group) => group !== ""))];
}
