import type { Db } from "../store/db.js";
import { insertAuditEvent, listAuditEvents, type AuditEventInput, type AuditEventRecord } from "../store/audit.repository.js";

export type { AuditEventInput, AuditEventRecord };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The workspace an event is about: the one the writer names, else the one its details name (Space and
 * attachment events say `workspaceId`), else the target when the target is a workspace. Null otherwise.
 */
export function workspaceOfEvent(event: AuditEventInput): string | null {
  const named = event.workspaceId ?? event.details?.workspaceId ?? (event.targetType === "workspace" ? event.targetId : null);
  return typeof named === "string" && UUID.test(named) ? named.toLowerCase() : null;
}

/**
 * Append-only: the table refuses UPDATE, and DELETE except in the retention job's transactions
 * (src/audit/retention.ts), so there is nothing here to change history.
 */
function prepare(event: AuditEventInput): AuditEventInput {
  return { ...event, workspaceId: workspaceOfEvent(event) };
}

export function createAuditService({ db }: { db: Db }) {
  return {
    /** Pass the transaction of the change being audited, so the event commits or rolls back with it. */
    record: (event: AuditEventInput, tx: Db = db) => insertAuditEvent(tx, prepare(event)),
    /** The event as it is stored, for a write that inserts it in its own statement (`auditInsertSql`). */
    prepare,
    list: (organizationId: string, page: { afterId?: number; limit?: number } = {}) =>
      listAuditEvents(db, organizationId, { afterId: page.afterId, limit: Math.min(Math.max(page.limit ?? 100, 1), 1000) }),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
