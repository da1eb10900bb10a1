import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The organization's access version (issue 4, Resolution): every change to what decides access — memberships,
 * grants, overrides, attachments, custom roles, workspaces, Spaces, resources, a user's `active`, a group's
 * name, the plan — bumps `organizations.access_version` in the transaction that makes it, and tells every
 * server instance through `NOTIFY gatehouse_access, '<organization id>:<version>'`.
 *
 * Shape, chosen so that no writer waits on another for longer than a commit:
 * - statement-level triggers (transition tables: one call per statement, whatever the row count) note the
 *   organizations a statement touched in `access_changes`, once per transaction (its primary key);
 * - a DEFERRED constraint trigger on `access_changes` bumps the version and notifies at COMMIT, so the
 *   organization row is locked only for the commit itself, not for the rest of the transaction. Bumps of one
 *   organization therefore commit in version order: whoever reads version V sees every change up to V.
 * Triggers see what service code cannot: a user's deletion cascading to memberships and grants, too.
 */
const WATCHED_INSERT_DELETE = ["group_members", "grants", "space_attachments", "membership_overrides", "workspaces", "spaces", "resources"];

// A bump for each organization named by changed_rows; the filters keep row churn that changes nothing out.
// A change to workspaces, Spaces, custom roles or the plan is "structural": it also moves structure_version.
const STRUCTURAL = `TG_TABLE_NAME IN ('workspaces', 'spaces', 'roles', 'organizations')`;
const NOTE = (from: string, where = "true", organization = "n.organization_id") => `INSERT INTO access_changes (organization_id, structural)
  SELECT DISTINCT ${organization}, ${STRUCTURAL} FROM ${from} WHERE ${organization} IS NOT NULL AND ${where}
  ON CONFLICT (transaction_id, organization_id) DO UPDATE SET structural = true WHERE EXCLUDED.structural AND NOT access_changes.structural`;

const UP = [
  `CREATE UNLOGGED TABLE access_changes (
     transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
     organization_id uuid NOT NULL,
     structural boolean NOT NULL DEFAULT false,
     PRIMARY KEY (transaction_id, organization_id)
   )`,
  // The access version at which the organization's structure (workspaces, Spaces, custom roles, plan) last
  // changed: a cache keeps the structure across every other change (memberships, grants, resources…).
  `ALTER TABLE organizations ADD COLUMN structure_version bigint NOT NULL DEFAULT 1`,
  `CREATE FUNCTION access_changes_note() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN ${NOTE("changed_rows n")}; RETURN NULL; END
   $$`,
  // UPDATE: only when a column that matters for access changed (the SCIM ETag bump of groups, a user's new
  // phone number or a credential's last_used_at are not access changes).
  `CREATE FUNCTION access_changes_note_update() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_TABLE_NAME = 'users' THEN
         ${NOTE("new_rows n JOIN old_rows o USING (id)", "n.active IS DISTINCT FROM o.active")};
       ELSIF TG_TABLE_NAME = 'groups' THEN
         ${NOTE("new_rows n JOIN old_rows o USING (id)", "n.display_name IS DISTINCT FROM o.display_name")};
       ELSIF TG_TABLE_NAME = 'organizations' THEN
         ${NOTE("new_rows n JOIN old_rows o USING (id)", "n.plan IS DISTINCT FROM o.plan", "n.id")};
       ELSE
         ${NOTE("new_rows n")};
       END IF;
       RETURN NULL;
     END
   $$`,
  `CREATE FUNCTION access_changes_commit() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE version bigint; structural boolean;
     BEGIN
       DELETE FROM access_changes WHERE transaction_id = NEW.transaction_id AND organization_id = NEW.organization_id
         RETURNING access_changes.structural INTO structural;
       UPDATE organizations
         SET access_version = access_version + 1,
             structure_version = CASE WHEN structural THEN access_version + 1 ELSE structure_version END
         WHERE id = NEW.organization_id RETURNING access_version INTO version;
       -- 0: the organization is gone (deleted in this transaction); listeners drop what they hold for it.
       PERFORM pg_notify('gatehouse_access', NEW.organization_id::text || ':' || coalesce(version, 0)::text);
       RETURN NULL;
     END
   $$`,
  `CREATE CONSTRAINT TRIGGER access_changes_commit AFTER INSERT ON access_changes
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changes_commit()`,
  ...WATCHED_INSERT_DELETE.flatMap((table) => [
    `CREATE TRIGGER ${table}_access_inserted AFTER INSERT ON ${table}
       REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,
    `CREATE TRIGGER ${table}_access_deleted AFTER DELETE ON ${table}
       REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,
  ]),
  ...[...WATCHED_INSERT_DELETE, "roles", "users", "groups", "organizations"].map(
    (table) => `CREATE TRIGGER ${table}_access_updated AFTER UPDATE ON ${table}
       REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note_update()`,
  ),
  // Custom roles only (built-in rows have no organization, and follow the policy file at startup).
  `CREATE TRIGGER roles_access_inserted AFTER INSERT ON roles
     REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,
  `CREATE TRIGGER roles_access_deleted AFTER DELETE ON roles
     REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,
  // A user's deletion: memberships and grants cascade (and are noted); this catches a user with neither.
  `CREATE TRIGGER users_access_deleted AFTER DELETE ON users
     REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,

  // The product names a resource by (type, its own id) without a workspace: one per organization.
  `CREATE UNIQUE INDEX resources_external_per_org ON resources (organization_id, type, external_id)`,
  `CREATE INDEX resources_workspace_type ON resources (organization_id, workspace_id, type, space_id)`,
  `CREATE INDEX resources_owner ON resources (owner_user_id) WHERE owner_user_id IS NOT NULL`,
  `CREATE INDEX resources_sharing ON resources USING gin (sharing jsonb_path_ops)`,
  `CREATE INDEX grants_resource ON grants (resource_id) WHERE resource_id IS NOT NULL`,

  // Credentials are verified from a cache; a revocation, expiry change or deletion must reach every instance.
  `CREATE FUNCTION credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM pg_notify('gatehouse_credentials', TG_TABLE_NAME);
       RETURN NULL;
     END
   $$`,
  ...["scim_tokens", "api_keys"].flatMap((table) => [
    `CREATE TRIGGER ${table}_changed AFTER UPDATE OF revoked_at, expires_at, token_hash, organization_id ON ${table}
       FOR EACH STATEMENT EXECUTE FUNCTION credentials_changed()`,
    `CREATE TRIGGER ${table}_deleted AFTER DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION credentials_changed()`,
  ]),
];

const DOWN = [
  ...["scim_tokens", "api_keys"].flatMap((table) => [`DROP TRIGGER ${table}_changed ON ${table}`, `DROP TRIGGER ${table}_deleted ON ${table}`]),
  `DROP FUNCTION credentials_changed()`,
  `DROP INDEX grants_resource`,
  `DROP INDEX resources_sharing`,
  `DROP INDEX resources_owner`,
  `DROP INDEX resources_workspace_type`,
  `DROP INDEX resources_external_per_org`,
  `DROP TRIGGER users_access_deleted ON users`,
  `DROP TRIGGER roles_access_inserted ON roles`,
  `DROP TRIGGER roles_access_deleted ON roles`,
  ...[...WATCHED_INSERT_DELETE, "roles", "users", "groups", "organizations"].map((table) => `DROP TRIGGER ${table}_access_updated ON ${table}`),
  ...WATCHED_INSERT_DELETE.flatMap((table) => [`DROP TRIGGER ${table}_access_inserted ON ${table}`, `DROP TRIGGER ${table}_access_deleted ON ${table}`]),
  `DROP TABLE access_changes`,
  `ALTER TABLE organizations DROP COLUMN structure_version`,
  `DROP FUNCTION access_changes_commit()`,
  `DROP FUNCTION access_changes_note_update()`,
  `DROP FUNCTION access_changes_note()`,
];

export class AccessVersion1795400300000 implements MigrationInterface {
  name = "AccessVersion1795400300000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
