/**
 * The seats report (issue 5; DESIGN.md, Seats; seed 003): author / viewer / free counts per organization and
 * per workspace by the policy's seat classes, with the people behind each number. Each person's roles come
 * from the access engine's own resolve() over the facts a check would load (src/store/seats.repository.ts
 * loads them for the whole organization at once: IdP members ∪ sign-in claims ∪ pins − excludes, custom roles'
 * seats, roles implied in every workspace), so the report cannot disagree with a check. A person counts once
 * per scope, in their costliest class; deactivated people count nowhere.
 */
import { assembleFacts } from "../access/engine/access-engine.js";
import type { EffectiveAccess, RoleHolding } from "../access/effective.js";
import type { Policy } from "../access/policy.types.js";
import { indexOrganization, resolve } from "../access/resolve.js";
import { loadOrganizationFacts } from "../store/access.repository.js";
import type { Db } from "../store/db.js";
import { loadSeatFacts, type SeatCandidate } from "../store/seats.repository.js";
import { notFound } from "./domain-error.js";
import { isUuid } from "./validation.js";

export interface SeatHolder {
  userId: string;
  userName: string;
  /** The role that put the person in this class (the first such, in the engine's role order). */
  role: { id: string; name: string; level: string; builtIn: boolean };
  /** For the organization's count: the workspace that role is held in, when it is a workspace role. */
  workspace?: { id: string; title: string };
}

export interface SeatCount {
  counts: Record<string, number>;
  seats: Record<string, SeatHolder[]>;
}

export interface WorkspaceSeats extends SeatCount {
  workspaceId: string;
  title: string;
}

export interface SeatsReport {
  seatClasses: readonly string[];
  organization: SeatCount;
  workspaces: WorkspaceSeats[];
}

function emptyCount(policy: Policy): SeatCount {
  return {
    counts: Object.fromEntries(policy.seatClasses.map((seat) => [seat, 0])),
    seats: Object.fromEntries(policy.seatClasses.map((seat) => [seat, [] as SeatHolder[]])),
  };
}

function add(count: SeatCount, seat: string, holder: SeatHolder): void {
  count.counts[seat] = (count.counts[seat] ?? 0) + 1;
  (count.seats[seat] ??= []).push(holder);
}

const roleOf = (held: RoleHolding) => ({ id: held.role.id, name: held.role.name, level: held.role.level, builtIn: held.role.builtIn });

/** The costliest class of a person across the organization, and the role (and workspace) that gives it. */
function organizationSeat(policy: Policy, access: EffectiveAccess, person: SeatCandidate): { seat: string; holder: SeatHolder } | null {
  const places = [
    { seat: access.organization.seat, roles: access.organization.roles, workspace: undefined },
    ...access.workspaces.map((ws) => ({ seat: ws.seat, roles: ws.roles, workspace: { id: ws.workspaceId, title: ws.title } })),
  ];
  const rank = (seat: string | null) => (seat === null ? Infinity : policy.seatClasses.indexOf(seat));
  const best = places.filter((place) => place.seat !== null).sort((a, b) => rank(a.seat) - rank(b.seat))[0];
  const held = best?.roles.find((role) => role.role.seat === best.seat);
  if (!best?.seat || !held) return null;
  return { seat: best.seat, holder: { userId: person.id, userName: person.userName, role: roleOf(held), ...(best.workspace ? { workspace: best.workspace } : {}) } };
}

/** Resolves every candidate with the engine's own resolve() over facts loaded for the whole organization at once. */
async function resolveAll(db: Db, policy: Policy, organizationId: string): Promise<{ people: Array<{ person: SeatCandidate; access: EffectiveAccess }>; workspaces: Array<{ id: string; title: string }> }> {
  const structure = await loadOrganizationFacts(db, organizationId);
  if (!structure) throw notFound("organization", organizationId);
  const indexed = { ...structure, index: indexOrganization(structure.workspaces, structure.spaces) };
  const people = (await loadSeatFacts(db, organizationId)).map(({ person, facts }) => ({
    person,
    access: resolve(assembleFacts(policy, organizationId, person.id, facts, indexed)),
  }));
  return { people, workspaces: indexed.index.workspacesInOrder.map((ws) => ({ id: ws.id, title: ws.title })) };
}

function workspaceSeats(policy: Policy, workspace: { id: string; title: string }, people: Array<{ person: SeatCandidate; access: EffectiveAccess }>): WorkspaceSeats {
  const count = emptyCount(policy);
  for (const { person, access } of people) {
    const here = access.workspaces.find((ws) => ws.workspaceId === workspace.id);
    const held = here?.roles.find((role) => role.role.seat === here.seat);
    if (here?.seat && held) add(count, here.seat, { userId: person.id, userName: person.userName, role: roleOf(held) });
  }
  return { workspaceId: workspace.id, title: workspace.title, ...count };
}

export function createSeatService({ db, policy }: { db: Db; policy: () => Policy }) {
  /** The organization's seats, and each workspace's. */
  async function report(organizationId: string): Promise<SeatsReport> {
    const current = policy();
    const { people, workspaces } = await resolveAll(db, current, organizationId);
    const organization = emptyCount(current);
    for (const { person, access } of people) {
      const found = organizationSeat(current, access, person);
      if (found) add(organization, found.seat, found.holder);
    }
    return { seatClasses: current.seatClasses, organization, workspaces: workspaces.map((ws) => workspaceSeats(current, ws, people)) };
  }

  /** One workspace's seats. */
  async function ofWorkspace(organizationId: string, workspaceId: string): Promise<WorkspaceSeats & { seatClasses: readonly string[] }> {
    const current = policy();
    if (!isUuid(workspaceId)) throw notFound("workspace", workspaceId);
    const { people, workspaces } = await resolveAll(db, current, organizationId);
    const workspace = workspaces.find((ws) => ws.id === workspaceId.toLowerCase());
    if (!workspace) throw notFound("workspace", workspaceId);
    return { seatClasses: current.seatClasses, ...workspaceSeats(current, workspace, people) };
  }

  return { report, ofWorkspace };
}

export type SeatService = ReturnType<typeof createSeatService>;
