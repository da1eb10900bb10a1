/**
 * One admin write: the change and its audit event in a single transaction (issue 5: "no change without its
 * event"), with the directory services bound to that transaction; then the access engine learns the new
 * access version, so the next check through this instance sees the change.
 */
import type { Response } from "express";
import type { Policy } from "../access/policy.types.js";
import type { AuditService } from "../audit/audit.service.js";
import { createDirectory, type Directory } from "../directory/directory.js";
import { apiKeyPrincipalOf, type ApiKeyPrincipal } from "../http/api-key-auth.js";
import { requestIdOf } from "../http/request-id.js";
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
  principal: ApiKeyPrincipal;
  audit(action: string, target: AuditTarget, change: AuditChange): Promise<void>;
}

export interface AdminWriteDeps {
  db: Db;
  policy: Policy;
  audit: AuditService;
  afterWrite?: (organizationId: string) => Promise<unknown>;
}

export type AdminWrite = <T>(res: Response, work: (context: AdminWriteContext) => Promise<T>) => Promise<T>;

export function createAdminWrite({ db, policy, audit, afterWrite }: AdminWriteDeps): AdminWrite {
  return async (res, work) => {
    const principal = apiKeyPrincipalOf(res);
    const requestId = requestIdOf(res);
    const result = await db.transaction((tx) =>
      work({
        directory: createDirectory({ db: tx, policy }),
        principal,
        audit: (action, target, change) =>
          audit.record(
            {
              organizationId: principal.organizationId,
              actorType: "api_key",
              actorId: principal.keyId,
              action,
              targetType: target.type,
              targetId: target.id,
              requestId,
              details: { keyName: principal.keyName, ...change },
            },
            tx,
          ),
      }),
    );
    await afterWrite?.(principal.organizationId);
    return result;
  };
}
