import type { Db } from "./db.js";

/**
 * Planner statistics and the visibility map where nothing else keeps them. PGlite has no autovacuum, and a
 * PostgreSQL server may run with it off. Without statistics every connection keeps the plans it made while the
 * tables were empty — the foreign-key checks included: measured on this project, the check behind each
 * `user_emails` or `group_members` insert then walked every user of the organization (`Index Scan using
 * users_org_created … Filter: id = $2`), and creating users slowed as the directory grew. Without VACUUM no
 * page is ever marked all-visible, so `count(*)` for a list's `totalResults` can never be an index-only scan,
 * and deleted members' rows are never reclaimed.
 *
 * So a table is `VACUUM (ANALYZE)`d — which also invalidates the plans cached on it — when its file has grown
 * past what the last ANALYZE saw (`relpages`) by a tenth plus a few pages (PGlite keeps no cumulative
 * statistics, so `n_mod_since_analyze` cannot be the rule there). VACUUM cannot run inside a transaction:
 * give the keeper the pool, or one connection outside any transaction.
 */
export interface StatisticsKeeper {
  /** One pass: vacuums and analyzes the tables that grew; returns their names. */
  runOnce(): Promise<string[]>;
  stop(): Promise<void>;
}

const GROWN_TABLES = `
  SELECT c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relpersistence = 'p'
    AND pg_relation_size(c.oid) / current_setting('block_size')::bigint > greatest(c.relpages, 0) * 1.1 + $1
  ORDER BY c.relname`;

/** Pages a table may grow by before it is analyzed again (a users page holds ~10–25 rows). */
const SLACK_PAGES = 4;

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Whether the database keeps statistics by itself (PostgreSQL with autovacuum on). PGlite does not. */
export async function hasAutovacuum(db: Db, kind: "postgres" | "pglite"): Promise<boolean> {
  if (kind === "pglite") return false;
  const { rows } = await db.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AS on`);
  return rows[0]?.on === true;
}

export function startStatisticsKeeper(db: Db, options: { intervalMs: number; onAnalyzed?: (tables: string[]) => void; onError?: (error: unknown) => void }): StatisticsKeeper {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  async function runOnce(): Promise<string[]> {
    const { rows } = await db.query<{ name: string }>(GROWN_TABLES, [SLACK_PAGES]);
    // The names come from pg_class (this schema's own tables), quoted as identifiers: VACUUM takes no parameters.
    for (const { name } of rows) await db.query(`VACUUM (ANALYZE) ${quoteIdentifier(name)}`);
    return rows.map((row) => row.name);
  }
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const analyzed = await runOnce();
        if (analyzed.length > 0) options.onAnalyzed?.(analyzed);
      } catch (error) {
        options.onError?.(error);
      }
    });
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
