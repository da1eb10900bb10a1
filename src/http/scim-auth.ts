import type { RequestHandler, Response } from "express";
import type { CredentialService } from "../directory/credentials.service.js";
import { ScimError } from "../scim/protocol/scim-error.js";
import { readBearerHeader } from "./bearer.js";

/** Who is calling the SCIM API: the organization comes from the token, never from the request. */
export interface ScimPrincipal {
  organizationId: string;
  tokenId: string;
  tokenName: string;
}

const CHALLENGE = 'Bearer realm="Gatehouse SCIM"';

const DETAIL = {
  malformed: "The bearer token is malformed",
  unknown: "The bearer token is not valid",
  revoked: "The bearer token has been revoked",
  expired: "The bearer token has expired",
} as const;

export type ScimAuthentication = { ok: true; principal: ScimPrincipal } | { ok: false; error: ScimError; challenge: string };

/** Who an Authorization header names, or the 401 to answer with its WWW-Authenticate challenge. */
export async function authenticateScim(credentials: CredentialService, authorization: string | undefined): Promise<ScimAuthentication> {
  // RFC 6750 §3: a challenge on every 401; error="invalid_token" when a token was presented.
  const refuse = (detail: string, invalidToken: boolean): ScimAuthentication => ({
    ok: false,
    error: new ScimError(401, undefined, detail),
    challenge: invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE,
  });
  const bearer = readBearerHeader(authorization);
  if ("missing" in bearer) return refuse("Authentication required: send Authorization: Bearer <SCIM token>", false);
  if ("malformed" in bearer) return refuse("The Authorization header must be: Bearer <SCIM token>", false);
  const result = await credentials.verify("scim_token", bearer.secret);
  if (!result.ok) return refuse(DETAIL[result.reason], true);
  return { ok: true, principal: { organizationId: result.credential.organizationId, tokenId: result.credential.id, tokenName: result.credential.name } };
}

export function requireScimToken(credentials: CredentialService): RequestHandler {
  return async (req, res, next) => {
    const auth = await authenticateScim(credentials, req.get("authorization"));
    if (!auth.ok) {
      res.set("WWW-Authenticate", auth.challenge);
      return next(auth.error);
    }
    res.locals.scimPrincipal = auth.principal;
    next();
  };
}

export function scimPrincipalOf(res: Response): ScimPrincipal {
  const principal = res.locals.scimPrincipal as ScimPrincipal | undefined;
  if (!principal) throw new Error("SCIM route reached without an authenticated principal");
  return principal;
}
