import type { Directory } from "../../directory/directory.js";
import type { GroupRecord } from "../../directory/groups.service.js";
import { applyPatch, parsePatchRequest, splitMemberOperations, type MemberChange } from "../protocol/patch/index.js";
import { groupResourceSchema } from "../protocol/schemas.js";
import { groupBodyFromScim, patchableGroup } from "./groups.mapper.js";
import { changeSummary, retryingConflicts, runWrite, scimAuditEvent, type RequestContext, type ScimDeps } from "./scim-deps.js";
import { checkIfMatch } from "./scim-http.js";

/** Applies member deltas in order (under the group's row lock); returns how many rows changed. */
async function applyMemberChanges(directory: Directory, organizationId: string, groupId: string, changes: MemberChange[]): Promise<{ added: number; removed: number }> {
  const total = { added: 0, removed: 0 };
  for (const change of changes) {
    const { memberships } = directory;
    // The caller holds the group's row lock already (groups.get with lock, same transaction).
    const locked = { groupLocked: true };
    const result =
      change.kind === "add" ? await memberships.add(organizationId, groupId, change.ids, undefined, locked)
      : change.kind === "remove" ? await memberships.remove(organizationId, groupId, change.ids, undefined, locked)
      : await memberships.replace(organizationId, groupId, change.kind === "replace" ? change.ids : [], undefined, locked);
    total.added += result.added;
    total.removed += result.removed;
  }
  return total;
}

/** Only the group's own attributes (not members) go through the generic PATCH engine. */
async function patchAttributes(directory: Directory, group: GroupRecord, before: Record<string, unknown>, after: Record<string, unknown>): Promise<Record<string, unknown> & { changed: string[] }> {
  const summary = changeSummary(before, after) as Record<string, unknown> & { changed: string[] };
  if (summary.changed.length === 0) return summary;
  const body = groupBodyFromScim(after);
  await directory.groups.update(group.organizationId, group.id, { displayName: body.displayName, externalId: body.externalId, extraAttributes: body.extraAttributes });
  return summary;
}

/** Group writes, independent of HTTP: the /Groups handlers and /Bulk both call these. */
export function createGroupOperations(deps: ScimDeps) {
  const { baseUrl } = deps;
  return {
    create(context: RequestContext, raw: unknown): Promise<GroupRecord> {
      const body = groupBodyFromScim(raw);
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const created = await directory.groups.create(principal.organizationId, { displayName: body.displayName, externalId: body.externalId, extraAttributes: body.extraAttributes, memberIds: body.memberIds ?? [], origin: "scim" });
        await audit("scim.group.created", { type: "Group", id: created.id }, { displayName: created.displayName, members: body.memberIds?.length ?? 0 });
        return created;
      });
    },

    /** PUT: displayName and externalId replaced; `members`, when present, applied as a delta (README). */
    replace(context: RequestContext, id: string, raw: unknown, ifMatch?: string): Promise<GroupRecord> {
      const body = groupBodyFromScim(raw);
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const current = await directory.groups.get(principal.organizationId, id, { lock: true });
        checkIfMatch(ifMatch, current.version);
        const members = body.memberIds === undefined ? { added: 0, removed: 0 } : await directory.memberships.replace(principal.organizationId, current.id, body.memberIds);
        const extraAttributes = { ...current.extraAttributes, ...body.extraAttributes };
        const updated = await directory.groups.update(principal.organizationId, current.id, { displayName: body.displayName, externalId: body.externalId, extraAttributes });
        await audit("scim.group.replaced", { type: "Group", id: current.id }, { displayName: updated.displayName, ...members });
        return updated;
      });
    },

    /** Member operations become SQL deltas; the rest goes through the PATCH engine. All in one transaction. */
    async patch(context: RequestContext, id: string, raw: unknown, ifMatch?: string): Promise<GroupRecord> {
      const { memberChanges, rest } = splitMemberOperations(parsePatchRequest(raw));
      const [only] = memberChanges;
      // What identity providers send nearly always: one add or one remove of members, no If-Match. That is
      // one statement (group lock, delta, version, audit) instead of a transaction of six round trips.
      if (rest.length === 0 && memberChanges.length === 1 && only && (only.kind === "add" || only.kind === "remove") && !ifMatch) {
        const delta = { kind: only.kind, ids: only.ids };
        const audit = scimAuditEvent(deps, context, "scim.group.patched", { type: "Group", id }, { changed: [] });
        const { group, added, removed } = await retryingConflicts(() => deps.directory.memberships.changeAudited(context.principal.organizationId, id, delta, audit));
        if (added + removed > 0) await deps.afterWrite?.(context.principal.organizationId);
        return group;
      }
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const current = await directory.groups.get(principal.organizationId, id, { lock: true });
        checkIfMatch(ifMatch, current.version);
        const before = patchableGroup(current, baseUrl);
        const attributes = rest.length > 0 ? await patchAttributes(directory, current, before, applyPatch(before, rest, groupResourceSchema)) : { changed: [] };
        const members = await applyMemberChanges(directory, principal.organizationId, current.id, memberChanges);
        if (attributes.changed.length + members.added + members.removed === 0) return current;
        await audit("scim.group.patched", { type: "Group", id: current.id }, { ...attributes, ...members });
        return directory.groups.get(principal.organizationId, current.id);
      });
    },

    remove(context: RequestContext, id: string, ifMatch?: string): Promise<void> {
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const current = await directory.groups.get(principal.organizationId, id, { lock: true });
        checkIfMatch(ifMatch, current.version);
        await directory.groups.remove(principal.organizationId, current.id);
        await audit("scim.group.deleted", { type: "Group", id: current.id }, { displayName: current.displayName });
      });
    },
  };
}

export type GroupOperations = ReturnType<typeof createGroupOperations>;
