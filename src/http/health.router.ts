import express, { type Router } from "express";
import type { Logger } from "pino";
import { pingDatabase, type Database } from "../store/data-source.js";
import type { Readiness } from "./readiness.js";
import { requestIdOf } from "./request-id.js";

export interface HealthDeps {
  database: Database;
  readiness: Readiness;
  logger: Logger;
  /** A probe that hangs is as bad as one that fails: give up and report unavailable after this long. */
  pingTimeoutMs: number;
}

export function createHealthRouter(deps: HealthDeps): Router {
  const router = express.Router();

  // Liveness: the process answers. Never depends on the database, or an outage would restart every pod.
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/readyz", async (_req, res) => {
    if (deps.readiness.isShuttingDown()) {
      res.status(503).json({ status: "unavailable" });
      return;
    }
    try {
      await withTimeout(pingDatabase(deps.database), deps.pingTimeoutMs);
      res.json({ status: "ready" });
    } catch (error) {
      deps.logger.warn({ err: error, requestId: requestIdOf(res) }, "readiness check failed");
      res.status(503).json({ status: "unavailable" });
    }
  });

  return router;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`database ping timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
