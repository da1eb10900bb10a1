/**
 * Audit retention's SQL (src/audit/retention.ts): which organizations keep events for a limited time, and one
 * batch of expired events deleted in one transaction — the only DELETE the append-only trigger lets through.
 */
import type { Db } from "./db.js";

/** pg_advisory_xact_lock key of the retention job ("gh-audit" as ASCII): one batch at a time across instances. */
export const AUDIT_RETENTION_LOCK = 0x67682d6175646974n;

export interface RetentionScope {
  organizationId: string;
  /** The shortest retention among the organization's and its workspaces' (an index bound for the delete). */
  shortestDays: number;
}

/** Organizations where the organization or one of its workspaces has a retention. */
export async function listRetentionScopes(db: Db): Promise<RetentionScope[]> {
  const { rows } = await db.query<{ id: string; shortest: number }>(
    `SELECT o.id, least(o.audit_retention_days, w.shortest) AS shortest
       FROM organizations o
       LEFT JOIN LATERAL (SELECT min(audit_retention_days) AS shortest FROM workspaces WHERE organization_id = o.id) w ON true
      WHERE o.audit_retention_days IS NOT NULL OR w.shortest IS NOT NULL
      ORDER BY o.seq`,
  );
  return rows.map((row) => ({ organizationId: row.id, shortestDays: Number(row.shortest) }));
}

/**
 * Deletes up to `limit` of the organization's expired events, oldest first, in its own transaction: an event
 * with a workspace expires after its workspace's retention (that workspace's own, else the organization's), an
 * event without one (or whose workspace is gone) after the organization's. Returns null, deleting nothing,
 * while another instance's batch holds the lock.
 */
export async function deleteExpiredAuditBatch(db: Db, scope: RetentionScope, limit: number): Promise<number | null> {
  return db.transaction(async (tx) => {
    const { rows: locked } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`, [AUDIT_RETENTION_LOCK.toString()]);
    if (!locked[0]?.locked) return null;
    await tx.query(`SELECT set_config('gatehouse.audit_retention', 'on', true)`);
    const { rowCount } = await tx.query(
      `DELETE FROM audit_events WHERE id IN (
         SELECT e.id
           FROM audit_events e
           JOIN organizations o ON o.id = e.organization_id
           LEFT JOIN workspaces w ON w.id = e.workspace_id AND w.organization_id = e.organization_id
          WHERE e.organization_id = $1
            AND e.occurred_at < now() - make_interval(days => $2::integer)
            AND e.occurred_at < now() - make_interval(days => coalesce(w.audit_retention_days, o.audit_retention_days))
          ORDER BY e.occurred_at, e.id
          LIMIT $3)`,
      [scope.organizationId, scope.shortestDays, limit],
    );
    return rowCount;
  });
}
