import { jsonOf, type Reply, type ScimClient } from "./client.js";
import type { CpuSnapshot } from "./machine.js";
import { cpuBetween } from "./machine.js";
import type { RssSampler } from "./server.js";
import { createRandom, startPhase, type Phase, type PhaseResult } from "./stats.js";

export interface BenchOptions {
  db: "postgres" | "pglite";
  users: number;
  concurrency: number;
  lookups: number;
  patches: number;
  groups: number;
  batch: number;
  probeRounds: number;
  getRepeats: number;
  mixedSeconds: number;
  seed: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BenchContext {
  options: BenchOptions;
  client: ScimClient;
  rss: RssSampler;
  random: ReturnType<typeof createRandom>;
  /** User ids by creation index ("" if that create failed). */
  userIds: string[];
  deactivated: Set<number>;
  deleted: Set<number>;
  groupIds: string[];
  /** What the big group (groupIds[0]) should hold, as far as the benchmark knows. */
  bigMembers: Set<string>;
  results: PhaseResult[];
  checks: Check[];
  /** Named figures for the targets (e.g. batch p95 at 1k and at N members). */
  figures: Record<string, number>;
  /** The phase being measured, so an interrupted run can still report it. */
  running?: Phase;
  /** Reads the server's and PostgreSQL's CPU so far (set once the server runs). */
  cpuSnapshot?: () => Promise<CpuSnapshot>;
}

export function createContext(options: BenchOptions, client: ScimClient, rss: RssSampler): BenchContext {
  return {
    options, client, rss, random: createRandom(options.seed), userIds: [], deactivated: new Set(), deleted: new Set(),
    groupIds: [], bigMembers: new Set(), results: [], checks: [], figures: {},
  };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

export function printPhase(result: PhaseResult): void {
  console.log(
    `  ${result.name.padEnd(44)} ${String(result.ops).padStart(7)} ops ${fmt(result.seconds).padStart(7)} s ${fmt(result.opsPerSecond, 0).padStart(7)}/s`
    + `  p50 ${fmt(result.p50).padStart(7)}  p95 ${fmt(result.p95).padStart(7)}  p99 ${fmt(result.p99).padStart(7)} ms  errors ${result.errors}  rss ${fmt(result.peakRssMb, 0)} MB`
    + (result.cpuMsPerOp ? `  cpu/op server ${fmt(result.cpuMsPerOp.server, 2)} + pg ${fmt(result.cpuMsPerOp.postgres, 2)} ms` : ""),
  );
  for (const sample of result.errorSamples) console.log(`      error: ${sample}`);
}

/** Runs one measured phase and records its row. */
export async function measure(ctx: BenchContext, name: string, body: (phase: Phase) => Promise<void>): Promise<PhaseResult> {
  const cpuAtStart = await ctx.cpuSnapshot?.();
  const phase = startPhase(name, ctx.rss);
  ctx.running = phase;
  await body(phase);
  ctx.running = undefined;
  const result = phase.finish();
  if (cpuAtStart && ctx.cpuSnapshot && result.ops > 0) {
    const used = cpuBetween(cpuAtStart, await ctx.cpuSnapshot());
    // /proc counts in 10 ms ticks: only phases long enough to say something get a figure.
    if (used.server >= 0.2) result.cpuMsPerOp = { server: (used.server * 1000) / result.ops, postgres: (used.postgres * 1000) / result.ops };
  }
  ctx.results.push(result);
  printPhase(result);
  return result;
}

export function check(ctx: BenchContext, name: string, ok: boolean, detail: string): void {
  ctx.checks.push({ name, ok, detail });
  console.log(`    ${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
}

/** A user index that is neither deleted nor failed to create. Bounded: gives up after 1,000 draws. */
export function liveIndex(ctx: BenchContext): number {
  for (let tries = 0; tries < 1000; tries += 1) {
    const index = ctx.random.int(ctx.options.users);
    if (!ctx.deleted.has(index) && ctx.userIds[index]) return index;
  }
  throw new Error("no live user found");
}

export const userNameOf = (index: number): string => `user${index}@bench.example`;

/** `totalResults` of a list reply, or NaN. */
export function totalOf(reply: Reply): number {
  const total = jsonOf<{ totalResults?: number }>(reply)?.totalResults;
  return typeof total === "number" ? total : Number.NaN;
}

/** GETs a group with its members and returns their ids (the whole streamed list, parsed). */
export async function fetchMemberIds(ctx: BenchContext, groupId: string): Promise<{ reply: Reply; ids: string[] }> {
  const reply = await ctx.client.request("GET", `/Groups/${groupId}`);
  const members = jsonOf<{ members?: Array<{ value: string }> }>(reply)?.members ?? [];
  return { reply, ids: members.map((member) => member.value) };
}

/** Compares the member ids returned with the expected set; describes the difference. */
export function compareMembers(ids: string[], expected: Set<string>): { ok: boolean; detail: string } {
  const seen = new Set(ids);
  const duplicates = ids.length - seen.size;
  let missing = 0;
  for (const id of expected) if (!seen.has(id)) missing += 1;
  let unexpected = 0;
  for (const id of seen) if (!expected.has(id)) unexpected += 1;
  const ok = duplicates === 0 && missing === 0 && unexpected === 0;
  return { ok, detail: `${ids.length} members returned, ${expected.size} expected (${missing} missing, ${unexpected} unexpected, ${duplicates} duplicates)` };
}
