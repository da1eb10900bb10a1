import { STATUS_CODES } from "node:http";
import { DomainError, type DomainErrorCode } from "../directory/domain-error.js";

/** The Admin and Access API error, rendered as `{ "error": { code, message, details? } }`. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** How the Admin and Access APIs report each domain failure. */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  not_found: 404,
  conflict: 409,
  invalid_value: 400,
  forbidden: 403,
  precondition_failed: 412,
};

export function apiErrorBody(error: ApiError): ApiErrorBody {
  const { code, message, details } = error;
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Translates the errors this app knows how to report; anything else is left for the 500 path. */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    return new ApiError(DOMAIN_ERROR_STATUS[error.code], error.code, error.message, error.details);
  }
  return fromHttpError(error);
}

interface HttpErrorLike {
  status?: unknown;
  expose?: unknown;
  type?: unknown;
  limit?: unknown;
}

/**
 * Errors raised by Express and body-parser (http-errors objects). Their messages are replaced: a
 * JSON parse failure quotes the body it choked on, which may hold a password.
 */
function fromHttpError(error: unknown): ApiError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, expose, type, limit } = error as HttpErrorLike;
  if (typeof status !== "number" || status < 400 || status > 499 || expose !== true) return undefined;
  switch (type) {
    case "entity.parse.failed":
      return new ApiError(400, "invalid_json", "Request body is not valid JSON");
    case "entity.too.large":
      return new ApiError(413, "payload_too_large", `Request body exceeds the limit of ${String(limit)} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return unsupportedMediaType();
    default:
      return new ApiError(status, codeForStatus(status), STATUS_CODES[status] ?? "Bad request");
  }
}

export function unsupportedMediaType(): ApiError {
  return new ApiError(415, "unsupported_media_type", "Request body must be JSON (application/json or application/scim+json)");
}

export function routeNotFoundError(method: string, path: string): ApiError {
  return new ApiError(404, "not_found", `No route for ${method} ${path}`);
}

function codeForStatus(status: number): string {
  return (STATUS_CODES[status] ?? "bad request").toLowerCase().replaceAll(/[^a-z]+/g, "_");
}
