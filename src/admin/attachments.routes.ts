/**
 * Space attachments from both sides (issue 5): `/spaces/{id}/groups/{groupId}` and `/groups/{id}/spaces/{spaceId}`
 * are one resource, a (group, Space) row, read through the same query — so the two views always agree.
 */
import type { Request, RequestHandler, Router } from "express";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { workspaceOfSpaceParam, type AdminRouteDeps } from "./admin-deps.js";
import { presentAttachment } from "./present.js";
import { methodNotAllowed, param } from "./route-helpers.js";
import { authorOf } from "./admin-auth.js";

type Pair = (req: Request) => { groupId: string; spaceId: string };

const fromSpaceSide: Pair = (req) => ({ spaceId: param(req, "id"), groupId: param(req, "groupId") });
const fromGroupSide: Pair = (req) => ({ groupId: param(req, "id"), spaceId: param(req, "spaceId") });

export function mountAttachmentRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;

  /** Attaching again changes nothing: 200 with the attachment and no audit event; a new one is 201. */
  const attach =
    (pair: Pair): RequestHandler =>
    async (req, res) => {
      const { groupId, spaceId } = pair(req);
      const { attachment, created } = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, groupId);
        const existing = (await tx.attachments.listForGroup(organizationId, group.id)).find((row) => row.spaceId === spaceId.toLowerCase());
        if (existing) return { attachment: presentAttachment(existing), created: false };
        const after = presentAttachment(await tx.attachments.attach(organizationId, group.id, spaceId, authorOf(res)));
        await audit("space.group.attach", { type: "space", id: after.spaceId }, { before: null, after, groupId: after.groupId, workspaceId: after.workspaceId });
        return { attachment: after, created: true };
      });
      res.status(created ? 201 : 200).json(attachment);
    };

  const detach =
    (pair: Pair): RequestHandler =>
    async (req, res) => {
      const { groupId, spaceId } = pair(req);
      await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const group = await tx.groups.get(organizationId, groupId);
        const before = (await tx.attachments.listForGroup(organizationId, group.id)).find((row) => row.spaceId === spaceId.toLowerCase());
        await tx.attachments.detach(organizationId, group.id, spaceId);
        const summary = before ? presentAttachment(before) : null;
        await audit("space.group.detach", { type: "space", id: spaceId.toLowerCase() }, { before: summary, after: null, groupId: group.id, workspaceId: summary?.workspaceId });
      });
      res.status(204).end();
    };

  const spaceWorkspace = workspaceOfSpaceParam(directory);
  const pairedSpaceWorkspace = workspaceOfSpaceParam(directory, "spaceId");

  router
    .route("/spaces/:id/groups")
    .get(requirePermission("members:list", spaceWorkspace), async (req, res) => {
      const items = await directory.attachments.listForSpace(apiKeyPrincipalOf(res).organizationId, param(req, "id"));
      res.json({ items: items.map(presentAttachment), total: items.length });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/spaces/:id/groups/:groupId")
    .put(requirePermission("members:manage", spaceWorkspace), attach(fromSpaceSide))
    .delete(requirePermission("members:manage", spaceWorkspace), detach(fromSpaceSide))
    .all(methodNotAllowed("PUT", "DELETE"));

  router
    .route("/groups/:id/spaces")
    .get(requirePermission("users:read"), async (req, res) => {
      const items = await directory.attachments.listForGroup(apiKeyPrincipalOf(res).organizationId, param(req, "id"));
      res.json({ items: items.map(presentAttachment), total: items.length });
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/groups/:id/spaces/:spaceId")
    .put(requirePermission("members:manage", pairedSpaceWorkspace), attach(fromGroupSide))
    .delete(requirePermission("members:manage", pairedSpaceWorkspace), detach(fromGroupSide))
    .all(methodNotAllowed("PUT", "DELETE"));
}
