/**
 * POST /access/v1/check without Express. The product's backend calls it on every request it serves, and
 * Express's per-request machinery (router layers, middleware chain, response helpers) cost more CPU than the
 * check itself: the benchmark measured 1,934 checks/s through Express at one saturated core. This handler
 * claims only a well-formed call — POST to exactly that path, a JSON content type, a bearer header — and
 * answers it with the same code as the router (authenticateApiKey, answerCheck), the same error format, request
 * id, log line and metrics. Everything else, including every other method or path, goes to Express unchanged.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CredentialService } from "../../directory/credentials.service.js";
import { authenticateApiKey } from "../../http/api-key-auth.js";
import { ApiError, apiErrorBody, toApiError } from "../../http/errors.js";
import type { HttpMetrics } from "../../http/metrics.js";
import { declaresPlainJson, parseJsonBody, readBody } from "../../http/read-body.js";
import { REQUEST_ID_HEADER, requestIdFor } from "../../http/request-id.js";
import type { AccessEngine } from "../engine/access-engine.js";
import { VERSION_HEADER } from "./access.router.js";
import { answerCheck } from "./check-answer.js";

const PATH = "/access/v1/check";

export interface FastCheckDeps {
  engine: AccessEngine;
  credentials: CredentialService;
  logger: Logger;
  metrics?: HttpMetrics;
  /** The same limit as the JSON body parser's. */
  bodyLimitBytes: number;
}

/** "1mb", "512kb", "100" → bytes (the forms config.schema.json accepts for http.bodyLimit). */
export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase() as "b" | "kb" | "mb" | "gb"];
  return Math.floor(Number(match[1]) * unit);
}

export function withFastCheck(app: RequestListener, deps: FastCheckDeps): RequestListener {
  const { engine, credentials, logger, metrics, bodyLimitBytes } = deps;

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const startedAt = process.hrtime.bigint();
    let status: number;
    let payload: string;
    const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", [REQUEST_ID_HEADER]: requestId };
    try {
      const text = await readBody(req, bodyLimitBytes);
      const body = text.length === 0 ? undefined : parseJsonBody(text);
      const auth = await authenticateApiKey(credentials, req.headers.authorization);
      if (!auth.ok) {
        headers["WWW-Authenticate"] = auth.challenge;
        throw auth.error;
      }
      const answer = await answerCheck(engine, auth.principal.organizationId, body);
      headers[VERSION_HEADER] = String(answer.version);
      status = 200;
      payload = JSON.stringify(answer.body);
    } catch (error) {
      const known = toApiError(error);
      if (!known) logger.error({ err: error, requestId }, "unhandled error");
      const apiError = known ?? new ApiError(500, "internal_error", "Internal server error", { requestId });
      status = apiError.status;
      payload = JSON.stringify(apiErrorBody(apiError));
    }
    headers["Content-Length"] = String(Buffer.byteLength(payload));
    res.writeHead(status, headers).end(payload);
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    metrics?.observe({ method: "POST", route: PATH, status }, seconds);
    const line = { requestId, method: "POST", route: PATH, status, durationMs: seconds * 1000 };
    if (status >= 500) logger.error(line, "request completed");
    else logger.info(line, "request completed");
  }

  return (req, res) => {
    if (req.method !== "POST" || req.url !== PATH || !declaresPlainJson(req) || req.headers.authorization === undefined) {
      app(req, res);
      return;
    }
    void handle(req, res, requestIdFor(req.headers[REQUEST_ID_HEADER.toLowerCase()] as string | undefined));
  };
}
