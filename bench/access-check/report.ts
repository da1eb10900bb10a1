/** Percentiles, the machine and commit, and the final plain-text table. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { percentile } from "../scim-load/stats.js";

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of samples (any unit; the caller keeps track). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    count: values.length,
    mean: values.length > 0 ? sum / values.length : Number.NaN,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values[values.length - 1] ?? Number.NaN,
  };
}

export const ms = (value: number): string => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : "n/a");
export const us = (valueMs: number): string => (Number.isFinite(valueMs) ? `${(valueMs * 1000).toFixed(1)} µs` : "n/a");
export const perSecond = (value: number): string => (Number.isFinite(value) ? `${Math.round(value).toLocaleString("en-US")}/s` : "n/a");
export const spread = (s: Summary, unit: (value: number) => string = ms): string => `p50 ${unit(s.p50)}  p95 ${unit(s.p95)}  p99 ${unit(s.p99)}  max ${unit(s.max)}`;

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  commit: string;
  uncommittedSrcFiles: number;
  loadAverage: number;
}

export function describeMachine(repoRoot: string): Machine {
  const git = (...args: string[]) => execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).trim();
  let commit = "unknown";
  let dirty = 0;
  try {
    commit = git("rev-parse", "--short", "HEAD");
    dirty = git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length;
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
    uncommittedSrcFiles: dirty,
    loadAverage: loadavg()[0] ?? 0,
  };
}

/** Busy cores of the whole machine between two readings of /proc/stat (other people's tests included). */
export function machineBusy(): () => number {
  const read = () => {
    const values = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
  };
  const start = read();
  return () => {
    const end = read();
    return ((end.busy - start.busy) / Math.max(1, end.total - start.total)) * cpus().length;
  };
}

export interface TargetRow {
  name: string;
  figure: string;
  target: string;
  /** undefined: informational, no target. */
  ok?: boolean;
}

export function printTable(title: string, rows: readonly TargetRow[]): void {
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => [row.name, row.figure, row.target][column]?.length ?? 0), 6));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ");
  console.log(`\n${title}`);
  console.log(`${line(["measure", "figure", "target"])}  verdict`);
  console.log("-".repeat((widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + 15));
  for (const row of rows) console.log(`${line([row.name, row.figure, row.target])}  ${row.ok === undefined ? "" : row.ok ? "met" : "MISSED"}`.trimEnd());
}
