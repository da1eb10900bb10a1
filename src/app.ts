import express, { type Router } from "express";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Database } from "./store/data-source.js";
import { createJsonBodyParser, requireJsonBody } from "./http/body.js";
import { createErrorHandler, routeNotFound } from "./http/error-handler.js";
import { createHealthRouter } from "./http/health.router.js";
import { logRequests } from "./http/logger.js";
import { createHttpMetrics } from "./http/metrics.js";
import { createReadiness, type Readiness } from "./http/readiness.js";
import { assignRequestId } from "./http/request-id.js";
import { SURFACES, enterSurface, type SurfaceName } from "./http/surface.js";

export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** Share one with `installGracefulShutdown` so /readyz turns 503 as soon as shutdown begins. */
  readiness?: Readiness;
  /** How long /readyz waits for the database before reporting unavailable. */
  readinessTimeoutMs?: number;
  routers?: Partial<Record<SurfaceName, Router>>;
}

// Surfaces whose every body is JSON; /auth also receives form posts (SAML POST binding).
const JSON_ONLY_PREFIXES = SURFACES.filter(({ name }) => name !== "auth").map(({ prefix }) => prefix);

/** The whole HTTP application, not listening: `main.ts` starts it, tests drive it through supertest. */
export function buildApp(deps: AppDeps): express.Express {
  const { config, database, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.http.trustProxy);
  const metrics = createHttpMetrics(database);
  // For request handlers that run before Express (src/access/http/check-fast-path.ts).
  app.locals.httpMetrics = metrics;

  app.use(assignRequestId, logRequests(logger), metrics.measureRequests);
  app.use(
    createHealthRouter({
      database,
      logger,
      readiness: deps.readiness ?? createReadiness(),
      pingTimeoutMs: deps.readinessTimeoutMs ?? 2_000,
    }),
  );
  app.get("/metrics", metrics.serveMetrics);

  for (const surface of SURFACES) app.use(surface.prefix, enterSurface(surface));
  app.use(JSON_ONLY_PREFIXES, requireJsonBody);
  app.use(createJsonBodyParser(config.http.bodyLimit));
  for (const surface of SURFACES) {
    app.use(surface.prefix, deps.routers?.[surface.name] ?? express.Router(), routeNotFound);
  }
  app.use(routeNotFound);
  app.use(createErrorHandler(logger));
  return app;
}
