/**
 * GET /auth/session with the cookies the sign-ins produced: the session query, the person, the organization and
 * the effective access (the engine resolves a person on their first lookup, then answers from its cache). Every
 * answer is checked: 200, this cookie's person, and exactly the groups their claims named.
 */
import { performance } from "node:perf_hooks";
import { summarize, type Summary } from "../access-check/report.js";
import type { Random } from "../access-check/workload.js";
import { runAll, type Client } from "./http.js";
import type { Organization, Person } from "./setup.js";

export interface SessionCookie {
  person: Person;
  token: string;
}

export interface LookupResult {
  requests: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  perSecond: number;
  latency: Summary;
}

function problemWith(body: string, session: SessionCookie, org: Organization): string | null {
  try {
    const answer = JSON.parse(body) as { user?: { userName?: string }; organization?: { id?: string }; access?: { groups?: Array<{ id: string }> } };
    if (answer.user?.userName !== session.person.email) return `user ${answer.user?.userName} for ${session.person.email}`;
    if (answer.organization?.id !== org.organizationId) return "another organization";
    const groups = (answer.access?.groups ?? []).map((group) => group.id).sort();
    const expected = session.person.groups.map((name) => org.groupIds.get(name)).sort();
    if (JSON.stringify(groups) !== JSON.stringify(expected)) return `groups ${groups.length} not the ${expected.length} claimed`;
    return null;
  } catch {
    return `not JSON: ${body.slice(0, 100)}`;
  }
}

export async function lookUp(client: Client, org: Organization, sessions: readonly SessionCookie[], concurrency: number, cookieName: string): Promise<LookupResult> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const started = performance.now();
  await runAll(sessions, concurrency, (session) => session, async (session) => {
    const reply = await client.request("GET", "/auth/session", { cookie: `${cookieName}=${session.token}` });
    latencies.push(reply.ms);
    const problem = reply.status === 200 ? problemWith(reply.body, session, org) : `${reply.status} ${reply.body.slice(0, 200)}`;
    if (problem) {
      errors += 1;
      if (errorSamples.length < 5) errorSamples.push(problem);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors, errorSamples, seconds, perSecond: latencies.length / seconds, latency: summarize(latencies) };
}

/** `count` lookups of sessions drawn at random (the same session may be looked up several times at once). */
export function randomSessions(sessions: readonly SessionCookie[], count: number, rand: Random): SessionCookie[] {
  return Array.from({ length: count }, () => ({ ...(sessions[rand.int(sessions.length)] as SessionCookie) }));
}
