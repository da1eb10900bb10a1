import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Who owns a person's existence, and invites (issue 5, Users; DESIGN.md, Invites).
 *
 * - `users.origin`: scim (the identity provider pushed them), sso (created just in time at sign-in), invite
 *   (created because an invite named them), manual (created by an admin). The Admin API deletes only the
 *   people it owns (invite, manual); for the others it removes their direct grants and says the IdP owns them.
 * - `invites`: an email (kept lower-case) invited to the organization, to one workspace, or to one resource
 *   (with a share level), taken at the person's sign-in. Pending = neither accepted nor revoked; expiry is
 *   compared with the clock when read. Every reference is scoped by organization like the initial schema's.
 * - `invite_roles`: the roles an invite gives, one row each. Deleting a custom role removes it from the invites
 *   that would have given it (CASCADE): an invite never grants a role that no longer exists.
 */
const UP = [
  `ALTER TABLE users ADD COLUMN origin text NOT NULL DEFAULT 'scim' CHECK (origin IN ('scim', 'sso', 'invite', 'manual'))`,

  `CREATE TABLE invites (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
     workspace_id uuid,
     resource_id uuid,
     share_level text,
     created_by text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     accepted_at timestamptz,
     accepted_user_id uuid,
     revoked_at timestamptz,
     UNIQUE (organization_id, id),
     CHECK ((resource_id IS NULL) = (share_level IS NULL)),
     CHECK (resource_id IS NULL OR workspace_id IS NOT NULL),
     CHECK (accepted_at IS NULL OR revoked_at IS NULL),
     CHECK (expires_at > created_at),
     FOREIGN KEY (organization_id, workspace_id) REFERENCES workspaces (organization_id, id) ON DELETE CASCADE,
     -- a resource invite names the workspace the resource is in, and follows the resource if it moves
     FOREIGN KEY (organization_id, workspace_id, resource_id) REFERENCES resources (organization_id, workspace_id, id)
       ON DELETE CASCADE ON UPDATE CASCADE,
     -- the trail of who accepted stays readable after the person is deleted
     FOREIGN KEY (organization_id, accepted_user_id) REFERENCES users (organization_id, id) ON DELETE SET NULL (accepted_user_id)
   )`,
  // Sign-in looks up the pending invites of one address.
  `CREATE INDEX invites_pending_email ON invites (organization_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL`,
  `CREATE INDEX invites_org_created ON invites (organization_id, created_at, seq)`,

  `CREATE TABLE invite_roles (
     organization_id uuid NOT NULL,
     invite_id uuid NOT NULL,
     role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
     PRIMARY KEY (invite_id, role_id),
     FOREIGN KEY (organization_id, invite_id) REFERENCES invites (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX invite_roles_role ON invite_roles (role_id)`,
  // The grants' rule, same function: a built-in role, or a custom role of the invite's own organization.
  `CREATE TRIGGER invite_roles_role_in_organization BEFORE INSERT OR UPDATE OF role_id, organization_id ON invite_roles
     FOR EACH ROW EXECUTE FUNCTION grants_role_in_organization()`,
];

const DOWN = [`DROP TABLE invite_roles`, `DROP TABLE invites`, `ALTER TABLE users DROP COLUMN origin`];

export class UsersAndInvites1795400600000 implements MigrationInterface {
  name = "UsersAndInvites1795400600000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
