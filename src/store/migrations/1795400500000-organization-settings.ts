import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Organization settings of the Admin API (issue 5): allowed email domains live only in organization_domains
 * (the array column they were copied from goes), per-feature flags, audit retention per organization and per
 * workspace, and audit events that name their workspace so retention and `GET /audit?workspaceId=` use an
 * index instead of reading every event's details.
 *
 * The log stays append-only: UPDATE is refused always, DELETE only inside a transaction that says
 * `SET LOCAL gatehouse.audit_retention = 'on'` — which only the retention job (src/audit/retention.ts) does.
 */
const UUID_TEXT = "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'";

const UP = [
  `ALTER TABLE organizations
     DROP COLUMN allowed_email_domains,
     ADD COLUMN feature_flags jsonb NOT NULL DEFAULT '{}' CONSTRAINT organizations_feature_flags_object CHECK (jsonb_typeof(feature_flags) = 'object'),
     -- null: keep events forever
     ADD COLUMN audit_retention_days integer CONSTRAINT organizations_audit_retention_days CHECK (audit_retention_days BETWEEN 1 AND 3650),
     ADD CONSTRAINT organizations_session_idle_within_absolute CHECK (session_idle_minutes <= session_absolute_minutes)`,
  // null: the organization's retention applies
  `ALTER TABLE workspaces
     ADD COLUMN audit_retention_days integer CONSTRAINT workspaces_audit_retention_days CHECK (audit_retention_days BETWEEN 1 AND 3650)`,
  `ALTER TABLE organization_domains ADD COLUMN verified_at timestamptz`,

  // No foreign key: an event outlives its workspace.
  `ALTER TABLE audit_events ADD COLUMN workspace_id uuid`,
  `ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`,
  `UPDATE audit_events SET workspace_id = CASE
       WHEN details->>'workspaceId' ~ ${UUID_TEXT} THEN (details->>'workspaceId')::uuid
       ELSE target_id::uuid
     END
   WHERE details->>'workspaceId' ~ ${UUID_TEXT} OR (target_type = 'workspace' AND target_id ~ ${UUID_TEXT})`,
  `ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete`,
  `CREATE INDEX audit_events_workspace_time ON audit_events (organization_id, workspace_id, occurred_at, id) WHERE workspace_id IS NOT NULL`,

  `CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'DELETE' AND current_setting('gatehouse.audit_retention', true) = 'on' THEN
         RETURN OLD;
       END IF;
       RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
     END
   $$`,
];

const DOWN = [
  `CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
     END
   $$`,
  `DROP INDEX audit_events_workspace_time`,
  `ALTER TABLE audit_events DROP COLUMN workspace_id`,
  `ALTER TABLE organization_domains DROP COLUMN verified_at`,
  `ALTER TABLE workspaces DROP COLUMN audit_retention_days`,
  `ALTER TABLE organizations
     DROP CONSTRAINT organizations_session_idle_within_absolute,
     DROP COLUMN audit_retention_days,
     DROP COLUMN feature_flags,
     ADD COLUMN allowed_email_domains text[] NOT NULL DEFAULT '{}'`,
  `UPDATE organizations o SET allowed_email_domains = d.domains
     FROM (SELECT organization_id, array_agg(domain ORDER BY domain) AS domains FROM organization_domains GROUP BY organization_id) d
     WHERE d.organization_id = o.id`,
];

export class OrganizationSettings1795400500000 implements MigrationInterface {
  name = "OrganizationSettings1795400500000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of UP) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await runner.query(statement);
  }
}
