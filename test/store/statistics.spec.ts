import { expect } from "chai";
import { hasAutovacuum, startStatisticsKeeper } from "../../src/store/statistics.js";
import { useCleanDatabase } from "../support/database.js";

/** src/store/statistics.ts: ANALYZE where no autovacuum runs, so plans made on empty tables do not stay. */
describe("store: statistics keeper", () => {
  const ctx = useCleanDatabase();

  it("knows PGlite has no autovacuum (and reads PostgreSQL's setting)", async () => {
    expect(await hasAutovacuum(ctx.db, "pglite")).to.equal(false);
    if (ctx.database.kind === "postgres") {
      const { rows } = await ctx.db.query<{ setting: string }>(`SELECT current_setting('autovacuum') AS setting`);
      expect(await hasAutovacuum(ctx.db, "postgres")).to.equal(rows[0]?.setting === "on");
    }
  });

  it("analyzes a table that grew, re-plans the statements cached on it, and leaves unchanged tables alone", async function () {
    this.timeout(60_000);
    // One connection throughout (PREPARE is per session); ANALYZE runs inside a transaction block too.
    await ctx.db.transaction(async (tx) => {
      const { rows: [organization] } = await tx.query<{ id: string }>(`INSERT INTO organizations (name) VALUES ('Stats') RETURNING id`);
      const orgId = organization?.id as string;
      await tx.query(`ANALYZE users`);
      // The foreign-key check's own statement, planned while users is empty and then kept as a generic plan.
      await tx.query(`PREPARE fk_check (uuid, uuid) AS SELECT 1 FROM users WHERE organization_id = $1 AND id = $2`);
      await tx.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      for (let i = 0; i < 6; i += 1) await tx.query(`EXECUTE fk_check('${orgId}', gen_random_uuid())`);
      await tx.query(`INSERT INTO users (organization_id, user_name) SELECT $1, 'u' || g FROM generate_series(1, 3000) g`, [orgId]);

      const keeper = startStatisticsKeeper(tx, { intervalMs: 3_600_000 });
      try {
        const analyzed = await keeper.runOnce();
        expect(analyzed).to.include("users");
        expect(analyzed).not.to.include("organizations"); // one row: its file did not grow past the slack
        const { rows: [stats] } = await tx.query<{ reltuples: number }>(`SELECT reltuples::int AS reltuples FROM pg_class WHERE relname = 'users'`);
        expect(stats?.reltuples).to.be.within(2_900, 3_100);
        const plan = (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE fk_check('${orgId}', gen_random_uuid())`)).rows.map((row) => row["QUERY PLAN"]).join("\n");
        // Both columns as index conditions: one index probe, not a walk over the organization's users.
        expect(plan).to.match(/Index (Only )?Scan using (users_organization_id_id_key|users_pkey)/);
        expect(plan).not.to.include("users_org_created");
        expect(await keeper.runOnce()).to.deep.equal([]);
      } finally {
        await keeper.stop();
        await tx.query(`DEALLOCATE fk_check`);
      }
    });
  });
});
