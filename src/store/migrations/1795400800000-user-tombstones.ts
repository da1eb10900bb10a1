import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A deleted user is never re-created by a sign-in (issue 6): when the identity provider deletes a person over
 * SCIM (or an admin removes them), their userName and email addresses are remembered here, and just-in-time
 * provisioning refuses them. An admin who really wants the person back creates or re-provisions them, which
 * clears the tombstone (a user inserted with that name).
 */
const UP = [
  `CREATE TABLE user_tombstones (
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     identifier text NOT NULL,
     deleted_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organization_id, identifier)
   )`,
  `CREATE FUNCTION user_tombstones_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO user_tombstones (organization_id, identifier)
         SELECT DISTINCT o.organization_id, lower(o.user_name) FROM old_rows o
           WHERE EXISTS (SELECT 1 FROM organizations WHERE id = o.organization_id)
         ON CONFLICT (organization_id, identifier) DO UPDATE SET deleted_at = now();
       RETURN NULL;
     END
   $$`,
  `CREATE TRIGGER users_tombstone AFTER DELETE ON users
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_tombstones_on_delete()`,
  `CREATE FUNCTION user_tombstones_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       DELETE FROM user_tombstones t USING new_rows n
         WHERE t.organization_id = n.organization_id AND t.identifier = lower(n.user_name);
       RETURN NULL;
     END
   $$`,
  `CREATE TRIGGER users_untombstone AFTER INSERT ON users
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_tombstones_on_insert()`,
];

const DOWN = [
  `DROP TRIGGER users_untombstone ON users`,
  `DROP FUNCTION user_tombstones_on_insert()`,
  `DROP TRIGGER users_tombstone ON users`,
  `DROP FUNCTION user_tombstones_on_delete()`,
  `DROP TABLE user_tombstones`,
];

export class UserTombstones1795400800000 implements MigrationInterface {
  name = "UserTombstones1795400800000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
