import type { ServerResponse } from "node:http";
import type { ScimPrincipal } from "../../http/scim-auth.js";
import { writeScimJson } from "../../http/scim-errors.js";
import { ScimError } from "../protocol/scim-error.js";
import type { RequestContext } from "./scim-deps.js";

/**
 * One SCIM request to a resource endpoint, however it arrived: through Express (src/scim/resources/scim.router.ts)
 * or answered before Express (scim-fast-path.ts). Handlers read only this and answer on `res`, so both paths run
 * the same code and give the same responses.
 */
export interface ScimCall {
  readonly method: string;
  /** Query parameters, as node:querystring parses them (what Express's "simple" query parser gives). */
  readonly query: Readonly<Record<string, unknown>>;
  /** The `:id` of /Users/:id and /Groups/:id ("" elsewhere). */
  readonly id: string;
  /** The parsed JSON body (undefined when the request has none). */
  readonly body: unknown;
  /** A request header, by case-insensitive name. */
  header(name: string): string | undefined;
  /** The authenticated caller, the request id and the caller's address. */
  readonly context: RequestContext;
  readonly res: ServerResponse;
}

export function principalOf(call: ScimCall): ScimPrincipal {
  return call.context.principal;
}

/** Sends a SCIM resource or list, with the resource's ETag and (on 201) its Location. */
export function sendScim(res: ServerResponse, status: number, body: unknown, headers: { etag?: string; location?: string } = {}): void {
  const out: Record<string, string> = {};
  if (headers.etag) out.ETag = headers.etag;
  if (headers.location) out.Location = headers.location;
  writeScimJson(res, status, body, out);
}

/** A body-less answer (204, 304), with the resource's ETag when it has one. */
export function sendEmpty(res: ServerResponse, status: number, etag?: string): void {
  res.writeHead(status, etag === undefined ? {} : { ETag: etag }).end();
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
export function notModified(call: ScimCall, version: number): boolean {
  const header = call.header("if-none-match");
  if (!header) return false;
  const { any, versions } = taggedVersions(header);
  return any || versions.includes(version);
}
