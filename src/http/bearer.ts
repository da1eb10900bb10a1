import type { Request } from "express";

const BEARER = /^Bearer +([^\s]+) *$/i;

/** The secret of an `Authorization: Bearer <secret>` header (RFC 6750 §2.1), or why there is none. */
export function readBearer(req: Request): { secret: string } | { missing: true } | { malformed: true } {
  return readBearerHeader(req.get("authorization"));
}

export function readBearerHeader(header: string | undefined): { secret: string } | { missing: true } | { malformed: true } {
  if (!header) return { missing: true };
  const secret = BEARER.exec(header)?.[1];
  return secret ? { secret } : { malformed: true };
}
