/**
 * In-process figures: cold resolution (loaders and resolve() timed apart, and the engine with no cache), a cold
 * miss when only the organization's structure is cached, cached engine.decide(), and pure check().
 */
import { performance } from "node:perf_hooks";
import { check } from "../../src/access/check.js";
import { assembleFacts, createAccessEngine, type AccessEngine } from "../../src/access/engine/access-engine.js";
import type { EffectiveAccess } from "../../src/access/effective.js";
import type { Policy } from "../../src/access/policy.types.js";
import { resolve } from "../../src/access/resolve.js";
import { loadOrganizationFacts, loadUserFacts } from "../../src/store/access.repository.js";
import type { Db } from "../../src/store/db.js";
import { createRandom } from "../scim-load/stats.js";
import type { Dataset } from "./dataset.js";
import { summarize, type Summary } from "./report.js";
import { randomQuestion, resourceRef, structuralCheck, type Question } from "./workload.js";

export interface ColdResult {
  size: number;
  users: number;
  loadUser: Summary;
  loadOrganization: Summary;
  resolve: Summary;
  /** createAccessEngine without notifications: every effective() loads both and resolves. */
  engineNoCache: Summary;
  /** A live engine seeing each user for the first time: user facts loaded, structure from cache. */
  engineFirstSight: Summary;
  /** Average rows behind one user: groups, grants, attachments, workspaces with a role. */
  facts: { groups: number; grants: number; attachments: number; workspaces: number };
}

const WARMUP = 20;
const elapsed = (started: number) => performance.now() - started;

export async function measureCold(db: Db, policy: Policy, data: Dataset, live: AccessEngine, samples: number, seed: number): Promise<ColdResult> {
  const rand = createRandom(seed);
  const users = rand.shuffle([...data.userIds]).slice(0, samples + WARMUP);
  const engine = createAccessEngine({ db, policy });
  const times = { loadUser: [] as number[], loadOrganization: [] as number[], resolve: [] as number[], engineNoCache: [] as number[], engineFirstSight: [] as number[] };
  const facts = { groups: 0, grants: 0, attachments: 0, workspaces: 0 };
  const org = data.organizationId;
  for (const [index, userId] of users.entries()) {
    let started = performance.now();
    const person = await loadUserFacts(db, org, userId);
    const loadUser = elapsed(started);
    started = performance.now();
    const structure = await loadOrganizationFacts(db, org);
    const loadOrganization = elapsed(started);
    if (!person?.user || !structure) throw new Error(`user ${userId} of ${org} did not load`);
    const input = assembleFacts(policy, org, userId, person, structure);
    started = performance.now();
    const access = resolve(input);
    const resolveMs = elapsed(started);
    started = performance.now();
    await engine.effective(org, userId);
    const noCache = elapsed(started);
    started = performance.now();
    await live.effective(org, userId);
    const firstSight = elapsed(started);
    if (index < WARMUP) continue;
    times.loadUser.push(loadUser);
    times.loadOrganization.push(loadOrganization);
    times.resolve.push(resolveMs);
    times.engineNoCache.push(noCache);
    times.engineFirstSight.push(firstSight);
    facts.groups += person.groups.length / samples;
    facts.grants += person.grants.length / samples;
    facts.attachments += person.attachments.length / samples;
    facts.workspaces += access.workspaces.length / samples;
  }
  return {
    size: data.size, users: samples,
    loadUser: summarize(times.loadUser), loadOrganization: summarize(times.loadOrganization), resolve: summarize(times.resolve),
    engineNoCache: summarize(times.engineNoCache), engineFirstSight: summarize(times.engineFirstSight), facts,
  };
}

export interface CachedResult {
  size: number;
  /** engine.decide() with every user and resource in cache; per call, one check each. */
  decide: Summary;
  decidePerSecond: number;
  allowedShare: number;
  /** Loads during the measured loop (0 when everything came from cache). */
  loadsDuring: number;
  /** Pure check() on an already-resolved EffectiveAccess (no resource). */
  pureCheck: Summary;
  pureCheckPerSecond: number;
  warmSeconds: number;
}

/** Every resource through the engine's lookUp (its cache holds 100,000 by default). */
export async function warmResources(engine: AccessEngine, data: Dataset, batch = 1000): Promise<void> {
  for (let start = 0; start < data.resources; start += batch) {
    const refs = Array.from({ length: Math.min(batch, data.resources - start) }, (_, offset) => resourceRef(start + offset));
    await engine.lookUp(data.organizationId, refs);
  }
}

export async function measureCached(engine: AccessEngine, data: Dataset, checks: number, poolSize: number, seed: number): Promise<CachedResult> {
  const rand = createRandom(seed);
  const org = data.organizationId;
  const pool = rand.shuffle([...data.userIds]).slice(0, poolSize);
  const warmStarted = performance.now();
  const resolved = new Map<string, EffectiveAccess>();
  for (const userId of pool) resolved.set(userId, (await engine.effective(org, userId)).access);
  await warmResources(engine, data);
  const warmSeconds = elapsed(warmStarted) / 1000;
  const questions: Question[] = Array.from({ length: checks }, () => randomQuestion(rand, data, pool));
  // A first pass warms the JIT; the second is measured.
  for (const question of questions.slice(0, 10_000)) await engine.decide(org, question.userId, [question.check]);
  const loadsBefore = engine.stats.loads;
  const samples = new Float64Array(questions.length);
  let allowed = 0;
  const loopStarted = performance.now();
  for (let index = 0; index < questions.length; index += 1) {
    const question = questions[index] as Question;
    const started = performance.now();
    const { decisions } = await engine.decide(org, question.userId, [question.check]);
    samples[index] = performance.now() - started;
    const decision = decisions[0];
    if (decision instanceof Error) throw decision;
    if (decision?.allowed) allowed += 1;
  }
  const decidePerSecond = questions.length / (elapsed(loopStarted) / 1000);
  const loadsDuring = engine.stats.loads - loadsBefore;

  const pureQuestions = Array.from({ length: checks }, () => ({ access: resolved.get(pool[rand.int(pool.length)] as string) as EffectiveAccess, request: structuralCheck(rand, data) }));
  for (const { access, request } of pureQuestions.slice(0, 10_000)) check(access, request);
  const pure = new Float64Array(pureQuestions.length);
  pureQuestions.forEach(({ access, request }, index) => {
    const started = performance.now();
    check(access, request);
    pure[index] = performance.now() - started;
  });
  // Throughput without the clock reads around each call.
  const tightStarted = performance.now();
  for (const { access, request } of pureQuestions) check(access, request);
  const pureCheckPerSecond = pureQuestions.length / (elapsed(tightStarted) / 1000);
  return {
    size: data.size, decide: summarize(Array.from(samples)), decidePerSecond, allowedShare: allowed / questions.length, loadsDuring,
    pureCheck: summarize(Array.from(pure)), pureCheckPerSecond, warmSeconds,
  };
}
