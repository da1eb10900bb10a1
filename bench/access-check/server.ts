/**
 * The server under test, in its own process (so the load generator does not share its event loop):
 *   node --import tsx bench/access-check/server.ts      (spawned by bench/access-check.ts with an IPC channel)
 * Composed as src/main.ts composes it — policy roles, one LISTEN connection shared by the access engine (with
 * main.ts's cache sizes) and the API-key verification cache, the Access API router, buildApp — minus SCIM, the
 * Admin API and the demo seed, which /access/v1 does not touch. BENCH_CREDENTIAL_CACHE=off leaves the
 * verification cache out (every request then verifies its key with a query). Reads DATABASE_URL or
 * GATEHOUSE_DATA_DIR, listens on 127.0.0.1 port 0, and answers the parent's IPC requests (warm the cache, read
 * memory, act as instance B of change-to-visible).
 */
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { createAccessEngine, type ProductCheck } from "../../src/access/engine/access-engine.js";
import { installPolicyRoles } from "../../src/access/engine/policy-roles.js";
import { createResourceService } from "../../src/access/engine/resources.service.js";
import { createAccessRouter } from "../../src/access/http/access.router.js";
import { defaultPolicy, loadPolicyFile } from "../../src/access/index.js";
import { buildApp } from "../../src/app.js";
import { parseByteSize, withFastCheck } from "../../src/access/http/check-fast-path.js";
import type { HttpMetrics } from "../../src/http/metrics.js";
import { loadConfig } from "../../src/config.js";
import { createCredentialCache } from "../../src/directory/credential-cache.js";
import { createCredentialService } from "../../src/directory/credentials.service.js";
import { createLogger } from "../../src/http/logger.js";
import { migrateDatabase, openDatabase } from "../../src/store/data-source.js";
import { createDb } from "../../src/store/db.js";
import { createNotifications } from "../../src/store/notifications.js";
import { warmResources } from "./inprocess.js";
import type { Dataset } from "./dataset.js";
import { recordNotifications, watchDecision, type WatchRequest, type WatchResult } from "./visibility.js";

export type Request =
  | { op: "warm-users"; organizationId: string; userIds: string[] }
  | { op: "warm-resources"; organizationId: string; resources: number }
  | { op: "memory" }
  | { op: "stats" }
  | { op: "decide"; organizationId: string; userId: string; check: ProductCheck }
  | ({ op: "arm" } & WatchRequest)
  | { op: "outcome"; watchId: number };

export interface Memory {
  rssMb: number;
  heapUsedMb: number;
}

const memory = (): Memory => {
  const usage = process.memoryUsage();
  return { rssMb: usage.rss / 1e6, heapUsedMb: usage.heapUsed / 1e6 };
};

const config = loadConfig();
const logger = createLogger(config.log.level);
const policy = config.access.policyFile ? loadPolicyFile(config.access.policyFile) : defaultPolicy();
const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolSize: config.database.poolSize, connectTimeoutMs: config.database.connectTimeoutMs });
await migrateDatabase(database);
const db = createDb(database.dataSource);
await installPolicyRoles(db, policy);
const notifications = createNotifications(database, (message, error) => logger.warn({ err: error }, message));
const credentialCache = process.env.BENCH_CREDENTIAL_CACHE === "on" ? createCredentialCache({ notifications }) : undefined;
const engine = createAccessEngine({ db, policy, notifications, maxUsers: config.access.cacheUsers, maxResources: config.access.cacheResources });
await engine.start();
await credentialCache?.ready;
const arrivedAfter = await recordNotifications(notifications);
const credentials = createCredentialService({ db, cache: credentialCache });
const access = createAccessRouter({ db, engine, resources: createResourceService({ db, policy }), credentials });
const app = buildApp({ config, database, logger, routers: { access } });
// As main.ts: POST /access/v1/check is answered before Express.
const listener = withFastCheck(app, { engine, credentials, logger, metrics: app.locals.httpMetrics as HttpMetrics, bodyLimitBytes: parseByteSize(config.http.bodyLimit) });
const server = createServer(listener);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();

const watches = new Map<number, Promise<WatchResult>>();
let nextWatch = 1;

async function answer(request: Request): Promise<unknown> {
  switch (request.op) {
    case "warm-users": {
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < request.userIds.length) {
          const userId = request.userIds[next] as string;
          next += 1;
          await engine.effective(request.organizationId, userId);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      return { seconds: (performance.now() - started) / 1000 };
    }
    case "warm-resources": {
      const started = performance.now();
      await warmResources(engine, { organizationId: request.organizationId, resources: request.resources } as Dataset);
      return { seconds: (performance.now() - started) / 1000 };
    }
    case "memory":
      global.gc?.();
      return memory();
    case "stats":
      return { ...engine.stats, notificationsLive: notifications.live };
    case "decide": {
      const { resolved, decisions } = await engine.decide(request.organizationId, request.userId, [request.check]);
      const decision = decisions[0];
      if (!decision || decision instanceof Error) throw decision ?? new Error("no decision");
      return { allowed: decision.allowed, version: resolved.version };
    }
    case "arm": {
      const watchId = nextWatch++;
      watches.set(watchId, watchDecision(engine, arrivedAfter, request));
      return watchId;
    }
    case "outcome": {
      const outcome = watches.get(request.watchId);
      watches.delete(request.watchId);
      if (!outcome) throw new Error(`no watch ${request.watchId}`);
      return outcome;
    }
  }
}

process.on("message", (message: { id: number; request: Request }) => {
  answer(message.request).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: Error) => process.send?.({ id: message.id, error: error.stack ?? String(error) }),
  );
});
process.once("disconnect", () => void shutdown());
process.once("SIGTERM", () => void shutdown());

async function shutdown(): Promise<void> {
  server.closeAllConnections();
  server.close();
  await notifications.close();
  await database.dataSource.destroy();
  process.exit(0);
}

process.send?.({ ready: true, port: typeof address === "object" && address ? address.port : 0, pid: process.pid, credentialCache: credentialCache !== undefined });
