/**
 * Workspaces (issue 5): create, rename, turn Spaces on or off, set audit retention, list with search, sort and
 * paging; delete (owner-only).
 */
import type { Request, Router } from "express";
import type { WorkspaceListQuery } from "../directory/workspaces.service.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { workspaceOfParam, type AdminRouteDeps } from "./admin-deps.js";
import { presentWorkspace } from "./present.js";
import { invalidRequest, methodNotAllowed, param } from "./route-helpers.js";
import { validateBody, type WorkspaceCreateBody, type WorkspaceUpdateBody } from "./schemas.js";

const LIST_PARAMETERS = new Set(["q", "sort", "order", "limit", "offset"]);
const SORTS: Record<string, WorkspaceListQuery["sort"]> = { title: "title", created: "createdAt" };

function integerParameter(value: string, name: string, problems: string[]): number | undefined {
  if (/^\d{1,9}$/.test(value)) return Number(value);
  problems.push(`${name}: must be a non-negative integer`);
  return undefined;
}

/** `?q=&sort=title|created&order=asc|desc&limit=&offset=`, every problem reported at once. */
export function parseWorkspaceListQuery(req: Request): WorkspaceListQuery {
  const problems: string[] = [];
  const query: WorkspaceListQuery = {};
  for (const [name, raw] of Object.entries(req.query)) {
    if (!LIST_PARAMETERS.has(name)) {
      problems.push(`${name}: unknown query parameter (use ${[...LIST_PARAMETERS].join(", ")})`);
      continue;
    }
    if (typeof raw !== "string") {
      problems.push(`${name}: give it once, as a single value`);
      continue;
    }
    if (name === "q") {
      if (raw.length > 200) problems.push("q: must be at most 200 characters");
      else query.search = raw;
    } else if (name === "sort") {
      if (SORTS[raw]) query.sort = SORTS[raw];
      else problems.push("sort: must be title or created");
    } else if (name === "order") {
      if (raw === "asc" || raw === "desc") query.order = raw;
      else problems.push("order: must be asc or desc");
    } else {
      const value = integerParameter(raw, name, problems);
      if (value !== undefined) query[name as "limit" | "offset"] = value;
    }
  }
  if (problems.length > 0) throw invalidRequest(problems);
  return query;
}

export function mountWorkspaceRoutes(router: Router, { directory, write, authorizer }: AdminRouteDeps): void {
  const { requirePermission } = authorizer;
  const workspaceOf = workspaceOfParam(directory);

  router
    .route("/workspaces")
    .get(requirePermission("organization:read"), async (req, res) => {
      const query = parseWorkspaceListQuery(req);
      const page = await directory.workspaces.list(apiKeyPrincipalOf(res).organizationId, query);
      res.json({ items: page.items.map(presentWorkspace), total: page.total, limit: page.limit, offset: page.offset });
    })
    .post(requirePermission("workspaces:manage"), async (req, res) => {
      const body = validateBody<WorkspaceCreateBody>("WorkspaceCreate", req.body);
      const created = await write(res, async ({ directory: tx, principal, audit }) => {
        const workspace = presentWorkspace(await tx.workspaces.create(principal.organizationId, body));
        await audit("workspace.create", { type: "workspace", id: workspace.id }, { before: null, after: workspace });
        return workspace;
      });
      res.status(201).location(`/admin/v1/workspaces/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/workspaces/:id")
    .get(requirePermission("workspace:read", workspaceOf), async (req, res) => {
      res.json(presentWorkspace(await directory.workspaces.get(apiKeyPrincipalOf(res).organizationId, param(req, "id"))));
    })
    .patch(requirePermission("workspace:manage", workspaceOf), async (req, res) => {
      const body = validateBody<WorkspaceUpdateBody>("WorkspaceUpdate", req.body);
      // Turning Spaces on or off is an organization-level feature switch ("workspaces:manage").
      if (body.spacesEnabled !== undefined) await authorizer.authorize(res, "workspaces:manage");
      const updated = await write(res, async ({ directory: tx, principal, audit }) => {
        const organizationId = principal.organizationId;
        const before = presentWorkspace(await tx.workspaces.get(organizationId, param(req, "id")));
        if (body.title !== undefined) await tx.workspaces.rename(organizationId, before.id, body.title);
        if (body.spacesEnabled !== undefined) await tx.workspaces.setSpacesEnabled(organizationId, before.id, body.spacesEnabled);
        if (body.auditRetentionDays !== undefined) await tx.workspaces.setAuditRetention(organizationId, before.id, body.auditRetentionDays);
        const after = presentWorkspace(await tx.workspaces.get(organizationId, before.id));
        await audit("workspace.update", { type: "workspace", id: before.id }, { before, after });
        return after;
      });
      res.json(updated);
    })
    .delete(requirePermission("workspace:delete", workspaceOf), async (req, res) => {
      await write(res, async ({ directory: tx, principal, audit }) => {
        const before = presentWorkspace(await tx.workspaces.get(principal.organizationId, param(req, "id")));
        await tx.workspaces.remove(principal.organizationId, before.id);
        await audit("workspace.delete", { type: "workspace", id: before.id }, { before, after: null });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));
}
