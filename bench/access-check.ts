/**
 * Access engine benchmark (issue 4): builds an organization in a fresh database with bulk SQL (N users, 1,000
 * groups, 100 workspaces with Spaces, 1,000 Spaces, group and direct grants, 100,000 resources) and measures
 * cold resolution, cached checks in-process, POST /access/v1/check over HTTP (single and batches of 100) against
 * a server in a child process, the server's RSS before and after warming its cache, and change-to-visible
 * across instances. Prints each figure next to its target.
 *
 *   node --import tsx bench/access-check.ts                                  # PostgreSQL on 127.0.0.1, 10,000 users
 *   node --import tsx bench/access-check.ts --db pglite --users 10000
 *   node --import tsx bench/access-check.ts --scale 1000,10000,100000        # cold/cached at three sizes, HTTP at --users
 *   --client raw                                                             # raw keep-alive sockets as load generator (default: node:http)
 *   --workers 2                                                              # then POST /check against src/main.ts with GATEHOUSE_WORKERS=2
 *   --workers 1,2                                                            # … with 1, then 2 (same data, back to back)
 *
 * Figures: "cold resolution, no cache" is an engine without notifications (every call runs loadUserFacts and
 * loadOrganizationFacts, then resolve(); each is also timed alone); "cold miss, structure cached" is a live
 * engine meeting a user for the first time. Change-to-visible runs with the server process as instance B on
 * PostgreSQL, and with two engines in this process on PGlite (one process per PGlite database).
 * --workers N adds a last phase (bench/access-check/cluster-phase.ts): the real server, src/main.ts, started with
 * GATEHOUSE_WORKERS=N on this database, warmed over HTTP, then POST /check at --concurrency; N = 1 is the same
 * server as one process, for comparison. The phases before it are unchanged.
 * Useful options: --skip-server, --trials 0, --credential-cache off, --keep-db,
 * --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof".
 * (Not an npm script: package.json is not this benchmark's to edit.) Exits 1 when a verification fails.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createAccessEngine, type AccessEngine } from "../src/access/engine/access-engine.js";
import { installPolicyRoles } from "../src/access/engine/policy-roles.js";
import { defaultPolicy } from "../src/access/index.js";
import type { Database } from "../src/store/data-source.js";
import { createDb, type Db } from "../src/store/db.js";
import { createNotifications, type Notifications } from "../src/store/notifications.js";
import { createRandom } from "./scim-load/stats.js";
import { startServerProcess, type ServerProcess } from "./access-check/child.js";
import { openMigrated, provisionDatabase, serverVersion, type BenchDatabase } from "./access-check/database.js";
import { defaultShape, loadOrganization, type Dataset } from "./access-check/dataset.js";
import { measureCached, measureCold, type CachedResult, type ColdResult } from "./access-check/inprocess.js";
import { describeMachine, machineBusy } from "./access-check/report.js";
import { runClusterPhase, type ClusterResult } from "./access-check/cluster-phase.js";
import { runServerPhases, type ServerResults } from "./access-check/server-phases.js";
import { printSummary } from "./access-check/summary.js";
import { measureVisibility, recordNotifications, watchDecision, type Observer, type VisibilityResult } from "./access-check/visibility.js";
import { randomQuestion } from "./access-check/workload.js";
import { fileURLToPath } from "node:url";
import { databaseKind, integer, printHelpAndExit } from "./cli.js";

const OPTIONS = {
  db: { type: "string", default: "postgres" },
  users: { type: "string", default: "10000" },
  scale: { type: "string", default: "" },
  samples: { type: "string", default: "500" },
  checks: { type: "string", default: "200000" },
  pool: { type: "string", default: "2000" },
  concurrency: { type: "string", default: "16" },
  seconds: { type: "string", default: "15" },
  warmup: { type: "string", default: "2" },
  batch: { type: "string", default: "100" },
  trials: { type: "string", default: "50" },
  "credential-cache": { type: "string", default: "on" },
  client: { type: "string", default: "node" },
  "skip-server": { type: "boolean", default: false },
  workers: { type: "string", default: "0" },
  "server-node-args": { type: "string", default: "" },
  seed: { type: "string", default: "42" },
  "pg-port": { type: "string", default: "5432" },
  "pg-user": { type: "string", default: "postgres" },
  "keep-db": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });
if (args.help) printHelpAndExit(import.meta.url, OPTIONS);

const kind = databaseKind(args.db);
if (args["credential-cache"] !== "on" && args["credential-cache"] !== "off") throw new Error("--credential-cache must be on or off");
const options = {
  db: kind,
  users: integer("users", args.users, 100, 1_000_000),
  scale: (args.scale ?? "").split(",").filter(Boolean).map((size) => integer("scale", size, 100, 1_000_000)),
  samples: integer("samples", args.samples, 10, 100_000),
  checks: integer("checks", args.checks, 10_000, 10_000_000),
  pool: integer("pool", args.pool, 10, 1_000_000),
  concurrency: integer("concurrency", args.concurrency, 1, 256),
  seconds: integer("seconds", args.seconds, 1, 3600),
  warmup: integer("warmup", args.warmup, 0, 600),
  batch: integer("batch", args.batch, 1, 1000),
  trials: integer("trials", args.trials, 0, 10_000),
  credentialCache: args["credential-cache"] === "on",
  client: args.client === "raw" ? ("raw" as const) : ("node" as const),
  seed: integer("seed", args.seed, 0, 2 ** 31),
  workers: (args.workers ?? "").split(",").filter(Boolean).map((count) => integer("workers", count, 0, 64)).filter((count) => count > 0),
};
const pg = { host: "127.0.0.1", port: integer("pg-port", args["pg-port"], 1, 65535), user: args["pg-user"] ?? "postgres" };
const sizes = options.scale.length > 0 ? options.scale : [options.users];
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const log = (line: string) => console.log(line);
const policy = defaultPolicy();
const machine = describeMachine(repoRoot);
const busy = machineBusy();
const wallStarted = performance.now();
console.log(`access-check: ${JSON.stringify({ ...machine, ...options, sizes })}`);

const target: BenchDatabase = await provisionDatabase(options.db, pg);
let database: Database | null = null;
let server: ServerProcess | null = null;
const listeners: Notifications[] = [];
async function cleanUp(): Promise<void> {
  await server?.stop().catch(() => undefined);
  for (const notifications of listeners.splice(0)) await notifications.close().catch(() => undefined);
  if (database?.dataSource.isInitialized) await database.dataSource.destroy().catch(() => undefined);
  database = null;
  if (args["keep-db"]) log(`kept ${target.kind} database ${target.label}`);
  else await target.drop().catch((error: Error) => log(`could not drop ${target.label}: ${error.message}`));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

/** An engine with its own LISTEN connection (PGlite: notifications straight from the embedded instance). */
async function liveEngine(open: Database, db: Db): Promise<{ engine: AccessEngine; notifications: Notifications }> {
  const notifications = createNotifications(open);
  listeners.push(notifications);
  const engine = createAccessEngine({ db, policy, notifications });
  await engine.start();
  return { engine, notifications };
}

let exitCode: number;
try {
  const open = await openMigrated(target);
  database = open;
  const db = createDb(open.dataSource);
  await installPolicyRoles(db, policy);
  const version = await serverVersion(open);
  log(`${target.kind} ${version}: ${target.label}`);

  const datasets: Dataset[] = [];
  const load: Array<{ size: number; seconds: number; rows: Record<string, number> }> = [];
  for (const [index, size] of sizes.entries()) {
    log(`\n[load] organization of ${size.toLocaleString("en-US")} users`);
    const started = performance.now();
    const data = await loadOrganization(db, defaultShape(size), options.seed + index, log);
    datasets.push(data);
    load.push({ size, seconds: (performance.now() - started) / 1000, rows: data.rows });
  }
  const analyzeStarted = performance.now();
  await db.query("ANALYZE");
  log(`ANALYZE: ${((performance.now() - analyzeStarted) / 1000).toFixed(1)} s`);

  const primary = datasets.find((data) => data.size === options.users) ?? (datasets[datasets.length - 1] as Dataset);
  const cold: ColdResult[] = [];
  const cached: CachedResult[] = [];
  let live: AccessEngine | null = null;
  for (const data of datasets) {
    // A live engine per organization, so one organization's warm cache does not weigh on the next one's figures.
    const { engine, notifications } = await liveEngine(open, db);
    log(`\n[cold] ${options.samples} users of the ${data.size.toLocaleString("en-US")}-user organization`);
    cold.push(await measureCold(db, policy, data, engine, options.samples, options.seed + 10));
    log(`[cached] ${options.checks.toLocaleString("en-US")} decide() calls and pure check()s over ${Math.min(options.pool, data.size)} warm users`);
    cached.push(await measureCached(engine, data, options.checks, options.pool, options.seed + 20));
    if (data === primary) live = engine;
    else {
      listeners.splice(listeners.indexOf(notifications), 1);
      await notifications.close();
    }
  }
  if (!live) throw new Error("no engine for the primary organization");
  // What the server must answer, from this process's engine (the server may run after this database is closed).
  const rand = createRandom(options.seed + 30);
  const expected = [];
  for (let index = 0; index < 300; index += 1) {
    const { userId, check } = randomQuestion(rand, primary);
    const { decisions } = await live.decide(primary.organizationId, userId, [check]);
    const decision = decisions[0];
    if (!decision || decision instanceof Error) throw decision ?? new Error("no decision");
    expected.push({ body: JSON.stringify({ userId, ...check }), allowed: decision.allowed });
  }

  let visibility: VisibilityResult | null = null;
  if (target.kind === "pglite" && options.trials > 0) {
    // One process per PGlite database: instance B is a second engine with its own listener in this process.
    log(`\n[change-to-visible] ${options.trials} trials, two engines in this process (PGlite)`);
    const b = await liveEngine(open, db);
    const arrivedAfter = await recordNotifications(b.notifications);
    const observer: Observer = {
      async decide(organizationId, userId, check) {
        const { resolved, decisions } = await b.engine.decide(organizationId, userId, [check]);
        const decision = decisions[0];
        if (!decision || decision instanceof Error) throw decision ?? new Error("no decision");
        return { allowed: decision.allowed, version: resolved.version };
      },
      async arm(request) {
        const outcome = watchDecision(b.engine, arrivedAfter, request);
        return () => outcome;
      },
    };
    visibility = await measureVisibility(db, observer, primary, options.trials, options.seed + 40, log);
  }

  let serverResults: ServerResults | null = null;
  if (!args["skip-server"]) {
    if (target.kind === "pglite") {
      // The server process opens the same PGlite directory: this process lets go of it first.
      for (const notifications of listeners.splice(0)) await notifications.close();
      await open.dataSource.destroy();
      database = null;
    }
    log(`\n[server] ${primary.size.toLocaleString("en-US")}-user organization, API-key cache ${options.credentialCache ? "on" : "off"}`);
    server = await startServerProcess(target.env, options.credentialCache, (args["server-node-args"] ?? "").split(/\s+/).filter(Boolean));
    log(`  server pid ${server.pid} on 127.0.0.1:${server.port}`);
    serverResults = await runServerPhases(
      server,
      primary,
      { concurrency: options.concurrency, seconds: options.seconds, warmupSeconds: options.warmup, batch: options.batch, seed: options.seed + 50, trials: options.trials, client: options.client, expected, writer: target.kind === "postgres" && options.trials > 0 ? db : null },
      log,
    );
    visibility ??= serverResults.visibility;
    const tail = server.stderrTail();
    if (tail.length > 0) log(`server stderr:\n  ${tail.join("\n  ")}`);
  }

  const clusters: ClusterResult[] = [];
  if (options.workers.length > 0) {
    // The benchmark's own server steps aside (CPU, and a PGlite directory has one owner).
    await server?.stop();
    server = null;
    if (database) {
      for (const notifications of listeners.splice(0)) await notifications.close();
      if (target.kind === "pglite") {
        await open.dataSource.destroy();
        database = null;
      }
    }
    for (const workers of options.workers) {
      log(`\n[cluster] src/main.ts with GATEHOUSE_WORKERS=${workers}, ${primary.size.toLocaleString("en-US")}-user organization, concurrency ${options.concurrency}`);
      clusters.push(await runClusterPhase(target.env, primary, { workers, concurrency: options.concurrency, seconds: options.seconds, warmupSeconds: options.warmup, seed: options.seed + 50, client: options.client }, log));
    }
  }

  const run = {
    machine, database: { kind: target.kind, version, label: target.label }, options: { ...options, sizes }, load,
    machineBusyCores: busy(), loadAverageAtEnd: loadavg()[0] ?? 0, wallSeconds: (performance.now() - wallStarted) / 1000,
  };
  exitCode = printSummary(run, cold, cached, serverResults, visibility) ? 0 : 1;
  for (const cluster of clusters) {
    const { single, cpu } = cluster;
    console.log(
      `HTTP POST /check, src/main.ts × ${cluster.workers} process${cluster.workers > 1 ? "es" : ""} (GATEHOUSE_WORKERS=${cluster.workers}), concurrency ${options.concurrency}: ` +
        `${Math.round(single.perSecond).toLocaleString("en-US")}/s, p50 ${single.latency.p50.toFixed(2)} ms, p99 ${single.latency.p99.toFixed(2)} ms, ${single.errors} errors ` +
        `(target ≥ 5,000/s); CPU cores: server ${cpu.workerCores.map((cores) => cores.toFixed(2)).join(" + ")}${cluster.workers > 1 ? ` + primary ${cpu.primaryCores.toFixed(2)}` : ""}, ` +
        `load generator ${cpu.loadGeneratorCores.toFixed(2)}, PostgreSQL (every backend) ${cpu.postgresCores.toFixed(2)}, machine ${cpu.machineBusyCores.toFixed(2)} of 2; load average ${cpu.loadAverage.map((value) => value.toFixed(2)).join(" / ")}`,
    );
    if (single.errors > 0) exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (server) console.error(`server stderr:\n  ${server.stderrTail().join("\n  ")}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
