import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface BenchDatabase {
  kind: "postgres" | "pglite";
  /** For people: the database name or the PGlite directory. */
  label: string;
  env: Record<string, string>;
  /** PostgreSQL only: ANALYZE the whole database (what autovacuum would do; see README). */
  analyze(): Promise<void>;
  /** PostgreSQL only: process ids of the backends connected to this database now. */
  backendPids(): Promise<number[]>;
  drop(): Promise<void>;
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  /** The server connects through PostgreSQL's Unix socket in this directory instead of TCP (psql still uses host). */
  socketDir?: string;
}

/** A brand-new database per run: a PostgreSQL database created through psql, or a temporary PGlite directory. */
export async function provisionDatabase(kind: "postgres" | "pglite", pg: PostgresTarget, explainSlowMs = 0): Promise<BenchDatabase> {
  if (kind === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
    return { kind, label: dir, env: { GATEHOUSE_DATA_DIR: join(dir, "pglite") }, analyze: async () => {}, backendPids: async () => [], drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `gatehouse_bench_${Date.now()}`;
  const psql = (sql: string, database = "postgres") => run("psql", ["-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]);
  await psql(`create database ${name}`);
  if (explainSlowMs > 0) {
    // Profiling aid: statements slower than this, and their plans, go to PostgreSQL's own log.
    await psql(`alter database ${name} set log_min_duration_statement = ${explainSlowMs}`);
    await psql(`alter database ${name} set session_preload_libraries = 'auto_explain'`);
    await psql(`alter database ${name} set auto_explain.log_min_duration = ${explainSlowMs}`);
  }
  return {
    kind, label: name,
    env: { DATABASE_URL: `postgres://${encodeURIComponent(pg.user)}@${encodeURIComponent(pg.socketDir ?? pg.host)}:${pg.port}/${name}` },
    analyze: async () => void (await psql("analyze", name)),
    backendPids: async () => {
      const { stdout } = await psql(`select pid from pg_stat_activity where datname = '${name}'`);
      return stdout.split("\n").map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
    },
    drop: async () => void (await psql(`drop database if exists ${name} with (force)`)),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  pid: number;
  baseUrl: string;
  token: string;
  /** The last lines the server wrote to stderr (warnings, errors). */
  stderrTail(): string[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves with the demo organization's SCIM token once the server printed it and answers HTTP. */
async function awaitReady(child: ChildProcess, baseUrl: string, output: { stdout: string; stderr: string[] }): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${output.stderr.slice(-20).join("\n")}`);
    const token = /SCIM token:\s+(\S+)/.exec(output.stdout)?.[1];
    if (token) {
      const ok = await fetch(`${baseUrl}/ServiceProviderConfig`).then((res) => res.ok, () => false);
      if (ok) return token;
    }
    await sleep(250);
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s`);
}

/** Starts `node --import tsx src/main.ts` on 127.0.0.1 against `database`, and waits for its token. */
/** `entry` is a compiled main.js to run instead of `--import tsx src/main.ts` (to see what tsx itself costs). */
export async function startServer(repoRoot: string, database: BenchDatabase, extraEnv: Record<string, string>, nodeArgs: string[] = [], entry?: string): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["DATABASE_URL", "GATEHOUSE_DATA_DIR", "GATEHOUSE_CONFIG", "PUBLIC_URL"]) delete env[key];
  Object.assign(env, { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", GATEHOUSE_SEED_DEMO: "true" }, database.env, extraEnv);
  const child = spawn(process.execPath, [...nodeArgs, ...(entry ? [entry] : ["--import", "tsx", "src/main.ts"])], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: [] as string[] };
  child.stdout?.on("data", (chunk: Buffer) => void (output.stdout = (output.stdout + chunk.toString()).slice(-10_000)));
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr.push(...chunk.toString().split("\n").filter((line) => line.trim() !== ""));
    if (output.stderr.length > 400) output.stderr.splice(0, output.stderr.length - 200);
  });
  const baseUrl = `http://127.0.0.1:${port}/scim/v2`;
  const stop = async () => {
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 20_000))) child.kill("SIGKILL");
    await waitForExit(child, 5_000);
  };
  try {
    const token = await awaitReady(child, baseUrl, output);
    return { pid: child.pid as number, baseUrl, token, stderrTail: () => output.stderr.slice(-30), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RssSampler {
  /** Starts a window (one per phase; windows may overlap); close() gives the highest VmRSS (MB, 10^6 bytes) inside it. */
  openWindow(): { close(): number };
  /** The highest VmRSS (MB, 10^6 bytes) sampled so far. */
  peakSampledMb(): number;
  /** VmHWM (MB, 10^6 bytes): the kernel's own peak RSS of the process. Read it before the process ends. */
  highWaterMarkMb(): number;
  stop(): void;
}

function statusFieldMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? (Number(match[1]) * 1024) / 1e6 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples /proc/<pid>/status VmRSS every `intervalMs`. */
export function sampleRss(pid: number, intervalMs = 200): RssSampler {
  let peak = 0;
  const windows = new Set<{ peak: number }>();
  const sample = () => {
    const mb = statusFieldMb(pid, "VmRSS");
    if (Number.isNaN(mb)) return;
    peak = Math.max(peak, mb);
    for (const window of windows) window.peak = Math.max(window.peak, mb);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    openWindow() {
      const window = { peak: 0 };
      windows.add(window);
      sample();
      return {
        close() {
          sample();
          windows.delete(window);
          return window.peak;
        },
      };
    },
    peakSampledMb: () => peak,
    highWaterMarkMb: () => statusFieldMb(pid, "VmHWM"),
    stop: () => clearInterval(timer),
  };
}
