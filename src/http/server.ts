import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Readiness } from "./readiness.js";

export interface ListenOptions {
  port: number;
  host: string;
}

export function startServer(app: RequestListener, { port, host }: ListenOptions): Promise<Server> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

export interface GracefulShutdownOptions {
  server: Server;
  logger: Logger;
  /** How long in-flight requests may take to finish before their connections are cut. */
  timeoutMs: number;
  readiness: Readiness;
  /** Releases what the requests were using (the database pool); runs once no request is left. */
  onClosed: () => Promise<void>;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export interface GracefulShutdown {
  /** Runs the shutdown once; later calls return the same promise. */
  shutdown(reason?: string): Promise<void>;
  /** Removes the signal handlers (tests install several). */
  uninstall(): void;
}

/**
 * On SIGTERM/SIGINT: report not ready, stop accepting connections, let in-flight requests finish
 * (up to `timeoutMs`), release resources, exit. A second signal exits at once with status 1.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): GracefulShutdown {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const drain = trackInFlightResponses(options.server);
  let running: Promise<void> | undefined;

  const shutdown = (reason = "requested"): Promise<void> => {
    running ??= runShutdown({ ...options, exit }, drain, reason);
    return running;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn({ signal }, "second signal during shutdown: exiting now");
      exit(1);
      return;
    }
    void shutdown(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return { shutdown, uninstall: () => signals.forEach((signal) => process.off(signal, onSignal)) };
}

async function runShutdown(
  options: GracefulShutdownOptions & { exit: (code: number) => void },
  drain: () => void,
  reason: string,
): Promise<void> {
  const { server, logger, timeoutMs, readiness, onClosed, exit } = options;
  logger.info({ reason, timeoutMs }, "shutting down");
  readiness.beginShutdown();
  drain();
  await closeServer(server, timeoutMs, logger);
  try {
    await onClosed();
  } catch (error) {
    logger.error({ err: error }, "shutdown: releasing resources failed");
    exit(1);
    return;
  }
  logger.info("shutdown complete");
  exit(0);
}

function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs }, "shutdown: requests still running at the deadline; closing their connections");
      server.closeAllConnections();
    }, timeoutMs);
    deadline.unref();
    // The callback's error only says the server was not listening, which is the state we want.
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * A keep-alive connection outlives its request: after `server.close()` it would sit idle until the
 * keep-alive timeout. Responses still to be written once shutdown begins say `Connection: close`,
 * so Node closes each connection as its last response goes out. Returns the function that starts it.
 */
function trackInFlightResponses(server: Server): () => void {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  server.on("request", (_req, res: ServerResponse) => {
    if (draining) closeAfter(res);
    inFlight.add(res);
    res.once("close", () => {
      inFlight.delete(res);
      // A response whose headers were already out could not be marked; close its connection now.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  return () => {
    draining = true;
    inFlight.forEach(closeAfter);
  };
}

function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("Connection", "close");
}
