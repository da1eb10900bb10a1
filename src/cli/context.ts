import { loadConfig, publicBaseUrl, type Config } from "../config.js";
import { createDirectory, type Directory } from "../directory/directory.js";
import { createDb } from "../store/db.js";
import { migrateDatabase, openDatabase, type Database } from "../store/data-source.js";

export interface CliContext {
  config: Config;
  database: Database;
  directory: Directory;
  scimBaseUrl: string;
  /** Migrations applied while opening. */
  migrated: string[];
}

/**
 * Opens the same database the server uses (DATABASE_URL, or the embedded one under the data directory)
 * and brings its schema up to date, exactly as the server does at startup.
 */
export async function openCliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = loadConfig(env);
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolSize: 2,
    connectTimeoutMs: config.database.connectTimeoutMs,
  });
  try {
    const migrated = await migrateDatabase(database);
    const directory = createDirectory({ db: createDb(database.dataSource) });
    return { config, database, directory, migrated, scimBaseUrl: `${publicBaseUrl(config)}/scim/v2` };
  } catch (error) {
    await database.dataSource.destroy();
    throw error;
  }
}
