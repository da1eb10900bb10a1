/**
 * The audit log (issue 5): `GET /audit` pages the API key's organization's events newest first by an opaque
 * keyset cursor; `GET /audit/export` streams every matching event oldest first as JSON Lines, 1,000 rows a
 * query, waiting for 'drain' when the client reads slower than the database answers.
 */
import { once } from "node:events";
import type { Request, Response, Router } from "express";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { Db } from "../store/db.js";
import { queryAuditEvents, type AuditKey, type AuditQueryFilter, type AuditQueryRow } from "../store/audit-query.repository.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { invalidRequest, methodNotAllowed } from "./route-helpers.js";

export const AUDIT_FILTERS = ["from", "to", "actor", "actorType", "action", "targetType", "targetId", "workspaceId"] as const;
const PAGE_PARAMETERS = ["limit", "cursor"] as const;
export const AUDIT_PAGE_LIMIT = { min: 1, max: 500, default: 100 };
export const AUDIT_EXPORT_BATCH = 1_000;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(key: AuditKey): string {
  return Buffer.from(JSON.stringify([key.occurredAt, key.id])).toString("base64url");
}

function decodeCursor(raw: string): AuditKey | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [occurredAt, id] = value as unknown[];
    if (typeof occurredAt !== "string" || !CURSOR_TIME.test(occurredAt) || Number.isNaN(Date.parse(occurredAt))) return undefined;
    if (typeof id !== "string" || !/^[1-9]\d{0,18}$/.test(id)) return undefined;
    return { occurredAt, id };
  } catch {
    return undefined;
  }
}

function timestamp(raw: string, name: string, problems: string[]): string | undefined {
  const time = TIMESTAMP.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time)) {
    problems.push(`${name}: must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z`);
    return undefined;
  }
  return new Date(time).toISOString();
}

function text(raw: string, name: string, problems: string[]): string | undefined {
  if (raw.length === 0 || raw.length > 200) {
    problems.push(`${name}: must be 1 to 200 characters`);
    return undefined;
  }
  return raw;
}

export interface AuditQuery {
  filter: AuditQueryFilter;
  limit: number;
  after?: AuditKey;
}

/** The query string of either route (`paged`: limit and cursor allowed); every problem is reported at once. */
export function parseAuditQuery(req: Request, paged: boolean): AuditQuery {
  const allowed: readonly string[] = paged ? [...AUDIT_FILTERS, ...PAGE_PARAMETERS] : AUDIT_FILTERS;
  const problems: string[] = [];
  const filter: AuditQueryFilter = {};
  const query: AuditQuery = { filter, limit: AUDIT_PAGE_LIMIT.default };
  for (const [name, raw] of Object.entries(req.query)) {
    if (!allowed.includes(name)) {
      problems.push(`${name}: unknown query parameter (use ${allowed.join(", ")})`);
      continue;
    }
    if (typeof raw !== "string") {
      problems.push(`${name}: give it once, as a single value`);
      continue;
    }
    switch (name) {
      case "from":
      case "to": {
        const value = timestamp(raw, name, problems);
        if (value !== undefined) filter[name] = value;
        break;
      }
      case "action": {
        const value = text(raw, name, problems);
        if (value === undefined) break;
        const star = value.indexOf("*");
        if (star === -1) filter.action = value;
        else if (star === value.length - 1) filter.actionPrefix = value.slice(0, -1);
        else problems.push("action: * may only end a prefix, as in scim.group.*");
        break;
      }
      case "workspaceId":
        if (UUID.test(raw)) filter.workspaceId = raw.toLowerCase();
        else problems.push("workspaceId: must be a UUID");
        break;
      case "actor": {
        const value = text(raw, name, problems);
        if (value !== undefined) filter.actorId = value;
        break;
      }
      case "actorType":
      case "targetType":
      case "targetId": {
        const value = text(raw, name, problems);
        if (value !== undefined) filter[name] = value;
        break;
      }
      case "limit":
        if (/^\d{1,9}$/.test(raw) && Number(raw) >= AUDIT_PAGE_LIMIT.min && Number(raw) <= AUDIT_PAGE_LIMIT.max) query.limit = Number(raw);
        else problems.push(`limit: must be an integer from ${AUDIT_PAGE_LIMIT.min} to ${AUDIT_PAGE_LIMIT.max}`);
        break;
      case "cursor": {
        const after = decodeCursor(raw);
        if (after) query.after = after;
        else problems.push("cursor: malformed; pass a nextCursor this endpoint returned");
        break;
      }
    }
  }
  if (filter.from !== undefined && filter.to !== undefined && Date.parse(filter.from) > Date.parse(filter.to)) {
    problems.push("from: must not be after to");
  }
  if (problems.length > 0) throw invalidRequest(problems);
  return query;
}

export function presentAuditEvent(event: AuditQueryRow) {
  return {
    id: String(event.id),
    occurredAt: event.occurredAt.toISOString(),
    actor: { type: event.actorType, id: event.actorId },
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    requestId: event.requestId,
    details: event.details,
  };
}

/** Resolves when the response can take more, or is gone; leaves no listener behind. */
async function drainedOrClosed(res: Response): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([once(res, "drain", { signal: settled.signal }), once(res, "close", { signal: settled.signal })]);
  } finally {
    settled.abort();
  }
}

/** Writes every matching event, oldest first, one JSON object a line; stops early if the client goes away. */
async function streamExport(db: Db, organizationId: string, filter: AuditQueryFilter, res: Response): Promise<void> {
  let after: AuditKey | undefined;
  for (;;) {
    const batch = await queryAuditEvents(db, organizationId, filter, { order: "asc", limit: AUDIT_EXPORT_BATCH, ...(after ? { after } : {}) });
    for (const event of batch) {
      if (res.destroyed) return;
      if (!res.write(`${JSON.stringify(presentAuditEvent(event))}\n`)) {
        await drainedOrClosed(res);
      }
    }
    if (batch.length < AUDIT_EXPORT_BATCH) break;
    after = batch[batch.length - 1]?.key;
  }
  res.end();
}

export function mountAuditRoutes(router: Router, { authorizer, db }: AdminRouteDeps & { db: Db }): void {
  const { requirePermission } = authorizer;

  router
    .route("/audit")
    .get(requirePermission("audit:read"), async (req, res) => {
      const { filter, limit, after } = parseAuditQuery(req, true);
      const rows = await queryAuditEvents(db, apiKeyPrincipalOf(res).organizationId, filter, { order: "desc", limit: limit + 1, ...(after ? { after } : {}) });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      res.json({ items: items.map(presentAuditEvent), nextCursor: rows.length > limit && last ? encodeCursor(last.key) : null });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/audit/export")
    .get(requirePermission("audit:read"), async (req, res) => {
      const { filter } = parseAuditQuery(req, false);
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      res.status(200).set({ "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store" });
      try {
        await streamExport(db, organizationId, filter, res);
      } catch (error) {
        // The status line is gone: the only honest signal left is a broken stream (no final newline, no clean end).
        res.destroy(error as Error);
      }
    })
    .all(methodNotAllowed("GET"));
}
