import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Single sign-on (issue 6): connections, pre-login state, the assertion replay store, linked identities,
 * claim-derived memberships, sessions, and the organization settings sign-in reads (allowed email domains
 * with their default role, session lifetimes, just-in-time provisioning).
 *
 * Everything a sign-in needs between two requests lives here, so any instance behind a load balancer can
 * finish a sign-in another one started, and a replayed assertion is caught whichever instance it reaches.
 */
/** A lower-case DNS name with at least two labels. */
const DOMAIN = "'^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'";

const UP = [
  // Allowed email domains (replacing organizations.allowed_email_domains, copied below). A verified domain
  // belongs to one organization only: home-realm discovery and linking by email trust it.
  `CREATE TABLE organization_domains (
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     domain text NOT NULL CHECK (domain = lower(domain) AND domain ~ ${DOMAIN}),
     verified boolean NOT NULL DEFAULT false,
     verification_token text NOT NULL DEFAULT encode(gen_random_bytes(18), 'hex'),
     -- what a person signing in with an address of this domain gets on first sign-in (null: no role)
     default_role_id uuid REFERENCES roles (id),
     default_workspace_id uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organization_id, domain),
     FOREIGN KEY (organization_id, default_workspace_id) REFERENCES workspaces (organization_id, id) ON DELETE SET NULL (default_workspace_id)
   )`,
  `CREATE UNIQUE INDEX organization_domains_verified ON organization_domains (domain) WHERE verified`,
  `INSERT INTO organization_domains (organization_id, domain)
     SELECT DISTINCT o.id, lower(d) FROM organizations o CROSS JOIN LATERAL unnest(o.allowed_email_domains) AS d
     WHERE lower(d) ~ ${DOMAIN}`,

  `ALTER TABLE organizations
     ADD COLUMN session_idle_minutes integer NOT NULL DEFAULT 480 CHECK (session_idle_minutes BETWEEN 5 AND 43200),
     ADD COLUMN session_absolute_minutes integer NOT NULL DEFAULT 10080 CHECK (session_absolute_minutes BETWEEN 5 AND 525600),
     ADD COLUMN jit_provisioning boolean NOT NULL DEFAULT true`,

  `CREATE TABLE sso_connections (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
     organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
     protocol text NOT NULL CHECK (protocol IN ('saml', 'oidc')),
     name text NOT NULL CHECK (length(btrim(name)) > 0),
     enabled boolean NOT NULL DEFAULT true,
     -- the protocol's public settings (issuer, URLs, certificates, claim names, options)
     settings jsonb NOT NULL DEFAULT '{}',
     -- secrets, encrypted with the server's connection_secrets key (AES-256-GCM): OIDC client secret,
     -- SAML SP private key
     secret_ciphertext bytea,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (organization_id, id)
   )`,
  `CREATE UNIQUE INDEX sso_connections_name_per_org ON sso_connections (organization_id, lower(name))`,
  `INSERT INTO server_secrets (name, secret) VALUES ('connection_secrets', gen_random_bytes(32)), ('session_csrf', gen_random_bytes(32))
     ON CONFLICT (name) DO NOTHING`,

  // Claim value → user group, per connection. A value with no row maps to the group of that display name
  // when the connection says so (settings.groupsByName).
  `CREATE TABLE sso_group_mappings (
     organization_id uuid NOT NULL,
     connection_id uuid NOT NULL,
     claim_value text NOT NULL CHECK (length(claim_value) BETWEEN 1 AND 1000),
     group_id uuid NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (connection_id, claim_value, group_id),
     FOREIGN KEY (organization_id, connection_id) REFERENCES sso_connections (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE
   )`,

  // A sign-in started and not yet finished: OIDC state, nonce and PKCE verifier; the SAML AuthnRequest id.
  // Keyed by the SHA-256 of the handle sent through the browser; taken (deleted) exactly once.
  `CREATE TABLE sso_login_states (
     handle_hash bytea PRIMARY KEY,
     organization_id uuid NOT NULL,
     connection_id uuid NOT NULL,
     request_id text,
     nonce text,
     code_verifier text,
     return_to text,
     purpose text NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'step_up', 'logout')),
     -- the session asking for step-up: the sign-in must be the same person
     session_id uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     FOREIGN KEY (organization_id, connection_id) REFERENCES sso_connections (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE UNIQUE INDEX sso_login_states_request ON sso_login_states (connection_id, request_id) WHERE request_id IS NOT NULL`,
  `CREATE INDEX sso_login_states_expiry ON sso_login_states (expires_at)`,

  // Assertion ids (and OIDC ID token jti/nonce pairs) already accepted, until they could no longer be valid.
  `CREATE TABLE sso_replay (
     connection_id uuid NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
     message_id text NOT NULL,
     expires_at timestamptz NOT NULL,
     PRIMARY KEY (connection_id, message_id)
   )`,
  `CREATE INDEX sso_replay_expiry ON sso_replay (expires_at)`,

  // Who a connection's subject is: linked once (by subject, or by email in a verified domain), then by subject.
  `CREATE TABLE user_identities (
     organization_id uuid NOT NULL,
     connection_id uuid NOT NULL,
     subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 1000),
     user_id uuid NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     last_sign_in_at timestamptz,
     PRIMARY KEY (connection_id, subject),
     FOREIGN KEY (organization_id, connection_id) REFERENCES sso_connections (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX user_identities_user ON user_identities (user_id)`,

  // Memberships derived from sign-in claims, owned by source sso:<connection id>: reconciled at every sign-in,
  // touching only that source's rows. Not part of the SCIM view of a group (the IdP's members are).
  `CREATE TABLE claim_memberships (
     organization_id uuid NOT NULL,
     group_id uuid NOT NULL,
     user_id uuid NOT NULL,
     source text NOT NULL CHECK (source ~ '^sso:.+$'),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (group_id, user_id, source),
     FOREIGN KEY (organization_id, group_id) REFERENCES groups (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX claim_memberships_user ON claim_memberships (user_id)`,
  `CREATE TRIGGER claim_memberships_access_inserted AFTER INSERT ON claim_memberships
     REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,
  `CREATE TRIGGER claim_memberships_access_deleted AFTER DELETE ON claim_memberships
     REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION access_changes_note()`,

  // Sessions, rebuilt: the token's hash only; idle and absolute expiry; when the person last proved who they
  // are (step-up); what single logout needs.
  `DROP TABLE sessions`,
  `CREATE TABLE sessions (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organization_id uuid NOT NULL,
     user_id uuid NOT NULL,
     token_hash bytea NOT NULL UNIQUE,
     connection_id uuid,
     authenticated_at timestamptz NOT NULL DEFAULT now(),
     created_at timestamptz NOT NULL DEFAULT now(),
     last_seen_at timestamptz NOT NULL DEFAULT now(),
     idle_expires_at timestamptz NOT NULL,
     absolute_expires_at timestamptz NOT NULL,
     revoked_at timestamptz,
     revoked_reason text,
     name_id text,
     name_id_format text,
     session_index text,
     ip text,
     user_agent text,
     FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
     FOREIGN KEY (organization_id, connection_id) REFERENCES sso_connections (organization_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL`,
  `CREATE INDEX sessions_org ON sessions (organization_id, created_at)`,
  `CREATE INDEX sessions_expiry ON sessions (absolute_expires_at)`,
  // A deactivated user's sessions end in the transaction that deactivates them (lookups also check active).
  `CREATE FUNCTION sessions_end_for_inactive_users() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE sessions s SET revoked_at = now(), revoked_reason = 'user_deactivated'
         FROM new_rows n JOIN old_rows o USING (id)
         WHERE s.user_id = n.id AND s.revoked_at IS NULL AND o.active AND NOT n.active;
       RETURN NULL;
     END
   $$`,
  `CREATE TRIGGER users_end_sessions AFTER UPDATE ON users
     REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_end_for_inactive_users()`,
];

const DOWN = [
  `DROP TRIGGER users_end_sessions ON users`,
  `DROP FUNCTION sessions_end_for_inactive_users()`,
  `DROP TABLE sessions`,
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
  `DROP TABLE claim_memberships`,
  `DROP TABLE user_identities`,
  `DROP TABLE sso_replay`,
  `DROP TABLE sso_login_states`,
  `DROP TABLE sso_group_mappings`,
  `DELETE FROM server_secrets WHERE name IN ('connection_secrets', 'session_csrf')`,
  `DROP TABLE sso_connections`,
  `ALTER TABLE organizations DROP COLUMN session_idle_minutes, DROP COLUMN session_absolute_minutes, DROP COLUMN jit_provisioning`,
  `DROP TABLE organization_domains`,
];

export class SingleSignOn1795400400000 implements MigrationInterface {
  name = "SingleSignOn1795400400000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
