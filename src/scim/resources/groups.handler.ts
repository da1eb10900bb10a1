import type { Request, Response } from "express";
import type { MemberChange } from "../protocol/patch/index.js";
import type { GroupRecord } from "../../directory/groups.service.js";
import type { Directory } from "../../directory/directory.js";
import { scimPrincipalOf } from "../../http/scim-auth.js";
import { applyPatch, parsePatchRequest, splitMemberOperations } from "../protocol/patch/index.js";
import { groupResourceSchema } from "../protocol/schemas.js";
import { GROUP_FILTERS } from "./filter-mapping.js";
import { startScimStream, writeGroup } from "./group-stream.js";
import { groupBodyFromScim, patchableGroup } from "./groups.mapper.js";
import { listEnvelope, listParamsOf, parseListQuery } from "./list.js";
import { changedAttributes, runWrite, type ScimDeps } from "./scim-deps.js";
import { checkIfMatch, idParam, notModified } from "./scim-http.js";
import { etagOf } from "./users.mapper.js";
import { projectionOf } from "./users.handler.js";
import { pick } from "./attributes.js";

/** Applies member deltas in order under the group's row lock; returns how many rows changed. */
async function applyMemberChanges(directory: Directory, organizationId: string, groupId: string, changes: MemberChange[]): Promise<{ added: number; removed: number }> {
  const total = { added: 0, removed: 0 };
  for (const change of changes) {
    const { memberships } = directory;
    const result =
      change.kind === "add" ? await memberships.add(organizationId, groupId, change.ids)
      : change.kind === "remove" ? await memberships.remove(organizationId, groupId, change.ids)
      : await memberships.replace(organizationId, groupId, change.kind === "replace" ? change.ids : []);
    total.added += result.added;
    total.removed += result.removed;
  }
  return total;
}

/** Only the group's own attributes (not members) go through the generic PATCH engine. */
async function patchAttributes(directory: Directory, group: GroupRecord, before: Record<string, unknown>, after: Record<string, unknown>): Promise<string[]> {
  const changed = changedAttributes(before, after);
  if (changed.length === 0) return changed;
  const body = groupBodyFromScim(after);
  await directory.groups.update(group.organizationId, group.id, { displayName: body.displayName, externalId: body.externalId, extraAttributes: body.extraAttributes });
  return changed;
}

export function createGroupHandlers(deps: ScimDeps) {
  const { baseUrl, directory } = deps;

  async function render(req: Request, res: Response, group: GroupRecord, status: number): Promise<void> {
    startScimStream(res, status, { ETag: etagOf(group.version), ...(status === 201 ? { Location: `${baseUrl}/Groups/${group.id}` } : {}) });
    await writeGroup(res, directory, group, baseUrl, projectionOf(req));
    res.end();
  }

  return {
    async create(req: Request, res: Response): Promise<void> {
      const body = groupBodyFromScim(req.body);
      const group = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const created = await dir.groups.create(principal.organizationId, { displayName: body.displayName, externalId: body.externalId, extraAttributes: body.extraAttributes, memberIds: body.memberIds ?? [], origin: "scim" });
        await audit("scim.group.created", { type: "Group", id: created.id }, { displayName: created.displayName, members: body.memberIds?.length ?? 0 });
        return created;
      });
      await render(req, res, group, 201);
    },

    async get(req: Request, res: Response): Promise<void> {
      const group = await directory.groups.get(scimPrincipalOf(res).organizationId, idParam(req));
      if (notModified(req, group.version)) {
        res.status(304).set("ETag", etagOf(group.version)).end();
        return;
      }
      await render(req, res, group, 200);
    },

    async list(req: Request, res: Response): Promise<void> {
      const key = await deps.cursorKey();
      const query = parseListQuery(listParamsOf(req), GROUP_FILTERS, key);
      const result = await directory.groups.search(scimPrincipalOf(res).organizationId, { criteria: query.criteria, sort: query.sort, page: query.page });
      const envelope = JSON.stringify({ ...listEnvelope(query, result, result.items.length, key), Resources: [] });
      startScimStream(res, 200);
      res.write(envelope.slice(0, -2));
      for (const [i, group] of result.items.entries()) {
        if (i > 0) res.write(",");
        await writeGroup(res, directory, group, baseUrl, { attributes: query.attributes, excludedAttributes: query.excludedAttributes });
      }
      res.end("]}");
    },

    /** PUT: displayName and externalId replaced; `members`, when present, applied as a delta (README). */
    async replace(req: Request, res: Response): Promise<void> {
      const body = groupBodyFromScim(req.body);
      const group = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.groups.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        const members = body.memberIds === undefined ? { added: 0, removed: 0 } : await dir.memberships.replace(principal.organizationId, current.id, body.memberIds);
        const updated = await dir.groups.update(principal.organizationId, current.id, {
          displayName: body.displayName, externalId: body.externalId, extraAttributes: { ...current.extraAttributes, ...body.extraAttributes },
        });
        await audit("scim.group.replaced", { type: "Group", id: current.id }, { displayName: updated.displayName, ...members });
        return updated;
      });
      await render(req, res, group, 200);
    },

    /** PATCH answers 204 (RFC 7644 §3.5.2 allows it) unless the client asks for attributes back. */
    async patch(req: Request, res: Response): Promise<void> {
      const { memberChanges, rest } = splitMemberOperations(parsePatchRequest(req.body));
      const group = await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.groups.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        const before = patchableGroup(current, baseUrl);
        const changed = rest.length > 0 ? await patchAttributes(dir, current, before, applyPatch(before, rest, groupResourceSchema)) : [];
        const members = await applyMemberChanges(dir, principal.organizationId, current.id, memberChanges);
        if (changed.length + members.added + members.removed > 0) {
          await audit("scim.group.patched", { type: "Group", id: current.id }, { changed, ...members });
        }
        return dir.groups.get(principal.organizationId, current.id);
      });
      const wantsBody = pick(req.query as Record<string, unknown>, "attributes") !== undefined || pick(req.query as Record<string, unknown>, "excludedAttributes") !== undefined;
      if (wantsBody) return render(req, res, group, 200);
      res.status(204).set("ETag", etagOf(group.version)).end();
    },

    async remove(req: Request, res: Response): Promise<void> {
      await runWrite(deps, res, async ({ directory: dir, principal, audit }) => {
        const current = await dir.groups.get(principal.organizationId, idParam(req), { lock: true });
        checkIfMatch(req, current.version);
        await dir.groups.remove(principal.organizationId, current.id);
        await audit("scim.group.deleted", { type: "Group", id: current.id }, { displayName: current.displayName });
      });
      res.status(204).end();
    },
  };
}
