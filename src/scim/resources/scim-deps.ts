import type { Response } from "express";
import type { Logger } from "pino";
import type { AuditEventInput, AuditService } from "../../audit/audit.service.js";
import { createDirectory, type Directory } from "../../directory/directory.js";
import { scimPrincipalOf, type ScimPrincipal } from "../../http/scim-auth.js";
import { requestIdOf } from "../../http/request-id.js";
import type { Db } from "../../store/db.js";

export interface ScimDeps {
  db: Db;
  directory: Directory;
  audit: AuditService;
  /** `https://host/scim/v2`: what Location headers and meta.location start with. */
  baseUrl: string;
  logger?: Logger;
  /** The key cursors are signed with (loaded once from the database). */
  cursorKey: () => Promise<Buffer>;
  /**
   * Runs after each committed write of an organization: the access engine learns the new access version at
   * once, so this instance never answers a check from before a deactivation or membership change it made
   * (other instances learn it from the database's NOTIFY).
   */
  afterWrite?: (organizationId: string) => Promise<unknown>;
}

export interface WriteContext {
  directory: Directory;
  principal: ScimPrincipal;
  /** Appends an audit event in the same transaction as the change. */
  audit(action: string, target: { type: "User" | "Group"; id: string }, details: Record<string, unknown>): Promise<void>;
}

/** Who is writing, for the audit trail: from the bearer token and the HTTP request. */
export interface RequestContext {
  principal: ScimPrincipal;
  requestId: string;
  /** The caller's address (behind a proxy, as TRUST_PROXY says). */
  sourceIp?: string | null;
}

export function requestContextOf(res: Response): RequestContext {
  return { principal: scimPrincipalOf(res), requestId: requestIdOf(res), sourceIp: res.req.ip ?? null };
}

/**
 * Runs one SCIM write: a single transaction holding the change and its audit event, with services bound
 * to that transaction, so a request applies completely or not at all (RFC 7644 §3.5.2: PATCH is atomic).
 */
export async function runWrite<T>(deps: ScimDeps, context: RequestContext, work: (context: WriteContext) => Promise<T>): Promise<T> {
  const result = await retryingConflicts(() => runWriteOnce(deps, context, work));
  await deps.afterWrite?.(context.principal.organizationId);
  return result;
}

/** Runs `write` again, whole, when PostgreSQL ended it as a deadlock or serialization loser (see below). */
export async function retryingConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= WRITE_ATTEMPTS || !RETRYABLE_SQLSTATES.has(sqlStateOf(error) ?? "")) throw error;
    }
  }
}

/**
 * PostgreSQL ends one of two transactions that wait on each other (40P01; e.g. DELETE of a user, whose
 * cascade touches its groups, against a group PATCH holding that group's lock) or that conflict (40001).
 * The loser changed nothing and may simply run again; the whole transaction is re-run from the start.
 */
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
const WRITE_ATTEMPTS = 3;

function sqlStateOf(error: unknown): string | undefined {
  const driverError: unknown = (error as { driverError?: unknown } | null)?.driverError ?? error;
  const code: unknown = (driverError as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The audit event of a SCIM write: the token is the actor; its name and the caller's address go in the details. */
export function scimAuditEvent(
  deps: Pick<ScimDeps, "audit">,
  { principal, requestId, sourceIp }: RequestContext,
  action: string,
  target: { type: "User" | "Group"; id: string | null },
  details: Record<string, unknown>,
): AuditEventInput {
  return deps.audit.prepare({
    organizationId: principal.organizationId,
    actorType: "scim_token",
    actorId: principal.tokenId,
    action,
    targetType: target.type,
    targetId: target.id,
    requestId,
    details: { tokenName: principal.tokenName, sourceIp: sourceIp ?? null, ...details },
  });
}

function runWriteOnce<T>(deps: ScimDeps, context: RequestContext, work: (context: WriteContext) => Promise<T>): Promise<T> {
  return deps.db.transaction((tx) =>
    work({
      directory: createDirectory({ db: tx }),
      principal: context.principal,
      audit: (action, target, details) => deps.audit.record(scimAuditEvent(deps, context, action, target, details), tx),
    }),
  );
}

/** Top-level attribute names whose values differ: the audit log's "what changed", without the values. */
export function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((key) => key !== "meta"));
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

/** Identity attributes whose old and new values the audit log keeps; others are named, not copied. */
const SUMMARISED = ["userName", "displayName", "active", "externalId"];

/** The audit log's "before/after": which attributes changed, and the old and new identity values. */
export function changeSummary(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed = changedAttributes(before, after);
  const values = changed.filter((key) => SUMMARISED.includes(key)).map((key) => [key, { before: before[key] ?? null, after: after[key] ?? null }]);
  return { changed, ...(values.length > 0 ? { values: Object.fromEntries(values) } : {}) };
}
