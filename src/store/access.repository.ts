/**
 * What the access engine reads, in as few round trips as the data allows (issue 4, Storage and projection):
 * - the organization's structure (plan, workspaces, Spaces, custom roles), loaded once per access version;
 * - one user's facts, by (organization, user) through indexes only: its cost does not grow with the size of
 *   the organization;
 * - registered resources, by the product's (type, id).
 * Every read returns the access version of the snapshot it read, so a cache can label what it keeps.
 */
import type { AttachmentFact, GrantFact, GroupFact, OverrideFact, ResourceFact, ShareFact, SpaceFact, WorkspaceFact } from "../access/facts.js";
import type { CustomRoleFact, Plan } from "../access/policy.types.js";
import type { Db } from "./db.js";

export interface OrganizationFacts {
  version: number;
  /** The access version at which workspaces, Spaces, custom roles or the plan last changed. */
  structureVersion: number;
  plan: Plan;
  workspaces: WorkspaceFact[];
  spaces: SpaceFact[];
  customRoles: CustomRoleFact[];
}

export interface UserFacts {
  version: number;
  /** The organization's structure version in the same snapshot: which OrganizationFacts go with these. */
  structureVersion: number;
  /** null when no such user exists in the organization (never created, or deleted). */
  user: { id: string; active: boolean } | null;
  memberOf: string[];
  overrides: OverrideFact[];
  groups: GroupFact[];
  grants: GrantFact[];
  attachments: AttachmentFact[];
  /** The resources the user's resource-scoped grants name (for their labels and checks). */
  resources: ResourceFact[];
}

export interface ResourceRecord extends ResourceFact {
  externalId: string;
  createdAt: Date;
  updatedAt: Date;
}

const RESOURCE_JSON = `json_build_object('id', r.id, 'type', r.type, 'externalId', r.external_id, 'workspaceId', r.workspace_id,
  'spaceId', r.space_id, 'ownerUserId', r.owner_user_id, 'shares', r.sharing, 'createdAt', r.created_at, 'updatedAt', r.updated_at)`;

export async function loadOrganizationFacts(db: Db, organizationId: string): Promise<OrganizationFacts | null> {
  const { rows } = await db.query<OrganizationFacts>(
    `SELECT o.access_version::int AS version, o.structure_version::int AS "structureVersion", o.plan,
       coalesce((SELECT json_agg(json_build_object('id', w.id, 'title', w.title, 'spacesEnabled', w.spaces_enabled))
                 FROM workspaces w WHERE w.organization_id = o.id), '[]') AS workspaces,
       coalesce((SELECT json_agg(json_build_object('id', s.id, 'workspaceId', s.workspace_id, 'name', s.name, 'dataFilter', s.data_filter))
                 FROM spaces s WHERE s.organization_id = o.id), '[]') AS spaces,
       coalesce((SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'level', r.level, 'permissions', r.permissions))
                 FROM roles r WHERE r.organization_id = o.id AND NOT r.built_in), '[]') AS "customRoles"
     FROM organizations o WHERE o.id = $1`,
    [organizationId],
  );
  return rows[0] ?? null;
}

interface GrantRow {
  id: string;
  userId: string | null;
  groupId: string | null;
  builtIn: boolean;
  key: string | null;
  roleId: string;
  scopeType: GrantFact["scope"]["type"];
  workspaceId: string | null;
  spaceId: string | null;
  resourceId: string | null;
  source: string;
}

function toGrant(row: GrantRow): GrantFact {
  const principal = row.userId !== null ? { type: "user" as const, id: row.userId } : { type: "group" as const, id: row.groupId ?? "" };
  const role = row.builtIn && row.key !== null ? { kind: "built-in" as const, key: row.key } : { kind: "custom" as const, id: row.roleId };
  const workspaceId = row.workspaceId ?? "";
  const scope: GrantFact["scope"] =
    row.scopeType === "organization"
      ? { type: "organization" }
      : row.scopeType === "workspace"
        ? { type: "workspace", workspaceId }
        : row.scopeType === "space"
          ? { type: "space", workspaceId, spaceId: row.spaceId ?? "" }
          : { type: "resource", workspaceId, resourceId: row.resourceId ?? "" };
  return { id: row.id, principal, role, scope, source: row.source };
}

const GRANT_JSON = `json_build_object('id', g.id, 'userId', g.user_id, 'groupId', g.group_id, 'builtIn', r.built_in, 'key', r.key,
  'roleId', r.id, 'scopeType', g.scope_type, 'workspaceId', g.workspace_id, 'spaceId', g.space_id, 'resourceId', g.resource_id, 'source', g.source)`;

/** One statement, so every part comes from one snapshot: the version it returns is the version of all of it. */
export async function loadUserFacts(db: Db, organizationId: string, userId: string): Promise<UserFacts | null> {
  const { rows } = await db.query<Omit<UserFacts, "grants" | "resources"> & { grants: GrantRow[]; resources: ResourceRecord[] }>(
    `WITH member_of AS (
            SELECT group_id FROM group_members WHERE user_id = $2 AND organization_id = $1
            UNION -- memberships from sign-in claims (source sso:<connection>) count like the IdP's own
            SELECT group_id FROM claim_memberships WHERE user_id = $2 AND organization_id = $1),
          overrides AS (SELECT group_id, kind, author, reason FROM membership_overrides WHERE user_id = $2 AND organization_id = $1),
          my_groups AS (SELECT group_id FROM member_of UNION SELECT group_id FROM overrides),
          my_grants AS (
            SELECT g.* FROM grants g WHERE g.user_id = $2 AND g.organization_id = $1
            UNION ALL
            SELECT g.* FROM grants g WHERE g.group_id IN (SELECT group_id FROM my_groups) AND g.organization_id = $1)
     SELECT o.access_version::int AS version, o.structure_version::int AS "structureVersion",
       (SELECT json_build_object('id', u.id, 'active', u.active) FROM users u WHERE u.id = $2 AND u.organization_id = $1) AS "user",
       coalesce((SELECT json_agg(group_id ORDER BY group_id) FROM member_of), '[]') AS "memberOf",
       coalesce((SELECT json_agg(json_build_object('groupId', group_id, 'userId', $2::uuid, 'kind', kind, 'author', author, 'reason', reason)) FROM overrides), '[]') AS overrides,
       coalesce((SELECT json_agg(json_build_object('id', gr.id, 'displayName', gr.display_name, 'origin', gr.origin))
                 FROM groups gr WHERE gr.id IN (SELECT group_id FROM my_groups)), '[]') AS groups,
       coalesce((SELECT json_agg(${GRANT_JSON} ORDER BY g.created_at, g.id) FROM my_grants g JOIN roles r ON r.id = g.role_id), '[]') AS grants,
       coalesce((SELECT json_agg(json_build_object('groupId', a.group_id, 'spaceId', a.space_id))
                 FROM space_attachments a WHERE a.group_id IN (SELECT group_id FROM my_groups)), '[]') AS attachments,
       coalesce((SELECT json_agg(${RESOURCE_JSON}) FROM resources r
                 WHERE r.id IN (SELECT resource_id FROM my_grants WHERE resource_id IS NOT NULL)), '[]') AS resources
     FROM organizations o WHERE o.id = $1`,
    [organizationId, userId],
  );
  const row = rows[0];
  if (!row) return null;
  return { ...row, grants: row.grants.map(toGrant), resources: row.resources.map(toResource) };
}

export async function readAccessVersion(db: Db, organizationId: string): Promise<number | null> {
  const { rows } = await db.query<{ version: number }>(`SELECT access_version::int AS version FROM organizations WHERE id = $1`, [organizationId]);
  return rows[0]?.version ?? null;
}

function toResource(row: ResourceRecord): ResourceRecord {
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}

export interface ResourceRef {
  type: string;
  externalId: string;
}

/** Resources by the product's (type, id); absent ones are simply not returned. */
export async function findResources(db: Db, organizationId: string, refs: readonly ResourceRef[]): Promise<{ version: number; resources: ResourceRecord[] }> {
  const { rows } = await db.query<{ version: number; resources: ResourceRecord[] }>(
    `SELECT o.access_version::int AS version,
       coalesce((SELECT json_agg(${RESOURCE_JSON}) FROM resources r
                 JOIN unnest($2::text[], $3::text[]) AS wanted(type, external_id)
                   ON r.organization_id = $1 AND r.type = wanted.type AND r.external_id = wanted.external_id), '[]') AS resources
     FROM organizations o WHERE o.id = $1`,
    [organizationId, refs.map((ref) => ref.type), refs.map((ref) => ref.externalId)],
  );
  const row = rows[0];
  return { version: row?.version ?? 0, resources: (row?.resources ?? []).map(toResource) };
}

export interface ResourceWrite {
  organizationId: string;
  type: string;
  externalId: string;
  workspaceId: string;
  spaceId: string | null;
  ownerUserId: string | null;
  shares: readonly ShareFact[];
}

export async function upsertResource(db: Db, input: ResourceWrite): Promise<{ resource: ResourceRecord; created: boolean }> {
  const { rows } = await db.query<{ resource: ResourceRecord; created: boolean }>(
    `WITH r AS (
       INSERT INTO resources (organization_id, type, external_id, workspace_id, space_id, owner_user_id, sharing)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (organization_id, type, external_id) DO UPDATE
         SET workspace_id = EXCLUDED.workspace_id, space_id = EXCLUDED.space_id, owner_user_id = EXCLUDED.owner_user_id,
             sharing = EXCLUDED.sharing, updated_at = now()
       RETURNING *, (xmax = 0) AS created)
     SELECT ${RESOURCE_JSON} AS resource, r.created FROM r`,
    [input.organizationId, input.type, input.externalId, input.workspaceId, input.spaceId, input.ownerUserId, JSON.stringify(input.shares)],
  );
  const row = rows[0];
  if (!row) throw new Error("upsert returned no row");
  return { resource: toResource(row.resource), created: row.created };
}

export async function deleteResource(db: Db, organizationId: string, ref: ResourceRef): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM resources WHERE organization_id = $1 AND type = $2 AND external_id = $3`, [
    organizationId,
    ref.type,
    ref.externalId,
  ]);
  return rowCount > 0;
}

/** Which of `ids` are users (or groups) of the organization. */
export async function existingPrincipals(db: Db, organizationId: string, table: "users" | "groups", ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${table} WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, [...ids]]);
  return new Set(rows.map((row) => row.id));
}

export interface ResourcePage {
  version: number;
  ids: string[];
  /** The last external id of the page, when more may follow. */
  next: string | null;
}

/**
 * The product's ids of the resources of one type that match a list filter (access.list), in external-id order,
 * keyset-paged. `workspaces` are reached whole; `spaces` per Space; `extra` names resources by row id.
 */
export async function listResourceIds(
  db: Db,
  organizationId: string,
  query: { type: string; workspaces: string[]; spaces: string[]; extra: string[]; after: string | null; limit: number },
): Promise<ResourcePage> {
  const { rows } = await db.query<{ external_id: string }>(
    `SELECT r.external_id FROM resources r
     WHERE r.organization_id = $1 AND r.type = $2
       AND (r.workspace_id = ANY($3::uuid[]) OR r.space_id = ANY($4::uuid[]) OR r.id = ANY($5::uuid[]))
       AND ($6::text IS NULL OR r.external_id > $6)
     ORDER BY r.external_id LIMIT $7`,
    [organizationId, query.type, query.workspaces, query.spaces, query.extra, query.after, query.limit + 1],
  );
  const more = rows.length > query.limit;
  const ids = rows.slice(0, query.limit).map((row) => row.external_id);
  return { version: 0, ids, next: more ? (ids[ids.length - 1] ?? null) : null };
}

/**
 * Resources of a type the user may reach individually, whatever their roles: shared with the user, one of
 * their groups or the workspace, owned by them, or named by one of their grants (`extra`).
 */
export async function individuallyReachable(
  db: Db,
  organizationId: string,
  query: { type: string; userId: string; groupIds: string[]; workspaces: string[]; extra: string[] },
): Promise<ResourceRecord[]> {
  const { rows } = await db.query<{ resource: ResourceRecord }>(
    `SELECT ${RESOURCE_JSON} AS resource FROM resources r
     WHERE r.organization_id = $1 AND r.type = $2 AND (
       r.owner_user_id = $3 OR r.id = ANY($6::uuid[])
       OR r.sharing @> jsonb_build_array(jsonb_build_object('principal', jsonb_build_object('type', 'user', 'id', $3::text)))
       OR r.sharing @> ANY(SELECT jsonb_build_array(jsonb_build_object('principal', jsonb_build_object('type', 'group', 'id', g)))
                           FROM unnest($4::text[]) AS g)
       OR (r.workspace_id = ANY($5::uuid[]) AND r.sharing @> '[{"principal": {"type": "workspace"}}]'))`,
    [organizationId, query.type, query.userId, query.groupIds, query.workspaces, query.extra],
  );
  return rows.map((row) => toResource(row.resource));
}

/** Built-in roles follow the policy file: one row per key, so grants can reference them. */
export async function syncBuiltInRoles(
  db: Db,
  roles: ReadonlyArray<{ key: string; name: string; level: string; permissions: readonly string[]; description: string }>,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; key: string }>(
    `INSERT INTO roles (key, name, level, permissions, description, built_in)
     SELECT key, name, level, permissions, description, true
     FROM jsonb_to_recordset($1::jsonb) AS role(key text, name text, level text, permissions text[], description text)
     ON CONFLICT (key) WHERE built_in DO UPDATE
       SET name = EXCLUDED.name, level = EXCLUDED.level, permissions = EXCLUDED.permissions, description = EXCLUDED.description, updated_at = now()
     RETURNING id, key`,
    [JSON.stringify(roles)],
  );
  return new Map(rows.map((row) => [row.key, row.id]));
}
