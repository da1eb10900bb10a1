/**
 * A brand-new database per run: `bench_access_<pid>` on the PostgreSQL at 127.0.0.1 (created and dropped
 * through psql), or a temporary PGlite directory (a directory, not memory://, because the HTTP server runs in
 * a child process that must open the same data once this process has closed it).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { migrateDatabase, openDatabase, type Database } from "../../src/store/data-source.js";

const run = promisify(execFile);

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
}

export interface BenchDatabase {
  kind: "postgres" | "pglite";
  /** The database name or the PGlite directory, for people. */
  label: string;
  /** How a child process reaches it: DATABASE_URL or GATEHOUSE_DATA_DIR. */
  env: Record<string, string>;
  /** Opens a connection pool (PostgreSQL) or the embedded instance (PGlite: one process at a time). */
  open(poolSize?: number): Promise<Database>;
  drop(): Promise<void>;
}

export async function provisionDatabase(kind: "postgres" | "pglite", pg: PostgresTarget): Promise<BenchDatabase> {
  if (kind === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "bench-access-"));
    const dataDir = join(dir, "pglite");
    return {
      kind,
      label: dataDir,
      env: { GATEHOUSE_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `bench_access_${process.pid}`;
  const psql = (sql: string) => run("psql", ["-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc", sql]);
  // A database left by an earlier run with the same pid (killed before it could drop it) goes first.
  await psql(`drop database if exists ${name} with (force)`);
  await psql(`create database ${name}`);
  const url = `postgres://${encodeURIComponent(pg.user)}@${pg.host}:${pg.port}/${name}`;
  return {
    kind,
    label: name,
    env: { DATABASE_URL: url },
    open: (poolSize = 10) => openDatabase({ url, poolSize }),
    drop: async () => void (await psql(`drop database if exists ${name} with (force)`)),
  };
}

/** Opens and migrates (what main.ts does before it serves). */
export async function openMigrated(target: BenchDatabase, poolSize?: number): Promise<Database> {
  const database = await target.open(poolSize);
  await migrateDatabase(database);
  return database;
}

export async function serverVersion(database: Database): Promise<string> {
  const rows = (await database.dataSource.query("SELECT version() AS version")) as Array<{ version: string }>;
  return (rows[0]?.version ?? "unknown").replace(/ on x86_64.*| compiled by.*/, "");
}
