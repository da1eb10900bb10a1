import type { ServerResponse } from "node:http";
import { DomainError, type DomainErrorCode } from "../directory/domain-error.js";
import { ScimError, type ScimType } from "../scim/protocol/scim-error.js";
import { toApiError } from "./errors.js";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** How the SCIM surface reports each domain failure (RFC 7644 §3.12; 409 uniqueness per §3.3). */
const SCIM_FOR_DOMAIN: Readonly<Record<DomainErrorCode, { status: number; scimType?: ScimType }>> = {
  not_found: { status: 404 },
  conflict: { status: 409, scimType: "uniqueness" },
  invalid_value: { status: 400, scimType: "invalidValue" },
  forbidden: { status: 403 },
  precondition_failed: { status: 412 },
};

// HTTP-level failures that have a SCIM detail type of their own.
const SCIM_TYPE_FOR_API_CODE: Readonly<Record<string, ScimType>> = {
  invalid_json: "invalidSyntax",
  // RFC 7644 §3.7.4: a body over maxPayloadSize is 413; the clients expect scimType tooMany.
  payload_too_large: "tooMany",
};

/** Translates the errors the SCIM surface knows how to report; anything else is left for the 500 path. */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof DomainError) {
    const { status, scimType } = SCIM_FOR_DOMAIN[error.code];
    return new ScimError(status, scimType, error.message);
  }
  const apiError = toApiError(error);
  if (apiError === undefined) return undefined;
  const scimType = apiError.status < 500 ? SCIM_TYPE_FOR_API_CODE[apiError.code] : undefined;
  return new ScimError(apiError.status, scimType, apiError.message);
}

/**
 * A SCIM JSON body (RFC 7644 §3.1: application/scim+json) with its length, in one write. Node-level, so the
 * Express routes and the fast path (src/scim/resources/scim-fast-path.ts) answer byte for byte alike; headers
 * set earlier with setHeader (X-Request-Id, WWW-Authenticate, Allow) are kept.
 */
export function writeScimJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": SCIM_CONTENT_TYPE, "Content-Length": String(Buffer.byteLength(json)), ...headers }).end(json);
}

export function sendScimError(res: ServerResponse, error: ScimError): void {
  writeScimJson(res, error.status, error.body);
}
