/**
 * Ownership (issue 5; seed 002): exactly one Owner per organization and per workspace, changed only by a
 * transfer. transferOwnership() is the one way: the Admin API route (a signed-in Owner, once the SSO issue
 * gives people sessions) and the break-glass CLI both call it. The rules are in src/admin/README.md.
 */
import { defaultPolicy } from "../access/index.js";
import type { Level, Policy } from "../access/policy.types.js";
import { insertAuditEvent } from "../store/audit.repository.js";
import type { Db } from "../store/db.js";
import {
  beginOwnershipChange,
  builtInRoleId,
  endOwnershipChange,
  findMember,
  findOwner,
  findWorkspace,
  insertSystemGrant,
  listOwners,
  listWorkspaceTitles,
  lockOrganization,
  markOwnerRoles,
  moveOwner,
  type Member,
  type OwnedScope,
  type OwnerRow,
} from "../store/ownership.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid } from "./validation.js";

/** Who transfers: the current Owner (a person), or an operator at the CLI (break-glass, with a reason). */
export type OwnershipActor =
  | { type: "user"; userId: string; requestId?: string | null }
  | { type: "cli"; osUser: string; reason: string };

export interface TransferInput {
  organizationId: string;
  /** Omitted or null: the organization's ownership. */
  workspaceId?: string | null;
  /** The current Owner, for a person's transfer; ignored (null) for the break-glass CLI. */
  fromUserId: string | null;
  toUserId: string;
  /** A person's transfer repeats the organization's name (or the workspace's title) to confirm it. */
  confirm?: string;
  actor: OwnershipActor;
}

export interface OwnerRef {
  id: string;
  userName: string;
}

export interface TransferResult {
  scope: { type: "organization"; organizationId: string } | { type: "workspace"; workspaceId: string; title: string };
  owner: OwnerRef;
  previousOwner: OwnerRef | null;
  /** The role the former Owner keeps (seed 002: the former Owner stays an Admin), or null when there was none. */
  previousOwnerKeeps: { key: string; name: string } | null;
}

/** The policy's owner role and the admin role a former Owner keeps, at one level. */
function rolesAt(policy: Policy, level: Level): { owner: string; admin: string | null } {
  const roles = Object.values(policy.roles).filter((role) => role.level === level);
  const owner = roles.find((role) => role.owner);
  if (!owner) throw new DomainError("precondition_failed", `policy ${policy.name} has no ${level} owner role`);
  const admin = roles.find((role) => role.id === `${level}.admin`) ?? null;
  return { owner: owner.id, admin: admin?.id ?? null };
}

export const ownerRoleKeys = (policy: Policy): string[] => Object.values(policy.roles).filter((role) => role.owner).map((role) => role.id);

const ref = (row: { userId?: string; id?: string; userName: string }): OwnerRef => ({ id: row.userId ?? row.id ?? "", userName: row.userName });

/** A person's transfer: a fresh confirmation, by the current Owner (for an unowned workspace: the organization's Owner). */
async function checkPersonalTransfer(db: Db, input: TransferInput, scope: OwnedScope, current: OwnerRow | null): Promise<void> {
  if (input.actor.type !== "user") return;
  const what = input.workspaceId ? "workspace's title" : "organization's name";
  if (typeof input.confirm !== "string" || input.confirm.trim() !== scope.name) {
    throw new DomainError("invalid_value", `confirm must repeat the ${what} exactly, "${scope.name}"`, { field: "confirm" });
  }
  const owner = current ?? (input.workspaceId ? await findOwner(db, input.organizationId, null) : null);
  if (input.fromUserId !== input.actor.userId || owner === null || owner.userId !== input.fromUserId) {
    throw new DomainError("forbidden", "only the current Owner may transfer ownership", { permission: input.workspaceId ? "workspace:transfer" : "organization:transfer" });
  }
}

async function newOwner(db: Db, input: TransferInput, current: OwnerRow | null): Promise<Member> {
  const to = isUuid(input.toUserId) ? await findMember(db, input.organizationId, input.toUserId.toLowerCase(), true) : null;
  if (!to) throw notFound("user", input.toUserId);
  if (!to.active) throw new DomainError("conflict", `${to.userName} is deactivated: ownership goes only to an active member`, { userId: to.id });
  if (current?.userId === to.id) throw new DomainError("conflict", `${to.userName} is already the Owner`, { userId: to.id });
  return to;
}

async function audit(db: Db, input: TransferInput, result: TransferResult): Promise<void> {
  const { actor } = input;
  const target = result.scope.type === "organization" ? { type: "organization", id: input.organizationId } : { type: "workspace", id: result.scope.workspaceId };
  await insertAuditEvent(db, {
    organizationId: input.organizationId,
    actorType: actor.type,
    actorId: actor.type === "user" ? actor.userId : actor.osUser,
    action: actor.type === "cli" ? "ownership.break_glass_transfer" : "ownership.transfer",
    targetType: target.type,
    targetId: target.id,
    requestId: actor.type === "user" ? (actor.requestId ?? null) : null,
    workspaceId: input.workspaceId ?? null,
    details: {
      ...(input.workspaceId ? { workspaceId: input.workspaceId } : {}),
      before: { owner: result.previousOwner },
      after: { owner: result.owner },
      previousOwnerKeeps: result.previousOwnerKeeps?.key ?? null,
      ...(actor.type === "cli" ? { breakGlass: true, reason: actor.reason, osUser: actor.osUser } : {}),
    },
  });
}

/** Hands the organization's (or one workspace's) ownership to `toUserId`, with its audit event, in one transaction. */
export async function transferOwnership(db: Db, input: TransferInput, policy: Policy = defaultPolicy()): Promise<TransferResult> {
  if (!isUuid(input.organizationId)) throw notFound("organization", input.organizationId);
  if (input.workspaceId !== undefined && input.workspaceId !== null && !isUuid(input.workspaceId)) throw notFound("workspace", input.workspaceId);
  const workspaceId = input.workspaceId?.toLowerCase() ?? null;
  const roles = rolesAt(policy, workspaceId ? "workspace" : "organization");
  return db.transaction(async (tx) => {
    const organization = await lockOrganization(tx, input.organizationId);
    if (!organization) throw notFound("organization", input.organizationId);
    const workspace = workspaceId ? await findWorkspace(tx, organization.id, workspaceId) : null;
    if (workspaceId && !workspace) throw notFound("workspace", workspaceId);
    await markOwnerRoles(tx, ownerRoleKeys(policy));
    const current = await findOwner(tx, organization.id, workspaceId);
    await checkPersonalTransfer(tx, { ...input, workspaceId }, workspace ?? organization, current);
    const to = await newOwner(tx, input, current);
    const createdBy = input.actor.type === "cli" ? `cli:${input.actor.osUser}` : `user:${input.actor.userId}`;
    const adminRoleId = roles.admin === null ? null : await builtInRoleId(tx, roles.admin);

    await beginOwnershipChange(tx);
    if (current) {
      await moveOwner(tx, current.grantId, to.id, createdBy);
      if (adminRoleId) await insertSystemGrant(tx, organization.id, { userId: current.userId, roleId: adminRoleId, workspaceId, createdBy });
    } else {
      const ownerRoleId = await builtInRoleId(tx, roles.owner);
      if (!ownerRoleId) throw new DomainError("precondition_failed", `built-in role ${roles.owner} is not installed`);
      await insertSystemGrant(tx, organization.id, { userId: to.id, roleId: ownerRoleId, workspaceId, createdBy });
    }
    await endOwnershipChange(tx);

    const kept = current && roles.admin && adminRoleId ? { key: roles.admin, name: policy.roles[roles.admin]?.name ?? roles.admin } : null;
    const result: TransferResult = {
      scope: workspace ? { type: "workspace", workspaceId: workspace.id, title: workspace.name } : { type: "organization", organizationId: organization.id },
      owner: ref(to),
      previousOwner: current ? ref(current) : null,
      previousOwnerKeeps: kept,
    };
    await audit(tx, { ...input, workspaceId }, result);
    return result;
  });
}

/** Whether the workspace has an Owner of its own (otherwise the organization's Owner holds it). */
export async function workspaceHasOwner(db: Db, organizationId: string, workspaceId: string): Promise<boolean> {
  return (await findOwner(db, organizationId, workspaceId)) !== null;
}

export interface OwnershipView {
  organization: { owner: (OwnerRef & { active: boolean }) | null };
  workspaces: Array<{ workspaceId: string; title: string; owner: (OwnerRef & { active: boolean }) | null; ownedBy: "workspace" | "organization" | "none" }>;
}

/**
 * Who owns what. A workspace with no Owner of its own (one created through the Admin API by an API key) is in
 * the organization Owner's hands: `ownedBy: "organization"` until a transfer names its own Owner.
 */
export async function describeOwnership(db: Db, organizationId: string): Promise<OwnershipView> {
  const [owners, workspaces] = await Promise.all([listOwners(db, organizationId), listWorkspaceTitles(db, organizationId)]);
  const present = (row: OwnerRow | undefined) => (row ? { ...ref(row), active: row.active } : null);
  const organizationOwner = present(owners.find((row) => row.workspaceId === null));
  return {
    organization: { owner: organizationOwner },
    workspaces: workspaces.map((workspace) => {
      const own = present(owners.find((row) => row.workspaceId === workspace.id));
      const ownedBy = own ? "workspace" : organizationOwner ? "organization" : "none";
      return { workspaceId: workspace.id, title: workspace.name, owner: own ?? organizationOwner, ownedBy };
    }),
  };
}
