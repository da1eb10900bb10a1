/**
 * `--workers N`: POST /access/v1/check against the real server (src/main.ts) started with GATEHOUSE_WORKERS=N
 * on the benchmark's database, the way an operator runs it (N = 1: one process, no cluster). There is no IPC
 * into those processes, so their caches are warmed over HTTP: 2 × N single-connection clients each ask once
 * for every user, each from its own offset (the primary hands new connections to the workers in turn, so each worker meets every user),
 * and every registered resource (batches of 1,000 checks naming 1,000 resources, as the benchmark's own server
 * warms its resource cache), then the load runs on new connections. CPU is read per process (primary and each worker) from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { processCpuSeconds } from "../scim-load/machine.js";
import type { Dataset } from "./dataset.js";
import { createAccessClient, drive, isVerdict, type LoadResult } from "./http-load.js";
import { createRawAccessClient } from "./raw-client.js";
import { resourceRef, singleBodies } from "./workload.js";

export interface ClusterOptions {
  workers: number;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  seed: number;
  client: "raw" | "node";
}

export interface ClusterResult {
  workers: number;
  warmSeconds: number;
  single: LoadResult;
  /** CPU cores used during the measured load: each worker, the primary, the load generator, the whole machine. */
  cpu: { workerCores: number[]; primaryCores: number; loadGeneratorCores: number; postgresCores: number; machineBusyCores: number; loadAverage: [number, number] };
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds of every PostgreSQL process (comm "postgres") so far, by pid. */
function postgresCpu(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") cpu.set(Number(entry), processCpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

function machineBusySeconds(): { busy: number; total: number } {
  const values = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0) / 100;
  return { busy: total - ((values[3] ?? 0) + (values[4] ?? 0)) / 100, total };
}

async function waitHealthy(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`src/main.ts exited with ${child.exitCode}:\n${stderr()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: "close" } }).then((res) => res.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`src/main.ts not healthy after 180 s:\n${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function runClusterPhase(env: Record<string, string>, data: Dataset, options: ClusterOptions, log: (line: string) => void): Promise<ClusterResult> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["DATABASE_URL", "GATEHOUSE_DATA_DIR", "GATEHOUSE_CONFIG"]) delete childEnv[key];
  // Logs at warn, as the benchmark's own server: a line per request would be part of the figure.
  Object.assign(childEnv, { LOG_LEVEL: "warn", PORT: String(port), HOST: "127.0.0.1", GATEHOUSE_SEED_DEMO: "false", GATEHOUSE_WORKERS: String(options.workers) }, env);
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: repoRoot, env: childEnv, stdio: ["ignore", "inherit", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const pid = child.pid as number;
  try {
    await waitHealthy(port, child, () => stderr);
    // Forked workers start within a second of each other; the first to listen answers /healthz.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const workerPids = options.workers > 1 ? childrenOf(pid) : [pid];
    log(`  src/main.ts pid ${pid}${options.workers > 1 ? `, workers ${workerPids.join(", ")}` : ""} on 127.0.0.1:${port}`);

    const warmStarted = performance.now();
    const warmers = Array.from({ length: 2 * options.workers }, () => createAccessClient(port, data.apiKey, 1));
    const warmBody = (userId: string) => JSON.stringify({ userId, permission: "organization:read" });
    // Each connection starts at its own offset: a worker's two connections then load different users at once.
    await Promise.all(
      warmers.map(async (client, index) => {
        const offset = Math.floor((index * data.userIds.length) / warmers.length);
        for (const userId of [...data.userIds.slice(offset), ...data.userIds.slice(0, offset)]) {
          const reply = await client.post("/access/v1/check", warmBody(userId));
          if (reply.status !== 200) throw new Error(`warm-up check: ${reply.status} ${reply.body.slice(0, 200)}`);
        }
        client.close();
      }),
    );
    const usersSeconds = (performance.now() - warmStarted) / 1000;
    const resourceBodies: string[] = [];
    for (let start = 0; start < data.resources; start += 1000) {
      const checks = Array.from({ length: Math.min(1000, data.resources - start) }, (_, offset) => {
        const resource = resourceRef(start + offset);
        return { permission: `${resource.type}:read`, resource };
      });
      resourceBodies.push(JSON.stringify({ userId: data.userIds[0], checks }));
    }
    const resourceWarmers = Array.from({ length: 2 * options.workers }, () => createAccessClient(port, data.apiKey, 1));
    await Promise.all(
      resourceWarmers.map(async (client) => {
        for (const body of resourceBodies) {
          const reply = await client.post("/access/v1/check", body);
          if (reply.status !== 200) throw new Error(`warm-up batch: ${reply.status} ${reply.body.slice(0, 200)}`);
        }
        client.close();
      }),
    );
    const warmSeconds = (performance.now() - warmStarted) / 1000;
    log(
      `  warmed ${data.userIds.length.toLocaleString("en-US")} users in ${usersSeconds.toFixed(1)} s and ${data.resources.toLocaleString("en-US")} resources ` +
        `in ${(warmSeconds - usersSeconds).toFixed(1)} s, on ${warmers.length} connections`,
    );

    const client = options.client === "raw" ? createRawAccessClient(port, data.apiKey) : createAccessClient(port, data.apiKey, options.concurrency);
    const bodies = singleBodies(data, 50_000, options.seed);
    if (options.warmupSeconds > 0) await drive(client, { path: "/access/v1/check", bodies, concurrency: options.concurrency, seconds: options.warmupSeconds, warmupSeconds: 0, verify: isVerdict });
    const before = { workers: workerPids.map(processCpuSeconds), primary: processCpuSeconds(pid), postgres: postgresCpu(), bench: process.cpuUsage(), machine: machineBusySeconds(), at: performance.now() };
    const single = await drive(client, { path: "/access/v1/check", bodies, concurrency: options.concurrency, seconds: options.seconds, warmupSeconds: 0, verify: isVerdict });
    const wall = (performance.now() - before.at) / 1000;
    const bench = process.cpuUsage(before.bench);
    const machine = machineBusySeconds();
    let postgresSeconds = 0;
    for (const [backend, seconds] of postgresCpu()) if (Number.isFinite(seconds)) postgresSeconds += seconds - (before.postgres.get(backend) ?? 0);
    const cpu = {
      workerCores: workerPids.map((worker, index) => (processCpuSeconds(worker) - (before.workers[index] ?? 0)) / wall),
      primaryCores: options.workers > 1 ? (processCpuSeconds(pid) - before.primary) / wall : 0,
      loadGeneratorCores: (bench.user + bench.system) / 1e6 / wall,
      postgresCores: postgresSeconds / wall,
      machineBusyCores: (machine.busy - before.machine.busy) / wall,
      loadAverage: [loadavg()[0] ?? 0, loadavg()[1] ?? 0] as [number, number],
    };
    client.close();
    log(
      `  POST /check × ${options.workers} process${options.workers > 1 ? "es" : ""}: ${Math.round(single.perSecond).toLocaleString("en-US")}/s ` +
        `(${single.requests.toLocaleString("en-US")} in ${single.seconds.toFixed(1)} s, ${single.errors} errors), p50 ${single.latency.p50.toFixed(2)} ms, p99 ${single.latency.p99.toFixed(2)} ms; ` +
        `CPU cores: workers ${cpu.workerCores.map((cores) => cores.toFixed(2)).join(" + ")}, primary ${cpu.primaryCores.toFixed(2)}, load generator ${cpu.loadGeneratorCores.toFixed(2)}, PostgreSQL (every backend) ${cpu.postgresCores.toFixed(2)}, machine ${cpu.machineBusyCores.toFixed(2)}`,
    );
    if (single.errorSamples.length > 0) log(`  errors: ${single.errorSamples.join(" | ")}`);
    return { workers: options.workers, warmSeconds, single, cpu };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) log(`  src/main.ts exited with ${code} on SIGTERM:\n${stderr}`);
    }
  }
}
