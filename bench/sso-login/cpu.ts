/**
 * Where the CPU went during one timed phase: the server, this load generator, the fake OP, this database's
 * PostgreSQL backends and the rest of the machine (other people's runs), in cores.
 */
import { processCpuSeconds, watchCpu } from "../scim-load/machine.js";

export interface CpuSplit {
  server: number;
  loadGenerator: number;
  op: number;
  /** null on PGlite (it runs inside the server process). */
  postgres: number | null;
  other: number;
  machineBusy: number;
  wallSeconds: number;
  loadAverage: [number, number];
}

/** CPU seconds this database's backends used since the call (pids sampled every second; new backends count from 0). */
async function watchBackends(listPids: () => Promise<number[]>): Promise<() => Promise<number>> {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  const sample = async () => {
    for (const pid of await listPids().catch(() => [])) {
      const seconds = processCpuSeconds(pid);
      if (!Number.isFinite(seconds)) continue;
      if (!started) first.set(pid, seconds);
      last.set(pid, Math.max(last.get(pid) ?? 0, seconds));
    }
    started = true;
  };
  await sample();
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void (pending = pending.then(sample)), 1000);
  return async () => {
    clearInterval(timer);
    await pending;
    await sample();
    let total = 0;
    for (const [pid, seconds] of last) total += seconds - (first.get(pid) ?? 0);
    return total;
  };
}

/** Starts watching (after a first reading of the backends); the function it gives ends the phase. */
export async function watchPhase(serverPid: number, opPid: number, backendPids: (() => Promise<number[]>) | null): Promise<() => Promise<CpuSplit>> {
  const backends = backendPids ? await watchBackends(backendPids) : null;
  const cpu = watchCpu(serverPid);
  const opStart = processCpuSeconds(opPid);
  return async () => {
    const backendSeconds = backends ? await backends() : null;
    const usage = cpu();
    const op = (processCpuSeconds(opPid) - opStart) / usage.wallSeconds;
    const postgres = backendSeconds === null ? null : backendSeconds / usage.wallSeconds;
    return {
      server: usage.serverCores,
      loadGenerator: usage.loadGeneratorCores,
      op,
      postgres,
      other: usage.otherCores - op - (postgres ?? 0),
      machineBusy: usage.machineBusyCores,
      wallSeconds: usage.wallSeconds,
      loadAverage: [usage.loadAverageAtStart, usage.loadAverageAtEnd],
    };
  };
}
