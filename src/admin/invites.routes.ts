/**
 * Invites (issue 5, Users; seeds 002 and 003): an organization-level invite (organization roles), a per-workspace
 * invite (workspace roles) or a resource invite (a share, and Guest for a person with no workspace role), by
 * email. The person gets them at their first sign-in (acceptPendingInvites, called by the SSO pipeline).
 * Organization invites need users:manage; workspace and resource invites need members:manage in the workspace.
 */
import type { Response, Router } from "express";
import type { InviteRecord } from "../directory/invites.service.js";
import { INVITE_STATUSES } from "../directory/invites.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { oneOf, PAGING, parseListQuery, searchText, uuidText } from "./list-query.js";
import { authorOf } from "./present-people.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type InviteCreateBody } from "./schemas.js";

const LIST = { status: oneOf(INVITE_STATUSES), email: searchText, workspaceId: uuidText, ...PAGING };
const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function presentInvite(invite: InviteRecord) {
  return {
    id: invite.id,
    email: invite.email,
    status: invite.status,
    workspace: invite.workspace,
    resource: invite.resource,
    roles: invite.roles,
    createdBy: invite.createdBy,
    createdAt: invite.createdAt.toISOString(),
    expiresAt: invite.expiresAt.toISOString(),
    acceptedAt: iso(invite.acceptedAt),
    acceptedUserId: invite.acceptedUserId,
    revokedAt: iso(invite.revokedAt),
  };
}

export function mountInviteRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;
  const organizationOf = (res: Response) => apiKeyPrincipalOf(res).organizationId;

  /** Organization invites: users:manage. An invite into a workspace: members:manage there. */
  async function authorizeFor(res: Response, workspaceId: string | null): Promise<void> {
    if (workspaceId === null) return authorizer.authorize(res, "users:manage");
    return authorizer.authorize(res, "members:manage", await directory.workspaces.get(organizationOf(res), workspaceId));
  }

  router
    .route("/invites")
    .get(requirePermission("users:read"), async (req, res) => {
      const query = parseListQuery(req, LIST);
      const page = await directory.invites.list(organizationOf(res), query);
      res.json({ items: page.items.map(presentInvite), total: page.total, limit: page.limit, offset: page.offset });
    })
    .post(async (req, res) => {
      const body = validateBody<InviteCreateBody>("InviteCreate", req.body);
      const organizationId = organizationOf(res);
      const workspaceId = body.resource ? await directory.invites.workspaceOfResource(organizationId, body.resource.type, body.resource.id) : (body.workspaceId ?? null);
      await authorizeFor(res, workspaceId);
      const created = await write(res, async ({ directory: tx, audit }) => {
        const invite = presentInvite(await tx.invites.create(organizationId, { ...body, createdBy: authorOf(res) }));
        await audit("invite.create", { type: "invite", id: invite.id }, { before: null, after: invite, ...(invite.workspace ? { workspaceId: invite.workspace.id } : {}) });
        return invite;
      });
      res.status(201).location(`/admin/v1/invites/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/invites/:id")
    .get(requirePermission("users:read"), async (req, res) => {
      res.json(presentInvite(await directory.invites.get(organizationOf(res), param(req, "id"))));
    })
    .delete(async (req, res) => {
      const existing = await directory.invites.get(organizationOf(res), param(req, "id"));
      await authorizeFor(res, existing.workspace?.id ?? null);
      const revoked = await write(res, async ({ directory: tx, principal, audit }) => {
        const after = presentInvite(await tx.invites.revoke(principal.organizationId, existing.id));
        await audit("invite.revoke", { type: "invite", id: existing.id }, { before: presentInvite(existing), after, ...(after.workspace ? { workspaceId: after.workspace.id } : {}) });
        return after;
      });
      res.json(revoked);
    })
    .all(methodNotAllowed("GET", "DELETE"));
}
