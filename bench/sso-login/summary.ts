/** The SSO benchmark's closing report: every figure against its target, the CPU split, the checks. */
import { ms, perSecond, printTable, summarize, type TargetRow } from "../access-check/report.js";
import type { CpuSplit } from "./cpu.js";
import type { CallbackResult, SignInKind } from "./flows.js";
import type { LookupResult } from "./lookups.js";

export const CALLBACK_P95_TARGET_MS = 30;
export const LOOKUP_P95_TARGET_MS = 2;

export interface CallbackPhase {
  label: string;
  results: CallbackResult[];
  seconds: number;
  prepareSeconds: number;
  cpu: CpuSplit;
  /** Returning sign-ins sent one at a time after the phase. */
  probe: CallbackResult[];
}

export interface LookupPhase {
  label: string;
  result: LookupResult;
  cpu: CpuSplit;
  /** The figure the issue's target is about (concurrency 16, warm). */
  target: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const KIND_NAMES: Record<SignInKind, string> = { jit: "first sign-in (JIT account)", "email-link": "first at this connection (linked by email)", returning: "returning (linked by subject)" };

const figure = (latencies: number[], seconds?: number): string => {
  const s = summarize(latencies);
  return `${seconds === undefined ? "" : `${perSecond(s.count / seconds)} · `}p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`;
};

export function callbackRows(phase: CallbackPhase): TargetRow[] {
  const ok = phase.results.filter((result) => result.ok);
  const all = ok.map((result) => result.ms);
  const p95 = summarize(all).p95;
  const rows: TargetRow[] = [
    { name: `${phase.label} (${phase.results.length}, ${phase.results.length - ok.length} errors)`, figure: figure(all, phase.seconds), target: `p95 ≤ ${CALLBACK_P95_TARGET_MS} ms`, ok: ok.length === phase.results.length && p95 <= CALLBACK_P95_TARGET_MS },
  ];
  for (const kind of ["jit", "email-link", "returning"] as const) {
    const latencies = ok.filter((result) => result.kind === kind).map((result) => result.ms);
    if (latencies.length > 0) rows.push({ name: `  ${KIND_NAMES[kind]} (${latencies.length})`, figure: figure(latencies), target: "" });
  }
  const probe = phase.probe.filter((result) => result.ok).map((result) => result.ms);
  const probeKind = phase.probe.every((result) => result.kind === "returning") ? "returning" : "partly first sign-ins";
  if (phase.probe.length > 0) rows.push({ name: `  one at a time, ${probeKind} (${phase.probe.length}, ${phase.probe.length - probe.length} errors)`, figure: figure(probe), target: "" });
  return rows;
}

export function lookupRow(phase: LookupPhase, target: boolean): TargetRow {
  const r = phase.result;
  const row: TargetRow = { name: `${phase.label} (${r.requests}, ${r.errors} errors)`, figure: `${perSecond(r.perSecond)} · p50 ${ms(r.latency.p50)}  p95 ${ms(r.latency.p95)}  p99 ${ms(r.latency.p99)}  max ${ms(r.latency.max)}`, target: target ? `p95 ≤ ${LOOKUP_P95_TARGET_MS} ms` : "" };
  if (target) row.ok = r.errors === 0 && r.latency.p95 <= LOOKUP_P95_TARGET_MS;
  return row;
}

/** Cores during the phase, and CPU milliseconds per request (less sensitive to a busy machine than latency). */
export function cpuLine(label: string, cpu: CpuSplit, requests: number): string {
  const perRequest = (cores: number) => ((cores * cpu.wallSeconds * 1000) / Math.max(1, requests)).toFixed(2);
  const postgres = cpu.postgres === null ? "PGlite inside the server" : `PostgreSQL ${cpu.postgres.toFixed(2)}`;
  const perRequestPg = cpu.postgres === null ? "" : `, PostgreSQL ${perRequest(cpu.postgres)} ms`;
  return `  ${label}: server ${cpu.server.toFixed(2)} · ${postgres} · load generator ${cpu.loadGenerator.toFixed(2)} · fake OP ${cpu.op.toFixed(2)} · other ${cpu.other.toFixed(2)} (machine ${cpu.machineBusy.toFixed(2)} busy; load average ${cpu.loadAverage[0].toFixed(1)} → ${cpu.loadAverage[1].toFixed(1)})\n    per request: server ${perRequest(cpu.server)} ms CPU${perRequestPg}`;
}

export function printReport(callbacks: CallbackPhase[], lookups: LookupPhase[], checks: Check[]): boolean {
  const rows: TargetRow[] = [];
  for (const phase of callbacks) rows.push(...callbackRows(phase));
  for (const phase of lookups) rows.push(lookupRow(phase, phase.target));
  printTable("figures (latency per request as the load generator saw it; verdicts on p95)", rows);

  console.log("\nCPU in cores during each timed phase:");
  for (const phase of callbacks) console.log(cpuLine(phase.label, phase.cpu, phase.results.length));
  for (const phase of lookups) console.log(cpuLine(phase.label, phase.cpu, phase.result.requests));
  for (const phase of callbacks) console.log(`prepared (untimed) for ${phase.label}: ${phase.prepareSeconds.toFixed(1)} s`);

  const failures = [
    ...callbacks.flatMap((phase) => [...phase.results, ...phase.probe].filter((result) => !result.ok).map((result) => `${phase.label} ${result.kind} ${result.person.email}: ${result.problem}`)),
    ...lookups.flatMap((phase) => phase.result.errorSamples.map((sample) => `${phase.label}: ${sample}`)),
  ];
  for (const failure of failures.slice(0, 10)) console.log(`  error: ${failure}`);

  console.log("\nchecks:");
  for (const check of checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
  const verified = checks.every((check) => check.ok);
  console.log(`\nverification: ${verified ? "ok" : "FAILED (see above)"}`);
  return verified;
}
