import type { Db } from "./db.js";

export type Plan = "free" | "paid" | "enterprise";

export interface OrganizationRecord {
  id: string;
  name: string;
  plan: Plan;
  allowedEmailDomains: string[];
  isDemo: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  plan: Plan;
  allowed_email_domains: string[];
  is_demo: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, name, plan, allowed_email_domains, is_demo, created_at, updated_at";

function toRecord(row: OrganizationRow): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    allowedEmailDomains: row.allowed_email_domains,
    isDemo: row.is_demo,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export async function insertOrganization(
  db: Db,
  input: { name: string; plan: Plan; allowedEmailDomains: string[]; isDemo?: boolean },
): Promise<OrganizationRecord | null> {
  // ON CONFLICT covers only the single-demo index: a second demo insert returns null instead of failing.
  const { rows } = await db.query<OrganizationRow>(
    `INSERT INTO organizations (name, plan, allowed_email_domains, is_demo) VALUES ($1, $2, $3, $4)
     ON CONFLICT (is_demo) WHERE is_demo DO NOTHING RETURNING ${COLUMNS}`,
    [input.name, input.plan, input.allowedEmailDomains, input.isDemo ?? false],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function findOrganization(db: Db, id: string): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [id]);
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

export async function updateOrganization(
  db: Db,
  id: string,
  changes: { name?: string; plan?: Plan; allowedEmailDomains?: string[] },
): Promise<OrganizationRecord | null> {
  const { rows } = await db.query<OrganizationRow>(
    `UPDATE organizations SET
       name = COALESCE($2, name),
       plan = COALESCE($3, plan),
       allowed_email_domains = COALESCE($4, allowed_email_domains),
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, changes.name ?? null, changes.plan ?? null, changes.allowedEmailDomains ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function deleteOrganization(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM organizations WHERE id = $1`, [id]);
  return rowCount > 0;
}
