import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One Owner per organization and per workspace (issue 5, Ownership; seed 002: "a single person per
 * organization, and a single person per workspace … you can't simply be removed as Owner").
 *
 * Design: the Owner stays an ordinary grant row (so the access engine needs nothing new), and the database
 * guards those rows:
 * - `roles.owner` marks the policy's owner roles (`"owner": true`). The policy file lives outside the
 *   database, so the flag is written from it (src/store/ownership.repository.ts, markOwnerRoles) — at startup
 *   and by every ownership change; this migration sets it for the default policy's keys on existing rows.
 * - `grants.owner_of` is filled by a trigger from the grant's role: the id of the organization (organization
 *   scope) or of the workspace (workspace scope) the grant owns, NULL for every other grant. A partial unique
 *   index on it is the guarantee: at most one Owner grant per organization and per workspace.
 * - The same trigger only lets owner grants be created, moved or deleted inside an ownership transfer (a
 *   transaction that ran `set_config('gatehouse.ownership', 'transfer', true)`: src/directory/ownership.service.ts)
 *   and only as user grants of source `system` at organization or workspace scope. A cascade — the Owner's
 *   user, the workspace or the organization deleted — is let through (pg_trigger_depth() > 1): the identity
 *   provider owns a person's existence, and a deleted workspace needs no Owner.
 * - A cascade that leaves an organization or a surviving workspace without its Owner (a SCIM DELETE of the
 *   Owner) is never silent: it writes an `ownership.owner_lost` audit event in the same transaction and
 *   raises a WARNING (the PostgreSQL log). `gatehouse owner transfer` then names a new Owner.
 *
 * Existing rows: owner-role grants that cannot be the one Owner (group grants, Space or resource scope, or all
 * but the oldest user grant of a scope) become the matching Admin role (organization.admin / workspace.admin);
 * the one kept becomes source `system`.
 */
const OWNER_KEYS = `('organization.owner', 'workspace.owner')`;
const ADMIN_OF = `CASE r.level WHEN 'organization' THEN 'organization.admin' ELSE 'workspace.admin' END`;

const BACKFILL = [
  `UPDATE roles SET owner = true WHERE built_in AND key IN ${OWNER_KEYS}`,
  `CREATE TEMPORARY TABLE ownership_demoted AS
     SELECT g.id, (SELECT a.id FROM roles a WHERE a.built_in AND a.key = ${ADMIN_OF}) AS admin_role_id
     FROM grants g JOIN roles r ON r.id = g.role_id
     WHERE r.owner AND g.id NOT IN (
       SELECT DISTINCT ON (k.organization_id, coalesce(k.workspace_id, k.organization_id)) k.id
       FROM grants k JOIN roles kr ON kr.id = k.role_id
       WHERE kr.owner AND k.user_id IS NOT NULL AND k.scope_type IN ('organization', 'workspace')
       ORDER BY k.organization_id, coalesce(k.workspace_id, k.organization_id), k.created_at, k.id)`,
  // Demoted to Admin; where the same Admin grant exists already, the owner row simply goes.
  `DELETE FROM grants g USING ownership_demoted d
     WHERE g.id = d.id AND (d.admin_role_id IS NULL OR EXISTS (
       SELECT 1 FROM grants s WHERE s.organization_id = g.organization_id AND s.role_id = d.admin_role_id
         AND s.user_id IS NOT DISTINCT FROM g.user_id AND s.group_id IS NOT DISTINCT FROM g.group_id AND s.scope_type = g.scope_type
         AND s.workspace_id IS NOT DISTINCT FROM g.workspace_id AND s.space_id IS NOT DISTINCT FROM g.space_id
         AND s.resource_id IS NOT DISTINCT FROM g.resource_id AND s.source = g.source))`,
  `UPDATE grants g SET role_id = d.admin_role_id FROM ownership_demoted d WHERE g.id = d.id`,
  `DROP TABLE ownership_demoted`,
  `UPDATE grants g SET source = 'system', owner_of = coalesce(g.workspace_id, g.organization_id) FROM roles r WHERE r.id = g.role_id AND r.owner`,
];

const UP = [
  `ALTER TABLE roles ADD COLUMN owner boolean NOT NULL DEFAULT false`,
  `ALTER TABLE grants ADD COLUMN owner_of uuid`,
  ...BACKFILL,
  `CREATE UNIQUE INDEX grants_one_owner ON grants (owner_of) WHERE owner_of IS NOT NULL`,

  `CREATE FUNCTION grants_guard_ownership() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       transferring boolean := coalesce(current_setting('gatehouse.ownership', true), '') = 'transfer';
       is_owner boolean;
     BEGIN
       IF TG_OP = 'DELETE' THEN
         -- depth 1: a DELETE aimed at the grant itself; deeper: a cascade from its user, workspace or organization.
         IF OLD.owner_of IS NOT NULL AND NOT transferring AND pg_trigger_depth() < 2 THEN
           RAISE EXCEPTION 'ownership changes only by transfer' USING ERRCODE = 'check_violation', CONSTRAINT = 'grants_owner_by_transfer';
         END IF;
         RETURN OLD;
       END IF;
       SELECT r.owner INTO is_owner FROM roles r WHERE r.id = NEW.role_id;
       IF coalesce(is_owner, false) OR (TG_OP = 'UPDATE' AND OLD.owner_of IS NOT NULL) THEN
         IF NOT transferring THEN
           RAISE EXCEPTION 'ownership changes only by transfer' USING ERRCODE = 'check_violation', CONSTRAINT = 'grants_owner_by_transfer';
         END IF;
       END IF;
       IF coalesce(is_owner, false) THEN
         IF NEW.user_id IS NULL OR NEW.source <> 'system' OR NEW.scope_type NOT IN ('organization', 'workspace') THEN
           RAISE EXCEPTION 'an Owner is one user, granted by the system at organization or workspace scope'
             USING ERRCODE = 'check_violation', CONSTRAINT = 'grants_owner_shape';
         END IF;
         NEW.owner_of := coalesce(NEW.workspace_id, NEW.organization_id);
       ELSE
         NEW.owner_of := NULL;
       END IF;
       RETURN NEW;
     END
   $$`,
  `CREATE TRIGGER grants_guard_ownership BEFORE INSERT OR UPDATE OR DELETE ON grants
     FOR EACH ROW EXECUTE FUNCTION grants_guard_ownership()`,

  `CREATE FUNCTION grants_owner_lost() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF coalesce(current_setting('gatehouse.ownership', true), '') = 'transfer'
          OR NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.organization_id)
          OR (OLD.workspace_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id)) THEN
         RETURN NULL;
       END IF;
       INSERT INTO audit_events (organization_id, workspace_id, actor_type, actor_id, action, target_type, target_id, details)
       VALUES (OLD.organization_id, OLD.workspace_id, 'system', NULL, 'ownership.owner_lost',
               CASE WHEN OLD.workspace_id IS NULL THEN 'organization' ELSE 'workspace' END, OLD.owner_of::text,
               jsonb_build_object('severity', 'critical', 'formerOwnerUserId', OLD.user_id, 'workspaceId', OLD.workspace_id,
                 'before', jsonb_build_object('ownerUserId', OLD.user_id), 'after', jsonb_build_object('ownerUserId', NULL),
                 'message', 'the Owner''s user was deleted: no one owns this ' ||
                   CASE WHEN OLD.workspace_id IS NULL THEN 'organization' ELSE 'workspace' END ||
                   ' until gatehouse owner transfer names a new Owner'));
       RAISE WARNING 'gatehouse: organization % lost the Owner of % % (user % deleted); run gatehouse owner transfer',
         OLD.organization_id, CASE WHEN OLD.workspace_id IS NULL THEN 'the organization' ELSE 'workspace' END, coalesce(OLD.workspace_id::text, ''), OLD.user_id;
       RETURN NULL;
     END
   $$`,
  `CREATE TRIGGER grants_owner_lost AFTER DELETE ON grants
     FOR EACH ROW WHEN (OLD.owner_of IS NOT NULL) EXECUTE FUNCTION grants_owner_lost()`,
];

const DOWN = [
  `DROP TRIGGER grants_owner_lost ON grants`,
  `DROP FUNCTION grants_owner_lost()`,
  `DROP TRIGGER grants_guard_ownership ON grants`,
  `DROP FUNCTION grants_guard_ownership()`,
  `DROP INDEX grants_one_owner`,
  `ALTER TABLE grants DROP COLUMN owner_of`,
  `ALTER TABLE roles DROP COLUMN owner`,
];

export class Ownership1795400700000 implements MigrationInterface {
  name = "Ownership1795400700000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
