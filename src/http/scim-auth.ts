import type { RequestHandler, Response } from "express";
import type { CredentialService } from "../directory/credentials.service.js";
import { ScimError } from "../scim/protocol/scim-error.js";
import { readBearer } from "./bearer.js";

/** Who is calling the SCIM API: the organization comes from the token, never from the request. */
export interface ScimPrincipal {
  organizationId: string;
  tokenId: string;
  tokenName: string;
}

const CHALLENGE = 'Bearer realm="Gatehouse SCIM"';

function unauthorized(res: Response, detail: string, invalidToken: boolean): ScimError {
  // RFC 6750 §3: a challenge on every 401; error="invalid_token" when a token was presented.
  res.set("WWW-Authenticate", invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE);
  return new ScimError(401, undefined, detail);
}

const DETAIL = {
  malformed: "The bearer token is malformed",
  unknown: "The bearer token is not valid",
  revoked: "The bearer token has been revoked",
  expired: "The bearer token has expired",
} as const;

export function requireScimToken(credentials: CredentialService): RequestHandler {
  return async (req, res, next) => {
    const bearer = readBearer(req);
    if ("missing" in bearer) return next(unauthorized(res, "Authentication required: send Authorization: Bearer <SCIM token>", false));
    if ("malformed" in bearer) return next(unauthorized(res, "The Authorization header must be: Bearer <SCIM token>", false));
    const result = await credentials.verify("scim_token", bearer.secret);
    if (!result.ok) return next(unauthorized(res, DETAIL[result.reason], true));
    const principal: ScimPrincipal = { organizationId: result.credential.organizationId, tokenId: result.credential.id, tokenName: result.credential.name };
    res.locals.scimPrincipal = principal;
    next();
  };
}

export function scimPrincipalOf(res: Response): ScimPrincipal {
  const principal = res.locals.scimPrincipal as ScimPrincipal | undefined;
  if (!principal) throw new Error("SCIM route reached without an authenticated principal");
  return principal;
}
