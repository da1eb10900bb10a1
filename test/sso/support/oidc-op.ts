/**
 * A real OpenID Provider (oidc-provider 9) in the test process on 127.0.0.1, for the OIDC adapter suite and
 * end-to-end sign-in tests: PKCE required, the `iss` response parameter on, dev interactions driven by a
 * cookie-keeping fetch (login form, then consent form), accounts with email and groups, and a signing key
 * the tests also hold so they can mint their own ID tokens (valid or hostile).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { createOidcOpStore } from "./oidc-op-store.js";

export interface TestOidcClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
}

/** Claims of a person; `sub` is also the login name typed into the dev login form. */
export interface TestOidcAccount {
  sub: string;
  [claim: string]: unknown;
}

export interface StartOidcProviderOptions {
  /** Clients known from the start; more can be added with addClient(). */
  clients?: TestOidcClient[];
  /** People who can sign in; any other login gets `{ sub: login, email: <login>@acme.test, email_verified: true }`. */
  accounts?: TestOidcAccount[];
  /** Where the `groups` claim is released: both the ID token and userinfo (default), or userinfo only. */
  groupsIn?: "id_token_and_userinfo" | "userinfo";
}

export interface TestOidcProvider {
  issuer: string;
  clients: TestOidcClient[];
  tokenEndpoint: string;
  provider: Provider;
  /** Registers a client after start (e.g. once a connection exists and its callback URL is known). */
  addClient(client: TestOidcClient): void;
  close(): Promise<void>;
  /** Drives the login and consent forms from an authorization URL; returns the callback URL (code, state, iss). */
  signIn(authorizationUrl: URL, login: string, options?: { jar?: CookieJar }): Promise<URL>;
  /**
   * Signs an ID token as this issuer would (iss, iat, exp defaulted; `claims` override them). `header` is
   * merged into the JOSE header ({ alg: "none" } yields an unsigned token); signer "foreign" signs with a key
   * the issuer never published, under the issuer's own kid.
   */
  signIdToken(claims: Record<string, unknown>, header?: Record<string, unknown>, signer?: "provider" | "foreign"): Promise<string>;
}

const SCOPE_CLAIMS = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name"],
  groups: ["groups"],
};

export async function startOidcProvider(options: StartOidcProviderOptions): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = await signingKeys();
  const store = createOidcOpStore();
  const clients = [...(options.clients ?? [])];
  const addClient = (client: TestOidcClient) => {
    store.addClient(clientMetadata(client));
    if (!clients.includes(client)) clients.push(client);
  };
  clients.forEach(addClient);
  const provider = new Provider(issuer, { ...configuration(options, keys.publicJwk), adapter: store.factory });
  server.on("request", provider.callback());
  return {
    issuer,
    clients,
    tokenEndpoint: `${issuer}/token`,
    provider,
    addClient,
    close: () => closeServer(server),
    signIn: (authorizationUrl, login, signInOptions) => driveSignIn(issuer, authorizationUrl, login, signInOptions?.jar ?? new CookieJar()),
    signIdToken: (claims, header, signer) => signToken(issuer, keys, claims, header, signer ?? "provider"),
  };
}

function configuration(options: StartOidcProviderOptions, signingJwk: JWK): Configuration {
  const accounts = new Map((options.accounts ?? []).map((account) => [account.sub, account]));
  return {
    jwks: { keys: [signingJwk] },
    cookies: { keys: ["test-only-cookie-key"] },
    pkce: { required: () => true },
    scopes: ["openid", "email", "profile", "groups"],
    claims: SCOPE_CLAIMS,
    // Scope claims go into the ID token too (not only userinfo), as most enterprise IdPs do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub) ?? { sub, email: `${sub}@acme.test`, email_verified: true };
      return {
        accountId: sub,
        async claims(use) {
          if (use === "id_token" && options.groupsIn === "userinfo") {
            const { groups: _groups, ...rest } = account;
            return rest;
          }
          return { ...account };
        },
      };
    },
  };
}

function clientMetadata(client: TestOidcClient) {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [client.redirectUri],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? "client_secret_basic",
  };
}

interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  foreignKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKeys(): Promise<SigningKeys> {
  const kid = "test-signing-key";
  const own = await generateKeyPair("RS256", { extractable: true });
  const foreign = await generateKeyPair("RS256");
  const privateJwk = await exportJWK(own.privateKey);
  return { kid, privateKey: own.privateKey, foreignKey: foreign.privateKey, publicJwk: { ...privateJwk, kid, alg: "RS256", use: "sig" } };
}

async function signToken(
  issuer: string,
  keys: SigningKeys,
  claims: Record<string, unknown>,
  header: Record<string, unknown> | undefined,
  signer: "provider" | "foreign",
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: issuer, iat: now, exp: now + 300, ...claims };
  if (header?.alg === "none") {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${encode({ typ: "JWT", ...header })}.${encode(payload)}.`;
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: keys.kid, ...header })
    .sign(signer === "foreign" ? keys.foreignKey : keys.privateKey);
}

/** The few cookies oidc-provider sets, sent back on every request to it (one host, paths ignored). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  store(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

async function driveSignIn(issuer: string, authorizationUrl: URL, login: string, jar: CookieJar): Promise<URL> {
  const origin = new URL(issuer).origin;
  let url = authorizationUrl;
  let request: RequestInit = { method: "GET" };
  for (let step = 0; step < 20; step += 1) {
    // Anything that leaves the provider is the client's callback: hand it back unvisited.
    if (url.origin !== origin) return url;
    const response = await fetch(url, { ...request, redirect: "manual", headers: { ...request.headers, cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      url = new URL(location, url);
      request = { method: "GET" };
      continue;
    }
    const page = await response.text();
    const form = pageForm(page);
    if (response.status !== 200 || form === null) {
      throw new Error(`oidc-provider answered ${response.status} at ${url.pathname}: ${page.replace(/<style[\s\S]*<\/style>/, "").slice(0, 1500)}`);
    }
    url = new URL(form.action, url);
    // The login form asks for credentials; consent and the "sign out the other account first" page are
    // submitted as they are (what a person clicking through, or the page's own script, would do).
    const fields = form.fields.prompt === "login" ? { ...form.fields, login, password: "any" } : form.fields;
    request = { method: "POST", body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
  }
  throw new Error("oidc-provider sign-in did not reach the callback in 20 steps");
}

function pageForm(page: string): { action: string; fields: Record<string, string> } | null {
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  if (action === undefined) return null;
  const fields: Record<string, string> = {};
  for (const input of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[unescapeHtml(input[1] ?? "")] = unescapeHtml(input[2] ?? "");
  }
  return { action: unescapeHtml(action), fields };
}

function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/**
 * A fetch for the adapter under test that passes everything through, except that the token endpoint's
 * `id_token` is replaced by what `edit` returns (given the genuine token's claims and the token itself).
 */
export function tamperingFetch(
  tokenEndpoint: string,
  edit: (claims: Record<string, unknown>, idToken: string) => Promise<string> | string,
): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (String(input) !== tokenEndpoint || !response.ok) return response;
    const body = (await response.json()) as Record<string, unknown>;
    const idToken = String(body.id_token);
    const claims = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const tampered = { ...body, id_token: await edit(claims, idToken) };
    return new Response(JSON.stringify(tampered), { status: 200, headers: { "content-type": "application/json" } });
  };
}
