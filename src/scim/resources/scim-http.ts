import type { Request, Response } from "express";
import { SCIM_CONTENT_TYPE } from "../../http/scim-errors.js";
import { ScimError } from "../protocol/scim-error.js";

/** Sends a SCIM JSON body (RFC 7644 §3.1: application/scim+json). */
export function sendScim(res: Response, status: number, body: unknown, headers: { etag?: string; location?: string } = {}): void {
  if (headers.etag) res.set("ETag", headers.etag);
  if (headers.location) res.set("Location", headers.location);
  res.status(status).set("Content-Type", SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Versions an ETag header names: `W/"3"`, `"3"`, or `*` (any). Malformed tags name no version. */
function taggedVersions(header: string): { any: boolean; versions: number[] } {
  const tags = header.split(",").map((tag) => tag.trim());
  const versions = tags.map((tag) => /^(?:W\/)?"(\d+)"$/.exec(tag)?.[1]).filter((v): v is string => v !== undefined).map(Number);
  return { any: tags.includes("*"), versions };
}

/**
 * RFC 7644 §3.14 / RFC 7232 §3.1: with If-Match, a write proceeds only if it names the resource's
 * current version (or `*`). Callers hold the row lock while checking, so the answer stays true.
 */
export function checkIfMatch(header: string | undefined, currentVersion: number): void {
  if (!header) return;
  const { any, versions } = taggedVersions(header);
  if (!any && !versions.includes(currentVersion)) throw preconditionFailed();
}

export function preconditionFailed(): ScimError {
  return new ScimError(412, undefined, "The resource has changed since the ETag in If-Match was issued");
}

/** RFC 7232 §3.2: GET with If-None-Match naming the current version answers 304. */
export function notModified(req: Request, version: number): boolean {
  const header = req.get("if-none-match");
  if (!header) return false;
  const { any, versions } = taggedVersions(header);
  return any || versions.includes(version);
}

/** The request's id from the route, e.g. /Users/:id. */
export function idParam(req: Request): string {
  return String(req.params.id ?? "");
}
