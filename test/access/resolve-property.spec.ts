/**
 * Properties (issue 4): for random organizations, groups, attachments, grants and shared resources, a
 * Space-scoped user is never allowed anything on another Space's audiences or syncs (seed 001); resolve()
 * is deterministic, independent of fact order, and does not mutate its input.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type AccessFacts, check, defaultPolicy, type GrantFact, type ResourceFact, resolve } from "../../src/access/index.js";
import { at, facts, group, resource, space, USER, workspace } from "./fixtures.js";

const POLICY = defaultPolicy();
const WORKSPACES = ["w0", "w1"];
const SPACES = WORKSPACES.flatMap((w) => [0, 1, 2].map((i) => ({ id: `${w}-s${i}`, workspaceId: w })));
const GROUPS = ["g0", "g1", "g2", "g3", "g4"];
// Roles of "Space-scoped users": none spans every Space, none is implied from the organization.
const ROLES = ["workspace.editor", "workspace.viewer", "workspace.draft-contributor", "workspace.guest", "custom:cr"];
const WORKSPACE_PERMISSIONS = Object.values(POLICY.permissions).filter((def) => def.level === "workspace" && !def.ownerOnly).map((def) => def.key);

const arbShare = fc.record({
  principal: fc.oneof(fc.constant({ type: "user" as const, id: USER }), fc.constantFrom(...GROUPS).map((id) => ({ type: "group" as const, id })), fc.constant({ type: "workspace" as const })),
  level: fc.constantFrom("view", "edit", "full"),
});

const arbResources = fc.tuple(...SPACES.flatMap((s) => ["audience", "sync"].map((type) => fc.record({ shares: fc.array(arbShare, { maxLength: 3 }), owned: fc.boolean() }).map(({ shares, owned }): ResourceFact => resource(type, `${type}-${s.id}`, s.workspaceId, s.id, shares, owned ? USER : null)))));

function arbGrant(resources: readonly ResourceFact[]): fc.Arbitrary<GrantFact> {
  const scope = fc.oneof(
    fc.constantFrom(...WORKSPACES).map((w) => at.workspace(w)),
    fc.constantFrom(...SPACES).map((s) => at.space(s.workspaceId, s.id)),
    fc.constantFrom(...resources).map((r) => at.resource(r.workspaceId, r.id)),
  );
  const principal = fc.oneof(fc.constant({ type: "user" as const, id: USER }), fc.constantFrom(...GROUPS).map((id) => ({ type: "group" as const, id })));
  return fc.record({ id: fc.uuid(), principal, role: fc.constantFrom(...ROLES), scope, source: fc.constantFrom("scim:okta", "manual:root", "sso:entra", "invite:i1", "system") }).map((g) => ({
    ...g,
    role: g.role.startsWith("custom:") ? { kind: "custom" as const, id: "cr" } : { kind: "built-in" as const, key: g.role },
  }));
}

const arbFacts: fc.Arbitrary<AccessFacts> = fc
  .record({
    resources: arbResources,
    spacesOn: fc.tuple(fc.boolean(), fc.boolean()),
    memberOf: fc.subarray(GROUPS),
    overrides: fc.uniqueArray(fc.record({ group: fc.constantFrom(...GROUPS), kind: fc.constantFrom("pin" as const, "exclude" as const) }), { selector: (o) => o.group, maxLength: 3 }),
    attachments: fc.subarray(GROUPS.flatMap((g) => SPACES.map((s): [string, string] => [g, s.id]))),
    customPermissions: fc.subarray(WORKSPACE_PERMISSIONS),
    plan: fc.constantFrom("free" as const, "paid" as const, "enterprise" as const),
  })
  .chain((base) => fc.array(arbGrant(base.resources), { maxLength: 8 }).map((grants) => ({ ...base, grants })))
  .map((w) =>
    facts(POLICY, {
      plan: w.plan,
      memberOf: w.memberOf,
      pins: w.overrides.filter((o) => o.kind === "pin").map((o) => [o.group, "admin", "p"]),
      excludes: w.overrides.filter((o) => o.kind === "exclude").map((o) => [o.group, "admin", "x"]),
      groups: GROUPS.map((id) => group(id, `Group ${id}`)),
      grants: w.grants,
      workspaces: WORKSPACES.map((id, i) => workspace(id, `Workspace ${id}`, w.spacesOn[i] ?? true)),
      spaces: SPACES.map((s) => space(s.id, s.workspaceId, s.id)),
      attachments: w.attachments,
      customRoles: [{ id: "cr", name: "Custom", level: "workspace", permissions: w.customPermissions }],
      resources: [...w.resources],
    }),
  );

/** The oracle, computed straight from the facts: Spaces a group attachment or a Space grant reaches. */
function reachableSpaces(f: AccessFacts): Set<string> {
  const excluded = new Set(f.overrides.filter((o) => o.kind === "exclude").map((o) => o.groupId));
  const groups = new Set([...f.memberOf, ...f.overrides.filter((o) => o.kind === "pin").map((o) => o.groupId)].filter((g) => !excluded.has(g)));
  const mine = f.grants.filter((g) => (g.principal.type === "user" ? g.principal.id === USER : groups.has(g.principal.id)));
  const reached = new Set<string>();
  for (const grant of mine) {
    const scope = grant.scope;
    if (scope.type === "space") reached.add(scope.spaceId);
    if (scope.type !== "workspace" || grant.principal.type !== "group") continue;
    const groupId = grant.principal.id;
    for (const a of f.attachments) if (a.groupId === groupId && SPACES.some((s) => s.id === a.spaceId && s.workspaceId === scope.workspaceId)) reached.add(a.spaceId);
  }
  return reached;
}

const strip = (value: unknown): string => JSON.stringify(value, (key, v: unknown) => (key === "basis" ? undefined : v));

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  return items.map((item, i) => ({ item, k: (i * 7919 + seed) % 104729 })).sort((a, b) => a.k - b.k).map((x) => x.item);
}

describe("access: resolve() properties", () => {
  it("a Space-scoped user is never allowed anything on another Space's audiences or syncs", () => {
    fc.assert(
      fc.property(arbFacts, (f) => {
        const access = resolve(f);
        const reached = reachableSpaces(f);
        for (const r of f.resources) {
          const spacesOn = f.workspaces.find((w) => w.id === r.workspaceId)?.spacesEnabled === true;
          if (!spacesOn || r.spaceId === null || reached.has(r.spaceId)) continue;
          for (const action of POLICY.resourceTypes[r.type]?.actions ?? []) {
            const permission = `${r.type}:${action}`;
            expect(check(access, { permission, resource: { type: r.type, id: r.id } }).allowed, `${permission} on ${r.id}`).to.equal(false);
            expect(check(access, { permission, workspaceId: r.workspaceId, spaceId: r.spaceId }).allowed, `${permission} in ${r.spaceId}`).to.equal(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic and independent of the order of the facts", () => {
    fc.assert(
      fc.property(arbFacts, fc.nat(), (f, seed) => {
        const reordered: AccessFacts = {
          ...f,
          memberOf: shuffled(f.memberOf, seed),
          overrides: shuffled(f.overrides, seed),
          grants: shuffled(f.grants, seed),
          groups: shuffled(f.groups, seed),
          workspaces: shuffled(f.workspaces, seed),
          spaces: shuffled(f.spaces, seed),
          attachments: shuffled(f.attachments, seed),
          resources: shuffled(f.resources, seed),
        };
        const once = resolve(f);
        expect(strip(resolve(f))).to.equal(strip(once));
        expect(strip(resolve(reordered))).to.equal(strip(once));
        const ask = { permission: "audience:read", resource: { type: "audience", id: "audience-w0-s0" } };
        expect(strip(check(reordered, ask))).to.equal(strip(check(once, ask)));
      }),
      { numRuns: 200 },
    );
  });

  it("does not mutate its input", () => {
    fc.assert(
      fc.property(arbFacts, (f) => {
        const before = strip({ ...f, policy: null });
        const frozen = deepFreeze({ ...f, policy: f.policy });
        resolve(frozen); // a write into a frozen fact would throw in this strict-mode module
        check(frozen, { permission: "sync:update", resource: { type: "sync", id: "sync-w1-s2" } });
        expect(strip({ ...frozen, policy: null })).to.equal(before);
      }),
      { numRuns: 100 },
    );
  });
});
