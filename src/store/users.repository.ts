import { auditInsertSql, binder, type AuditEventInput } from "./audit.repository.js";
import type { Db } from "./db.js";

export interface MultiValue {
  value: string;
  type: string | null;
  display: string | null;
  primary: boolean;
}

export interface Address {
  type: string | null;
  formatted: string | null;
  streetAddress: string | null;
  locality: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  primary: boolean;
}

export interface PersonName {
  formatted: string | null;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
}

export interface EnterpriseFields {
  employeeNumber: string | null;
  costCenter: string | null;
  organization: string | null;
  division: string | null;
  department: string | null;
  manager: { value: string; displayName: string | null } | null;
}

export interface UserData {
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  nickName: string | null;
  profileUrl: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  locale: string | null;
  timezone: string | null;
  name: PersonName;
  emails: MultiValue[];
  phoneNumbers: MultiValue[];
  addresses: Address[];
  enterprise: EnterpriseFields;
  /** Attributes we keep but do not model (declared extensions, ims, photos, entitlements, …). */
  extraAttributes: Record<string, unknown>;
}

export interface UserRecord extends UserData {
  /** The groups the identity provider put the user in, when the record was read (not after a write). */
  groups?: Array<{ groupId: string; displayName: string }>;
  id: string;
  organizationId: string;
  /** Bumped by every change; the SCIM ETag. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Scalar columns of `users`, each with how it is read from and written to UserData. */
const SCALARS: ReadonlyArray<[column: string, read: (data: UserData) => unknown]> = [
  ["user_name", (d) => d.userName],
  ["external_id", (d) => d.externalId],
  ["active", (d) => d.active],
  ["display_name", (d) => d.displayName],
  ["nick_name", (d) => d.nickName],
  ["profile_url", (d) => d.profileUrl],
  ["title", (d) => d.title],
  ["user_type", (d) => d.userType],
  ["preferred_language", (d) => d.preferredLanguage],
  ["locale", (d) => d.locale],
  ["timezone", (d) => d.timezone],
  ["name_formatted", (d) => d.name.formatted],
  ["name_family", (d) => d.name.familyName],
  ["name_given", (d) => d.name.givenName],
  ["name_middle", (d) => d.name.middleName],
  ["name_honorific_prefix", (d) => d.name.honorificPrefix],
  ["name_honorific_suffix", (d) => d.name.honorificSuffix],
  ["employee_number", (d) => d.enterprise.employeeNumber],
  ["cost_center", (d) => d.enterprise.costCenter],
  ["enterprise_organization", (d) => d.enterprise.organization],
  ["division", (d) => d.enterprise.division],
  ["department", (d) => d.enterprise.department],
  ["manager_value", (d) => d.enterprise.manager?.value ?? null],
  ["manager_display_name", (d) => d.enterprise.manager?.displayName ?? null],
  ["extra_attributes", (d) => JSON.stringify(d.extraAttributes)],
];

const USER_COLUMNS = ["id", "organization_id", "version", "created_at", "updated_at", ...SCALARS.map(([column]) => column)].join(", ");

/** The user's groups (the SCIM `groups` attribute) as a JSON array, for a row aliased `u`. */
const GROUPS_OF_USER = `(SELECT coalesce(json_agg(json_build_object('groupId', g.id, 'displayName', g.display_name) ORDER BY lower(g.display_name), g.id), '[]')
     FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id)`;

const multiValues = (table: string) =>
  `(SELECT coalesce(json_agg(json_build_object('value', c.value, 'type', c.type, 'display', c.display, 'primary', c.is_primary) ORDER BY c.position), '[]')
    FROM ${table} c WHERE c.user_id = u.id)`;

const ADDRESSES = `(SELECT coalesce(json_agg(json_build_object('type', a.type, 'formatted', a.formatted, 'streetAddress', a.street_address,
     'locality', a.locality, 'region', a.region, 'postalCode', a.postal_code, 'country', a.country, 'primary', a.is_primary)
     ORDER BY a.position), '[]') FROM user_addresses a WHERE a.user_id = u.id)`;

/**
 * A user with its emails, phone numbers and addresses in one row (JSON aggregates): one round trip per
 * read, however many users a page holds.
 */
const USER_FIELDS = `${USER_COLUMNS.split(", ").map((column) => `u.${column}`).join(", ")},
  ${multiValues("user_emails")} AS emails,
  ${multiValues("user_phone_numbers")} AS phone_numbers,
  ${ADDRESSES} AS addresses,
  ${GROUPS_OF_USER} AS groups`;

/**
 * The same representation as ONE json column (for a row aliased `u`). pg turns each column of a result into a
 * parser call and each RowDescription into ~40 field objects, on every execution of a named statement too:
 * measured on this machine, a userName lookup cost the server 104 µs in the driver with the columns and 64 µs
 * as one document (JSON.parse is native). Timestamps arrive as ISO strings; toRecord reads both.
 */
export const USER_DOCUMENT = `(SELECT row_to_json(r) FROM (SELECT ${USER_FIELDS}) r)`;

const USER_SELECT = `SELECT ${USER_DOCUMENT} AS doc FROM users u`;

/** A user selected as USER_DOCUMENT (`doc`). */
export const userFromDocument = (row: { doc: Row }): UserRecord => toRecord(row.doc);

function toRecord(row: Row): UserRecord {
  const manager = text(row.manager_value);
  return {
    id: String(row.id),
    organizationId: String(row.organization_id),
    version: Number(row.version),
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    userName: String(row.user_name),
    externalId: text(row.external_id),
    active: Boolean(row.active),
    displayName: text(row.display_name),
    nickName: text(row.nick_name),
    profileUrl: text(row.profile_url),
    title: text(row.title),
    userType: text(row.user_type),
    preferredLanguage: text(row.preferred_language),
    locale: text(row.locale),
    timezone: text(row.timezone),
    name: {
      formatted: text(row.name_formatted),
      familyName: text(row.name_family),
      givenName: text(row.name_given),
      middleName: text(row.name_middle),
      honorificPrefix: text(row.name_honorific_prefix),
      honorificSuffix: text(row.name_honorific_suffix),
    },
    enterprise: {
      employeeNumber: text(row.employee_number),
      costCenter: text(row.cost_center),
      organization: text(row.enterprise_organization),
      division: text(row.division),
      department: text(row.department),
      manager: manager === null ? null : { value: manager, displayName: text(row.manager_display_name) },
    },
    extraAttributes: (row.extra_attributes ?? {}) as Record<string, unknown>,
    emails: (row.emails ?? []) as MultiValue[],
    phoneNumbers: (row.phone_numbers ?? []) as MultiValue[],
    addresses: (row.addresses ?? []) as Address[],
    ...(row.groups === undefined ? {} : { groups: row.groups as Array<{ groupId: string; displayName: string }> }),
  };
}

/**
 * Whose children a child INSERT writes: bound values (`$1, $2`, a user that exists), or the row of a sibling
 * data-modifying CTE (`u`, a user inserted by the same statement).
 */
interface ChildOwner {
  columns: string;
  from: string;
}

const ownerOf = (bind: (value: unknown) => string, organizationId: string, userId: string): ChildOwner => ({
  columns: `${bind(organizationId)}::uuid, ${bind(userId)}::uuid`,
  from: "",
});
const INSERTED_USER: ChildOwner = { columns: "u.organization_id, u.id", from: "u, " };

function multiValuesInsert(table: string, values: MultiValue[], bind: (value: unknown) => string, owner: ChildOwner): string {
  const arrays = [bind(values.map((v) => v.value)), bind(values.map((v) => v.type)), bind(values.map((v) => v.display)), bind(values.map((v) => v.primary))];
  return `INSERT INTO ${table} (organization_id, user_id, position, value, type, display, is_primary)
     SELECT ${owner.columns}, x.p - 1, x.v, x.t, x.d, x.pr
     FROM ${owner.from}unnest(${arrays[0]}::text[], ${arrays[1]}::text[], ${arrays[2]}::text[], ${arrays[3]}::boolean[]) WITH ORDINALITY AS x(v, t, d, pr, p)`;
}

function addressesInsert(addresses: Address[], bind: (value: unknown) => string, owner: ChildOwner): string {
  const column = <K extends keyof Address>(key: K, type: string) => `${bind(addresses.map((a) => a[key]))}::${type}[]`;
  return `INSERT INTO user_addresses (organization_id, user_id, position, type, formatted, street_address, locality, region, postal_code, country, is_primary)
     SELECT ${owner.columns}, x.p - 1, x.t, x.f, x.s, x.l, x.r, x.pc, x.c, x.pr
     FROM ${owner.from}unnest(${column("type", "text")}, ${column("formatted", "text")}, ${column("streetAddress", "text")}, ${column("locality", "text")},
       ${column("region", "text")}, ${column("postalCode", "text")}, ${column("country", "text")}, ${column("primary", "boolean")}) WITH ORDINALITY AS x(t, f, s, l, r, pc, c, pr, p)`;
}

/** The child INSERTs that `data` needs (none for an empty list), each as one statement or CTE body. */
function childInserts(data: Pick<UserData, "emails" | "phoneNumbers" | "addresses">, bind: (value: unknown) => string, owner: ChildOwner): string[] {
  const inserts: string[] = [];
  if (data.emails.length > 0) inserts.push(multiValuesInsert("user_emails", data.emails, bind, owner));
  if (data.phoneNumbers.length > 0) inserts.push(multiValuesInsert("user_phone_numbers", data.phoneNumbers, bind, owner));
  if (data.addresses.length > 0) inserts.push(addressesInsert(data.addresses, bind, owner));
  return inserts;
}

/** Statements as data-modifying CTEs of one statement (`w0 AS (…), w1 AS (…)`): all or nothing, one round trip. */
function siblings(statements: string[]): string {
  return statements.map((sql, i) => `w${i} AS (${sql})`).join(", ");
}

async function insertChildren(db: Db, organizationId: string, userId: string, data: Pick<UserData, "emails" | "phoneNumbers" | "addresses">): Promise<void> {
  const params: unknown[] = [];
  const bind = binder(params);
  const inserts = childInserts(data, bind, ownerOf(bind, organizationId, userId));
  if (inserts.length === 0) return;
  const [first, ...others] = inserts as [string, ...string[]];
  await db.query(others.length === 0 ? first : `WITH ${siblings(others)} ${first}`, params);
}

/**
 * Inserts a user with its emails, phone numbers and addresses — and, when given, the audit event of its
 * creation (its target id is the new user's) — in ONE statement: data-modifying CTEs, atomic without a
 * transaction of their own, one round trip (was BEGIN, three INSERTs, the event and COMMIT).
 */
export async function insertUser(db: Db, organizationId: string, data: UserData, options: { audit?: AuditEventInput } = {}): Promise<UserRecord> {
  const params: unknown[] = [];
  const bind = binder(params);
  const columns = SCALARS.map(([column]) => column);
  const values = [`${bind(organizationId)}::uuid`, ...SCALARS.map(([column, read]) => (column === "extra_attributes" ? `${bind(read(data))}::jsonb` : bind(read(data))))];
  const writes = [...childInserts(data, bind, INSERTED_USER), ...(options.audit ? [auditInsertSql(options.audit, bind, { from: "u", targetId: "u.id::text" })] : [])];
  const user = `u AS (INSERT INTO users (organization_id, ${columns.join(", ")}) VALUES (${values.join(", ")}) RETURNING ${USER_COLUMNS})`;
  const sql = `WITH ${user}${writes.length > 0 ? `, ${siblings(writes)}` : ""} SELECT * FROM u`;
  const { rows } = await db.query<Row>(sql, params);
  return { ...withChildren(rows[0] as Row, data), groups: [] };
}

/**
 * Replaces every attribute of a user. With `expectedVersion`, only if the stored version still matches
 * (optimistic concurrency, RFC 7644 §3.14). Returns null when no row matched.
 *
 * With `audit`, the event is inserted by the same statement (only when the row matched). With
 * `childrenUnchanged` — the caller knows emails, phone numbers and addresses are as stored — nothing else is
 * written, so the call is one statement and needs no transaction; otherwise call it inside one.
 */
export async function replaceUser(
  db: Db,
  organizationId: string,
  id: string,
  data: UserData,
  expectedVersion?: number,
  options: { audit?: AuditEventInput; childrenUnchanged?: boolean } = {},
): Promise<UserRecord | null> {
  const params: unknown[] = [organizationId, id, expectedVersion ?? null];
  const bind = binder(params);
  const assignments = SCALARS.map(([column, read]) => `${column} = ${bind(read(data))}`);
  // RETURNING's subqueries read the children as they were before this statement: compared below, so a
  // PATCH of displayName or active does not rewrite three child tables (three DELETEs, up to three INSERTs).
  const oldChildren = options.childrenUnchanged
    ? ""
    : `, ${multiValues("user_emails")} AS old_emails, ${multiValues("user_phone_numbers")} AS old_phone_numbers, ${ADDRESSES} AS old_addresses`;
  const update = `UPDATE users u SET ${assignments.join(", ")}, version = version + 1, updated_at = now()
     WHERE organization_id = $1 AND id = $2 AND ($3::int IS NULL OR version = $3)
     RETURNING ${USER_COLUMNS}, ${GROUPS_OF_USER} AS groups${oldChildren}`;
  const sql = options.audit
    ? `WITH updated AS (${update}), audited AS (${auditInsertSql(options.audit, bind, { from: "updated" })}) SELECT * FROM updated`
    : update;
  const { rows } = await db.query<Row & { old_emails: MultiValue[]; old_phone_numbers: MultiValue[]; old_addresses: Address[] }>(sql, params);
  const row = rows[0];
  if (!row) return null;
  if (options.childrenUnchanged) return withChildren(row, data);
  const same = (stored: unknown, wanted: unknown) => JSON.stringify(stored) === JSON.stringify(wanted);
  const changed = {
    emails: same(row.old_emails, data.emails.map(multiValueJson)) ? [] : data.emails,
    phoneNumbers: same(row.old_phone_numbers, data.phoneNumbers.map(multiValueJson)) ? [] : data.phoneNumbers,
    addresses: same(row.old_addresses, data.addresses.map(addressJson)) ? [] : data.addresses,
  };
  const stale = [
    ...(changed.emails === data.emails ? ["user_emails"] : []),
    ...(changed.phoneNumbers === data.phoneNumbers ? ["user_phone_numbers"] : []),
    ...(changed.addresses === data.addresses ? ["user_addresses"] : []),
  ];
  // Old rows go first (a statement of their own: the new ones reuse their positions), then the new ones.
  for (const table of stale) await db.query(`DELETE FROM ${table} WHERE user_id = $1`, [id]);
  await insertChildren(db, organizationId, id, changed);
  return withChildren(row, data);
}

/** The shapes the JSON aggregates above produce, key for key, to compare with what is stored. */
const multiValueJson = (v: MultiValue) => ({ value: v.value, type: v.type, display: v.display, primary: v.primary });
const addressJson = (a: Address) => ({
  type: a.type,
  formatted: a.formatted,
  streetAddress: a.streetAddress,
  locality: a.locality,
  region: a.region,
  postalCode: a.postalCode,
  country: a.country,
  primary: a.primary,
});

/** The record just written: its children are what was written, so nothing is read back. */
function withChildren(row: Row, data: UserData): UserRecord {
  return toRecord({ ...row, emails: data.emails, phone_numbers: data.phoneNumbers, addresses: data.addresses });
}

export async function findUsers(db: Db, organizationId: string, ids: string[], options: { lock?: boolean } = {}): Promise<UserRecord[]> {
  // One id (GET /Users/{id}, every PATCH) gets `id = $2`: with `= ANY($2)` PostgreSQL prices its generic plan for
  // an array of ten and re-plans the statement on every call (0.64 ms of planning, measured at 100,000 users).
  const match = ids.length === 1 ? "u.id = $2::uuid" : "u.id = ANY($2::uuid[])";
  const { rows } = await db.query<{ doc: Row }>(
    `${USER_SELECT} WHERE u.organization_id = $1 AND ${match}${options.lock ? " FOR UPDATE OF u" : ""}`,
    [organizationId, ids.length === 1 ? ids[0] : ids],
  );
  return rows.map(userFromDocument);
}

export async function findUserByUserName(db: Db, organizationId: string, userName: string): Promise<UserRecord | null> {
  const { rows } = await db.query<{ doc: Row }>(`${USER_SELECT} WHERE u.organization_id = $1 AND lower(u.user_name) = lower($2)`, [organizationId, userName]);
  const row = rows[0];
  return row ? userFromDocument(row) : null;
}

/** Ids among `ids` that are users of the organization. */
export async function existingUserIds(db: Db, organizationId: string, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, ids]);
  return new Set(rows.map((row) => row.id));
}

export async function setUserActive(db: Db, organizationId: string, id: string, active: boolean): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users SET active = $3, version = version + 1, updated_at = now() WHERE organization_id = $1 AND id = $2`,
    [organizationId, id, active],
  );
  return rowCount > 0;
}

export async function deleteUser(db: Db, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM users WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  return rowCount > 0;
}

