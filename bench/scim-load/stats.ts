import { performance } from "node:perf_hooks";
import type { Reply } from "./client.js";
import type { RssSampler } from "./server.js";

/** One row of the summary table. Latencies in milliseconds. */
export interface PhaseResult {
  name: string;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  peakRssMb: number;
  errorSamples: string[];
  /** CPU milliseconds per operation during the phase (measured phases only): steadier than latency on a shared machine. */
  cpuMsPerOp?: { server: number; postgres: number };
}

export interface Phase {
  /** Counts a reply: its latency, and an error unless its status is 2xx (or listed in `expected`). */
  record(reply: Reply, expected?: readonly number[]): void;
  finish(): PhaseResult;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function startPhase(name: string, rss: RssSampler): Phase {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const started = performance.now();
  const window = rss.openWindow();
  return {
    record(reply, expected = []) {
      latencies.push(reply.ms);
      const ok = (reply.status >= 200 && reply.status < 300) || expected.includes(reply.status);
      if (ok) return;
      errors += 1;
      if (errorSamples.length < 5) errorSamples.push(`${reply.method} ${reply.path.slice(0, 120)} → ${reply.status} ${reply.body.slice(0, 300)}`);
    },
    finish() {
      const seconds = (performance.now() - started) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        name, ops: sorted.length, errors, seconds, opsPerSecond: sorted.length / seconds,
        p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN,
        peakRssMb: window.close(), errorSamples,
      };
    },
  };
}

/** Runs task(0 … count-1) on `concurrency` workers; every index runs exactly once. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Runs `task` on `concurrency` workers until `seconds` have passed (or `maxOps` tasks started). */
export async function runFor(seconds: number, concurrency: number, maxOps: number, task: () => Promise<void>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let started = 0;
  const worker = async () => {
    while (performance.now() < deadline && started < maxOps) {
      started += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return started;
}

/** A small seeded PRNG (mulberry32), so two runs pick the same "random" users. */
export function createRandom(seed: number): { int(below: number): number; shuffle<T>(items: T[]): T[] } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (below) => Math.floor(next() * below),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j] as T, items[i] as T];
      }
      return items;
    },
  };
}
