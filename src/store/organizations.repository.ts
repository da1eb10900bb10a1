import type { Db } from "./db.js";

export type Plan = "free" | "paid" | "enterprise";

/** Per-feature switches of an organization (Admin API `featureFlags`): flag key → on/off. */
export type FeatureFlags = Record<string, boolean>;

export interface OrganizationRecord {
  id: string;
  name: string;
  plan: Plan;
  isDemo: boolean;
  /** Sign-in sessions (SSO) end after this long without use… */
  sessionIdleMinutes: number;
  /** …and after this long whatever happens. */
  sessionAbsoluteMinutes: number;
  /** Whether a first sign-in through SSO creates the user. */
  jitProvisioning: boolean;
  featureFlags: FeatureFlags;
  /** Audit events older than this many days are deleted; null keeps them forever. */
  auditRetentionDays: number | null;
  createdAt: Date;
  updatedAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  plan: Plan;
  is_demo: boolean;
  session_idle_minutes: number;
  session_absolute_minutes: number;
  jit_provisioning: boolean;
  feature_flags: FeatureFlags;
  audit_retention_days: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  "id, name, plan, is_demo, session_idle_minutes, session_absolute_minutes, jit_provisioning, feature_flags, audit_retention_days, created_at, updated_at";

function toRecord(row: OrganizationRow): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    isDemo: row.is_demo,
    sessionIdleMinutes: Number(row.session_idle_minutes),
    sessionAbsoluteMinutes: Number(row.session_absolute_minutes),
    jitProvisioning: row.jit_provisioning,
    featureFlags: row.feature_flags,
    auditRetentionDays: row.audit_retention_days === null ? null : Number(row.audit_retention_days),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function insertOrganization(db: Db, input: { name: string; plan: Plan; isDemo?: boolean }): Promise<OrganizationRecord | null> {
  // ON CONFLICT covers only the single-demo index: a second demo insert returns null instead of failing.
  const { rows } = await db.query<OrganizationRow>(
    `INSERT INTO organizations (name, plan, is_demo) VALUES ($1, $2, $3)
     ON CONFLICT (is_demo) WHERE is_demo DO NOTHING RETURNING ${COLUMNS}`,
    [input.name, input.plan, input.isDemo ?? false],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** `lock` holds the row until the transaction ends (a read-modify-write of the settings). */
export async function findOrganization(db: Db, id: string, options: { lock?: boolean } = {}): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function findDemoOrganization(db: Db): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE is_demo`);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function listOrganizations(db: Db): Promise<OrganizationRecord[]> {
  const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations ORDER BY created_at, seq`);
  return rows.map(toRecord);
}

export interface OrganizationChanges {
  name?: string;
  plan?: Plan;
  sessionIdleMinutes?: number;
  sessionAbsoluteMinutes?: number;
  jitProvisioning?: boolean;
  /** The whole new set of flags. */
  featureFlags?: FeatureFlags;
  /** null: keep events forever. */
  auditRetentionDays?: number | null;
}

/** Absent fields keep their value. */
export async function updateOrganization(db: Db, id: string, changes: OrganizationChanges): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<OrganizationRow>(
    `UPDATE organizations SET
       name = COALESCE($2, name),
       plan = COALESCE($3, plan),
       session_idle_minutes = COALESCE($4, session_idle_minutes),
       session_absolute_minutes = COALESCE($5, session_absolute_minutes),
       jit_provisioning = COALESCE($6, jit_provisioning),
       feature_flags = COALESCE($7::jsonb, feature_flags),
       audit_retention_days = CASE WHEN $8 THEN $9::integer ELSE audit_retention_days END,
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      changes.name ?? null,
      changes.plan ?? null,
      changes.sessionIdleMinutes ?? null,
      changes.sessionAbsoluteMinutes ?? null,
      changes.jitProvisioning ?? null,
      changes.featureFlags === undefined ? null : JSON.stringify(changes.featureFlags),
      changes.auditRetentionDays !== undefined,
      changes.auditRetentionDays ?? null,
    ],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteOrganization(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM organizations WHERE id = $1`, [id]);
  return rowCount > 0;
}
