import type { DataSource, QueryRunner } from "typeorm";

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

async function run<Row>(runner: QueryRunner, sql: string, params: readonly unknown[]): Promise<QueryOutcome<Row>> {
  const result = await runner.query(sql, [...params], true);
  const rows = (result.records ?? []) as Row[];
  return { rows, rowCount: result.affected ?? rows.length };
}

/**
 * A transaction is one connection, and a pg client runs one query at a time: queries issued together
 * (Promise.all) are chained here so they never overlap on the client.
 */
function transactionalDb(runner: QueryRunner): Db {
  let tail: Promise<unknown> = Promise.resolve();
  const db: Db = {
    query<Row>(sql: string, params: readonly unknown[] = []) {
      const next = tail.then(() => run<Row>(runner, sql, params));
      tail = next.catch(() => undefined);
      return next;
    },
    transaction: (work) => work(db),
  };
  return db;
}

export function createDb(dataSource: DataSource): Db {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const runner = dataSource.createQueryRunner();
      try {
        return await run<Row>(runner, sql, params);
      } finally {
        await runner.release();
      }
    },
    async transaction(work) {
      const runner = dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        const result = await work(transactionalDb(runner));
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw error;
      } finally {
        await runner.release();
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
