import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";

/** Which code ran: figures from a moving work tree are only comparable with the commit and its local edits named. */
function describeCode(repoRoot: string): Record<string, string> {
  const git = (...args: string[]) => execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).trim();
  try {
    const dirty = git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length;
    return { commit: git("rev-parse", "--short", "HEAD"), uncommittedSrcFiles: String(dirty) };
  } catch {
    return { commit: "unknown" };
  }
}

export function describeMachine(repoRoot: string): Record<string, string | number> {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  return { nproc: availableParallelism(), cpu: model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, ...describeCode(repoRoot) };
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU time of the whole machine so far, in seconds (from the first line of /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const values = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0) / 100;
  const idle = ((values[3] ?? 0) + (values[4] ?? 0)) / 100;
  return { busy: total - idle, total };
}

/**
 * Where the CPU went during the run: the server, this load generator, and everything else on the
 * machine (PostgreSQL, other people's processes). The figures mean little without it on a shared box.
 */
export interface CpuUsage {
  wallSeconds: number;
  machineBusyCores: number;
  serverCores: number;
  loadGeneratorCores: number;
  otherCores: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
}

export function watchCpu(serverPid: number): () => CpuUsage {
  const start = { machine: machineCpu(), server: processCpuSeconds(serverPid), bench: process.cpuUsage(), load: loadavg()[0] ?? 0, at: Date.now() };
  return () => {
    const machine = machineCpu();
    const wall = (Date.now() - start.at) / 1000;
    const bench = process.cpuUsage(start.bench);
    const busy = machine.busy - start.machine.busy;
    const serverCpu = processCpuSeconds(serverPid) - start.server;
    const benchCpu = (bench.user + bench.system) / 1e6;
    return {
      wallSeconds: wall,
      machineBusyCores: busy / wall,
      serverCores: serverCpu / wall,
      loadGeneratorCores: benchCpu / wall,
      otherCores: (busy - serverCpu - benchCpu) / wall,
      loadAverageAtStart: start.load,
      loadAverageAtEnd: loadavg()[0] ?? 0,
    };
  };
}

/**
 * CPU seconds used by this database's PostgreSQL backends. The pool closes idle connections and opens
 * new ones, so their pids are sampled every few seconds and each one's last reading is kept.
 */
export function watchBackends(listPids: () => Promise<number[]>, everyMs = 3000): { stop(): Promise<number> } {
  const cpuByPid = new Map<number, number>();
  const sample = async () => {
    for (const pid of await listPids().catch(() => [])) {
      const seconds = processCpuSeconds(pid);
      if (Number.isFinite(seconds)) cpuByPid.set(pid, Math.max(cpuByPid.get(pid) ?? 0, seconds));
    }
  };
  let pending: Promise<void> = sample();
  const timer = setInterval(() => void (pending = pending.then(sample)), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await sample();
      return [...cpuByPid.values()].reduce((sum, seconds) => sum + seconds, 0);
    },
  };
}

/** CPU seconds so far of the server and of this database's PostgreSQL backends (by pid), for per-phase figures. */
export interface CpuSnapshot {
  server: number;
  backends: Map<number, number>;
}

export async function snapshotCpu(serverPid: number, listBackendPids: () => Promise<number[]>): Promise<CpuSnapshot> {
  const backends = new Map<number, number>();
  for (const pid of await listBackendPids().catch(() => [])) {
    const seconds = processCpuSeconds(pid);
    if (Number.isFinite(seconds)) backends.set(pid, seconds);
  }
  return { server: processCpuSeconds(serverPid), backends };
}

/** CPU seconds between two snapshots; a backend that appeared in between counts from zero (one that ended is lost). */
export function cpuBetween(start: CpuSnapshot, end: CpuSnapshot): { server: number; postgres: number } {
  let postgres = 0;
  for (const [pid, seconds] of end.backends) postgres += seconds - (start.backends.get(pid) ?? 0);
  return { server: end.server - start.server, postgres };
}
