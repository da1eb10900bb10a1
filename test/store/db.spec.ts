import { expect } from "chai";
import { useCleanDatabase } from "../support/database.js";

describe("store: Db", () => {
  const ctx = useCleanDatabase();

  // Regression: loadChildren ran three SELECTs with Promise.all inside a transaction, overlapping
  // queries on one pg client ("client is already executing a query", an error in pg 9).
  it("runs queries issued together inside a transaction one after another, each with its own result", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const started: number[] = [];
      const results = await ctx.db.transaction((tx) =>
        Promise.all([1, 2, 3].map(async (n) => {
          const { rows } = await tx.query<{ n: number; at: string }>("SELECT $1::int AS n, clock_timestamp()::text AS at, pg_sleep(0.02)", [n]);
          started.push(n);
          return rows[0]?.n;
        })),
      );
      expect(results).to.deep.equal([1, 2, 3]);
      expect(started).to.deep.equal([1, 2, 3]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes("already executing"))).to.deep.equal([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("rolls back everything a failed transaction did, and a failed query does not poison the next one", async () => {
    await ctx.db.query("INSERT INTO organizations (name) VALUES ('Kept')");
    const failure = await ctx.db
      .transaction(async (tx) => {
        await tx.query("INSERT INTO organizations (name) VALUES ('Rolled back')");
        await tx.query("INSERT INTO organizations (name) VALUES ('')"); // violates the name check
      })
      .catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(Error);
    const { rows } = await ctx.db.query<{ name: string }>("SELECT name FROM organizations ORDER BY name");
    expect(rows.map((row) => row.name)).to.deep.equal(["Kept"]);
  });

  it("reports affected rows for updates and deletes", async () => {
    await ctx.db.query("INSERT INTO organizations (name) SELECT 'Bulk ' || n FROM generate_series(1, 3) AS n");
    const updated = await ctx.db.query("UPDATE organizations SET plan = 'paid' WHERE name LIKE 'Bulk %'");
    const deleted = await ctx.db.query("DELETE FROM organizations WHERE name LIKE 'Bulk %' RETURNING id");
    expect(updated.rowCount).to.equal(3);
    expect(deleted.rowCount).to.equal(3);
    expect(deleted.rows).to.have.length(3);
  });
});
