/**
 * User groups (issue 5): SCIM and manual groups with member counts; manual groups are created, renamed,
 * deleted and given members here. A SCIM group belongs to the identity provider: renaming, deleting or
 * changing its members here is 409 (the IdP would undo it) — overrides (overrides.routes.ts) are the way.
 */
import type { Request, Router } from "express";
import type { Directory } from "../directory/directory.js";
import type { GroupRecord } from "../directory/groups.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { presentGroup, presentMember } from "./present-access.js";
import { invalidRequest, methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type GroupCreateBody, type GroupUpdateBody } from "./schemas.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads every query parameter as one string value from `allowed`, reporting every problem at once. */
function readQuery(req: Request, allowed: readonly string[], problems: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(req.query)) {
    if (!allowed.includes(name)) problems.push(`${name}: unknown query parameter (use ${allowed.join(", ")})`);
    else if (typeof raw !== "string") problems.push(`${name}: give it once, as a single value`);
    else values[name] = raw;
  }
  return values;
}

function integer(value: string | undefined, name: string, problems: string[], max?: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,9}$/.test(value) && (max === undefined || Number(value) <= max)) return Number(value);
  problems.push(`${name}: must be a non-negative integer${max === undefined ? "" : ` of at most ${max}`}`);
  return undefined;
}

/** `?q=&limit=&offset=` of GET /groups. */
export function parseGroupListQuery(req: Request): { search?: string; limit: number; offset: number } {
  const problems: string[] = [];
  const values = readQuery(req, ["q", "limit", "offset"], problems);
  if (values.q !== undefined && values.q.length > 200) problems.push("q: must be at most 200 characters");
  const limit = integer(values.limit, "limit", problems, 500);
  const offset = integer(values.offset, "offset", problems);
  if (problems.length > 0) throw invalidRequest(problems);
  return { ...(values.q ? { search: values.q } : {}), limit: limit ?? 50, offset: offset ?? 0 };
}

/** `?after=<userId>&limit=` of GET /groups/{id}/members (keyset paging in user-id order). */
function parseMemberQuery(req: Request): { afterUserId?: string; limit: number } {
  const problems: string[] = [];
  const values = readQuery(req, ["after", "limit"], problems);
  if (values.after !== undefined && !UUID.test(values.after)) problems.push("after: must be a user id");
  const limit = integer(values.limit, "limit", problems, 1000);
  if (problems.length > 0) throw invalidRequest(problems);
  return { ...(values.after ? { afterUserId: values.after.toLowerCase() } : {}), limit: limit ?? 100 };
}

/** 409 for a change the identity provider owns. */
export function refuseScimOwned(group: GroupRecord, what: string): void {
  if (group.origin !== "scim") return;
  throw new ApiError(409, "conflict", `group "${group.displayName}" is owned by the identity provider (SCIM): ${what} there, or pin/exclude members with an override`, {
    groupId: group.id,
    origin: group.origin,
  });
}

const withCount = async (directory: Directory, group: GroupRecord) =>
  presentGroup(group, await directory.memberships.count(group.organizationId, group.id));

export function mountGroupRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;

  router
    .route("/groups")
    .get(requirePermission("users:read"), async (req, res) => {
      const { search, limit, offset } = parseGroupListQuery(req);
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const page = await directory.groups.search(organizationId, {
        ...(search ? { criteria: { kind: "compare", field: "displayName", op: "co", value: search } } : {}),
        sort: { field: "displayName", descending: false },
        page: { kind: "index", limit, offset },
      });
      const items = [];
      for (const group of page.items) items.push(await withCount(directory, group));
      res.json({ items, total: page.total, limit, offset });
    })
    .post(requirePermission("users:manage"), async (req, res) => {
      const body = validateBody<GroupCreateBody>("GroupCreate", req.body);
      const created = await write(res, async ({ directory: tx, principal, audit }) => {
        const group = presentGroup(await tx.groups.create(principal.organizationId, { displayName: body.displayName, origin: "manual" }), 0);
        await audit("group.create", { type: "group", id: group.id }, { before: null, after: group });
        return group;
      });
      res.status(201).location(`/admin/v1/groups/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/groups/:id")
    .get(requirePermission("users:read"), async (req, res) => {
      res.json(await withCount(directory, await directory.groups.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"))));
    })
    .patch(requirePermission("users:manage"), async (req, res) => {
      const body = validateBody<GroupUpdateBody>("GroupUpdate", req.body);
      const updated = await write(res, async ({ directory: tx, principal, audit }) => {
        const group = await tx.groups.get(principal.organizationId, param(req, "id"), { lock: true });
        refuseScimOwned(group, "rename it");
        const before = await withCount(tx, group);
        const after = await withCount(tx, await tx.groups.update(principal.organizationId, group.id, { displayName: body.displayName }));
        await audit("group.update", { type: "group", id: group.id }, { before, after });
        return after;
      });
      res.json(updated);
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      await write(res, async ({ directory: tx, principal, audit }) => {
        const group = await tx.groups.get(principal.organizationId, param(req, "id"), { lock: true });
        refuseScimOwned(group, "delete it");
        const before = await withCount(tx, group);
        await tx.groups.remove(principal.organizationId, group.id);
        await audit("group.delete", { type: "group", id: group.id }, { before, after: null });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));

  router
    .route("/groups/:id/members")
    .get(requirePermission("users:read"), async (req, res) => {
      const query = parseMemberQuery(req);
      const organizationId = apiKeyPrincipalOf(res).organizationId;
      const group = await directory.groups.get(organizationId, param(req, "id"));
      const rows = await directory.memberships.list(organizationId, group.id, { ...query, limit: query.limit + 1 });
      const items = rows.slice(0, query.limit).map(presentMember);
      const total = await directory.memberships.count(organizationId, group.id);
      const next = rows.length > query.limit ? items[items.length - 1]?.userId : undefined;
      res.json({ items, total, limit: query.limit, ...(next ? { next } : {}) });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/groups/:id/members/:userId")
    .put(requirePermission("users:manage"), async (req, res) => {
      const { member, added } = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, param(req, "id"), { lock: true });
        const user = await tx.users.get(organizationId, param(req, "userId"));
        refuseScimOwned(group, "change its members");
        const change = await tx.memberships.add(organizationId, group.id, [user.id], undefined, { groupLocked: true });
        const member = { groupId: group.id, userId: user.id, userName: user.userName };
        if (change.added > 0) await audit("group.member.add", { type: "group", id: group.id }, { before: null, after: member, userId: user.id });
        return { member, added: change.added > 0 };
      });
      res.status(added ? 201 : 200).json(member);
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, param(req, "id"), { lock: true });
        const user = await tx.users.get(organizationId, param(req, "userId"));
        refuseScimOwned(group, "change its members");
        const change = await tx.memberships.remove(organizationId, group.id, [user.id], undefined, { groupLocked: true });
        if (change.removed === 0) throw new ApiError(404, "not_found", `user ${user.id} is not a member of group ${group.id}`, { groupId: group.id, userId: user.id });
        const member = { groupId: group.id, userId: user.id, userName: user.userName };
        await audit("group.member.remove", { type: "group", id: group.id }, { before: member, after: null, userId: user.id });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("PUT", "DELETE"));
}
