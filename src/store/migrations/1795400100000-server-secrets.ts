import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Keys the server signs things with (SCIM paging cursors). Kept in the database so every instance
 * behind a load balancer uses the same key, with nothing for the operator to configure.
 */
export class ServerSecrets1795400100000 implements MigrationInterface {
  name = "ServerSecrets1795400100000";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE server_secrets (
      name text PRIMARY KEY,
      secret bytea NOT NULL CHECK (length(secret) >= 32),
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`INSERT INTO server_secrets (name, secret) VALUES ('scim_cursor', gen_random_bytes(32))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE server_secrets`);
  }
}
