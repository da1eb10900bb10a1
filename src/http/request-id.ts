import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";

export const REQUEST_ID_HEADER = "X-Request-Id";

// Bounded and restricted so a caller-supplied id cannot forge log lines or bloat them.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a well-formed incoming id so a request can be followed across services; otherwise mints one. */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const requestId = requestIdFor(req.get(REQUEST_ID_HEADER));
  res.locals.requestId = requestId;
  res.set(REQUEST_ID_HEADER, requestId);
  next();
};

/** The caller's id when well formed, else a new one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function requestIdOf(res: Response): string {
  const requestId: unknown = res.locals.requestId;
  return typeof requestId === "string" ? requestId : "unknown";
}
