import type { RequestHandler, Response } from "express";
import type { CredentialService, VerifyFailure } from "../directory/credentials.service.js";
import { readBearerHeader } from "./bearer.js";
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

export type ApiKeyAuthentication = { ok: true; principal: ApiKeyPrincipal } | { ok: false; error: ApiError; challenge: string };

/** Verifies `Authorization: Bearer <API key>`; on failure, the 401 and its WWW-Authenticate challenge. */
export async function authenticateApiKey(credentials: CredentialService, header: string | undefined): Promise<ApiKeyAuthentication> {
  // RFC 6750 §3: a challenge on every 401; error="invalid_token" when a key was presented.
  const refuse = (message: string, invalidToken: boolean): ApiKeyAuthentication => ({
    ok: false,
    error: new ApiError(401, "unauthorized", message),
    challenge: invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE,
  });
  const bearer = readBearerHeader(header);
  if ("missing" in bearer) return refuse("Authentication required: send Authorization: Bearer <API key>", false);
  if ("malformed" in bearer) return refuse("The Authorization header must be: Bearer <API key>", false);
  const result = await credentials.verify("api_key", bearer.secret);
  if (!result.ok) return refuse(DETAIL[result.reason], true);
  return { ok: true, principal: { organizationId: result.credential.organizationId, keyId: result.credential.id, keyName: result.credential.name } };
}

export function requireApiKey(credentials: CredentialService): RequestHandler {
  return async (req, res, next) => {
    const outcome = await authenticateApiKey(credentials, req.get("authorization"));
    if (!outcome.ok) {
      res.set("WWW-Authenticate", outcome.challenge);
      return next(outcome.error);
    }
    res.locals.apiKeyPrincipal = outcome.principal;
    next();
  };
}

export function apiKeyPrincipalOf(res: Response): ApiKeyPrincipal {
  const principal = res.locals.apiKeyPrincipal as ApiKeyPrincipal | undefined;
  if (!principal) throw new Error("API route reached without an authenticated principal");
  return principal;
}
