/**
 * Invites (DESIGN.md, Invites; seeds 002 and 003): an email invited to the organization, to one workspace, or to
 * one resource, with roles to give. Nothing is granted until the person signs in: the SSO pipeline calls
 * acceptPendingInvites() inside its sign-in transaction, after the allowed-domain default role, so a person
 * invited to a single resource becomes workspace Guest only when nothing else gives them a workspace role.
 */
import { defaultPolicy } from "../access/index.js";
import type { Policy } from "../access/policy.types.js";
import type { Db } from "../store/db.js";
import { findOrganization } from "../store/organizations.repository.js";
import { findWorkspace } from "../store/workspaces.repository.js";
import {
  builtInRoleIds,
  findInvite,
  findPendingDuplicate,
  findResourceByRef,
  holdsWorkspaceRole,
  insertInvite,
  listInvites,
  lockPendingInvites,
  lockResource,
  lookupInviteRoles,
  markInviteAccepted,
  revokeInvite,
  setResourceSharing,
  type InviteRecord,
  type InviteRoleRef,
  type InviteStatus,
} from "../store/invites.repository.js";
import { DomainError, notFound } from "./domain-error.js";
import { createGrantService, type GrantRecord, type GrantRoleInput } from "./grants.service.js";
import { isUuid, normalisePage } from "./validation.js";

export type { InviteRecord, InviteStatus };

export interface InviteInput {
  email: string;
  roles: GrantRoleInput[];
  workspaceId?: string;
  /** A resource the product registered, by its type and the product's id, shared at `level`. */
  resource?: { type: string; id: string; level: string };
  expiresInDays?: number;
  /** Who invites: kept on the invite and on the grants it gives. */
  createdBy: string;
}

export interface InviteListQuery {
  status?: InviteStatus;
  email?: string;
  workspaceId?: string;
  limit?: number;
  offset?: number;
}

/** What one accepted invite gave the person (the sign-in's audit event lists it). */
export interface AcceptedInvite {
  inviteId: string;
  grants: GrantRecord[];
  shared: { resourceId: string; level: string } | null;
  /** True when the resource invite made them workspace Guest (they had no workspace role from anywhere). */
  guest: boolean;
  /** Roles the invite named that could not be given now (a custom role after a downgrade to the free plan). */
  skipped: Array<{ roleId: string; reason: string }>;
}

export const INVITE_STATUSES: readonly InviteStatus[] = ["pending", "accepted", "expired", "revoked"];
export const GUEST_ROLE = "workspace.guest";
const DEFAULT_EXPIRY_DAYS = 14;
const MAX_EXPIRY_DAYS = 90;
const MAX_ROLES = 50;
// An address a person can type: one @, no spaces, a dotted domain. The IdP decides what is real.
const EMAIL = /^[^\s@<>()",;]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

const invalid = (field: string, message: string): DomainError => new DomainError("invalid_value", `${field} ${message}`, { field });

export function normaliseEmail(value: unknown): string {
  const email = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (email.length > 320 || !EMAIL.test(email)) throw invalid("email", "must be an email address such as ana@example.com");
  return email;
}

/** The roles named, found and checked against where the invite applies; every role at most once. */
async function checkedRoles(db: Db, organizationId: string, policy: Policy, wanted: GrantRoleInput[], workspace: boolean): Promise<InviteRoleRef[]> {
  if (!Array.isArray(wanted) || wanted.length > MAX_ROLES) throw invalid("roles", `must be a list of at most ${MAX_ROLES} roles`);
  const keys = wanted.flatMap((role) => ("key" in role ? [role.key] : []));
  const ids = wanted.flatMap((role) => ("id" in role ? [role.id] : []));
  for (const id of ids) if (!isUuid(id)) throw notFound("role", id);
  const found = await lookupInviteRoles(db, organizationId, keys, ids.map((id) => id.toLowerCase()));
  const plan = (await findOrganization(db, organizationId))?.plan;
  if (!plan) throw notFound("organization", organizationId);
  const roles = new Map<string, InviteRoleRef>();
  for (const want of wanted) {
    const role = found.find((row) => ("key" in want ? row.builtIn && row.key === want.key : row.id === want.id.toLowerCase()));
    // A built-in row the policy no longer names is not a role (as for grants).
    if (!role || (role.builtIn && !policy.roles[role.key ?? ""])) throw notFound("role", "key" in want ? want.key : want.id);
    if (role.builtIn && policy.roles[role.key ?? ""]?.owner) {
      throw new DomainError("forbidden", `"${role.name}" cannot be given by invite: ownership changes only by transfer`, { roleId: role.id });
    }
    if (role.level === "organization" && workspace) throw invalid("roles", `"${role.name}" is an organization role: give it in an organization invite (no workspaceId)`);
    if (role.level === "workspace" && !workspace) throw invalid("roles", `"${role.name}" is a workspace role: the invite needs a workspaceId`);
    if (!role.builtIn && !policy.customRoles.plans.includes(plan)) {
      throw new DomainError("precondition_failed", "custom roles need a paid plan", { plan, roleId: role.id });
    }
    roles.set(role.id, role);
  }
  return [...roles.values()];
}

/** The invite's workspace and resource, checked: a resource invite names a registered resource and a share level. */
async function checkedScope(db: Db, organizationId: string, policy: Policy, input: InviteInput) {
  let workspaceId = input.workspaceId === undefined ? null : input.workspaceId.toLowerCase();
  let resource: { id: string; level: string } | null = null;
  if (input.resource !== undefined) {
    const { type, id, level } = input.resource;
    if (!policy.resourceTypes[type]) throw invalid("resource.type", `must be a resource type of the policy: ${Object.keys(policy.resourceTypes).join(", ")}`);
    if (!policy.shareLevels[level]) throw invalid("resource.level", `must be a share level of the policy: ${Object.keys(policy.shareLevels).join(", ")}`);
    const found = await findResourceByRef(db, organizationId, type, id);
    if (!found) throw notFound(type, id);
    if (workspaceId !== null && workspaceId !== found.workspaceId) throw invalid("workspaceId", `must be the resource's own workspace (${found.workspaceId}) or left out`);
    workspaceId = found.workspaceId;
    resource = { id: found.id, level };
  }
  if (workspaceId !== null && !(isUuid(workspaceId) && (await findWorkspace(db, organizationId, workspaceId)))) throw notFound("workspace", workspaceId);
  return { workspaceId, resource };
}

function expiryDays(value: unknown): number {
  if (value === undefined) return DEFAULT_EXPIRY_DAYS;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_EXPIRY_DAYS) return value;
  throw invalid("expiresInDays", `must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`);
}

export function createInviteService({ db, policy, now = () => new Date() }: { db: Db; policy: () => Policy; now?: () => Date }) {
  async function get(organizationId: string, id: string): Promise<InviteRecord> {
    const invite = isUuid(id) ? await findInvite(db, organizationId, id.toLowerCase(), now()) : null;
    if (!invite) throw notFound("invite", id);
    return invite;
  }

  async function create(organizationId: string, input: InviteInput): Promise<InviteRecord> {
    const email = normaliseEmail(input.email);
    const days = expiryDays(input.expiresInDays);
    return db.transaction(async (tx) => {
      const { workspaceId, resource } = await checkedScope(tx, organizationId, policy(), input);
      const roles = await checkedRoles(tx, organizationId, policy(), input.roles, workspaceId !== null);
      if (roles.length === 0 && resource === null) throw invalid("roles", "must name at least one role (only a resource invite may name none)");
      const at = now();
      const duplicate = await findPendingDuplicate(tx, organizationId, at, { email, workspaceId, resourceId: resource?.id ?? null });
      if (duplicate) throw new DomainError("conflict", `${email} already has a pending invite here; revoke it first to change it`, { inviteId: duplicate });
      const id = await insertInvite(tx, organizationId, {
        email,
        workspaceId,
        resourceId: resource?.id ?? null,
        shareLevel: resource?.level ?? null,
        createdBy: input.createdBy,
        createdAt: at,
        expiresAt: new Date(at.getTime() + days * 86_400_000),
        roleIds: roles.map((role) => role.id),
      });
      return (await findInvite(tx, organizationId, id, at)) as InviteRecord;
    });
  }

  async function list(organizationId: string, query: InviteListQuery = {}) {
    const page = normalisePage(query);
    if (query.workspaceId !== undefined && !isUuid(query.workspaceId)) throw invalid("workspaceId", "must be a workspace id");
    const found = await listInvites(db, organizationId, now(), { ...query, workspaceId: query.workspaceId?.toLowerCase(), ...page });
    return { ...found, ...page };
  }

  /** Revokes a pending or expired invite; an accepted or already revoked one is a conflict. */
  async function revoke(organizationId: string, id: string): Promise<InviteRecord> {
    return db.transaction(async (tx) => {
      const invite = isUuid(id) ? await findInvite(tx, organizationId, id.toLowerCase(), now()) : null;
      if (!invite) throw notFound("invite", id);
      if (!(await revokeInvite(tx, organizationId, invite.id, now()))) {
        throw new DomainError("conflict", `invite ${invite.id} is ${invite.status}: only a pending or expired invite can be revoked`, { status: invite.status });
      }
      return (await findInvite(tx, organizationId, invite.id, now())) as InviteRecord;
    });
  }

  /** The workspace a resource invite would apply in (to authorise it before anything is written). */
  async function workspaceOfResource(organizationId: string, type: string, externalId: string): Promise<string> {
    const found = policy().resourceTypes[type] ? await findResourceByRef(db, organizationId, type, externalId) : null;
    if (!found) throw notFound(type, externalId);
    return found.workspaceId;
  }

  return {
    get,
    create,
    workspaceOfResource,
    list,
    revoke,
    acceptPending: (person: { organizationId: string; userId: string; email: string }) => acceptPendingInvites(db, person, { policy: policy(), now: now() }),
  };
}

export type InviteService = ReturnType<typeof createInviteService>;

/** Adds (or raises to `level`) the person's own share of the resource; never lowers a share they hold. */
async function shareWithUser(db: Db, policy: Policy, organizationId: string, resourceId: string, userId: string, level: string): Promise<boolean> {
  const resource = await lockResource(db, organizationId, resourceId);
  if (!resource) return false;
  const rank = (key: string) => policy.shareLevels[key]?.rank ?? -1;
  const mine = resource.shares.find((share) => share.principal.type === "user" && share.principal.id === userId);
  if (mine && rank(mine.level) >= rank(level)) return true;
  const others = resource.shares.filter((share) => share !== mine);
  await setResourceSharing(db, organizationId, resourceId, [...others, { principal: { type: "user", id: userId }, level }]);
  return true;
}

/**
 * Takes every pending, unexpired invite for `email` (any case) in the organization: grants its roles with source
 * `invite:<id>`, shares its resource with the person, and makes them workspace Guest when a resource invite
 * leaves them with no workspace role from any source. Run it inside the sign-in transaction (`db` is that
 * transaction); the invites stay locked until it ends, so two sign-ins never take one invite twice.
 */
export async function acceptPendingInvites(
  db: Db,
  person: { organizationId: string; userId: string; email: string },
  options: { policy?: Policy; now?: Date } = {},
): Promise<AcceptedInvite[]> {
  const policy = options.policy ?? defaultPolicy();
  const at = options.now ?? new Date();
  const { organizationId, userId } = person;
  const accepted: AcceptedInvite[] = [];
  return db.transaction(async (tx) => {
    const grants = createGrantService({ db: tx, policy: () => policy });
    const ids = await lockPendingInvites(tx, organizationId, person.email.trim(), at);
    // Most sign-ins have no invite waiting: one statement, nothing else.
    if (ids.length === 0) return accepted;
    const implying = Object.values(policy.roles).filter((role) => role.level === "organization" && role.impliesWorkspaceRole !== null).map((role) => role.id);
    const builtIn = await builtInRoleIds(tx, [GUEST_ROLE, ...implying]);
    for (const id of ids) {
      const invite = (await findInvite(tx, organizationId, id, at)) as InviteRecord;
      const source = `invite:${invite.id}`;
      const result: AcceptedInvite = { inviteId: invite.id, grants: [], shared: null, guest: false, skipped: [] };
      for (const role of invite.roles) {
        const scope = role.level === "organization" ? { type: "organization" as const } : { type: "workspace" as const, workspaceId: invite.workspace?.id ?? "" };
        try {
          result.grants.push(await grants.grant(organizationId, { principal: { type: "user", id: userId }, role: { id: role.id }, scope, source, createdBy: invite.createdBy }));
        } catch (error) {
          // Refusals decided before any write (plan, policy) skip the role; anything else ends the sign-in.
          if (!(error instanceof DomainError) || error.code === "not_found") throw error;
          result.skipped.push({ roleId: role.id, reason: error.message });
        }
      }
      if (invite.resource && invite.workspace && (await shareWithUser(tx, policy, organizationId, invite.resource.id, userId, invite.resource.level))) {
        result.shared = { resourceId: invite.resource.id, level: invite.resource.level };
        const guestId = builtIn.get(GUEST_ROLE);
        const implied = implying.flatMap((key) => builtIn.get(key) ?? []);
        if (guestId && !(await holdsWorkspaceRole(tx, organizationId, userId, invite.workspace.id, implied))) {
          const workspace = { type: "workspace" as const, workspaceId: invite.workspace.id };
          result.grants.push(await grants.grant(organizationId, { principal: { type: "user", id: userId }, role: { id: guestId }, scope: workspace, source, createdBy: invite.createdBy }));
          result.guest = true;
        }
      }
      await markInviteAccepted(tx, organizationId, invite.id, userId, at);
      accepted.push(result);
    }
    return accepted;
  });
}
