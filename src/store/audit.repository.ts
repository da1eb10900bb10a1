import type { Db } from "./db.js";

export interface AuditEventInput {
  organizationId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  requestId?: string | null;
  /** The workspace the event is about (audit retention and `GET /audit?workspaceId=` go by it). */
  workspaceId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEventRecord extends Required<AuditEventInput> {
  id: number;
  occurredAt: Date;
}

export interface AuditRow {
  id: string;
  organization_id: string | null;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  workspace_id?: string | null;
  details: Record<string, unknown>;
}

const AUDIT_COLUMNS = "organization_id, actor_type, actor_id, action, target_type, target_id, request_id, details, workspace_id";

/** Where an event inserted by a data-modifying CTE takes what only the statement knows. */
export interface AuditSource {
  /** The row source (a CTE name): one event per row it yields. */
  from: string;
  /** Only when this holds (e.g. `EXISTS (SELECT 1 FROM changed)`: nothing changed, nothing to audit). */
  where?: string;
  /** The target id as SQL over `from` (a row the statement creates), instead of the event's. */
  targetId?: string;
  /** The details as SQL, given the bound JSON of the event's own (e.g. `bound || jsonb_build_object(…)`). */
  details?: (bound: string) => string;
}

/**
 * The INSERT of one event, its values bound through `bind` (which returns the placeholder). With `source`,
 * an INSERT … SELECT for a data-modifying CTE: how a write commits its event in its own statement.
 */
export function auditInsertSql(event: AuditEventInput, bind: (value: unknown) => string, source?: AuditSource): string {
  const details = `${bind(JSON.stringify(event.details ?? {}))}::jsonb`;
  const values = [
    `${bind(event.organizationId)}::uuid`,
    bind(event.actorType),
    bind(event.actorId),
    bind(event.action),
    bind(event.targetType ?? null),
    source?.targetId ?? bind(event.targetId ?? null),
    bind(event.requestId ?? null),
    source?.details ? source.details(details) : details,
    `${bind(event.workspaceId ?? null)}::uuid`,
  ];
  return source
    ? `INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${values.join(", ")} FROM ${source.from}${source.where ? ` WHERE ${source.where}` : ""}`
    : `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${values.join(", ")})`;
}

/** A placeholder binder: each value appended to `params`, its `$n` returned. */
export function binder(params: unknown[]): (value: unknown) => string {
  return (value) => `$${params.push(value)}`;
}

export async function insertAuditEvent(db: Db, event: AuditEventInput): Promise<void> {
  const params: unknown[] = [];
  await db.query(auditInsertSql(event, binder(params)), params);
}

/** Events of an organization, oldest first, after the event id `afterId` (keyset paging). */
export async function listAuditEvents(db: Db, organizationId: string, page: { afterId?: number; limit: number }): Promise<AuditEventRecord[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT * FROM audit_events WHERE organization_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [organizationId, page.afterId ?? 0, page.limit],
  );
  return rows.map(toAuditEvent);
}

/** An audit_events row as a record (every reader of the log uses this). */
export function toAuditEvent(row: AuditRow): AuditEventRecord {
  return {
    id: Number(row.id),
    organizationId: row.organization_id,
    occurredAt: new Date(row.occurred_at),
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    workspaceId: row.workspace_id ?? null,
    details: row.details,
  };
}
