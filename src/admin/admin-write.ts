/**
 * One admin write: the change and its audit event in a single transaction (issue 5: "no change without its
 * event"), with the directory services bound to that transaction; then the access engine learns the new
 * access version, so the next check through this instance sees the change. A transaction PostgreSQL rolls back
 * as a deadlock victim (40P01) or a serialization failure (40001) runs again, whole, up to three times.
 */
import type { Response } from "express";
import type { Policy } from "../access/policy.types.js";
import type { AuditService } from "../audit/audit.service.js";
import { createDirectory, type Directory } from "../directory/directory.js";
import { apiKeyPrincipalOf, type ApiKeyPrincipal } from "../http/api-key-auth.js";
import { requestIdOf } from "../http/request-id.js";
import { sessionCallerOf } from "./admin-auth.js";
import type { Db } from "../store/db.js";

export interface AuditTarget {
  type: string;
  id: string;
}

/** What the audit log keeps of a change: the state before and after (null for creation / deletion). */
export interface AuditChange {
  before: unknown;
  after: unknown;
  [detail: string]: unknown;
}

export interface AdminWriteContext {
  directory: Directory;
  /** The write's transaction, for services outside the directory (domains). */
  db: Db;
  principal: ApiKeyPrincipal;
  audit(action: string, target: AuditTarget, change: AuditChange): Promise<void>;
}

export interface AdminWriteDeps {
  db: Db;
  policy: Policy;
  audit: AuditService;
  afterWrite?: (organizationId: string) => Promise<unknown>;
  /** Waits before attempt `attempt` (2, 3) of a transaction PostgreSQL rolled back; default a short random pause. */
  backoff?: (attempt: number) => Promise<void>;
}

/** Attempts of one write when PostgreSQL picks it as a deadlock victim or cannot serialize it. */
export const WRITE_ATTEMPTS = 3;
/** SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: the whole transaction was rolled back and may run again. */
const RETRYABLE = new Set(["40P01", "40001"]);

export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code ?? (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}

/** 10–40 ms, then 20–80 ms: long enough for the other transaction to finish, random so two victims do not collide again. */
const randomBackoff = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, (attempt - 1) * (10 + Math.random() * 30)));

export type AdminWrite = <T>(res: Response, work: (context: AdminWriteContext) => Promise<T>) => Promise<T>;

/**
 * A deadlock or serialization failure rolls back the change and its audit event together, so running the whole
 * `work` again (up to WRITE_ATTEMPTS times) still leaves exactly one event; other errors are not retried.
 */
async function withRetries<T>(run: () => Promise<T>, backoff: (attempt: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= WRITE_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      await backoff(attempt + 1);
    }
  }
}

export function createAdminWrite({ db, policy, audit, afterWrite, backoff = randomBackoff }: AdminWriteDeps): AdminWrite {
  return async (res, work) => {
    const principal = apiKeyPrincipalOf(res);
    const caller = sessionCallerOf(res);
    const requestId = requestIdOf(res);
    const attempt = () =>
      db.transaction((tx) =>
        work({
          directory: createDirectory({ db: tx, policy }),
          db: tx,
          principal,
          audit: (action, target, change) =>
            audit.record(
              {
                organizationId: principal.organizationId,
                ...actorOf(res, principal),
                action,
                targetType: target.type,
                targetId: target.id,
                requestId,
                details: { ...(caller ? { sessionId: caller.sessionId } : { keyName: principal.keyName }), sourceIp: res.req.ip ?? null, ...change },
              },
              tx,
            ),
        }),
      );
    const result = await withRetries(attempt, backoff);
    await afterWrite?.(principal.organizationId);
    return result;
  };
}

/** The audit actor: the signed-in person (their user id), or the operator key. */
function actorOf(res: Response, principal: ApiKeyPrincipal): { actorType: string; actorId: string } {
  const caller = sessionCallerOf(res);
  return caller ? { actorType: "user", actorId: caller.userId } : { actorType: "api_key", actorId: principal.keyId };
}
