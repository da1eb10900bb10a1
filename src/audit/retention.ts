/**
 * Audit retention (issue 5): deletes events older than their workspace's retention, or their organization's,
 * in batches of `batchSize` rows per transaction. Each batch takes a transaction-level advisory lock and gives
 * up if another instance holds it, so one instance prunes at a time without pinning a connection between
 * batches (PGlite has only one). When an organization loses events, one `audit.pruned` event says how many.
 */
import type { Db } from "../store/db.js";
import { deleteExpiredAuditBatch, listRetentionScopes } from "../store/audit-retention.repository.js";
import type { AuditService } from "./audit.service.js";

export const DEFAULT_RETENTION_BATCH = 5_000;

export interface RetentionPass {
  /** Events deleted per organization (only organizations that lost some). */
  organizations: Array<{ organizationId: string; deleted: number }>;
  deleted: number;
  batches: number;
  /** True when another instance was pruning: this pass stopped early. */
  busy: boolean;
}

export interface RetentionDeps {
  db: Db;
  audit: AuditService;
  batchSize?: number;
  /** Who ran the pass, as the `audit.pruned` events name it. */
  actor?: { type: string; id: string | null };
}

export async function runAuditRetention({ db, audit, batchSize = DEFAULT_RETENTION_BATCH, actor = { type: "system", id: "audit-retention" } }: RetentionDeps): Promise<RetentionPass> {
  const pass: RetentionPass = { organizations: [], deleted: 0, batches: 0, busy: false };
  for (const scope of await listRetentionScopes(db)) {
    let deleted = 0;
    for (;;) {
      const count = await deleteExpiredAuditBatch(db, scope, batchSize);
      if (count === null) {
        pass.busy = true;
        break;
      }
      pass.batches += 1;
      deleted += count;
      if (count < batchSize) break;
    }
    if (deleted > 0) {
      pass.organizations.push({ organizationId: scope.organizationId, deleted });
      pass.deleted += deleted;
      await audit.record({ organizationId: scope.organizationId, actorType: actor.type, actorId: actor.id, action: "audit.pruned", targetType: "organization", targetId: scope.organizationId, details: { deleted } });
    }
    if (pass.busy) break;
  }
  return pass;
}

export interface RetentionJob {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Runs a pass now and every `intervalMs` (0: never), never two at once; failures are reported, not thrown. */
export function startAuditRetention(deps: RetentionDeps & { intervalMs: number; onPass?: (pass: RetentionPass) => void; onError?: (error: unknown) => void }): RetentionJob {
  if (deps.intervalMs <= 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= runAuditRetention(deps)
      .then((pass) => deps.onPass?.(pass), (error: unknown) => deps.onError?.(error))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, deps.intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
