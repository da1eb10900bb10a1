import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestHandler } from "express";
import { readPoolStats, type Database, type PoolStats } from "../store/data-source.js";
import { onResponseDone } from "./response-done.js";
import { routePatternOf } from "./surface.js";

type RequestLabels = "method" | "route" | "status";

export interface HttpMetrics {
  readonly registry: Registry;
  /** Times and counts every request, labelled by route pattern. */
  readonly measureRequests: RequestHandler;
  /** `GET /metrics` in the Prometheus text format. */
  readonly serveMetrics: RequestHandler;
  /** Records one request handled outside Express (the /access/v1/check fast path). */
  readonly observe: (labels: { method: string; route: string; status: number }, seconds: number) => void;
}

// Raw paths would give one series per user id; everything that matched no route shares one label.
const UNMATCHED_ROUTE = "unmatched";
// nginx's convention for "client closed request": no status was ever sent.
const ABORTED_STATUS = "499";

/** One registry per app, so tests that build many apps never collide on metric names. */
export function createHttpMetrics(database: Database): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames: RequestLabels[] = ["method", "route", "status"];
  const duration = new Histogram<RequestLabels>({
    name: "http_request_duration_seconds",
    help: "Time from request received to response finished",
    labelNames,
    registers: [registry],
  });
  const requests = new Counter<RequestLabels>({
    name: "http_requests_total",
    help: "Requests handled",
    labelNames,
    registers: [registry],
  });
  registerPoolGauges(registry, database);

  const measureRequests: RequestHandler = (req, res, next) => {
    const stopTimer = duration.startTimer();
    onResponseDone(res, (aborted) => {
      const labels = {
        method: req.method,
        route: routePatternOf(req, res) ?? UNMATCHED_ROUTE,
        status: aborted ? ABORTED_STATUS : String(res.statusCode),
      };
      stopTimer(labels);
      requests.inc(labels);
    });
    next();
  };

  const serveMetrics: RequestHandler = async (_req, res) => {
    const body = await registry.metrics();
    res.set("Content-Type", registry.contentType).send(body);
  };

  // The fast path's few label sets, resolved once: labelling on every observation hashes the label object.
  const children = new Map<string, { duration: { observe(value: number): void }; requests: { inc(): void } }>();
  const observe: HttpMetrics["observe"] = ({ method, route, status }, seconds) => {
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method, route, status: String(status) };
      child = { duration: duration.labels(labels), requests: requests.labels(labels) };
      children.set(key, child);
    }
    child.duration.observe(seconds);
    child.requests.inc();
  };

  return { registry, measureRequests, serveMetrics, observe };
}

const POOL_GAUGES: ReadonlyArray<{ name: string; help: string; field: keyof PoolStats }> = [
  { name: "db_pool_connections_total", help: "Database connections open", field: "total" },
  { name: "db_pool_connections_idle", help: "Database connections open and unused", field: "idle" },
  { name: "db_pool_waiting_requests", help: "Queries waiting for a database connection", field: "waiting" },
  { name: "db_pool_connections_max", help: "Configured maximum of database connections", field: "max" },
];

/** Read on scrape, so the figures are current without a timer. */
function registerPoolGauges(registry: Registry, database: Database): void {
  for (const { name, help, field } of POOL_GAUGES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(readPoolStats(database)[field]);
      },
    });
  }
}
