/**
 * Audit retention (src/audit/retention.ts): expired events go in batches, each in a transaction allowed to
 * delete; everything else stays, and the log stays append-only for everyone else.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { runAuditCommand } from "../../src/cli/audit.command.js";
import type { CliContext } from "../../src/cli/context.js";
import type { Output } from "../../src/cli/output.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { runAuditRetention, startAuditRetention, type RetentionPass } from "../../src/audit/retention.js";
import { createDirectory } from "../../src/directory/directory.js";
import { AUDIT_RETENTION_LOCK } from "../../src/store/audit-retention.repository.js";
import { OrganizationSettings1795400500000 } from "../../src/store/migrations/1795400500000-organization-settings.js";
import { truncateAll, useCleanDatabase } from "../support/database.js";
import { countRows, expectDatabaseError } from "../directory/helpers.js";

describe("Audit retention", () => {
  const context = useCleanDatabase();
  const ids = { acme: "", prod: "", staging: "", globex: "", globexProd: "", initech: "" };

  /** An event `days` days old (occurred_at is set on insert; the log is never updated). */
  async function event(organizationId: string, workspaceId: string | null, days: number, label: string): Promise<void> {
    await context.db.query(
      `INSERT INTO audit_events (organization_id, workspace_id, occurred_at, actor_type, actor_id, action, details)
       VALUES ($1, $2, now() - make_interval(days => $3::integer, mins => 1), 'system', NULL, 'test.event', jsonb_build_object('label', $4::text))`,
      [organizationId, workspaceId, days, label],
    );
  }

  async function labels(organizationId: string): Promise<string[]> {
    const { rows } = await context.db.query<{ label: string }>(
      `SELECT details->>'label' AS label FROM audit_events WHERE organization_id = $1 AND action = 'test.event' ORDER BY 1`,
      [organizationId],
    );
    return rows.map((row) => row.label);
  }

  beforeEach(async () => {
    await truncateAll(context.database);
    const directory = createDirectory({ db: context.db });
    const organization = async (name: string, days: number | null) => {
      const { id } = await directory.organizations.create({ name: `${name} ${randomUUID()}`, plan: "paid" });
      await directory.organizations.update(id, { auditRetentionDays: days });
      return id;
    };
    const workspace = async (organizationId: string, title: string, days: number | null) => {
      const { id } = await directory.workspaces.create(organizationId, { title });
      await directory.workspaces.setAuditRetention(organizationId, id, days);
      return id;
    };
    // Acme keeps 30 days; its Prod workspace 7; Staging follows the organization. Globex keeps forever, but its
    // Prod workspace 7 days. Initech has no retention at all.
    ids.acme = await organization("Acme", 30);
    ids.prod = await workspace(ids.acme, "Prod", 7);
    ids.staging = await workspace(ids.acme, "Staging", null);
    ids.globex = await organization("Globex", null);
    ids.globexProd = await workspace(ids.globex, "Prod", 7);
    ids.initech = await organization("Initech", null);

    await event(ids.acme, null, 40, "acme-org-40");
    await event(ids.acme, null, 20, "acme-org-20");
    await event(ids.acme, ids.prod, 10, "acme-prod-10");
    await event(ids.acme, ids.prod, 5, "acme-prod-5");
    await event(ids.acme, ids.staging, 40, "acme-staging-40");
    await event(ids.acme, ids.staging, 20, "acme-staging-20");
    await event(ids.acme, randomUUID(), 40, "acme-gone-40"); // a deleted workspace: the organization's retention
    await event(ids.acme, randomUUID(), 20, "acme-gone-20");
    await event(ids.globex, null, 400, "globex-org-400");
    await event(ids.globex, ids.globexProd, 10, "globex-prod-10");
    await event(ids.globex, ids.globexProd, 5, "globex-prod-5");
    await event(ids.initech, null, 4000, "initech-4000");
  });

  const KEPT = {
    acme: ["acme-gone-20", "acme-org-20", "acme-prod-5", "acme-staging-20"],
    globex: ["globex-org-400", "globex-prod-5"],
    initech: ["initech-4000"],
  };

  it("deletes events older than their workspace's retention, else their organization's; keeps the rest and other organizations'", async () => {
    const audit = createAuditService({ db: context.db });
    const pass = await runAuditRetention({ db: context.db, audit });
    expect(await labels(ids.acme)).to.deep.equal(KEPT.acme);
    expect(await labels(ids.globex)).to.deep.equal(KEPT.globex);
    expect(await labels(ids.initech)).to.deep.equal(KEPT.initech);
    expect(pass).to.deep.include({ deleted: 5, busy: false });
    expect(pass.organizations).to.have.deep.members([
      { organizationId: ids.acme, deleted: 4 },
      { organizationId: ids.globex, deleted: 1 },
    ]);
    // Each organization that lost events says so in its own log, once.
    const pruned = await context.db.query<{ organization_id: string; details: { deleted: number } }>(`SELECT organization_id, details FROM audit_events WHERE action = 'audit.pruned'`);
    expect(pruned.rows.map((row) => [row.organization_id, row.details.deleted])).to.have.deep.members([
      [ids.acme, 4],
      [ids.globex, 1],
    ]);
    // A second pass finds nothing more.
    expect((await runAuditRetention({ db: context.db, audit })).deleted).to.equal(0);
  });

  it("works in batches of the given size, each its own transaction", async () => {
    const pass = await runAuditRetention({ db: context.db, audit: createAuditService({ db: context.db }), batchSize: 2 });
    expect(pass.deleted).to.equal(5);
    // Acme: 2 + 2 + a last, empty batch; Globex: 1.
    expect(pass.batches).to.equal(4);
    expect(await labels(ids.acme)).to.deep.equal(KEPT.acme);
    expect(await labels(ids.globex)).to.deep.equal(KEPT.globex);
  });

  it("the log stays append-only outside the job: DELETE refused without the setting, UPDATE refused even with it", async () => {
    const total = await countRows(context.db, "audit_events");
    expect((await expectDatabaseError(context.db.query(`DELETE FROM audit_events WHERE organization_id = $1`, [ids.acme]))).code).to.equal("42501");
    const update = context.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('gatehouse.audit_retention', 'on', true)`);
      await tx.query(`UPDATE audit_events SET action = 'forged' WHERE organization_id = $1`, [ids.acme]);
    });
    expect((await expectDatabaseError(update)).code).to.equal("42501");
    // The setting is transaction-local: it is gone once that transaction ends.
    expect((await expectDatabaseError(context.db.query(`DELETE FROM audit_events`))).code).to.equal("42501");
    expect(await countRows(context.db, "audit_events")).to.equal(total);
  });

  it("stops, deleting nothing, while another instance holds the retention lock (PostgreSQL)", async function () {
    // PGlite has one connection: a second transaction cannot run while the first holds the lock.
    if (!process.env.DATABASE_URL) this.skip();
    const total = await countRows(context.db, "audit_events");
    const pass = await context.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [AUDIT_RETENTION_LOCK.toString()]);
      return runAuditRetention({ db: context.db, audit: createAuditService({ db: context.db }) });
    });
    expect(pass).to.deep.include({ deleted: 0, busy: true, batches: 0 });
    expect(await countRows(context.db, "audit_events")).to.equal(total);
  });

  it("the interval job runs a pass at start and reports it; interval 0 never runs", async () => {
    const audit = createAuditService({ db: context.db });
    const idle = startAuditRetention({ db: context.db, audit, intervalMs: 0, onPass: () => expect.fail("ran with interval 0") });
    await idle.stop();
    const passes: RetentionPass[] = [];
    const job = startAuditRetention({ db: context.db, audit, intervalMs: 3_600_000, onPass: (pass) => passes.push(pass), onError: (error) => expect.fail(String(error)) });
    for (let waited = 0; passes.length === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await job.stop();
    expect(passes.map((pass) => pass.deleted)).to.deep.equal([5]);
    expect(await labels(ids.acme)).to.deep.equal(KEPT.acme);
  });

  it("migration 1795400500000 gives older events their workspace (from details.workspaceId or a workspace target), down and up again", async function () {
    // Down and up alter shared tables: only on this process's own embedded database, never on a shared server.
    if (process.env.DATABASE_URL) this.skip();
    const migration = new OrganizationSettings1795400500000();
    const runner = context.database.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      // Through the runner: PGlite's one connection is the runner's until it is released.
      await runner.query(
        `INSERT INTO audit_events (organization_id, actor_type, action, target_type, target_id, details) VALUES
           ($1, 'system', 'old.space', 'space', $4, jsonb_build_object('label', 'by-details', 'workspaceId', $2::text)),
           ($1, 'system', 'old.workspace', 'workspace', $3, jsonb_build_object('label', 'by-target')),
           ($1, 'system', 'old.other', 'group', $4, jsonb_build_object('label', 'neither')),
           ($1, 'system', 'old.bad', 'workspace', 'not-a-uuid', jsonb_build_object('label', 'malformed', 'workspaceId', 'nope'))`,
        [ids.acme, ids.prod, ids.staging, randomUUID()],
      );
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const { rows } = await context.db.query<{ label: string; workspace_id: string | null }>(
      `SELECT details->>'label' AS label, workspace_id FROM audit_events WHERE action LIKE 'old.%' ORDER BY 1`,
    );
    expect(rows.map((row) => [row.label, row.workspace_id])).to.deep.equal([
      ["by-details", ids.prod],
      ["by-target", ids.staging],
      ["malformed", null],
      ["neither", null],
    ]);
    // Still append-only afterwards.
    expect((await expectDatabaseError(context.db.query(`DELETE FROM audit_events WHERE action LIKE 'old.%'`))).code).to.equal("42501");
  });

  it("AUDIT_RETENTION_INTERVAL_MS sets the interval (0 turns the job off); a negative one stops the start naming it", () => {
    expect(loadConfig({ AUDIT_RETENTION_INTERVAL_MS: "0" }).audit.retentionIntervalMs).to.equal(0);
    expect(loadConfig({ AUDIT_RETENTION_INTERVAL_MS: "60000" }).audit.retentionIntervalMs).to.equal(60_000);
    expect(() => loadConfig({ AUDIT_RETENTION_INTERVAL_MS: "-1" })).to.throw(ConfigError, "AUDIT_RETENTION_INTERVAL_MS");
  });

  it("gatehouse audit prune runs one pass and prints its counts (--json: the pass itself)", async () => {
    const lines: string[] = [];
    const out: Output = { line: (text) => lines.push(text), json: (value) => lines.push(JSON.stringify(value)), error: (text) => lines.push(text) };
    const cli = { config: loadConfig({ ...process.env, LOG_LEVEL: "silent" }), database: context.database, directory: createDirectory({ db: context.db }), scimBaseUrl: "", migrated: [] } as CliContext;
    await runAuditCommand({ action: "prune", json: false }, cli, out);
    expect(lines[0]).to.equal("Deleted 5 expired audit event(s) in 2 batch(es).");
    expect(lines.join("\n")).to.contain(ids.acme);
    const pruned = await context.db.query<{ actor_type: string }>(`SELECT actor_type FROM audit_events WHERE action = 'audit.pruned'`);
    expect(pruned.rows.map((row) => row.actor_type)).to.deep.equal(["cli", "cli"]);
    lines.length = 0;
    await runAuditCommand({ action: "prune", json: true }, cli, out);
    expect(JSON.parse(lines[0] as string)).to.deep.include({ deleted: 0, busy: false });
  });
});
