import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A group's version (its SCIM ETag) changes whenever its members change — also when a member disappears
 * through a cascade (a user deleted), which no service code sees. Statement-level triggers with
 * transition tables bump each affected group once per statement, whatever the number of rows.
 */
export class GroupVersionOnMembershipChange1795400200000 implements MigrationInterface {
  name = "GroupVersionOnMembershipChange1795400200000";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE FUNCTION group_members_touch_groups() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE groups SET version = version + 1, updated_at = now() WHERE id IN (SELECT DISTINCT group_id FROM changed_rows);
        RETURN NULL;
      END
    $$`);
    await runner.query(`CREATE TRIGGER group_members_inserted AFTER INSERT ON group_members
      REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION group_members_touch_groups()`);
    await runner.query(`CREATE TRIGGER group_members_deleted AFTER DELETE ON group_members
      REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION group_members_touch_groups()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TRIGGER group_members_inserted ON group_members`);
    await runner.query(`DROP TRIGGER group_members_deleted ON group_members`);
    await runner.query(`DROP FUNCTION group_members_touch_groups()`);
  }
}
