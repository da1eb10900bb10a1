import "reflect-metadata";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DataSource } from "typeorm";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { migrations } from "./migrations/index.js";
import { listenTargets } from "./notifications.js";

export interface DatabaseOptions {
  /** A postgres:// URL. When absent, the embedded PGlite database under `dataDir` is used. */
  url?: string | null;
  /** PGlite directory, or `memory://` for a throw-away database. */
  dataDir?: string;
  poolSize?: number;
  connectTimeoutMs?: number;
}

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  readonly kind: DatabaseKind;
  readonly dataSource: DataSource;
  /** Where the data lives, for people: the URL without its password, or the PGlite directory. */
  readonly location: string;
}

/**
 * One factory for both databases, so the server, the CLI and the tests all run the same migrations
 * against the same schema. PGlite goes through its own node-postgres adapter: the real `pg` driver
 * talks to it over one connection, which keeps transactions isolated (typeorm-pglite does not).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const common = {
    type: "postgres" as const,
    uuidExtension: "pgcrypto" as const,
    entities: [],
    migrations,
    migrationsTransactionMode: "each" as const,
    migrationsTableName: "schema_migrations",
    synchronize: false,
    logging: false,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
  };

  if (options.url) {
    const dataSource = new DataSource({ ...common, url: options.url, poolSize: options.poolSize ?? 10 });
    await dataSource.initialize();
    const database: Database = { kind: "postgres", dataSource, location: redactUrl(options.url) };
    listenTargets.set(database, { url: options.url });
    return database;
  }

  const dataDir = options.dataDir ?? "./data/pglite";
  const inMemory = dataDir.includes("://");
  const location = inMemory ? dataDir : resolve(dataDir);
  // PGlite creates only the last path segment.
  if (!inMemory) mkdirSync(dirname(location), { recursive: true });
  const unlock = inMemory ? () => {} : lockDataDir(location);
  // Await PGlite before TypeORM connects: a slow first start would otherwise outlast pg's connect
  // timeout and leave DataSource.initialize() pending forever.
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(location, { extensions: { pgcrypto } });
  } catch (error) {
    unlock();
    throw error;
  }
  const dataSource = new DataSource({ ...common, poolSize: 1, extra: createPgConfig(pglite) });
  const destroy = dataSource.destroy.bind(dataSource);
  // node-postgres never closes the PGlite instance, and an open one keeps the process alive.
  dataSource.destroy = async () => {
    if (dataSource.isInitialized) await destroy();
    if (!pglite.closed) await pglite.close();
    unlock();
  };
  try {
    await dataSource.initialize();
  } catch (error) {
    await pglite.close();
    unlock();
    throw error;
  }
  const database: Database = { kind: "pglite", dataSource, location };
  listenTargets.set(database, { pglite });
  return database;
}

export class DatabaseInUseError extends Error {
  override readonly name = "DatabaseInUseError";
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is one process's database: two processes writing one directory corrupt it. A lock file
 * holding the owner's pid keeps a second server, or the CLI, out while one is running; a lock left by
 * a process that died is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processIsAlive(owner)) {
        throw new DatabaseInUseError(
          `the embedded database ${dataDir} is in use by process ${owner} (a running Gatehouse server?). ` +
            "Stop it first, or run Gatehouse on PostgreSQL (DATABASE_URL) to share the database between processes.",
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseInUseError(`could not lock the embedded database ${dataDir}`);
}

/** Applies pending migrations; returns the names of those it ran. */
export async function migrateDatabase(database: Database): Promise<string[]> {
  const ran = await database.dataSource.runMigrations({ transaction: "each" });
  // PGlite has no autovacuum, so without this its planner keeps plans made for empty tables (the SCIM
  // benchmark measured 90 inserts/s before an ANALYZE and 1,016/s after it, at 50,000 users).
  if (database.kind === "pglite") await database.dataSource.query("ANALYZE");
  return ran.map((migration) => migration.name);
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}

export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Connections open and unused. */
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** Configured maximum. */
  max: number;
}

/** Connection pool usage, for /metrics. */
export function readPoolStats(database: Database): PoolStats {
  const pool = (database.dataSource.driver as unknown as { master?: Partial<{ totalCount: number; idleCount: number; waitingCount: number; options: { max?: number } }> }).master;
  return {
    total: pool?.totalCount ?? 0,
    idle: pool?.idleCount ?? 0,
    waiting: pool?.waitingCount ?? 0,
    max: pool?.options?.max ?? 0,
  };
}

/** True when the database answers a trivial query: what /readyz reports. */
export async function pingDatabase(database: Database): Promise<void> {
  await database.dataSource.query("SELECT 1");
}
