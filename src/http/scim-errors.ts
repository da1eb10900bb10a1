import type { Response } from "express";
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

export function sendScimError(res: Response, error: ScimError): void {
  res.status(error.status).set("Content-Type", SCIM_CONTENT_TYPE).send(JSON.stringify(error.body));
}
