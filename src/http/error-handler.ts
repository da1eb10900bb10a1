import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { ScimError } from "../scim/protocol/scim-error.js";
import { ApiError, apiErrorBody, routeNotFoundError, toApiError } from "./errors.js";
import { requestIdOf } from "./request-id.js";
import { sendScimError, toScimError } from "./scim-errors.js";
import { pathOf, surfaceOf } from "./surface.js";

const INTERNAL_ERROR_MESSAGE = "Internal server error";

/** Ends a surface (or the whole app): whatever no route claimed is a 404 in the surface's format. */
export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(routeNotFoundError(req.method, pathOf(req)));
};

/**
 * The one error handler. Known errors are rendered in the format of the surface the request entered;
 * anything else is logged with the request id and answered with a generic 500 that quotes only that
 * id, never the error's message.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const requestId = requestIdOf(res);
    if (res.headersSent) {
      // Part of the response is on the wire; the only honest signal left is to cut the connection.
      logger.error({ err: error, requestId }, "error after response started");
      res.destroy();
      return;
    }
    if (surfaceOf(res) === "scim") {
      sendScimError(res, toScimError(error) ?? internalScimError(logger, error, requestId));
      return;
    }
    const apiError = toApiError(error) ?? internalApiError(logger, error, requestId);
    res.status(apiError.status).json(apiErrorBody(apiError));
  };
}

function internalApiError(logger: Logger, error: unknown, requestId: string): ApiError {
  logUnexpected(logger, error, requestId);
  return new ApiError(500, "internal_error", INTERNAL_ERROR_MESSAGE, { requestId });
}

/** The SCIM 500 for an error nobody expected: logged with the request id, which alone goes to the caller. */
export function internalScimError(logger: Logger, error: unknown, requestId: string): ScimError {
  logUnexpected(logger, error, requestId);
  // RFC 7644 §3.12 has no field for extra data; the request id goes into the human-readable detail.
  return new ScimError(500, undefined, `${INTERNAL_ERROR_MESSAGE} (request id ${requestId})`);
}

function logUnexpected(logger: Logger, error: unknown, requestId: string): void {
  logger.error({ err: error, requestId }, "unhandled error");
}
