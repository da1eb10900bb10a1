import { pino, stdTimeFunctions, type DestinationStream, type Logger } from "pino";
import type { RequestHandler } from "express";
import { requestIdOf } from "./request-id.js";
import { onResponseDone } from "./response-done.js";
import { pathOf, routePatternOf } from "./surface.js";

/**
 * Nothing logged here carries headers or bodies; these paths are the second line of defence should
 * someone log a request object or a credential-bearing record anyway.
 */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "password",
  "token",
  "secret",
  "*.password",
  "*.token",
  "*.secret",
];

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
}

/**
 * Keeps an error's name, message, stack and code only: driver errors carry enumerable fields such as
 * the SQL parameters or the offending row (`detail`), and body-parser errors carry the raw body.
 */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code: unknown = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === "string" ? { code } : {}),
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** One line per request: the route pattern (or the path without query), never headers or bodies. */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    onResponseDone(res, (aborted) => {
      const status = res.statusCode;
      const line = {
        requestId: requestIdOf(res),
        method: req.method,
        route: routePatternOf(req, res) ?? pathOf(req),
        status,
        durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
        ...(aborted ? { aborted } : {}),
      };
      if (status >= 500) logger.error(line, "request completed");
      else logger.info(line, "request completed");
    });
    next();
  };
}
