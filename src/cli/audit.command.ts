/** `gatehouse audit prune [--json]`: one audit retention pass (src/audit/retention.ts), with its counts. */
import { createAuditService } from "../audit/audit.service.js";
import { runAuditRetention } from "../audit/retention.js";
import { createDb } from "../store/db.js";
import type { CliContext } from "./context.js";
import { operatorName } from "./operator.js";
import { printTable, UsageError, type Output } from "./output.js";

export async function runAuditCommand(args: { action: string | undefined; json: boolean; batchSize?: number }, context: CliContext, out: Output): Promise<void> {
  if (args.action !== "prune") throw new UsageError(`unknown audit action "${args.action ?? ""}": use prune`);
  const db = createDb(context.database.dataSource);
  const pass = await runAuditRetention({
    db,
    audit: createAuditService({ db }),
    actor: { type: "cli", id: operatorName() },
    ...(args.batchSize === undefined ? {} : { batchSize: args.batchSize }),
  });
  if (args.json) return out.json(pass);
  out.line(`Deleted ${pass.deleted} expired audit event(s) in ${pass.batches} batch(es).`);
  if (pass.organizations.length > 0) printTable(out, pass.organizations, ["organizationId", "deleted"]);
  if (pass.busy) out.line("Another instance was pruning at the same time; this pass stopped early. Run it again later if needed.");
}
