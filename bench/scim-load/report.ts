import { writeFileSync } from "node:fs";
import type { BenchContext } from "./context.js";
import type { PhaseResult } from "./stats.js";

export interface Target {
  name: string;
  actual: string;
  /** False when the run stopped before the figure was measured. */
  measured: boolean;
  ok: boolean;
}

const fmt = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "-");

function find(ctx: BenchContext, prefix: string): PhaseResult | undefined {
  return ctx.results.find((result) => result.name.startsWith(prefix));
}

/** The issue's targets (issue 3, "Benchmark"), evaluated on this run's figures. */
export function evaluateTargets(ctx: BenchContext, peakRssMb: number): Target[] {
  const create = find(ctx, "create users");
  const lookup = find(ctx, "userName eq lookups");
  const { batchP95Small, batchP95Large, batchRatio, groupExcludedP95 } = ctx.figures;
  const batchSmallSize = ctx.figures.batchSmallSize ?? Math.min(1000, ctx.options.users);
  const batchLargeSize = ctx.figures.batchLargeSize ?? ctx.options.users;
  // The "  mixed:" rows split the mixed-traffic row by kind; counting them too would count errors twice.
  const errors = ctx.results.filter((result) => !result.name.startsWith("  mixed:")).reduce((sum, result) => sum + result.errors, 0);
  const growth = ctx.results.find((result) => result.name.startsWith("grow group to") && result.name.includes("parallel"));
  const { groupExcludedP95Sequential } = ctx.figures;
  const targets: Array<[string, number | undefined, (n: number) => boolean, string]> = [
    ["create users ≥ 1,000/s", create?.opsPerSecond, (n) => n >= 1000, "/s"],
    [`userName eq lookups ≥ 3,000/s (at ${ctx.options.users} users)`, lookup?.opsPerSecond, (n) => n >= 3000, "/s"],
    [`userName eq lookup p95 ≤ 10 ms (at ${ctx.options.users} users)`, lookup?.p95, (n) => n <= 10, " ms"],
    [`${ctx.options.batch}-member PATCH batch p95 ≤ 50 ms (@${batchLargeSize} members, one request at a time)`, batchP95Large, (n) => n <= 50, " ms"],
    [`${ctx.options.batch}-member PATCH batch p95 ≤ 50 ms (${ctx.options.concurrency} parallel batches to the one group)`, growth?.p95, (n) => n <= 50, " ms"],
    [`batch p95 @${batchLargeSize} ≤ 1.5× batch p95 @${batchSmallSize} (${fmt(batchP95Small)} → ${fmt(batchP95Large)} ms)`, batchRatio, (n) => n <= 1.5, "×"],
    [`GET group excludedAttributes=members p95 ≤ 10 ms (${ctx.options.concurrency} parallel)`, groupExcludedP95, (n) => n <= 10, " ms"],
    ["GET group excludedAttributes=members p95 ≤ 10 ms (one request at a time)", groupExcludedP95Sequential, (n) => n <= 10, " ms"],
    ["zero errors (non-2xx)", errors, (n) => n === 0, ""],
    ["server peak RSS (VmHWM) ≤ 300 MB", peakRssMb, (n) => n <= 300, " MB"],
  ];
  return targets.map(([name, value, test, unit]) => {
    const measured = value !== undefined && Number.isFinite(value);
    return { name, actual: `${fmt(value, unit === "" ? 0 : unit === "×" ? 2 : 1)}${unit}`, measured, ok: measured && test(value) };
  });
}

export function printSummary(ctx: BenchContext, targets: Target[], rss: { hwm: number; sampled: number }): void {
  const header = `${"phase".padEnd(56)} ${"ops".padStart(7)} ${"ops/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(9)} ${"errors".padStart(6)} ${"RSS MB".padStart(7)}`;
  console.log(`\nSummary (${ctx.options.db}, ${ctx.options.users} users, concurrency ${ctx.options.concurrency})\n${header}\n${"-".repeat(header.length)}`);
  for (const r of ctx.results) {
    console.log(`${r.name.padEnd(56)} ${String(r.ops).padStart(7)} ${fmt(r.opsPerSecond, 0).padStart(8)} ${fmt(r.p50).padStart(8)} ${fmt(r.p95).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.max).padStart(9)} ${String(r.errors).padStart(6)} ${fmt(r.peakRssMb, 0).padStart(7)}`);
  }
  console.log(`\nServer peak RSS: VmHWM ${fmt(rss.hwm, 0)} MB (highest sampled VmRSS ${fmt(rss.sampled, 0)} MB)`);
  const failed = ctx.checks.filter((c) => !c.ok);
  console.log(`Verification: ${ctx.checks.length - failed.length}/${ctx.checks.length} checks passed${failed.length ? `; FAILED: ${failed.map((c) => c.name).join("; ")}` : ""}`);
  console.log("\nTargets (issue 3):");
  for (const target of targets) console.log(`  ${target.ok ? "met   " : target.measured ? "MISSED" : "n/a   "} ${target.name}: ${target.measured ? target.actual : "not measured"}`);
}

export function writeJson(path: string, ctx: BenchContext, targets: Target[], extra: Record<string, unknown>): void {
  const { options, results, checks, figures } = ctx;
  writeFileSync(path, `${JSON.stringify({ ...extra, options, results, checks, figures, targets }, null, 2)}\n`);
}
