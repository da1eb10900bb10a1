/**
 * People (issue 5, Users; seed 002): the organization's users and one workspace's "tab", each with their roles
 * and where every role comes from; direct roles (several, additive; source manual:<API key id>); removing a
 * person from a workspace (their admin-given grants there, then what access remains and why) or from the
 * organization (people the IdP owns keep existing: only their admin-given grants go). Owners are refused:
 * ownership changes only by transfer.
 */
import type { Request, Response, Router } from "express";
import type { Policy } from "../access/policy.types.js";
import type { Directory } from "../directory/directory.js";
import { DomainError } from "../directory/domain-error.js";
import type { GrantRoleInput } from "../directory/grants.service.js";
import type { PersonRole } from "../directory/people.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { workspaceOfParam, type AdminRouteDeps } from "./admin-deps.js";
import { PAGING, parseListQuery, searchText } from "./list-query.js";
import { presentGrant } from "./present-access.js";
import { authorOf, presentPerson, remainingAccess } from "./present-people.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type UserRoleAddBody } from "./schemas.js";

const LIST = { q: searchText, ...PAGING };
const ADMIN_SOURCE = /^(manual|invite):/;
const transferFirst = (what: string, details: Record<string, unknown>) =>
  new DomainError("conflict", `${what} holds an Owner role: transfer ownership first (ownership changes only by transfer)`, details);

/** Whether the role named is an owner role of the policy (a custom role never is). */
async function isOwnerRole(directory: Directory, policy: Policy, organizationId: string, role: GrantRoleInput): Promise<boolean> {
  if ("key" in role) return policy.roles[role.key]?.owner === true;
  const found = await directory.roles.get(organizationId, role.id);
  return found.builtIn && policy.roles[found.key ?? ""]?.owner === true;
}

function listQuery(req: Request) {
  const { q, limit, offset } = parseListQuery(req, LIST) as { q?: string; limit?: number; offset?: number };
  return { ...(q === undefined ? {} : { search: q }), ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) };
}

export function mountUserRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps, policy: Policy): void {
  const { requirePermission } = authorizer;
  const organizationOf = (res: Response) => apiKeyPrincipalOf(res).organizationId;

  /** Seed 003: a workspace's Admins edit its users' roles (members:manage there); organization roles need users:manage. */
  async function authorizeRoleChange(res: Response, workspaceId: string | null): Promise<void> {
    if (workspaceId === null) return authorizer.authorize(res, "users:manage");
    return authorizer.authorize(res, "members:manage", await directory.workspaces.get(organizationOf(res), workspaceId));
  }

  router
    .route("/users")
    .get(requirePermission("users:read"), async (req, res) => {
      const page = await directory.people.list(organizationOf(res), listQuery(req));
      res.json({ ...page, items: page.items.map(presentPerson) });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/users/:id")
    .get(requirePermission("users:read"), async (req, res) => {
      const person = await directory.people.get(organizationOf(res), param(req, "id"));
      res.json({ ...presentPerson(person), groups: person.groups.map((g) => ({ ...g, override: g.override && { ...g.override, createdAt: g.override.createdAt.toISOString() } })) });
    })
    .delete(requirePermission("users:manage"), async (req, res) => {
      const answer = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const before = await tx.people.get(organizationId, param(req, "id"));
        const owned = await tx.people.ownerships(organizationId, before.id);
        if (owned.length > 0) throw transferFirst(`user ${before.userName}`, { grants: owned });
        if (before.origin === "scim" || before.origin === "sso") {
          const removedGrantIds = await tx.people.removeAdminGrants(organizationId, before.id, null);
          const after = await tx.people.get(organizationId, before.id);
          if (removedGrantIds.length > 0) await audit("user.grants.remove", { type: "user", id: before.id }, { before: presentPerson(before), after: presentPerson(after), removedGrantIds });
          return {
            deleted: false,
            removedGrantIds,
            message: `${before.userName} exists because the identity provider (${before.origin}) says so: their admin-given roles were removed; deactivate or unassign them in the identity provider to remove them`,
            user: presentPerson(after),
          };
        }
        await tx.users.remove(organizationId, before.id);
        await audit("user.delete", { type: "user", id: before.id }, { before: presentPerson(before), after: null });
        return { deleted: true, removedGrantIds: [...before.organizationRoles, ...before.workspaceRoles].flatMap((r) => r.reasons.filter((x) => x.kind === "direct").map((x) => x.grantId)), message: `${before.userName} was deleted` };
      });
      res.json(answer);
    })
    .all(methodNotAllowed("GET", "DELETE"));

  const workspaceOf = workspaceOfParam(directory);
  router
    .route("/workspaces/:id/users")
    .get(requirePermission("members:list", workspaceOf), async (req, res) => {
      const organizationId = organizationOf(res);
      const workspace = await directory.workspaces.get(organizationId, param(req, "id"));
      const page = await directory.people.list(organizationId, { ...listQuery(req), workspace });
      res.json({ ...page, workspace: { id: workspace.id, title: workspace.title }, items: page.items.map(presentPerson) });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/workspaces/:id/users/:userId")
    .delete(requirePermission("members:manage", workspaceOf), async (req, res) => {
      const answer = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const workspace = await tx.workspaces.get(organizationId, param(req, "id"));
        const person = await tx.people.person(organizationId, param(req, "userId"));
        const owned = await tx.people.ownerships(organizationId, person.id, workspace.id);
        if (owned.length > 0) throw transferFirst(`user ${person.userName} in workspace "${workspace.title}"`, { grants: owned });
        const before: PersonRole[] = await tx.people.accessIn(organizationId, person.id, workspace);
        const removedGrantIds = await tx.people.removeAdminGrants(organizationId, person.id, workspace.id);
        const after = await tx.people.accessIn(organizationId, person.id, workspace);
        if (removedGrantIds.length > 0) {
          await audit("workspace.user.remove", { type: "user", id: person.id }, { workspaceId: workspace.id, before, after, removedGrantIds });
        }
        return { user: { id: person.id, userName: person.userName }, workspace: { id: workspace.id, title: workspace.title }, removedGrantIds, ...remainingAccess(person.id, after) };
      });
      res.json(answer);
    })
    .all(methodNotAllowed("DELETE"));

  router
    .route("/users/:id/roles")
    .post(async (req, res) => {
      const body = validateBody<UserRoleAddBody>("UserRoleAdd", req.body);
      const organizationId = organizationOf(res);
      await authorizeRoleChange(res, body.workspaceId ?? null);
      if (await isOwnerRole(directory, policy, organizationId, body.role)) {
        throw new DomainError("conflict", "ownership changes only by transfer: an Owner role cannot be granted directly", { role: body.role });
      }
      const scope = body.workspaceId === undefined ? { type: "organization" as const } : { type: "workspace" as const, workspaceId: body.workspaceId };
      const result = await write(res, async ({ directory: tx, principal: key, audit }) => {
        const user = await tx.users.get(organizationId, param(req, "id"));
        const principal = { type: "user" as const, id: user.id };
        const existing = new Set((await tx.grants.list(organizationId, { principal })).map((row) => row.id));
        const after = presentGrant(await tx.grants.grant(organizationId, { principal, role: body.role, scope, source: `manual:${key.keyId}`, createdBy: authorOf(res) }));
        if (existing.has(after.id)) return { grant: after, created: false };
        await audit("user.role.grant", { type: "user", id: user.id }, { before: null, after, ...(body.workspaceId ? { workspaceId: body.workspaceId } : {}) });
        return { grant: after, created: true };
      });
      res.status(result.created ? 201 : 200).json(result.grant);
    })
    .all(methodNotAllowed("POST"));

  router
    .route("/users/:id/roles/:grantId")
    .delete(async (req, res) => {
      const organizationId = organizationOf(res);
      const user = await directory.users.get(organizationId, param(req, "id"));
      const grant = await directory.grants.get(organizationId, param(req, "grantId"));
      if (grant.principal.type !== "user" || grant.principal.id !== user.id) throw new DomainError("not_found", `grant ${grant.id} is not a role of user ${user.id}`, { id: grant.id });
      await authorizeRoleChange(res, grant.scope.type === "organization" ? null : grant.scope.workspaceId);
      if (grant.role.builtIn && policy.roles[grant.role.key ?? ""]?.owner) throw transferFirst(`user ${user.userName}`, { grantId: grant.id });
      if (!ADMIN_SOURCE.test(grant.source)) {
        throw new DomainError("conflict", `this role comes from ${grant.source}, which owns it and would give it back: change it there (or override the group membership)`, { source: grant.source });
      }
      await write(res, async ({ directory: tx, principal, audit }) => {
        const before = presentGrant(await tx.grants.get(principal.organizationId, grant.id));
        await tx.grants.revoke(principal.organizationId, before.id);
        await audit("user.role.revoke", { type: "user", id: user.id }, { before, after: null, ...(before.scope.type === "organization" ? {} : { workspaceId: before.scope.workspaceId }) });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("DELETE"));
}
