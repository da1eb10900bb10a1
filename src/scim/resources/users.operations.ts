import type { UserRecord } from "../../directory/users.service.js";
import { applyPatch, parsePatchRequest } from "../protocol/patch/index.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { isObject, pick } from "./attributes.js";
import { changedAttributes, changeSummary, runWrite, scimAuditEvent, type RequestContext, type ScimDeps } from "./scim-deps.js";
import { checkIfMatch } from "./scim-http.js";
import { userInputFromScim, userToScim } from "./users.mapper.js";

/** Extra attributes as stored: a null means "unassigned" (RFC 7643 §2.5) and clears what was kept. */
function withoutNulls(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== null && value !== undefined));
}

/** The representation PATCH works on: what the client may see and write, without readOnly extras. */
function patchable(user: UserRecord, baseUrl: string): Record<string, unknown> {
  const { meta: _meta, groups: _groups, ...rest } = userToScim(user, { baseUrl });
  return rest;
}

/**
 * User writes, independent of HTTP: the /Users handlers and /Bulk both call these. `ifMatch` is the
 * If-Match header (or a bulk operation's `version`), checked under the row lock.
 */
export function createUserOperations(deps: ScimDeps) {
  const { baseUrl } = deps;
  return {
    /**
     * The hot path of provisioning: the user, its children and the audit event are one statement
     * (`insertUser`), so there is no transaction to open or retry. A new user has no memberships or grants:
     * nothing of the access version changes, so the engine has nothing to learn (no afterWrite).
     */
    create(context: RequestContext, body: unknown): Promise<UserRecord> {
      const input = userInputFromScim(body);
      const details = { userName: input.userName.trim(), active: input.active ?? true };
      const audit = scimAuditEvent(deps, context, "scim.user.created", { type: "User", id: null }, details);
      return deps.directory.users.create(context.principal.organizationId, { ...input, extraAttributes: withoutNulls(input.extraAttributes ?? {}) }, { audit });
    },

    /** PUT: attributes kept without modelling, and `active`, survive a PUT that does not mention them (README). */
    replace(context: RequestContext, id: string, body: unknown, ifMatch?: string): Promise<UserRecord> {
      const input = userInputFromScim(body);
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const current = await directory.users.get(principal.organizationId, id, { lock: true });
        checkIfMatch(ifMatch, current.version);
        const extraAttributes = withoutNulls({ ...current.extraAttributes, ...input.extraAttributes });
        // A profile PUT that leaves out `active` must not quietly re-enable a deactivated user.
        const active = isObject(body) && pick(body, "active") === undefined ? current.active : input.active;
        const replaced = await directory.users.replace(principal.organizationId, current.id, { ...input, active, extraAttributes }, current.version);
        await audit("scim.user.replaced", { type: "User", id: current.id }, changeSummary(patchable(current, baseUrl), patchable(replaced, baseUrl)));
        return replaced;
      });
    },

    patch(context: RequestContext, id: string, body: unknown, ifMatch?: string): Promise<UserRecord> {
      const operations = parsePatchRequest(body);
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const current = await directory.users.get(principal.organizationId, id, { lock: true });
        checkIfMatch(ifMatch, current.version);
        const before = patchable(current, baseUrl);
        const after = applyPatch(before, operations, userResourceSchema);
        const changed = changedAttributes(before, after);
        if (changed.length === 0) return current;
        const input = userInputFromScim(after);
        const patched = await directory.users.replace(principal.organizationId, current.id, { ...input, extraAttributes: withoutNulls(input.extraAttributes ?? {}) }, current.version);
        await audit("scim.user.patched", { type: "User", id: current.id }, changeSummary(before, patchable(patched, baseUrl)));
        return patched;
      });
    },

    remove(context: RequestContext, id: string, ifMatch?: string): Promise<void> {
      return runWrite(deps, context, async ({ directory, principal, audit }) => {
        const removed = await directory.users.remove(principal.organizationId, id, (current) => checkIfMatch(ifMatch, current.version));
        await audit("scim.user.deleted", { type: "User", id: removed.id }, { userName: removed.userName });
      });
    },
  };
}

export type UserOperations = ReturnType<typeof createUserOperations>;
