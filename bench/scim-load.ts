/**
 * SCIM load benchmark (issue 3, "Benchmark"): starts the real server on a fresh database, drives the
 * SCIM HTTP API with N users at a fixed concurrency, verifies the results as it goes, and prints
 * ops/s and p50/p95/p99 per phase, the server's peak RSS, and the issue's targets met or missed.
 *
 *   node --import tsx bench/scim-load.ts                          # PostgreSQL on 127.0.0.1, 10,000 users
 *   node --import tsx bench/scim-load.ts --db pglite --users 10000
 *   node --import tsx bench/scim-load.ts --users 100000 --json /tmp/run.json
 *   node --import tsx bench/scim-load.ts --server tsx                # src/main.ts through tsx (default: dist/, as npm start)
 *
 * Exits 1 when a verification fails (2 with --strict when only a target is missed). See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createScimClient } from "./scim-load/client.js";
import { check, createContext, type BenchContext, type BenchOptions } from "./scim-load/context.js";
import { createGroups, getBigGroup, growBigGroup, removeMembers, verifyBigGroupAfterDeletes } from "./scim-load/groups.phases.js";
import { describeMachine, snapshotCpu, watchBackends, watchCpu } from "./scim-load/machine.js";
import { mixedTraffic } from "./scim-load/mixed.phase.js";
import { evaluateTargets, printSummary, writeJson } from "./scim-load/report.js";
import { provisionDatabase, sampleRss, startServer, type BenchDatabase, type PostgresTarget, type RunningServer } from "./scim-load/server.js";
import { createUsers, deactivateAndDelete, lookUpUsers, patchUsers, walkPages } from "./scim-load/users.phases.js";
import { fileURLToPath } from "node:url";
import { databaseKind, integer, printHelpAndExit } from "./cli.js";

const OPTIONS = {
  db: { type: "string", default: "postgres" },
  users: { type: "string", default: "10000" },
  concurrency: { type: "string", default: "16" },
  lookups: { type: "string", default: "10000" },
  patches: { type: "string", default: "5000" },
  groups: { type: "string", default: "50" },
  batch: { type: "string", default: "100" },
  "probe-rounds": { type: "string", default: "100" },
  "get-repeats": { type: "string", default: "5" },
  "mixed-seconds": { type: "string", default: "20" },
  seed: { type: "string", default: "42" },
  "pool-size": { type: "string" },
  "pg-host": { type: "string", default: "127.0.0.1" },
  "pg-port": { type: "string", default: "5432" },
  "pg-user": { type: "string", default: "postgres" },
  "pg-socket": { type: "string" },
  "keep-db": { type: "boolean", default: false },
  "analyze-every": { type: "string", default: "0" },
  "explain-slow-ms": { type: "string", default: "0" },
  "server-node-args": { type: "string", default: "" },
  "server-entry": { type: "string" },
  server: { type: "string", default: "compiled" },
  json: { type: "string" },
  strict: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });

if (args.help) printHelpAndExit(import.meta.url, OPTIONS);

const db = databaseKind(args.db);
const options: BenchOptions = {
  db,
  users: integer("users", args.users, 1000, 1_000_000),
  concurrency: integer("concurrency", args.concurrency, 1, 256),
  lookups: integer("lookups", args.lookups, 1, 10_000_000),
  patches: integer("patches", args.patches, 1, 10_000_000),
  groups: integer("groups", args.groups, 2, 10_000),
  batch: integer("batch", args.batch, 1, 1000),
  probeRounds: integer("probe-rounds", args["probe-rounds"], 1, 10_000),
  getRepeats: integer("get-repeats", args["get-repeats"], 1, 1000),
  mixedSeconds: integer("mixed-seconds", args["mixed-seconds"], 1, 3600),
  seed: integer("seed", args.seed, 0, 2 ** 31),
};
const pg: PostgresTarget = { host: args["pg-host"] ?? "127.0.0.1", port: integer("pg-port", args["pg-port"], 1, 65535), user: args["pg-user"] ?? "postgres", ...(args["pg-socket"] ? { socketDir: args["pg-socket"] } : {}) };
if (pg.host !== "127.0.0.1") throw new Error("the benchmark only uses the PostgreSQL on 127.0.0.1");
const serverEnv: Record<string, string> = args["pool-size"] ? { DATABASE_POOL_SIZE: String(integer("pool-size", args["pool-size"], 1, 200)) } : {};
// For profiling the server, e.g. --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses --cpu-prof).
const serverNodeArgs = (args["server-node-args"] ?? "").split(/\s+/).filter(Boolean);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
// What `npm start` runs: the compiled server (dist/main.js, built now from src/), unless --server tsx or --server-entry.
if (args.server !== "compiled" && args.server !== "tsx") {
  console.error(`--server must be compiled or tsx, got "${args.server}"`);
  process.exit(64);
}
const serverEntry = args["server-entry"] ?? (args.server === "compiled" ? buildServer() : undefined);

function buildServer(): string {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  return join(repoRoot, "dist", "main.js");
}

/**
 * The local PostgreSQL runs with autovacuum = off (a CI setting). The server notices and analyzes its grown
 * tables itself (src/store/statistics.ts, as it always does on PGlite), so this is off by default; `--analyze-every
 * 60` adds a whole-database ANALYZE at autovacuum's default naptime, as before that keeper existed.
 */
function startAnalyzer(database: BenchDatabase, everySeconds: number): { stop(): Promise<number> } {
  if (database.kind !== "postgres" || everySeconds === 0) return { stop: async () => 0 };
  let runs = 0;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => database.analyze().then(() => void (runs += 1), (error: Error) => console.log(`ANALYZE failed: ${error.message}`)));
  }, everySeconds * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      return runs;
    },
  };
}

/** Another engineer's half-finished edit can stop the server from starting: wait and retry, a bounded number of times. */
async function startOnFreshDatabase(): Promise<{ database: BenchDatabase; server: RunningServer; startSeconds: number }> {
  const attempts = 5;
  for (let attempt = 1; ; attempt += 1) {
    const database = await provisionDatabase(options.db, pg, integer("explain-slow-ms", args["explain-slow-ms"], 0, 3_600_000));
    const started = Date.now();
    try {
      const server = await startServer(repoRoot, database, serverEnv, serverNodeArgs, serverEntry);
      return { database, server, startSeconds: (Date.now() - started) / 1000 };
    } catch (error) {
      await database.drop();
      if (attempt >= attempts) throw error;
      console.log(`server did not start (attempt ${attempt}/${attempts}): ${(error as Error).message.split("\n").slice(0, 6).join("\n  ")}\nretrying in 60 s`);
      await sleep(60_000);
    }
  }
}

async function runPhases(ctx: BenchContext): Promise<void> {
  const steps: Array<[string, (ctx: BenchContext) => Promise<void>]> = [
    ["users", createUsers], ["lookups", lookUpUsers], ["paging", walkPages], ["patch", patchUsers],
    ["groups", createGroups], ["grow", growBigGroup], ["remove members", removeMembers], ["get group", getBigGroup],
    ["lifecycle", deactivateAndDelete], ["group after deletes", verifyBigGroupAfterDeletes], ["mixed", mixedTraffic],
  ];
  for (const [label, step] of steps) {
    console.log(`\n[${label}]`);
    await step(ctx);
  }
}

const machine = describeMachine(repoRoot);
console.log(`scim-load: ${JSON.stringify({ ...machine, ...options, poolSize: serverEnv.DATABASE_POOL_SIZE ?? "default", server: serverEntry ? `node ${serverEntry}` : "node --import tsx src/main.ts", analyzeEvery: args["analyze-every"] })}`);
const { database, server, startSeconds } = await startOnFreshDatabase();
console.log(`server pid ${server.pid} on ${server.baseUrl}, ${database.kind} ${database.label}, ready in ${startSeconds.toFixed(1)} s`);
const rss = sampleRss(server.pid);
const rssAtStartMb = rss.openWindow().close();
console.log(`server RSS when ready: ${rssAtStartMb.toFixed(0)} MB`);
const analyzer = startAnalyzer(database, integer("analyze-every", args["analyze-every"], 0, 3600));
const cpuUsage = watchCpu(server.pid);
const backends = watchBackends(() => database.backendPids());
const client = createScimClient(server.baseUrl, server.token, options.concurrency);
const ctx = createContext(options, client, rss);
ctx.cpuSnapshot = () => snapshotCpu(server.pid, () => database.backendPids());
const wallStarted = Date.now();
// Interrupted (Ctrl-C, a timeout): print what was measured, and leave no server or database behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping after ${((Date.now() - wallStarted) / 1000).toFixed(0)} s`);
    const partial = ctx.running?.finish();
    if (partial) ctx.results.push({ ...partial, name: `${partial.name} (interrupted)` });
    check(ctx, "benchmark ran to the end", false, `interrupted by ${signal}`);
    printSummary(ctx, evaluateTargets(ctx, rss.highWaterMarkMb()), { hwm: rss.highWaterMarkMb(), sampled: rss.peakSampledMb() });
    void server.stop().then(() => (args["keep-db"] ? undefined : database.drop())).finally(() => process.exit(130));
  });
}
try {
  await runPhases(ctx);
} catch (error) {
  check(ctx, "benchmark ran to the end", false, (error as Error).stack ?? String(error));
}
const analyzeRuns = await analyzer.stop();
const peak = { hwm: rss.highWaterMarkMb(), sampled: rss.peakSampledMb() };
const backendCpu = await backends.stop();
const cpu = { ...cpuUsage(), postgresBackendCores: database.kind === "postgres" ? backendCpu / ((Date.now() - wallStarted) / 1000) : Number.NaN };
rss.stop();
client.close();
const serverLog = server.stderrTail();
await server.stop();
if (args["keep-db"]) console.log(`\nkept ${database.kind} database: ${database.label}`);
else await database.drop();

const targets = evaluateTargets(ctx, peak.hwm);
printSummary(ctx, targets, peak);
console.log(`wall time ${((Date.now() - wallStarted) / 1000).toFixed(0)} s; CPU cores busy on average: machine ${cpu.machineBusyCores.toFixed(2)} = server ${cpu.serverCores.toFixed(2)} + load generator ${cpu.loadGeneratorCores.toFixed(2)} + everything else ${cpu.otherCores.toFixed(2)} (of which this database's PostgreSQL backends ${cpu.postgresBackendCores.toFixed(2)}); load average ${cpu.loadAverageAtStart.toFixed(1)} → ${cpu.loadAverageAtEnd.toFixed(1)}`);
if (database.kind === "postgres") console.log(`whole-database ANALYZE runs by the benchmark (--analyze-every ${args["analyze-every"]}): ${analyzeRuns}`);
if (serverLog.length > 0) console.log(`\nlast server stderr lines:\n  ${serverLog.join("\n  ")}`);
if (args.json) writeJson(args.json, ctx, targets, { machine, database: database.kind, peakRss: { ...peak, atStart: rssAtStartMb }, cpu, analyzeRuns, serverStartSeconds: startSeconds });
const verified = ctx.checks.every((c) => c.ok);
process.exitCode = !verified ? 1 : args.strict && targets.some((t) => !t.ok) ? 2 : 0;
