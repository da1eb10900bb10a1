/**
 * The SCIM resource endpoints (/Users, /Groups, /Users/:id, /Groups/:id) without Express. An identity provider
 * pushing a directory sends tens of thousands of these; the benchmark measured Express's per-request machinery
 * (router layers, the middleware chain, a query string parsed again on every read, response helpers) at about a
 * sixth of the CPU each one costs. This listener claims only a well-formed call — an exact path, a method the
 * endpoint has, a plain JSON body where one belongs, a bearer header — and runs the very handlers the router
 * runs (createScimSurface), with the same body parsing, authentication, error format, request id, log line and
 * metrics. Everything else (HEAD, OPTIONS, 405s, .search, /Bulk, /Me, discovery, odd casing or encodings, a
 * compressed body, a missing Authorization header) goes to Express unchanged.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import proxyAddr from "proxy-addr";
import type { Logger } from "pino";
import type { CredentialService } from "../../directory/credentials.service.js";
import { internalScimError } from "../../http/error-handler.js";
import type { HttpMetrics } from "../../http/metrics.js";
import { declaresPlainJson, hasBody, parseJsonBody, readBody } from "../../http/read-body.js";
import { REQUEST_ID_HEADER, requestIdFor } from "../../http/request-id.js";
import { onResponseDone } from "../../http/response-done.js";
import { authenticateScim } from "../../http/scim-auth.js";
import { sendScimError, toScimError } from "../../http/scim-errors.js";
import type { ScimCall } from "./scim-http.js";
import type { ScimResourceHandlers } from "./scim.router.js";
import type { ScimHandler } from "./users.handler.js";

export interface ScimFastPathDeps {
  handlers: ScimResourceHandlers;
  credentials: CredentialService;
  logger: Logger;
  metrics?: HttpMetrics;
  /** The same limit as the JSON body parser's. */
  bodyLimitBytes: number;
  /** Which proxies to believe about the caller's address: Express's compiled `trust proxy` (`app.get("trust proxy fn")`). */
  trustProxy: (address: string, hop: number) => boolean;
}

const PREFIX = "/scim/v2/";
// An id the router would pass through undecoded; anything else (percent-escapes, `.search`) is Express's.
const PLAIN_ID = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

interface Route {
  method: string;
  handler: ScimHandler;
  /** The route pattern, as metrics and the request log label it. */
  pattern: string;
  id: string;
}

/** The handler for a method and path, or undefined for anything the fast path leaves to Express. */
function routeOf(handlers: ScimResourceHandlers, method: string, path: string): Route | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const rest = path.slice(PREFIX.length);
  const slash = rest.indexOf("/");
  const type = slash === -1 ? rest : rest.slice(0, slash);
  if (type !== "Users" && type !== "Groups") return undefined;
  const resource = type === "Users" ? handlers.users : handlers.groups;
  if (slash === -1) {
    const handler = method === "GET" ? resource.list : method === "POST" ? resource.create : undefined;
    return handler && { method, handler, pattern: `/scim/v2/${type}`, id: "" };
  }
  const id = rest.slice(slash + 1);
  if (!PLAIN_ID.test(id)) return undefined;
  const handler = method === "GET" ? resource.get : method === "PUT" ? resource.replace : method === "PATCH" ? resource.patch : method === "DELETE" ? resource.remove : undefined;
  return handler && { method, handler, pattern: `/scim/v2/${type}/:id`, id };
}

export function withScimFastPath(app: RequestListener, deps: ScimFastPathDeps): RequestListener {
  const { handlers, credentials, logger, metrics, bodyLimitBytes, trustProxy } = deps;

  async function handle(req: IncomingMessage, res: ServerResponse, route: Route, search: string): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const requestId = requestIdFor(req.headers["x-request-id"] as string | undefined);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    onResponseDone(res, (aborted) => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const status = aborted ? 499 : res.statusCode;
      metrics?.observe({ method: route.method, route: route.pattern, status }, seconds);
      const line = { requestId, method: route.method, route: route.pattern, status: res.statusCode, durationMs: seconds * 1000, ...(aborted ? { aborted } : {}) };
      if (res.statusCode >= 500) logger.error(line, "request completed");
      else logger.info(line, "request completed");
    });
    try {
      // The Express order: the body is read and parsed before the token is looked at.
      const body = BODY_METHODS.has(route.method) ? parseJsonBody(await readBody(req, bodyLimitBytes)) : undefined;
      const auth = await authenticateScim(credentials, req.headers.authorization);
      if (!auth.ok) {
        res.setHeader("WWW-Authenticate", auth.challenge);
        throw auth.error;
      }
      const call: ScimCall = {
        method: route.method,
        query: parseQuery(search),
        id: route.id,
        body,
        header: (name) => req.headers[name.toLowerCase()] as string | undefined,
        context: { principal: auth.principal, requestId, sourceIp: proxyAddr(req, trustProxy) },
        res,
      };
      await route.handler(call);
    } catch (error) {
      if (res.headersSent) {
        // Part of the response is on the wire; the only honest signal left is to cut the connection.
        logger.error({ err: error, requestId }, "error after response started");
        res.destroy();
        return;
      }
      sendScimError(res, toScimError(error) ?? internalScimError(logger, error, requestId));
    }
  }

  return (req, res) => {
    const url = req.url ?? "";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const method = req.method ?? "";
    const route = req.headers.authorization === undefined ? undefined : routeOf(handlers, method, path);
    const bodyFits = BODY_METHODS.has(method) ? hasBody(req) && declaresPlainJson(req) : !hasBody(req);
    if (!route || !bodyFits) {
      app(req, res);
      return;
    }
    void handle(req, res, route, queryStart === -1 ? "" : url.slice(queryStart + 1));
  };
}
