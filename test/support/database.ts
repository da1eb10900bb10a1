import { createDb, type Db } from "../../src/store/db.js";
import { migrateDatabase, openDatabase, type Database } from "../../src/store/data-source.js";
import { defaultPolicy } from "../../src/access/index.js";
import { installPolicyRoles } from "../../src/access/engine/policy-roles.js";

let shared: Promise<Database> | undefined;

/**
 * The test run's one database: PostgreSQL when DATABASE_URL is set, otherwise an in-memory PGlite
 * (a new PGlite costs seconds to start, so one serves the whole run). Migrated once.
 */
export function testDatabase(): Promise<Database> {
  shared ??= (async () => {
    const database = await openDatabase({ url: process.env.DATABASE_URL ?? null, dataDir: "memory://" });
    await migrateDatabase(database);
    // What the server does at startup: the default policy's built-in roles exist as rows grants can name.
    await installPolicyRoles(createDb(database.dataSource), defaultPolicy());
    return database;
  })();
  return shared;
}

export async function closeTestDatabase(): Promise<void> {
  if (!shared) return;
  const database = await shared;
  shared = undefined;
  await database.dataSource.destroy();
}

/**
 * Empties every data table (TRUNCATE fires no row triggers, so the append-only audit log is emptied too);
 * migrations and server keys stay, and the policy's built-in roles are written again.
 */
export async function truncateAll(database: Database): Promise<void> {
  const tables = await database.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', 'server_secrets')`,
  ) as Array<{ tablename: string }>;
  if (tables.length === 0) return;
  await database.dataSource.query(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
  await installPolicyRoles(createDb(database.dataSource), defaultPolicy());
}

export interface TestDatabase {
  database: Database;
  db: Db;
}

/**
 * Call at the top of a spec file's outer `describe`: the file starts on an empty, migrated database.
 * The returned object is filled in before the first test runs.
 */
export function useCleanDatabase(): TestDatabase {
  const context = {} as TestDatabase;
  before(async function () {
    this.timeout(120_000);
    context.database = await testDatabase();
    context.db = createDb(context.database.dataSource);
    await truncateAll(context.database);
  });
  return context;
}
