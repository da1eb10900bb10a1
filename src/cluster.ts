/**
 * Cluster mode: `GATEHOUSE_WORKERS` (http.workers) > 1 runs that many server processes sharing the port
 * through `node:cluster`, because one Node thread saturates at ~4,700 checks/s (bench/README.md). The primary
 * prepares the database once (src/main.ts), forks the workers, relays shutdown to them and restarts a worker
 * that dies; it serves no request itself. Each worker is a normal server with its own access-engine cache and
 * LISTEN connection, which stays correct across processes exactly as across machines (NOTIFY).
 * PostgreSQL only: the embedded PGlite database belongs to one process.
 */
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { ConfigError, type Config } from "./config.js";

/** Set in the environment of the workers this module forks (not merely "a cluster worker": pm2 forks those too). */
const WORKER_MARK = "GATEHOUSE_CLUSTER_WORKER";
const SHUTDOWN_MESSAGE = "gatehouse:shutdown";

/** Consecutive workers that die before listening after which the primary gives up. */
export const START_FAILURES_TO_GIVE_UP = 5;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export type ProcessRole = "single" | "primary" | "worker";

/**
 * Which part this process plays. Several workers on the embedded database are refused rather than quietly
 * reduced to one: whoever asked for them expects the throughput, and a start that fails says so at once.
 */
export function processRole(config: Config, env: NodeJS.ProcessEnv = process.env): ProcessRole {
  if (cluster.isWorker && env[WORKER_MARK] === "1") return "worker";
  if (config.http.workers <= 1) return "single";
  if (!config.database.url) {
    throw new ConfigError(
      `GATEHOUSE_WORKERS (http.workers) is ${config.http.workers}, but several server processes need PostgreSQL (DATABASE_URL): the embedded database can be opened by one process only`,
    );
  }
  return "primary";
}

/**
 * In a worker: every request to stop (the primary's message, SIGTERM, SIGINT) runs the one graceful shutdown,
 * however many arrive. A terminal's Ctrl-C and systemd's stop reach every process of the group at once, and the
 * primary relays them too: counting those as a "second signal" would cut the worker's requests short. Killing
 * a worker that does not stop is the primary's job (its own second signal, or its deadline).
 */
export function followPrimary(shutdown: (reason: string) => unknown): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
  process.on("message", (message: unknown) => {
    if (message === SHUTDOWN_MESSAGE) void shutdown("primary shutting down");
  });
}

/** A worker's graceful shutdown installs no signal handler of its own (see followPrimary). */
export const WORKER_SIGNALS: readonly NodeJS.Signals[] = [];

export interface ClusterOptions {
  workers: number;
  logger: Logger;
  /** Each worker's own drain deadline; the primary waits this long plus a margin before killing. */
  shutdownTimeoutMs: number;
  /** Logged once every worker listens, as the single-process server logs it. */
  listening: Record<string, unknown>;
  exit?: (code: number) => void;
}

/**
 * Forks the workers and supervises them until SIGTERM/SIGINT: then each worker drains and closes (its own
 * graceful shutdown) and the primary exits 0 once all have, 1 if one failed or outlived the deadline.
 */
export function runClusterPrimary(options: ClusterOptions): void {
  const { workers, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  // cluster.workers keeps a dead worker until its IPC channel closes: count the living ourselves.
  const alive = new Set<Worker>();
  const listened = new Set<Worker>();
  let announced = false;
  let startFailures = 0;
  let stopping = false;
  let failedExit = false;

  const fork = (): void => {
    const worker = cluster.fork({ [WORKER_MARK]: "1" });
    alive.add(worker);
    worker.on("listening", (address: { port: number }) => {
      listened.add(worker);
      startFailures = 0;
      if (announced) {
        logger.info({ worker: worker.process.pid }, "worker restarted and listening");
      } else if (listened.size === workers) {
        announced = true;
        logger.info({ ...options.listening, port: address.port, workers, workerPids: [...listened].map((w) => w.process.pid) }, "Gatehouse listening");
      }
    });
    worker.on("exit", (code, signal) => {
      alive.delete(worker);
      const wasListening = listened.delete(worker);
      if (stopping) {
        // A worker still starting was stopped by SIGTERM's default action: nothing of it was serving.
        if (code !== 0 && !(signal === "SIGTERM" && !wasListening)) failedExit = true;
        if (alive.size === 0) finish();
        return;
      }
      if (!wasListening) startFailures += 1;
      if (startFailures >= START_FAILURES_TO_GIVE_UP) {
        logger.error({ worker: worker.process.pid, code, signal, startFailures }, "workers keep dying before they listen: giving up");
        stopping = true;
        failedExit = true;
        stopWorkers("SIGKILL");
        if (alive.size === 0) finish();
        return;
      }
      const backoffMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** startFailures);
      logger.warn({ worker: worker.process.pid, code, signal, backoffMs }, "worker died unexpectedly; starting another");
      setTimeout(() => {
        if (!stopping) fork();
      }, backoffMs);
    });
  };

  const stopWorkers = (how: "message" | "SIGKILL"): void => {
    for (const worker of alive) {
      if (how === "SIGKILL") worker.process.kill("SIGKILL");
      // Only a listening worker follows the primary's message (followPrimary runs once it listens).
      else if (listened.has(worker) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill("SIGTERM");
    }
  };

  let deadline: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (deadline) clearTimeout(deadline);
    logger.info({ failedExit }, "all workers stopped");
    exit(failedExit ? 1 : 0);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal during shutdown: killing the workers");
      stopWorkers("SIGKILL");
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, workers: alive.size }, "shutting down the workers");
    stopWorkers("message");
    deadline = setTimeout(() => {
      logger.warn("workers still running at the shutdown deadline: killing them");
      failedExit = true;
      stopWorkers("SIGKILL");
    }, options.shutdownTimeoutMs + 5_000);
    if (alive.size === 0) finish();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  for (let i = 0; i < workers; i += 1) fork();
}
