import type { RequestHandler, Response } from "express";
import type { CredentialService, VerifyFailure } from "../directory/credentials.service.js";
import { readBearer } from "./bearer.js";
import { ApiError } from "./errors.js";

/** Who is calling the Admin or Access API: the organization comes from the API key, never from the request. */
export interface ApiKeyPrincipal {
  organizationId: string;
  keyId: string;
  keyName: string;
}

const CHALLENGE = 'Bearer realm="Gatehouse API"';

const DETAIL: Record<VerifyFailure, string> = {
  malformed: "The API key is malformed",
  unknown: "The API key is not valid",
  revoked: "The API key has been revoked",
  expired: "The API key has expired",
};

function unauthorized(res: Response, message: string, invalidToken: boolean): ApiError {
  // RFC 6750 §3: a challenge on every 401; error="invalid_token" when a key was presented.
  res.set("WWW-Authenticate", invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE);
  return new ApiError(401, "unauthorized", message);
}

export function requireApiKey(credentials: CredentialService): RequestHandler {
  return async (req, res, next) => {
    const bearer = readBearer(req);
    if ("missing" in bearer) return next(unauthorized(res, "Authentication required: send Authorization: Bearer <API key>", false));
    if ("malformed" in bearer) return next(unauthorized(res, "The Authorization header must be: Bearer <API key>", false));
    const result = await credentials.verify("api_key", bearer.secret);
    if (!result.ok) return next(unauthorized(res, DETAIL[result.reason], true));
    const principal: ApiKeyPrincipal = { organizationId: result.credential.organizationId, keyId: result.credential.id, keyName: result.credential.name };
    res.locals.apiKeyPrincipal = principal;
    next();
  };
}

export function apiKeyPrincipalOf(res: Response): ApiKeyPrincipal {
  const principal = res.locals.apiKeyPrincipal as ApiKeyPrincipal | undefined;
  if (!principal) throw new Error("API route reached without an authenticated principal");
  return principal;
}
