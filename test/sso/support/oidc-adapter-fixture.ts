/**
 * Shared setup for the OIDC adapter suites: three real oidc-provider instances on 127.0.0.1 (hooks registered
 * by useOidcProviders()), adapters pointed at them, the browser half of a sign-in, an in-memory replay store.
 */
import { SignInRejected, type ReplayStore } from "../../../src/sso/identity.js";
import { createOidcAdapter, newOidcPending, parseOidcSettings, type OidcAdapter, type OidcAdapterOptions, type OidcPending, type OidcSettings } from "../../../src/sso/oidc/adapter.js";
import { startOidcProvider, type CookieJar, type TestOidcProvider } from "./oidc-op.js";

export const CALLBACK_BASE = "http://127.0.0.1:9/auth/oidc";

export const client = (id: string, method?: "client_secret_post") => ({
  clientId: id,
  clientSecret: `${id}-secret`,
  redirectUri: `${CALLBACK_BASE}/${id}/callback`,
  ...(method ? { tokenEndpointAuthMethod: method } : {}),
});

export const ALICE = { sub: "alice", email: "alice@acme.test", email_verified: true, given_name: "Alice", family_name: "Liddell", name: "Alice Liddell", groups: ["eng", "admins", "eng"] };
export const BOB = { sub: "bob", email: "bob@elsewhere.test", email_verified: false, groups: "solo" };

export interface OidcProviders {
  /** Clients conn-a, conn-b (same issuer) and conn-post (client_secret_post); accounts alice and bob. */
  op: TestOidcProvider;
  /** Another issuer that also knows conn-a. */
  otherOp: TestOidcProvider;
  /** Releases groups through userinfo only. */
  userInfoOp: TestOidcProvider;
}

/** Starts the providers before the suite and stops them after; read the fields inside tests. */
export function useOidcProviders(): OidcProviders {
  const providers = {} as OidcProviders;
  before(async function () {
    const clients = [client("conn-a"), client("conn-b"), client("conn-post", "client_secret_post")];
    providers.op = await startOidcProvider({ clients, accounts: [ALICE, BOB] });
    providers.otherOp = await startOidcProvider({ accounts: [ALICE] });
    providers.otherOp.addClient(client("conn-a")); // registered after start, as end-to-end tests do once a connection exists
    providers.userInfoOp = await startOidcProvider({ clients: [client("conn-a")], accounts: [ALICE], groupsIn: "userinfo" });
  });
  after(async function () {
    await Promise.all([providers.op?.close(), providers.otherOp?.close(), providers.userInfoOp?.close()]);
  });
  return providers;
}

export class MemoryReplayStore implements ReplayStore {
  readonly seen = new Map<string, Date>();
  async remember(connectionId: string, messageId: string, expiresAt: Date): Promise<boolean> {
    const key = `${connectionId} ${messageId}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}

export function replayStore(): MemoryReplayStore & { connectionId: string } {
  return Object.assign(new MemoryReplayStore(), { connectionId: "connection-1" });
}

function settingsFor(provider: TestOidcProvider, clientId: string, overrides: Partial<OidcSettings> = {}): OidcSettings {
  const parsed = parseOidcSettings({ issuer: provider.issuer, clientId, scopes: ["openid", "email", "profile", "groups"], groupsClaim: "groups" });
  if (!("settings" in parsed)) throw new Error(parsed.problems.join("; "));
  return { ...parsed.settings, ...overrides };
}

export function adapterFor(provider: TestOidcProvider, clientId = "conn-a", options: Partial<OidcAdapterOptions> = {}, overrides: Partial<OidcSettings> = {}): OidcAdapter {
  return createOidcAdapter(settingsFor(provider, clientId, overrides), `${clientId}-secret`, {
    redirectUri: `${CALLBACK_BASE}/${clientId}/callback`,
    allowInsecureRequests: true,
    ...options,
  });
}

/** Runs the browser part of a sign-in: authorization URL → login + consent at the OP → callback URL. */
export async function callbackFor(
  adapter: OidcAdapter,
  provider: TestOidcProvider,
  login: string,
  input: { pending?: OidcPending; forceLogin?: boolean; jar?: CookieJar } = {},
) {
  const pending = input.pending ?? newOidcPending(input.forceLogin ? 300 : null);
  const url = await adapter.authorizationUrl(pending, { forceLogin: input.forceLogin ?? false });
  return { pending, callbackUrl: await provider.signIn(url, login, input.jar ? { jar: input.jar } : {}) };
}

export async function signInThrough(adapter: OidcAdapter, provider: TestOidcProvider, login: string) {
  const { pending, callbackUrl } = await callbackFor(adapter, provider, login);
  return adapter.completeCallback(callbackUrl, pending, replayStore());
}

/** The SignInRejected a sign-in ends with; fails the test if it succeeds or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<SignInRejected> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SignInRejected) return error;
    throw error;
  }
  throw new Error("expected the sign-in to be rejected, it succeeded");
}
