/**
 * The OpenID Connect protocol adapter: builds the authorization request (code flow, PKCE S256, state, nonce)
 * and turns the callback into a SignInIdentity after every check holds, or throws SignInRejected with a stable
 * reason (reasons.ts). It touches no database: the pipeline stores OidcPending and passes the replay store in.
 */
import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import { SignInRejected, type ReplayStore, type SignInIdentity } from "../identity.js";
import { checkCallbackParams } from "./callback-params.js";
import { CLOCK_TOLERANCE_SECONDS, discoverIssuer } from "./discovery.js";
import { identityFromClaims, needsUserInfo, type Claims } from "./identity-claims.js";
import type { OidcPending } from "./pending.js";
import { reject, rejectionForCodeGrant, staleAuthentication } from "./reasons.js";
import type { OidcSettings } from "./settings.js";

export { newOidcPending, type OidcPending } from "./pending.js";
export { parseOidcSettings, type OidcSettings } from "./settings.js";
export { OIDC_REJECTION_REASONS, type OidcRejectionReason } from "./reasons.js";

export interface OidcAdapterOptions {
  /** This connection's callback URL, registered at the IdP; sent as redirect_uri in both requests. */
  redirectUri: string;
  /** http:// issuers: tests and local development only. */
  allowInsecureRequests?: boolean;
  /** Tests intercept IdP traffic to tamper with responses. */
  customFetch?: typeof fetch;
  now?: () => Date;
}

export interface OidcAdapter {
  authorizationUrl(pending: OidcPending, input: { forceLogin: boolean; loginHint?: string }): Promise<URL>;
  completeCallback(callbackUrl: URL, pending: OidcPending, replay: ReplayStore & { connectionId: string }): Promise<SignInIdentity>;
  /** Validates the settings against the live issuer (Admin API "test connection"); throws SignInRejected("discovery_failed"). */
  discover(): Promise<void>;
}

export function createOidcAdapter(settings: OidcSettings, clientSecret: string, options: OidcAdapterOptions): OidcAdapter {
  const now = options.now ?? (() => new Date());
  // The discovered configuration (and, inside openid-client, the issuer's keys) is cached per adapter
  // instance; a failed discovery is forgotten so the next sign-in tries again.
  let configuration: Promise<oidc.Configuration> | null = null;
  const configure = (): Promise<oidc.Configuration> => {
    configuration ??= discoverIssuer(settings, clientSecret, options).catch((error: unknown) => {
      configuration = null;
      throw error;
    });
    return configuration;
  };

  return {
    async discover() {
      await configure();
    },

    async authorizationUrl(pending, input) {
      if (input.forceLogin && pending.maxAgeSeconds === null) {
        throw new TypeError("forceLogin needs a freshness bound: create the pending state with newOidcPending(maxAgeSeconds)");
      }
      const config = await configure();
      const parameters: Record<string, string> = {
        redirect_uri: options.redirectUri,
        response_type: "code",
        scope: settings.scopes.join(" "),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: "S256",
      };
      if (pending.maxAgeSeconds !== null) parameters.max_age = String(pending.maxAgeSeconds);
      if (input.forceLogin) parameters.prompt = "login";
      if (input.loginHint !== undefined && input.loginHint !== "") parameters.login_hint = input.loginHint;
      return oidc.buildAuthorizationUrl(config, parameters);
    },

    async completeCallback(callbackUrl, pending, replay) {
      // An empty verifier would make openid-client skip PKCE, and an empty nonce skip the nonce check: a
      // pre-login state missing either is unusable, whatever the IdP would accept.
      if (!pending.state || !pending.nonce || !pending.codeVerifier) {
        throw reject("state_mismatch", "This sign-in's pre-login state is incomplete; start again.");
      }
      const config = await configure();
      const server = config.serverMetadata();
      checkCallbackParams(callbackUrl.searchParams, {
        issuer: server.issuer,
        issRequired: server.authorization_response_iss_parameter_supported === true,
        state: pending.state,
      });
      const tokens = await exchangeCode(config, callbackUrl, pending, options.redirectUri);
      const idToken = tokens.claims() as Claims | undefined;
      if (idToken === undefined) throw reject("invalid_id_token", "The token response carries no ID token.");
      checkSubject(idToken);
      checkAuthorizedParty(idToken, settings.clientId);
      checkTimes(idToken, now(), pending.maxAgeSeconds);
      const userInfo = needsUserInfo(settings, idToken) && server.userinfo_endpoint ? await readUserInfo(config, tokens.access_token, idToken) : null;
      const identity = identityFromClaims(settings, idToken, userInfo);
      await rememberOnce(replay, idToken, pending.nonce);
      return identity;
    },
  };
}

async function exchangeCode(config: oidc.Configuration, callbackUrl: URL, pending: OidcPending, redirectUri: string) {
  // The token request's redirect_uri must be the registered one, whatever host or proxy the callback reached
  // us through: openid-client derives it from this URL, so rebuild it from the configured callback.
  const currentUrl = new URL(redirectUri);
  for (const [name, value] of callbackUrl.searchParams) currentUrl.searchParams.append(name, value);
  try {
    return await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      ...(pending.maxAgeSeconds === null ? {} : { maxAge: pending.maxAgeSeconds }),
      idTokenExpected: true,
    });
  } catch (error) {
    throw rejectionForCodeGrant(error);
  }
}

function checkSubject(idToken: Claims): void {
  // OIDC Core §2: sub is at most 255 ASCII characters.
  const sub = idToken.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 255) {
    throw reject("invalid_id_token", "The ID token's subject is empty or too long.");
  }
}

/**
 * openid-client looks at azp only when aud lists several audiences; an azp naming another client means the
 * token was requested by that client (OIDC Core §2), whatever aud says.
 */
function checkAuthorizedParty(idToken: Claims, clientId: string): void {
  if (idToken.azp !== undefined && idToken.azp !== clientId) {
    throw reject("id_token_wrong_audience", "The ID token was issued for another client.");
  }
}

/**
 * openid-client checks exp and auth_time against the system clock; these repeat both against the adapter's
 * clock (the one tests move), with the same tolerance.
 */
function checkTimes(idToken: Claims, at: Date, maxAgeSeconds: number | null): void {
  const nowSeconds = Math.floor(at.getTime() / 1000);
  const exp = idToken.exp;
  if (typeof exp !== "number" || exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS) {
    throw reject("id_token_expired", "The ID token has expired.");
  }
  if (maxAgeSeconds === null) return;
  const authTime = idToken.auth_time;
  if (typeof authTime !== "number" || authTime + maxAgeSeconds < nowSeconds - CLOCK_TOLERANCE_SECONDS) {
    throw staleAuthentication();
  }
}

async function readUserInfo(config: oidc.Configuration, accessToken: string, idToken: Claims): Promise<Claims> {
  try {
    // The userinfo `sub` must be the ID token's (OIDC Core §5.3.2): openid-client refuses it otherwise.
    return (await oidc.fetchUserInfo(config, accessToken, idToken.sub as string)) as Claims;
  } catch (error) {
    if (error instanceof SignInRejected) throw error;
    throw reject("userinfo_failed", "The identity provider's userinfo endpoint did not answer with this person's claims.");
  }
}

/**
 * One-time use of the ID token: its jti when the IdP sets one, else the (sub, nonce) pair, which is unique
 * per sign-in because the nonce is. Kept until the token could no longer pass the exp check.
 */
async function rememberOnce(replay: ReplayStore & { connectionId: string }, idToken: Claims, nonce: string): Promise<void> {
  const jti = idToken.jti;
  const key = typeof jti === "string" && jti !== "" ? `jti:${jti}` : `sub-nonce:${JSON.stringify([idToken.sub, nonce])}`;
  // Hashed: the IdP chooses jti's length and content.
  const messageId = `oidc:${createHash("sha256").update(key).digest("base64url")}`;
  const expiresAt = new Date(((idToken.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000);
  if (!(await replay.remember(replay.connectionId, messageId, expiresAt))) {
    throw reject("replayed", "This ID token was already used to sign in.");
  }
}
