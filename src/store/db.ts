import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";

export interface QueryOutcome<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (for SELECT, rows returned). */
  rowCount: number;
}

/**
 * The one way code above the store reaches the database: parameterised SQL, and transactions.
 * Placeholders are PostgreSQL's `$1, $2, …`; values never go into the SQL text.
 */
export interface Db {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryOutcome<Row>>;
  /** Runs `work` in one transaction: all of it commits, or none of it. Nested calls join the outer one. */
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

/** What pg's Pool and PoolClient have in common: the driver TypeORM opened, used directly. */
interface Queryable {
  query(config: { name?: string | undefined; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** An error the server reported (it has a SQLSTATE): the connection itself is still good. */
function isServerError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === "string" && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}

interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
}

/**
 * Statements run as named prepared statements: each connection parses and plans a statement once, then
 * PostgreSQL reuses it (measured: the user representation query 0.90 → 0.37 ms). The number of names is
 * bounded — filter SQL varies with the filter's shape, and every name costs memory on every connection — so
 * texts beyond the first MAX_PREPARED run unnamed, as before.
 */
const MAX_PREPARED = 2_000;
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `gh_${createHash("sha256").update(sql).digest("base64url").slice(0, 22)}`;
    statementNames.set(sql, name);
  }
  return name;
}

async function run<Row>(target: Queryable, sql: string, params: readonly unknown[], prepared: boolean): Promise<QueryOutcome<Row>> {
  const result = await target.query({ name: prepared ? statementName(sql) : undefined, text: sql, values: [...params] });
  const rows = result.rows as Row[];
  return { rows, rowCount: result.rowCount ?? rows.length };
}

/**
 * A transaction is one connection, and a pg client runs one query at a time: queries issued together
 * (Promise.all) are chained here so they never overlap on the client.
 */
function transactionalDb(client: Queryable, prepared: boolean): Db {
  let tail: Promise<unknown> = Promise.resolve();
  const db: Db = {
    query<Row>(sql: string, params: readonly unknown[] = []) {
      const next = tail.then(() => run<Row>(client, sql, params, prepared));
      tail = next.catch(() => undefined);
      return next;
    },
    transaction: (work) => work(db),
  };
  return db;
}

/**
 * Queries go straight to the pg pool TypeORM opened (the same pool for PostgreSQL and for PGlite's
 * node-postgres adapter): TypeORM's query runner costs a measurable share of the CPU per statement and adds
 * nothing to hand-written SQL. TypeORM still owns the pool's life cycle and the migrations.
 */
export interface DbOptions {
  /** Named prepared statements (default on); off behind a transaction-pooling proxy such as PgBouncer. */
  preparedStatements?: boolean;
}

export function createDb(dataSource: DataSource, options: DbOptions = {}): Db {
  const prepared = options.preparedStatements ?? true;
  const pool = (dataSource.driver as unknown as { master?: PoolLike }).master;
  if (!pool) throw new Error("the data source is not initialized");
  return {
    // Not pool.query(): it discards the connection after any error, even a constraint violation — on
    // PGlite's one-connection adapter that ends the embedded database session.
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const client = await pool.connect();
      let broken = false;
      try {
        return await run<Row>(client, sql, params, prepared);
      } catch (error) {
        broken = !isServerError(error);
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query({ text: "BEGIN", values: [] });
        const result = await work(transactionalDb(client, prepared));
        await client.query({ text: "COMMIT", values: [] });
        return result;
      } catch (error) {
        try {
          await client.query({ text: "ROLLBACK", values: [] });
        } catch {
          // The connection is unusable: the pool must discard it rather than hand it out again.
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

export type DatabaseErrorKind = "unique_violation" | "foreign_key_violation" | "check_violation" | "not_null_violation";

const SQLSTATE: Record<string, DatabaseErrorKind> = {
  "23505": "unique_violation",
  "23503": "foreign_key_violation",
  "23514": "check_violation",
  "23502": "not_null_violation",
};

/** Recognises integrity errors so services can turn them into domain errors. */
export function classifyDatabaseError(error: unknown): { kind: DatabaseErrorKind; constraint: string } | null {
  const driverError = (error as { driverError?: unknown })?.driverError ?? error;
  const { code, constraint } = (driverError ?? {}) as { code?: string; constraint?: string };
  const kind = code ? SQLSTATE[code] : undefined;
  return kind ? { kind, constraint: constraint ?? "" } : null;
}
