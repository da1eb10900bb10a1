/**
 * The sign-in flows of the SSO benchmark, split into what is prepared before the clock starts and what is timed.
 * Prepared (untimed): GET /auth/login/{id} for every sign-in — the pending AuthnRequest id and RelayState (SAML),
 * or state, nonce, PKCE challenge and the state-binding cookie (OIDC) — and the IdP's answer: a signed SAML
 * response, or an authorization code registered at the fake OP with its pre-signed ID token. Timed: the POST to
 * the ACS or the GET of the OIDC callback, each answer checked (303, a session cookie, the right person).
 */
import { randomBytes } from "node:crypto";
import { inflateRedirectParameter, type TestIdp } from "../../test/sso/support/saml-idp.js";
import type { Random } from "../access-check/workload.js";
import { runAll, setCookie, type Client } from "./http.js";
import type { OpProcess } from "./op-process.js";
import type { Organization, Person } from "./setup.js";

export type SignInKind = "jit" | "email-link" | "returning";

export interface PlannedSignIn {
  person: Person;
  kind: SignInKind;
}

export interface PreparedCallback extends PlannedSignIn {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface CallbackResult extends PlannedSignIn {
  ms: number;
  ok: boolean;
  problem?: string;
  /** The session cookie's value. */
  token?: string;
}

/**
 * `count` sign-ins over `people`: every person once first (in random order: a new person for SAML — JIT —, a
 * person known by email for OIDC — linked), then returning people at random.
 */
export function planSignIns(people: readonly Person[], count: number, firstKind: SignInKind, rand: Random): PlannedSignIn[] {
  const order = [...people];
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = rand.int(index + 1);
    [order[index], order[other]] = [order[other] as Person, order[index] as Person];
  }
  const plan: PlannedSignIn[] = order.slice(0, count).map((person) => ({ person, kind: firstKind }));
  while (plan.length < count) plan.push({ person: people[rand.int(people.length)] as Person, kind: "returning" });
  return plan;
}

async function startLogin(client: Client, connectionId: string): Promise<{ location: URL; cookie: string | undefined }> {
  const reply = await client.request("GET", `/auth/login/${connectionId}`);
  const location = reply.headers.location;
  if (reply.status !== 303 || typeof location !== "string") throw new Error(`GET /auth/login/${connectionId}: ${reply.status} ${reply.body.slice(0, 300)}`);
  return { location: new URL(location), cookie: setCookie(reply, "gatehouse_oidc_state") };
}

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

export async function prepareSaml(client: Client, org: Organization, idp: TestIdp, plan: readonly PlannedSignIn[], concurrency: number): Promise<PreparedCallback[]> {
  const started = await runAll(plan, concurrency, (sign) => sign, () => startLogin(client, org.samlConnectionId));
  const prepared: PreparedCallback[] = [];
  const now = new Date();
  const later = new Date(now.getTime() + 30 * 60_000);
  for (const [index, sign] of plan.entries()) {
    const { location } = started[index] as { location: URL };
    const requestId = /\sID="([^"]+)"/.exec(inflateRedirectParameter(location.href, "SAMLRequest"))?.[1];
    const relayState = location.searchParams.get("RelayState");
    if (!requestId || !relayState) throw new Error(`no AuthnRequest ID or RelayState in ${location.href.slice(0, 200)}`);
    const { form: response } = await idp.loginResponse(org.sp, {
      inResponseTo: requestId,
      nameId: sign.person.email,
      attributes: [{ name: "email", values: [sign.person.email] }, { name: "groups", values: sign.person.groups }],
      sessionIndex: `_bench-${index}`,
      now,
      notOnOrAfter: later,
      subjectNotOnOrAfter: later,
    });
    prepared.push({ ...sign, method: "POST", path: `/auth/saml/${org.samlConnectionId}/acs`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: form({ ...response, RelayState: relayState }) });
  }
  return prepared;
}

export async function prepareOidc(client: Client, org: Organization, op: OpProcess, plan: readonly PlannedSignIn[], concurrency: number): Promise<PreparedCallback[]> {
  const started = await runAll(plan, concurrency, (sign) => sign, () => startLogin(client, org.oidcConnectionId));
  const prepared: PreparedCallback[] = [];
  const grants = [];
  for (const [index, sign] of plan.entries()) {
    const { location, cookie } = started[index] as { location: URL; cookie: string | undefined };
    const parameter = (name: string): string => {
      const value = location.searchParams.get(name);
      if (!value) throw new Error(`no ${name} in the authorization URL ${location.href.slice(0, 200)}`);
      return value;
    };
    if (!cookie) throw new Error("GET /auth/login did not set the OIDC state-binding cookie");
    if (parameter("redirect_uri") !== org.oidcRedirectUri) throw new Error(`redirect_uri ${parameter("redirect_uri")} is not ${org.oidcRedirectUri}`);
    const code = randomBytes(24).toString("base64url");
    grants.push({
      code,
      codeChallenge: parameter("code_challenge"),
      redirectUri: org.oidcRedirectUri,
      claims: { sub: sign.person.oidcSubject, nonce: parameter("nonce"), email: sign.person.email, email_verified: true, name: `Person ${sign.person.index}`, groups: sign.person.groups },
    });
    const query = new URLSearchParams({ code, state: parameter("state") });
    prepared.push({ ...sign, method: "GET", path: `/auth/oidc/${org.oidcConnectionId}/callback?${query.toString()}`, headers: { cookie: `gatehouse_oidc_state=${cookie}` } });
  }
  await op.register(grants);
  return prepared;
}

/** The timed part: every callback at `concurrency`, one person never twice at once. */
export async function sendCallbacks(client: Client, callbacks: readonly PreparedCallback[], concurrency: number, cookieName: string): Promise<CallbackResult[]> {
  return runAll(callbacks, concurrency, (callback) => callback.person.index, async (callback) => {
    const reply = await client.request(callback.method, callback.path, callback.headers, callback.body);
    const token = setCookie(reply, cookieName);
    const { person, kind } = callback;
    if (reply.status !== 303 || !token) {
      const reason = /Reason: <code>([^<]+)<\/code>/.exec(reply.body)?.[1] ?? reply.body.slice(0, 200);
      return { person, kind, ms: reply.ms, ok: false, problem: `${reply.status} ${token ? "" : "(no session cookie) "}${reason}` };
    }
    return { person, kind, ms: reply.ms, ok: true, token };
  });
}
