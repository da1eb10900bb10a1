import type { Db } from "../store/db.js";
import { insertAuditEvent, listAuditEvents, type AuditEventInput, type AuditEventRecord } from "../store/audit.repository.js";

export type { AuditEventInput, AuditEventRecord };

/** Append-only: the table refuses UPDATE and DELETE, so there is nothing here to change history. */
export function createAuditService({ db }: { db: Db }) {
  return {
    /** Pass the transaction of the change being audited, so the event commits or rolls back with it. */
    record: (event: AuditEventInput, tx: Db = db) => insertAuditEvent(tx, event),
    list: (organizationId: string, page: { afterId?: number; limit?: number } = {}) =>
      listAuditEvents(db, organizationId, { afterId: page.afterId, limit: Math.min(Math.max(page.limit ?? 100, 1), 1000) }),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
