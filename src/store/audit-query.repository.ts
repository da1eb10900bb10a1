/**
 * Reading the audit log (issue 5, `GET /admin/v1/audit` and its export): filtered, keyset-paged over the index
 * audit_events (organization_id, occurred_at, id) — or (organization_id, workspace_id, occurred_at, id) for one
 * workspace — never OFFSET, every value a parameter.
 */
import { toAuditEvent, type AuditEventRecord, type AuditRow } from "./audit.repository.js";
import type { Db } from "./db.js";

export interface AuditQueryFilter {
  /** Inclusive (ISO 8601). */
  from?: string;
  /** Exclusive (ISO 8601). */
  to?: string;
  actorId?: string;
  actorType?: string;
  /** The exact action. */
  action?: string;
  /** Actions starting with this (the `scim.group.*` form, without the `*`). */
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  /**
   * The event's workspace_id: set when its target is the workspace or its details name it (as Space and
   * attachment events do) — by the audit service for new events, by migration 1795400500000 for older ones.
   */
  workspaceId?: string;
}

/** A position in the log: the (occurred_at, id) of the last event read; occurredAt keeps PostgreSQL's microseconds. */
export interface AuditKey {
  occurredAt: string;
  id: string;
}

export interface AuditQueryRow extends AuditEventRecord {
  key: AuditKey;
}

/** One page of the organization's events matching `filter`, after `after`, newest first (desc) or oldest first (asc). */
export async function queryAuditEvents(
  db: Db,
  organizationId: string,
  filter: AuditQueryFilter,
  page: { order: "asc" | "desc"; limit: number; after?: AuditKey },
): Promise<AuditQueryRow[]> {
  const params: unknown[] = [organizationId];
  const where = ["organization_id = $1"];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.from !== undefined) add((n) => `occurred_at >= ${n}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((n) => `occurred_at < ${n}::timestamptz`, filter.to);
  if (filter.actorId !== undefined) add((n) => `actor_id = ${n}`, filter.actorId);
  if (filter.actorType !== undefined) add((n) => `actor_type = ${n}`, filter.actorType);
  if (filter.action !== undefined) add((n) => `action = ${n}`, filter.action);
  if (filter.actionPrefix !== undefined) add((n) => `starts_with(action, ${n}::text)`, filter.actionPrefix);
  if (filter.targetType !== undefined) add((n) => `target_type = ${n}`, filter.targetType);
  if (filter.targetId !== undefined) add((n) => `target_id = ${n}`, filter.targetId);
  if (filter.workspaceId !== undefined) add((n) => `workspace_id = ${n}::uuid`, filter.workspaceId);
  if (page.after) {
    params.push(page.after.occurredAt, page.after.id);
    const comparison = page.order === "desc" ? "<" : ">";
    where.push(`(occurred_at, id) ${comparison} ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
  }
  params.push(page.limit);
  const direction = page.order === "desc" ? "DESC" : "ASC";
  const { rows } = await db.query<AuditRow & { occurred_key: string }>(
    `SELECT id, organization_id, occurred_at,
            to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_key,
            actor_type, actor_id, action, target_type, target_id, request_id, workspace_id, details
       FROM audit_events
      WHERE ${where.join(" AND ")}
      ORDER BY occurred_at ${direction}, id ${direction}
      LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => ({ ...toAuditEvent(row), key: { occurredAt: row.occurred_key, id: String(row.id) } }));
}
