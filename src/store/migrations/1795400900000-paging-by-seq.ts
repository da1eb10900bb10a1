import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * SCIM lists without sortBy are ordered by seq (src/store/search.ts): an index on (organization_id, seq) lets a
 * cursor page start at its cursor and read one page, and an index page read its rows in order, whatever the
 * size of the directory or the number of organizations sharing the table. Plain CREATE INDEX: it holds off
 * writes to the table while it builds (about a second per million rows on a small machine).
 */
const TABLES = ["users", "groups"];

export class PagingBySeq1795400900000 implements MigrationInterface {
  name = "PagingBySeq1795400900000";

  async up(runner: QueryRunner): Promise<void> {
    for (const table of TABLES) await runner.query(`CREATE INDEX ${table}_org_seq ON ${table} (organization_id, seq)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of TABLES) await runner.query(`DROP INDEX ${table}_org_seq`);
  }
}
