import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The directory, access and credential tables.
 *
 * Tenant isolation is enforced by the schema as well as by the code: every child row carries its
 * organization_id and references its parent through a composite (organization_id, id) foreign key, so a
 * membership, grant or attachment can never join rows of two organizations.
 */
export class InitialSchema1795400000000 implements MigrationInterface {
  name = "InitialSchema1795400000000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}

const UP = [
  `CREATE EXTENSION IF NOT EXISTS "pgcrypto"`,

  `CREATE TABLE organizations (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     name text NOT NULL CHECK (length(btrim(name)) > 0),
     plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'paid', 'enterprise')),
     allowed_email_domains text[] NOT NULL DEFAULT '{}',
     is_demo boolean NOT NULL DEFAULT false,
     access_version bigint NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  // At most one demo organization: `npm start` seeds it once, even if two instances start together.
  `CREATE UNIQUE INDEX organizations_single_demo ON organizations (is_demo) WHERE is_demo`,

  `CREATE TABLE workspaces (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     title text NOT NULL CHECK (length(btrim(title)) > 0),
     slug text NOT NULL,
     spaces_enabled boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id),
     UNIQUE (organization_id, slug)
   )`,
  `CREATE UNIQUE INDEX workspaces_title_per_org ON workspaces (organization_id, lower(title))`,
  `CREATE INDEX workspaces_org_created ON workspaces (organization_id, created_at, seq)`,

  `CREATE TABLE spaces (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     workspace_id uuid NOT NULL,
     name text NOT NULL CHECK (length(btrim(name)) > 0),
     description text NOT NULL DEFAULT '',
     data_filter text,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id),
     UNIQUE (organization_id, workspace_id, id),
     FOREIGN KEY (organization_id, workspace_id) REFERENCES workspaces (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE UNIQUE INDEX spaces_name_per_workspace ON spaces (workspace_id, lower(name))`,

  `CREATE TABLE users (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     user_name text NOT NULL CHECK (length(btrim(user_name)) > 0),
     external_id text,
     active boolean NOT NULL DEFAULT true,
     display_name text,
     nick_name text,
     profile_url text,
     title text,
     user_type text,
     preferred_language text,
     locale text,
     timezone text,
     name_formatted text,
     name_family text,
     name_given text,
     name_middle text,
     name_honorific_prefix text,
     name_honorific_suffix text,
     employee_number text,
     cost_center text,
     enterprise_organization text,
     division text,
     department text,
     manager_value text,
     manager_display_name text,
     extra_attributes jsonb NOT NULL DEFAULT '{}',
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id)
   )`,
  // RFC 7643 §4.1.1: userName is unique and caseExact=false, so "Alice" and "alice" are one user.
  `CREATE UNIQUE INDEX users_user_name_per_org ON users (organization_id, lower(user_name))`,
  `CREATE UNIQUE INDEX users_external_id_per_org ON users (organization_id, external_id) WHERE external_id IS NOT NULL`,
  `CREATE INDEX users_org_created ON users (organization_id, created_at, seq)`,

  `CREATE TABLE user_emails (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     user_id uuid NOT NULL,
     position integer NOT NULL,
     value text NOT NULL,
     type text,
     display text,
     is_primary boolean NOT NULL DEFAULT false,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
     UNIQUE (user_id, position)
   )`,
  // Entra looks users up by `emails[type eq "work"].value eq "x"`.
  `CREATE INDEX user_emails_value ON user_emails (organization_id, lower(value))`,
  `CREATE UNIQUE INDEX user_emails_one_primary ON user_emails (user_id) WHERE is_primary`,

  `CREATE TABLE user_phone_numbers (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     user_id uuid NOT NULL,
     position integer NOT NULL,
     value text NOT NULL,
     type text,
     display text,
     is_primary boolean NOT NULL DEFAULT false,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
     UNIQUE (user_id, position)
   )`,
  `CREATE UNIQUE INDEX user_phone_numbers_one_primary ON user_phone_numbers (user_id) WHERE is_primary`,

  `CREATE TABLE user_addresses (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     user_id uuid NOT NULL,
     position integer NOT NULL,
     type text,
     formatted text,
     street_address text,
     locality text,
     region text,
     postal_code text,
     country text,
     is_primary boolean NOT NULL DEFAULT false,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
     UNIQUE (user_id, position)
   )`,
  `CREATE UNIQUE INDEX user_addresses_one_primary ON user_addresses (user_id) WHERE is_primary`,

  `CREATE TABLE groups (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     display_name text NOT NULL CHECK (length(btrim(display_name)) > 0),
     external_id text,
     origin text NOT NULL DEFAULT 'scim' CHECK (origin IN ('scim', 'manual')),
     extra_attributes jsonb NOT NULL DEFAULT '{}',
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id)
   )`,
  `CREATE UNIQUE INDEX groups_display_name_per_org ON groups (organization_id, lower(display_name))`,
  `CREATE UNIQUE INDEX groups_external_id_per_org ON groups (organization_id, external_id) WHERE external_id IS NOT NULL`,
  `CREATE INDEX groups_org_created ON groups (organization_id, created_at, seq)`,

  // Members as the identity provider sees them. Admin corrections live in membership_overrides.
  `CREATE TABLE group_members (
     organization_id uuid NOT NULL,
     group_id uuid NOT NULL,
     user_id uuid NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (group_id, user_id),
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX group_members_user ON group_members (user_id)`,

  `CREATE TABLE roles (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
     key text,
     name text NOT NULL CHECK (length(btrim(name)) > 0),
     description text NOT NULL DEFAULT '',
     level text NOT NULL CHECK (level IN ('organization', 'workspace')),
     permissions text[] NOT NULL DEFAULT '{}',
     built_in boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     -- built-in roles come from the policy and belong to no organization; custom roles belong to one
     CHECK ((built_in AND organization_id IS NULL AND key IS NOT NULL) OR (NOT built_in AND organization_id IS NOT NULL))
   )`,
  `CREATE UNIQUE INDEX roles_built_in_key ON roles (key) WHERE built_in`,
  `CREATE UNIQUE INDEX roles_custom_name ON roles (organization_id, level, lower(name)) WHERE NOT built_in`,

  `CREATE TABLE resources (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     workspace_id uuid NOT NULL,
     space_id uuid,
     type text NOT NULL,
     external_id text NOT NULL,
     owner_user_id uuid,
     sharing jsonb NOT NULL DEFAULT '[]',
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id),
     UNIQUE (organization_id, workspace_id, id),
     UNIQUE (workspace_id, type, external_id),
     FOREIGN KEY (organization_id, workspace_id) REFERENCES workspaces (organization_id, id) ON DELETE CASCADE,
     -- a resource's Space is a Space of the resource's own workspace
     FOREIGN KEY (organization_id, workspace_id, space_id) REFERENCES spaces (organization_id, workspace_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, owner_user_id) REFERENCES users (organization_id, id) ON DELETE SET NULL (owner_user_id)
   )`,

  // A role given to a user or a group at one scope. `source` owns the row: each writer (scim:<token>,
  // sso:<connection>, manual:<admin>, invite:<id>, system) reconciles only its own rows.
  `CREATE TABLE grants (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     user_id uuid,
     group_id uuid,
     role_id uuid NOT NULL REFERENCES roles (id), -- NO ACTION: an assigned role cannot be deleted, yet an organization cascade can remove both
     scope_type text NOT NULL CHECK (scope_type IN ('organization', 'workspace', 'space', 'resource')),
     workspace_id uuid,
     space_id uuid,
     resource_id uuid,
     source text NOT NULL CHECK (source ~ '^(scim|sso|manual|invite):.+$|^system$'),
     created_by text,
     created_at timestamptz NOT NULL DEFAULT now(),
     CHECK ((user_id IS NULL) <> (group_id IS NULL)),
     CHECK (
       (scope_type = 'organization' AND workspace_id IS NULL AND space_id IS NULL AND resource_id IS NULL) OR
       (scope_type = 'workspace' AND workspace_id IS NOT NULL AND space_id IS NULL AND resource_id IS NULL) OR
       (scope_type = 'space' AND workspace_id IS NOT NULL AND space_id IS NOT NULL AND resource_id IS NULL) OR
       (scope_type = 'resource' AND workspace_id IS NOT NULL AND resource_id IS NOT NULL)
     ),
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, workspace_id) REFERENCES workspaces (organization_id, id) ON DELETE CASCADE,
     -- a Space or resource grant names the workspace the Space or resource really is in
     FOREIGN KEY (organization_id, workspace_id, space_id) REFERENCES spaces (organization_id, workspace_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, workspace_id, resource_id) REFERENCES resources (organization_id, workspace_id, id) ON DELETE CASCADE
   )`,
  // Built-in roles (no organization) may be granted anywhere; a custom role only in its own organization.
  // A foreign key cannot say this because built-in roles have no organization_id, so a trigger does.
  `CREATE FUNCTION grants_role_in_organization() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF EXISTS (SELECT 1 FROM roles r WHERE r.id = NEW.role_id AND r.organization_id IS DISTINCT FROM NEW.organization_id AND NOT r.built_in) THEN
         RAISE EXCEPTION 'role % belongs to another organization', NEW.role_id USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'grants_role_in_organization';
       END IF;
       RETURN NEW;
     END
   $$`,
  `CREATE TRIGGER grants_role_in_organization BEFORE INSERT OR UPDATE OF role_id, organization_id ON grants
     FOR EACH ROW EXECUTE FUNCTION grants_role_in_organization()`,
  `CREATE UNIQUE INDEX grants_unique ON grants
     (organization_id, user_id, group_id, role_id, scope_type, workspace_id, space_id, resource_id, source) NULLS NOT DISTINCT`,
  `CREATE INDEX grants_user ON grants (user_id) WHERE user_id IS NOT NULL`,
  `CREATE INDEX grants_group ON grants (group_id) WHERE group_id IS NOT NULL`,
  `CREATE INDEX grants_role ON grants (role_id)`,

  `CREATE TABLE space_attachments (
     organization_id uuid NOT NULL,
     group_id uuid NOT NULL,
     space_id uuid NOT NULL,
     created_by text,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (group_id, space_id),
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, space_id) REFERENCES spaces (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX space_attachments_space ON space_attachments (space_id)`,

  `CREATE TABLE membership_overrides (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     group_id uuid NOT NULL,
     user_id uuid NOT NULL,
     kind text NOT NULL CHECK (kind IN ('pin', 'exclude')),
     reason text NOT NULL CHECK (length(btrim(reason)) > 0),
     author text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (group_id, user_id),
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX membership_overrides_user ON membership_overrides (user_id)`,

  ...credentialTable("scim_tokens"),
  ...credentialTable("api_keys"),

  // Append-only. No foreign key to organizations: the trail outlives what it describes.
  `CREATE TABLE audit_events (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     organization_id uuid,
     occurred_at timestamptz NOT NULL DEFAULT now(),
     actor_type text NOT NULL,
     actor_id text,
     action text NOT NULL,
     target_type text,
     target_id text,
     request_id text,
     details jsonb NOT NULL DEFAULT '{}'
   )`,
  `CREATE INDEX audit_events_org_time ON audit_events (organization_id, occurred_at, id)`,
  `CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
     END
   $$`,
  `CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`,

  `CREATE TABLE sessions (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     user_id uuid NOT NULL,
     token_hash bytea NOT NULL UNIQUE,
     connection_id text,
     claims jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now(),
     last_seen_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     revoked_at timestamptz,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX sessions_user ON sessions (user_id)`,
];

/** SCIM bearer tokens and operator API keys: only a SHA-256 hash of the secret is kept. */
function credentialTable(table: string): string[] {
  return [
    `CREATE TABLE ${table} (
       id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
       seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
       organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
       name text NOT NULL CHECK (length(btrim(name)) > 0),
       token_hash bytea NOT NULL UNIQUE,
       token_hint text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       last_used_at timestamptz,
       expires_at timestamptz,
       revoked_at timestamptz
     )`,
    `CREATE INDEX ${table}_org ON ${table} (organization_id, created_at, seq)`,
  ];
}

const DOWN = [
  "sessions",
  "audit_events",
  "api_keys",
  "scim_tokens",
  "membership_overrides",
  "space_attachments",
  "grants",
  "resources",
  "roles",
  "group_members",
  "groups",
  "user_addresses",
  "user_phone_numbers",
  "user_emails",
  "users",
  "spaces",
  "workspaces",
  "organizations",
].map((table) => `DROP TABLE IF EXISTS ${table}`).concat([
  "DROP FUNCTION IF EXISTS audit_events_append_only()",
  "DROP FUNCTION IF EXISTS grants_role_in_organization()",
]);
