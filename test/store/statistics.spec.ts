import { expect } from "chai";
import type { Db } from "../../src/store/db.js";
import { hasAutovacuum, startStatisticsKeeper } from "../../src/store/statistics.js";
import { useCleanDatabase } from "../support/database.js";

/** One pg connection, as the pool hands it out. */
interface Session {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(): void;
}

/** src/store/statistics.ts: VACUUM and ANALYZE where no autovacuum runs, so plans made on empty tables do not stay. */
describe("store: statistics keeper", () => {
  const ctx = useCleanDatabase();

  it("knows PGlite has no autovacuum (and reads PostgreSQL's setting)", async () => {
    expect(await hasAutovacuum(ctx.db, "pglite")).to.equal(false);
    if (ctx.database.kind === "postgres") {
      const { rows } = await ctx.db.query<{ setting: string }>(`SELECT current_setting('autovacuum') AS setting`);
      expect(await hasAutovacuum(ctx.db, "postgres")).to.equal(rows[0]?.setting === "on");
    }
  });

  it("vacuums and analyzes a table that grew, re-plans the statements cached on it, and leaves unchanged tables alone", async function () {
    this.timeout(60_000);
    // One connection throughout and no transaction: PREPARE belongs to a session, and VACUUM refuses to run
    // inside a transaction block. (On PGlite this is its only connection, so nothing else may run meanwhile.)
    const pool = (ctx.database.dataSource.driver as unknown as { master: { connect(): Promise<Session> } }).master;
    const session = await pool.connect();
    const db: Db = {
      query: async <Row>(sql: string, params: readonly unknown[] = []) => {
        const result = await session.query(sql, [...params]);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      },
      transaction: () => Promise.reject(new Error("not used")),
    };
    const keeper = startStatisticsKeeper(db, { intervalMs: 3_600_000 });
    try {
      const { rows: [organization] } = await db.query<{ id: string }>(`INSERT INTO organizations (name) VALUES ('Stats') RETURNING id`);
      const orgId = organization?.id as string;
      await keeper.runOnce(); // whatever earlier files left grown
      // The foreign-key check's own statement, planned while users is empty and then kept as a generic plan.
      await db.query(`SET plan_cache_mode = force_generic_plan`);
      await db.query(`PREPARE fk_check (uuid, uuid) AS SELECT 1 FROM users WHERE organization_id = $1 AND id = $2`);
      for (let i = 0; i < 6; i += 1) await db.query(`EXECUTE fk_check('${orgId}', gen_random_uuid())`);
      await db.query(`INSERT INTO users (organization_id, user_name) SELECT $1, 'u' || g FROM generate_series(1, 3000) g`, [orgId]);

      const analyzed = await keeper.runOnce();
      expect(analyzed).to.include("users");
      expect(analyzed).not.to.include("organizations"); // one more row: its file did not grow past the slack
      const { rows: [stats] } = await db.query<{ reltuples: number; relpages: number; relallvisible: number }>(
        `SELECT reltuples::int AS reltuples, relpages, relallvisible FROM pg_class WHERE relname = 'users'`,
      );
      expect(stats?.reltuples).to.be.within(2_900, 3_100);
      // VACUUM marked the pages all-visible: counting the organization's users can be an index-only scan.
      expect(stats?.relallvisible).to.be.greaterThan(0);
      expect(stats?.relallvisible).to.equal(stats?.relpages);
      const plan = (await db.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE fk_check('${orgId}', gen_random_uuid())`)).rows.map((row) => row["QUERY PLAN"]).join("\n");
      // Both columns as index conditions: one index probe, not a walk over the organization's users.
      expect(plan).to.match(/Index (Only )?Scan using (users_organization_id_id_key|users_pkey)/);
      expect(plan).not.to.include("users_org_created");
      expect(await keeper.runOnce()).to.deep.equal([]);
    } finally {
      await keeper.stop();
      await db.query(`DEALLOCATE fk_check`).catch(() => undefined);
      await db.query(`RESET plan_cache_mode`).catch(() => undefined);
      session.release();
    }
  });
});
