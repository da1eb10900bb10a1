/**
 * People as admins see them (issue 5, Users; seed 002): each person's organization and workspace roles with
 * where each comes from — their own grant (and its source), a group (how they are in it: the IdP, a manual
 * group, a sign-in claim, a pinned override), or an organization role that implies a workspace role.
 * Pages are read in a fixed number of statements (src/store/people.repository.ts).
 */
import type { Policy } from "../access/policy.types.js";
import type { Db } from "../store/db.js";
import { builtInRoleIds } from "../store/invites.repository.js";
import {
  deleteAdminGrantsOf,
  findPerson,
  listGrantsOfRoles,
  listGroupsOfPerson,
  listRoleGrantsOf,
  searchPeople,
  type GroupOfPerson,
  type MembershipKind,
  type PersonRow,
  type RoleGrantRow,
} from "../store/people.repository.js";
import { notFound } from "./domain-error.js";
import { isUuid, normalisePage } from "./validation.js";

export type { GroupOfPerson, MembershipKind, PersonRow };

export interface RoleReason {
  kind: "direct" | "group" | "organization_role";
  /** The reason as a person reads it, e.g. `group "UK Marketing" (scim)`. */
  text: string;
  grantId: string;
  source: string;
  group?: { id: string; displayName: string; origin: "scim" | "manual"; membership: MembershipKind[] };
  /** For an implied workspace role: the organization role that implies it. */
  impliedBy?: { id: string; key: string | null; name: string };
}

export interface PersonRole {
  role: RoleGrantRow["role"];
  scope: { type: RoleGrantRow["scope"]["type"]; workspaceId?: string; workspaceTitle?: string; spaceId?: string; resourceId?: string };
  /** An organization role that makes its holder this workspace role in every workspace. */
  impliesWorkspaceRole?: { key: string; name: string };
  reasons: RoleReason[];
}

export interface Person extends PersonRow {
  organizationRoles: PersonRole[];
  workspaceRoles: PersonRole[];
}

const MEMBERSHIP_TEXT: Record<MembershipKind, string> = { idp: "", manual: "", sso_claim: " via a sign-in claim", pin: ", pinned by an override" };

function sourceText(source: string): string {
  const [kind] = source.split(":", 1);
  if (kind === "manual") return `direct grant by an admin (${source})`;
  if (kind === "invite") return `invite ${source.slice("invite:".length)}`;
  if (kind === "scim") return `direct grant from the identity provider (${source})`;
  if (kind === "sso") return `sign-in claim (${source})`;
  if (source === "system") return "system grant (ownership, or the Admin role a former Owner keeps)";
  return `direct grant (${source})`;
}

function reasonOf(row: RoleGrantRow): RoleReason {
  const base = { grantId: row.grantId, source: row.source };
  if (!row.group) return { kind: "direct", text: sourceText(row.source), ...base };
  const how = row.group.membership.map((kind) => MEMBERSHIP_TEXT[kind]).join("");
  return { kind: "group", text: `group "${row.group.displayName}" (${row.group.origin})${how}`, group: row.group, ...base };
}

function scopeOf(row: RoleGrantRow): PersonRole["scope"] {
  const { type, workspaceId, spaceId, resourceId } = row.scope;
  if (type === "organization") return { type };
  return {
    type,
    ...(workspaceId ? { workspaceId } : {}),
    ...(row.workspaceTitle !== null ? { workspaceTitle: row.workspaceTitle } : {}),
    ...(spaceId ? { spaceId } : {}),
    ...(resourceId ? { resourceId } : {}),
  };
}

/** Grant rows (ordered by the repository) folded into one entry per (role, scope), reasons in order. */
function fold(policy: Policy, rows: readonly RoleGrantRow[]): { organizationRoles: PersonRole[]; workspaceRoles: PersonRole[] } {
  const entries = new Map<string, PersonRole>();
  for (const row of rows) {
    const key = [row.role.id, row.scope.type, row.scope.workspaceId, row.scope.spaceId, row.scope.resourceId].join("|");
    let entry = entries.get(key);
    if (!entry) {
      const implied = row.role.builtIn ? policy.roles[row.role.key ?? ""]?.impliesWorkspaceRole : null;
      const impliedRole = implied ? policy.roles[implied] : undefined;
      entry = { role: row.role, scope: scopeOf(row), ...(impliedRole ? { impliesWorkspaceRole: { key: impliedRole.id, name: impliedRole.name } } : {}), reasons: [] };
      entries.set(key, entry);
    }
    entry.reasons.push(reasonOf(row));
  }
  const all = [...entries.values()];
  return { organizationRoles: all.filter((e) => e.role.level === "organization"), workspaceRoles: all.filter((e) => e.role.level === "workspace") };
}

/** In one workspace, an organization role implying a workspace role shows as that role there, with its reasons. */
function withImplied(roles: ReturnType<typeof fold>, workspace: { id: string; title: string }, impliedRows: Map<string, RoleGrantRow["role"]>): PersonRole[] {
  const result = [...roles.workspaceRoles];
  for (const orgRole of roles.organizationRoles) {
    const implied = orgRole.impliesWorkspaceRole && impliedRows.get(orgRole.impliesWorkspaceRole.key);
    if (!implied) continue;
    let entry = result.find((e) => e.role.id === implied.id && e.scope.type === "workspace");
    if (!entry) {
      entry = { role: implied, scope: { type: "workspace", workspaceId: workspace.id, workspaceTitle: workspace.title }, reasons: [] };
      result.unshift(entry);
    }
    for (const reason of orgRole.reasons) {
      entry.reasons.push({
        ...reason,
        kind: "organization_role",
        text: `organization role "${orgRole.role.name}" (${reason.text}) implies ${implied.name} in every workspace`,
        impliedBy: { id: orgRole.role.id, key: orgRole.role.key, name: orgRole.role.name },
      });
    }
  }
  return result;
}

export function createPeopleService({ db, policy }: { db: Db; policy: () => Policy }) {
  /** Row ids of the built-in roles the policy makes special: organization roles implying a workspace role, owner roles. */
  async function specialRoles() {
    const roles = Object.values(policy().roles);
    const implying = roles.filter((role) => role.level === "organization" && role.impliesWorkspaceRole !== null);
    const keys = [...implying.map((role) => role.id), ...implying.map((role) => role.impliesWorkspaceRole ?? ""), ...roles.filter((role) => role.owner).map((role) => role.id)];
    const ids = await builtInRoleIds(db, keys);
    const implied = new Map<string, RoleGrantRow["role"]>();
    for (const role of implying) {
      const target = policy().roles[role.impliesWorkspaceRole ?? ""];
      const id = ids.get(target?.id ?? "");
      if (target && id) implied.set(target.id, { id, key: target.id, name: target.name, level: "workspace", builtIn: true });
    }
    return {
      implyingRoleIds: implying.flatMap((role) => ids.get(role.id) ?? []),
      ownerRoleIds: roles.filter((role) => role.owner).flatMap((role) => ids.get(role.id) ?? []),
      implied,
    };
  }

  async function person(organizationId: string, id: string): Promise<PersonRow> {
    const row = isUuid(id) ? await findPerson(db, organizationId, id.toLowerCase()) : null;
    if (!row) throw notFound("user", id);
    return row;
  }

  /** A page of the organization's people — or, with `workspace`, of those with a role there — with their roles. */
  async function list(organizationId: string, query: { search?: string; limit?: number; offset?: number; workspace?: { id: string; title: string } }) {
    const page = normalisePage(query);
    const special = await specialRoles();
    const workspaceId = query.workspace?.id;
    const found = await searchPeople(db, organizationId, { ...(query.search ? { search: query.search } : {}), ...(workspaceId ? { workspaceId } : {}), implyingRoleIds: special.implyingRoleIds, ...page });
    const rows = await listRoleGrantsOf(db, organizationId, found.items.map((p) => p.id), { ...(workspaceId ? { workspaceId } : {}), implyingRoleIds: special.implyingRoleIds });
    const rowsOf = new Map<string, RoleGrantRow[]>();
    for (const row of rows) {
      const held = rowsOf.get(row.userId);
      if (held) held.push(row);
      else rowsOf.set(row.userId, [row]);
    }
    const items: Person[] = found.items.map((p) => {
      const roles = fold(policy(), rowsOf.get(p.id) ?? []);
      return query.workspace ? { ...p, ...roles, workspaceRoles: withImplied(roles, query.workspace, special.implied) } : { ...p, ...roles };
    });
    return { items, total: found.total, ...page };
  }

  /** One person with every role and reason, and their groups (with overrides, excluded ones too). */
  async function get(organizationId: string, id: string): Promise<Person & { groups: GroupOfPerson[] }> {
    const row = await person(organizationId, id);
    const rows = await listRoleGrantsOf(db, organizationId, [row.id], { implyingRoleIds: [] });
    return { ...row, ...fold(policy(), rows), groups: await listGroupsOfPerson(db, organizationId, row.id) };
  }

  /** The person's workspace roles in one workspace (implied ones included), with reasons. */
  async function accessIn(organizationId: string, userId: string, workspace: { id: string; title: string }): Promise<PersonRole[]> {
    const special = await specialRoles();
    const rows = await listRoleGrantsOf(db, organizationId, [userId], { workspaceId: workspace.id, implyingRoleIds: special.implyingRoleIds });
    return withImplied(fold(policy(), rows), workspace, special.implied);
  }

  /** The person's Owner grants (organization, or the workspace's when given): removing them needs a transfer. */
  async function ownerships(organizationId: string, userId: string, workspaceId?: string) {
    const special = await specialRoles();
    const held = await listGrantsOfRoles(db, organizationId, userId, special.ownerRoleIds);
    return workspaceId === undefined ? held : held.filter((grant) => grant.workspaceId === workspaceId);
  }

  return {
    list,
    get,
    person,
    accessIn,
    ownerships,
    removeAdminGrants: (organizationId: string, userId: string, workspaceId: string | null) => deleteAdminGrantsOf(db, organizationId, userId, workspaceId),
  };
}

export type PeopleService = ReturnType<typeof createPeopleService>;
