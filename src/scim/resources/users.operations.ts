import type { UserRecord } from "../../directory/users.service.js";
import { applyPatch, parsePatchRequest } from "../protocol/patch/index.js";
import { userResourceSchema } from "../protocol/schemas.js";
import { isObject, pick } from "./attributes.js";
import { createDirectory, type Directory } from "../../directory/directory.js";
import { DomainError } from "../../directory/domain-error.js";
import { parseUserInput, type UserInput } from "../../directory/users.service.js";
import { changedAttributes, changeSummary, retryingConflicts, runWrite, scimAuditEvent, type RequestContext, type ScimDeps } from "./scim-deps.js";
import { checkIfMatch } from "./scim-http.js";
import { userInputFromScim, userToScim } from "./users.mapper.js";

/** Extra attributes as stored: a null means "unassigned" (RFC 7643 §2.5) and clears what was kept. */
function withoutNulls(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== null && value !== undefined));
}

/** Attributes kept in child tables: writing them takes more than the users row (see replaceUser). */
const CHILD_ATTRIBUTES = new Set(["emails", "phoneNumbers", "addresses"]);

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

  /**
   * A user's read-modify-write (PUT, PATCH). `change` turns the stored user into what to write, or null when
   * nothing changes. First optimistically: read without a lock, then one statement writes the change and its
   * audit event only if the version read is still current (2 round trips; was BEGIN, SELECT … FOR UPDATE,
   * UPDATE, INSERT, COMMIT). When another writer got in between, again under the row lock, which cannot
   * miss. If-Match is checked against the version each attempt read.
   */
  async function writeUser(context: RequestContext, id: string, ifMatch: string | undefined, action: string, change: (current: UserRecord) => UserInput | null): Promise<UserRecord> {
    const organizationId = context.principal.organizationId;
    const attempt = async (directory: Directory, locked: boolean): Promise<{ user: UserRecord; wrote: boolean } | "changed meanwhile"> => {
      const current = await directory.users.get(organizationId, id, { lock: locked });
      checkIfMatch(ifMatch, current.version);
      const input = change(current);
      if (input === null) return { user: current, wrote: false };
      const before = patchable(current, baseUrl);
      // What the stored user will look like (the service normalises input the same way), for the audit summary.
      const expected = patchable({ ...current, ...parseUserInput(input) }, baseUrl);
      const childrenUnchanged = !changedAttributes(before, expected).some((name) => CHILD_ATTRIBUTES.has(name));
      const audit = scimAuditEvent(deps, context, action, { type: "User", id: current.id }, changeSummary(before, expected));
      try {
        return { user: await directory.users.replace(organizationId, current.id, input, current.version, { audit, childrenUnchanged }), wrote: true };
      } catch (error) {
        if (!locked && error instanceof DomainError && error.code === "precondition_failed") return "changed meanwhile";
        throw error;
      }
    };
    const result = await retryingConflicts(async () => {
      const optimistic = await attempt(deps.directory, false);
      return optimistic !== "changed meanwhile" ? optimistic : deps.db.transaction((tx) => attempt(createDirectory({ db: tx }), true));
    });
    if (result === "changed meanwhile") throw new Error("a locked user write reported a concurrent change");
    if (result.wrote) await deps.afterWrite?.(organizationId);
    return result.user;
  }

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
      return writeUser(context, id, ifMatch, "scim.user.replaced", (current) => {
        const extraAttributes = withoutNulls({ ...current.extraAttributes, ...input.extraAttributes });
        // A profile PUT that leaves out `active` must not quietly re-enable a deactivated user.
        const active = isObject(body) && pick(body, "active") === undefined ? current.active : input.active;
        return { ...input, active, extraAttributes };
      });
    },

    patch(context: RequestContext, id: string, body: unknown, ifMatch?: string): Promise<UserRecord> {
      const operations = parsePatchRequest(body);
      return writeUser(context, id, ifMatch, "scim.user.patched", (current) => {
        const before = patchable(current, baseUrl);
        const after = applyPatch(before, operations, userResourceSchema);
        if (changedAttributes(before, after).length === 0) return null;
        const input = userInputFromScim(after);
        return { ...input, extraAttributes: withoutNulls(input.extraAttributes ?? {}) };
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
