/**
 * Resources the product registers (DESIGN.md, Resource): `(type, id, workspace, Space or none, owner, sharing)`.
 * The product names a resource by its own id; each registration replaces the previous one whole (PUT).
 * Everything is checked before anything is written, so a refused request changes nothing.
 */
import { DomainError, notFound } from "../../directory/domain-error.js";
import { isUuid } from "../../directory/validation.js";
import { deleteResource, existingPrincipals, upsertResource, type ResourceRecord } from "../../store/access.repository.js";
import { classifyDatabaseError, type Db } from "../../store/db.js";
import { findSpace } from "../../store/spaces.repository.js";
import { findWorkspace } from "../../store/workspaces.repository.js";
import type { ShareFact } from "../facts.js";
import type { Policy } from "../policy.types.js";

export type { ResourceRecord };

export interface ResourceInput {
  workspaceId: string;
  spaceId?: string | null;
  ownerUserId?: string | null;
  shares?: ShareFact[];
}

export const MAX_SHARES = 1_000;
const EXTERNAL_ID = /^[\x21-\x7e]{1,256}$/;

const invalid = (message: string, field: string): DomainError => new DomainError("invalid_value", message, { field });

export function validateResourceRef(policy: Policy, type: string, externalId: string): void {
  if (!policy.resourceTypes[type]) {
    throw new DomainError("invalid_value", `unknown resource type "${type}"; the policy defines: ${Object.keys(policy.resourceTypes).join(", ")}`, { field: "type" });
  }
  if (!EXTERNAL_ID.test(externalId)) throw invalid("a resource id is 1 to 256 visible ASCII characters", "id");
}

function checkShares(policy: Policy, shares: readonly ShareFact[]): { users: string[]; groups: string[] } {
  if (shares.length > MAX_SHARES) throw invalid(`at most ${MAX_SHARES} shares per resource`, "shares");
  const users: string[] = [];
  const groups: string[] = [];
  shares.forEach((share, index) => {
    if (!policy.shareLevels[share.level]) {
      throw invalid(`shares[${index}].level: unknown share level "${share.level}"; the policy defines: ${Object.keys(policy.shareLevels).join(", ")}`, `shares[${index}].level`);
    }
    const principal = share.principal;
    if (principal.type === "workspace") return;
    if (!isUuid(principal.id)) throw invalid(`shares[${index}].principal.id must be a ${principal.type} id (UUID)`, `shares[${index}].principal.id`);
    (principal.type === "user" ? users : groups).push(principal.id);
  });
  return { users, groups };
}

async function requireAll(db: Db, organizationId: string, table: "users" | "groups", ids: readonly string[]): Promise<void> {
  const found = await existingPrincipals(db, organizationId, table, ids);
  const absent = ids.filter((id) => !found.has(id));
  if (absent.length > 0) throw new DomainError("invalid_value", `no such ${table === "users" ? "user" : "group"} in this organization: ${absent.join(", ")}`, { field: "shares", ids: absent });
}

export function createResourceService({ db, policy }: { db: Db; policy: Policy }) {
  async function put(organizationId: string, type: string, externalId: string, input: ResourceInput): Promise<{ resource: ResourceRecord; created: boolean }> {
    validateResourceRef(policy, type, externalId);
    const def = policy.resourceTypes[type];
    // Ids are UUIDs, compared as the database stores them: lower case.
    const spaceId = input.spaceId?.toLowerCase() ?? null;
    const ownerUserId = input.ownerUserId?.toLowerCase() ?? null;
    const shares = (input.shares ?? []).map((share) =>
      share.principal.type === "workspace" ? share : { ...share, principal: { ...share.principal, id: share.principal.id.toLowerCase() } },
    );
    if (!isUuid(input.workspaceId)) throw invalid("workspaceId must be a workspace id (UUID)", "workspaceId");
    if (spaceId !== null && !isUuid(spaceId)) throw invalid("spaceId must be a Space id (UUID) or null", "spaceId");
    if (ownerUserId !== null && !isUuid(ownerUserId)) throw invalid("ownerUserId must be a user id (UUID) or null", "ownerUserId");
    if (spaceId !== null && def?.scope !== "space") throw invalid(`a ${type} is shared across the Spaces of its workspace: it takes no spaceId`, "spaceId");
    const principals = checkShares(policy, shares);
    return db.transaction(async (tx) => {
      const workspace = await findWorkspace(tx, organizationId, input.workspaceId.toLowerCase());
      if (!workspace) throw notFound("workspace", input.workspaceId);
      if (spaceId !== null) {
        const space = await findSpace(tx, organizationId, spaceId);
        if (space?.workspaceId !== workspace.id) throw invalid(`Space ${spaceId} is not a Space of workspace "${workspace.title}"`, "spaceId");
      }
      await requireAll(tx, organizationId, "users", [...principals.users, ...(ownerUserId === null ? [] : [ownerUserId])]);
      await requireAll(tx, organizationId, "groups", principals.groups);
      try {
        return await upsertResource(tx, { organizationId, type, externalId, workspaceId: workspace.id, spaceId, ownerUserId, shares });
      } catch (error) {
        // Grants name (workspace, resource): a resource someone holds a role on cannot change workspace.
        if (classifyDatabaseError(error)?.kind === "foreign_key_violation") {
          throw new DomainError("conflict", `${type} ${externalId} has grants in its current workspace; revoke them before moving it`, { type, id: externalId });
        }
        throw error;
      }
    });
  }

  async function remove(organizationId: string, type: string, externalId: string): Promise<void> {
    validateResourceRef(policy, type, externalId);
    if (!(await deleteResource(db, organizationId, { type, externalId }))) throw notFound(type, externalId);
  }

  return { put, remove };
}

export type ResourceService = ReturnType<typeof createResourceService>;
