/** People and what remains of their access as the Admin API shows them (and as the audit log keeps them). */
import type { Person, PersonRole, PersonRow } from "../directory/people.service.js";
export { authorOf } from "./admin-auth.js";

export function presentPerson(person: PersonRow & Partial<Pick<Person, "organizationRoles" | "workspaceRoles">>) {
  return {
    id: person.id,
    userName: person.userName,
    displayName: person.displayName,
    email: person.email,
    active: person.active,
    origin: person.origin,
    createdAt: person.createdAt.toISOString(),
    organizationRoles: person.organizationRoles ?? [],
    workspaceRoles: person.workspaceRoles ?? [],
  };
}

/** What to do about each way access remains, in words an admin acts on. */
function suggestionFor(userId: string, role: PersonRole, reason: PersonRole["reasons"][number]) {
  if (reason.kind === "group" && reason.group) {
    return {
      text: `still ${role.role.name} via ${reason.text}: add an exclude override to keep them out of that group's access, or remove them from the group in the identity provider`,
      action: { method: "PUT", path: `/groups/${reason.group.id}/overrides/${userId}`, body: { kind: "exclude", reason: "…" } },
    };
  }
  if (reason.kind === "organization_role") {
    return { text: `still ${role.role.name} because ${reason.text}: remove or change that organization role`, action: { method: "DELETE", path: `/users/${userId}/roles/${reason.grantId}` } };
  }
  return { text: `still ${role.role.name} through ${reason.text}: its source owns it; change it there`, action: null };
}

/** The access left after a removal, why, and what would remove it. */
export function remainingAccess(userId: string, remaining: PersonRole[]) {
  const suggestions = remaining.flatMap((role) => role.reasons.map((reason) => suggestionFor(userId, role, reason)));
  return {
    remaining,
    message: remaining.length === 0 ? "no access remains in this workspace" : `access remains: ${suggestions.map((s) => s.text).join("; ")}`,
    suggestions,
  };
}
