/**
 * One benchmark organization, loaded with bulk SQL through the Db port (INSERT … SELECT FROM generate_series /
 * unnest), in one transaction: N users, 1,000 groups (each user in ~10 random ones), 100 workspaces with Spaces
 * on, 10 Spaces each, group grants (Editor / Viewer / Draft Contributor in 1–3 workspaces, attached to 1–3 of
 * their Spaces), ~2 % of users with direct grants, 100,000 resources (~10 % shared).
 * Random choices made here come from a seeded PRNG; those made in SQL from setseed().
 */
import { performance } from "node:perf_hooks";
import { createCredentialService } from "../../src/directory/credentials.service.js";
import type { Db } from "../../src/store/db.js";
import { createRandom } from "../scim-load/stats.js";

export const RESOURCE_TYPES = ["audience", "sync", "source", "destination", "model"] as const;
const GROUP_ROLES = ["workspace.editor", "workspace.viewer", "workspace.draft-contributor"] as const;
export const BENCH_SOURCE = "manual:bench";

export interface Shape {
  users: number;
  groups: number;
  workspaces: number;
  spacesPerWorkspace: number;
  groupsPerUser: number;
  resources: number;
  /** Share of users with direct grants. */
  directShare: number;
  /** Share of resources with sharing entries. */
  sharedShare: number;
}

export const defaultShape = (users: number): Shape => ({
  users, groups: 1000, workspaces: 100, spacesPerWorkspace: 10, groupsPerUser: 10, resources: 100_000, directShare: 0.02, sharedShare: 0.1,
});

export interface Dataset {
  organizationId: string;
  size: number;
  apiKey: string;
  userIds: string[];
  groupIds: string[];
  workspaceIds: string[];
  spaces: Array<{ id: string; workspaceId: string }>;
  /** Workspace ids each group holds a role in (by group index). */
  groupWorkspaces: string[][];
  /** Users holding a direct grant (left out of the change-to-visible trials). */
  directGrantees: Set<string>;
  resources: number;
  rows: Record<string, number>;
  /** Seconds per loading step. */
  timings: Record<string, number>;
}

async function ids(db: Db, sql: string, params: unknown[]): Promise<string[]> {
  return (await db.query<{ id: string }>(sql, params)).rows.map((row) => row.id);
}

export async function builtInRoleIds(db: Db): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; key: string }>(`SELECT id, key FROM roles WHERE built_in`);
  return new Map(rows.map((row) => [row.key, row.id]));
}

export async function loadOrganization(db: Db, shape: Shape, seed: number, log: (line: string) => void): Promise<Dataset> {
  const rand = createRandom(seed);
  const timings: Record<string, number> = {};
  const rows: Record<string, number> = {};
  const roles = await builtInRoleIds(db);
  const role = (key: string): string => {
    const id = roles.get(key);
    if (!id) throw new Error(`built-in role ${key} has no roles row (installPolicyRoles not run?)`);
    return id;
  };
  let workDone = 0;
  const dataset = await db.transaction(async (tx) => {
    let mark = performance.now();
    const step = (name: string, count: number) => {
      const now = performance.now();
      timings[name] = (now - mark) / 1000;
      rows[name] = count;
      log(`  ${name}: ${count.toLocaleString("en-US")} rows in ${timings[name].toFixed(1)} s`);
      mark = now;
    };
    const [org] = await ids(tx, `INSERT INTO organizations (name, plan) VALUES ($1, 'enterprise') RETURNING id`, [`Bench ${shape.users} users ${seed}`]);
    if (!org) throw new Error("no organization row");
    await tx.query(`SELECT setseed($1)`, [((seed % 1000) / 1000) * 2 - 1]);

    await tx.query(
      `INSERT INTO users (organization_id, user_name, display_name, external_id)
       SELECT $1, 'user' || i || '@bench.example', 'Bench User ' || i, 'ext-' || i FROM generate_series(1, $2::int) i`,
      [org, shape.users],
    );
    const userIds = await ids(tx, `SELECT id FROM users WHERE organization_id = $1 ORDER BY seq`, [org]);
    step("users", userIds.length);

    await tx.query(
      `INSERT INTO groups (organization_id, display_name, external_id) SELECT $1, 'Group ' || i, 'grp-' || i FROM generate_series(1, $2::int) i`,
      [org, shape.groups],
    );
    const groupIds = await ids(tx, `SELECT id FROM groups WHERE organization_id = $1 ORDER BY seq`, [org]);
    step("groups", groupIds.length);

    await tx.query(
      `INSERT INTO workspaces (organization_id, title, slug, spaces_enabled) SELECT $1, 'Workspace ' || i, 'ws-' || i, true FROM generate_series(1, $2::int) i`,
      [org, shape.workspaces],
    );
    const workspaceIds = await ids(tx, `SELECT id FROM workspaces WHERE organization_id = $1 ORDER BY seq`, [org]);
    const { rows: spaceRows } = await tx.query<{ id: string; workspace_id: string }>(
      `INSERT INTO spaces (organization_id, workspace_id, name)
       SELECT $1, w.id, 'Space ' || j FROM unnest($2::uuid[]) WITH ORDINALITY AS w(id, n) CROSS JOIN generate_series(1, $3::int) j
       ORDER BY w.n, j RETURNING id, workspace_id`,
      [org, workspaceIds, shape.spacesPerWorkspace],
    );
    const spaces = spaceRows.map((row) => ({ id: row.id, workspaceId: row.workspace_id }));
    step("workspaces + spaces", workspaceIds.length + spaces.length);
    // Foreign-key checks are planned from statistics, and autovacuum may be off (it is on this machine): without
    // this, a second organization's memberships check each row against every user (minutes instead of seconds).
    await tx.query(`ANALYZE users, groups, workspaces, spaces`);
    step("ANALYZE", 0);

    // OFFSET 0 keeps the random group pick per (user, k) row: the join must not re-evaluate random().
    const members = await tx.query(
      `INSERT INTO group_members (organization_id, group_id, user_id)
       SELECT DISTINCT $1::uuid, g.id, m.user_id
       FROM (SELECT u.id AS user_id, 1 + floor(random() * $3::int)::int AS gk
             FROM users u CROSS JOIN generate_series(1, $2::int) k WHERE u.organization_id = $1 OFFSET 0) m
       JOIN unnest($4::uuid[]) WITH ORDINALITY AS g(id, n) ON g.n = m.gk`,
      [org, shape.groupsPerUser, groupIds.length, groupIds],
    );
    step("group_members", members.rowCount);

    const spacesOf = new Map<string, string[]>();
    for (const space of spaces) spacesOf.set(space.workspaceId, [...(spacesOf.get(space.workspaceId) ?? []), space.id]);
    const grant = { group: [] as string[], role: [] as string[], workspace: [] as string[] };
    const attach = { group: [] as string[], space: [] as string[] };
    const groupWorkspaces = groupIds.map((groupId) => {
      const chosen = rand.shuffle([...workspaceIds]).slice(0, 1 + rand.int(3));
      for (const workspaceId of chosen) {
        grant.group.push(groupId);
        grant.role.push(role(GROUP_ROLES[rand.int(GROUP_ROLES.length)] as string));
        grant.workspace.push(workspaceId);
      }
      const candidates = rand.shuffle(chosen.flatMap((workspaceId) => spacesOf.get(workspaceId) ?? []));
      for (const spaceId of candidates.slice(0, 1 + rand.int(3))) {
        attach.group.push(groupId);
        attach.space.push(spaceId);
      }
      return chosen;
    });
    const groupGrants = await tx.query(
      `INSERT INTO grants (organization_id, group_id, role_id, scope_type, workspace_id, source)
       SELECT $1, g, r, 'workspace', w, $5 FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS t(g, r, w)`,
      [org, grant.group, grant.role, grant.workspace, BENCH_SOURCE],
    );
    const attachments = await tx.query(
      `INSERT INTO space_attachments (organization_id, group_id, space_id, created_by)
       SELECT $1, g, s, 'bench' FROM unnest($2::uuid[], $3::uuid[]) AS t(g, s)`,
      [org, attach.group, attach.space],
    );
    step("group grants + space attachments", groupGrants.rowCount + attachments.rowCount);

    // ~2 % of users: a few Organization Admins, then Workspace Admins and Space-scoped Editors.
    const direct = rand.shuffle(userIds.map((_, index) => index)).slice(0, Math.max(1, Math.round(userIds.length * shape.directShare)));
    const admins = Math.min(5, Math.max(1, Math.round(direct.length / 40)));
    const d = { user: [] as string[], role: [] as string[], scope: [] as string[], workspace: [] as Array<string | null>, space: [] as Array<string | null> };
    direct.forEach((userIndex, position) => {
      d.user.push(userIds[userIndex] as string);
      if (position < admins) {
        d.role.push(role("organization.admin"));
        d.scope.push("organization");
        d.workspace.push(null);
        d.space.push(null);
      } else if (position % 2 === 0) {
        d.role.push(role("workspace.admin"));
        d.scope.push("workspace");
        d.workspace.push(workspaceIds[rand.int(workspaceIds.length)] as string);
        d.space.push(null);
      } else {
        const space = spaces[rand.int(spaces.length)] as { id: string; workspaceId: string };
        d.role.push(role("workspace.editor"));
        d.scope.push("space");
        d.workspace.push(space.workspaceId);
        d.space.push(space.id);
      }
    });
    const directGrants = await tx.query(
      `INSERT INTO grants (organization_id, user_id, role_id, scope_type, workspace_id, space_id, source)
       SELECT $1, u, r, s, w, sp, $7 FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::uuid[]) AS t(u, r, s, w, sp)`,
      [org, d.user, d.role, d.scope, d.workspace, d.space, BENCH_SOURCE],
    );
    step("direct grants", directGrants.rowCount);

    // Resource i is RESOURCE_TYPES[i % 5] with external id "<type>-<i>": the workload names them without a lookup.
    const resources = await tx.query(
      `INSERT INTO resources (organization_id, workspace_id, space_id, type, external_id, owner_user_id, sharing)
       SELECT $1, s.workspace_id, CASE WHEN r.type IN ('audience', 'sync') THEN s.id END, r.type, r.type || '-' || r.i,
         CASE WHEN r.owned THEN u.id END,
         CASE WHEN r.share >= $3 THEN '[]'::jsonb
              WHEN r.kind < 0.5 THEN jsonb_build_array(jsonb_build_object('principal', jsonb_build_object('type', 'group', 'id', g.id),
                                                                          'level', CASE WHEN r.kind < 0.3 THEN 'view' ELSE 'edit' END))
              WHEN r.kind < 0.8 THEN jsonb_build_array(jsonb_build_object('principal', jsonb_build_object('type', 'user', 'id', u2.id), 'level', 'edit'))
              ELSE '[{"principal": {"type": "workspace"}, "level": "view"}]'::jsonb END
       FROM (SELECT i, (ARRAY['audience', 'sync', 'source', 'destination', 'model'])[1 + i % 5] AS type,
                    1 + floor(random() * $4::int)::int AS sk, 1 + floor(random() * $6::int)::int AS uk, 1 + floor(random() * $6::int)::int AS uk2,
                    1 + floor(random() * $8::int)::int AS gk, random() < 0.3 AS owned, random() AS share, random() AS kind
             FROM generate_series(0, $2::int - 1) i OFFSET 0) r
       JOIN unnest($5::uuid[], $9::uuid[]) WITH ORDINALITY AS s(id, workspace_id, n) ON s.n = r.sk
       JOIN unnest($7::uuid[]) WITH ORDINALITY AS u(id, n) ON u.n = r.uk
       JOIN unnest($7::uuid[]) WITH ORDINALITY AS u2(id, n) ON u2.n = r.uk2
       JOIN unnest($10::uuid[]) WITH ORDINALITY AS g(id, n) ON g.n = r.gk`,
      [org, shape.resources, shape.sharedShare, spaces.length, spaces.map((s) => s.id), userIds.length, userIds, groupIds.length, spaces.map((s) => s.workspaceId), groupIds],
    );
    step("resources", resources.rowCount);
    workDone = performance.now();
    return {
      organizationId: org, size: shape.users, apiKey: "", userIds, groupIds, workspaceIds, spaces, groupWorkspaces,
      directGrantees: new Set(d.user), resources: resources.rowCount, rows, timings,
    };
  });
  timings.commit = (performance.now() - workDone) / 1000;
  log(`  commit (deferred access-version trigger): ${timings.commit.toFixed(1)} s`);
  const { secret } = await createCredentialService({ db }).issue("api_key", dataset.organizationId, { name: "access bench" });
  return { ...dataset, apiKey: secret };
}
