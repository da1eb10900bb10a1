import { randomUUID } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import type supertest from "supertest";
import { useAccessApp, type AccessTenant } from "../support/access-app.js";
import { buildWorld, scimGroup, scimUser, type World } from "./world.js";

type Res = supertest.Response;
interface Ref {
  type: string;
  id: string;
}
interface CheckItem {
  userId: string;
  permission: string;
  workspaceId?: string;
  spaceId?: string;
  resource?: Ref;
}

const RUNS = 25;

describe("Access API isolation: one organization's key never reads or changes another's data", () => {
  const context = useAccessApp();

  const accessVersion = async (organizationId: string) =>
    (await context.db.query<{ version: number }>(`SELECT access_version::int AS version FROM organizations WHERE id = $1`, [organizationId])).rows[0]?.version ?? 0;

  describe("organization A's key against organization B", () => {
    let a: World;
    let b: World;
    let aResources: Ref[];
    let bResources: Ref[];
    /** Every identifier of B (and its secrets): none may appear in an answer to A unless A's request sent it. */
    let bSecrets: string[];

    async function registerAll(world: World, prefix: string): Promise<Ref[]> {
      const refs: Array<Ref & { body: Record<string, unknown> }> = [
        { type: "audience", id: `${prefix}-aud-uk-${randomUUID()}`, body: { workspaceId: world.prod, spaceId: world.spaces.uk } },
        { type: "audience", id: `${prefix}-aud-us-${randomUUID()}`, body: { workspaceId: world.prod, spaceId: world.spaces.us, ownerUserId: world.users.alice } },
        { type: "sync", id: `${prefix}-sync-uk-${randomUUID()}`, body: { workspaceId: world.prod, spaceId: world.spaces.uk, shares: [{ principal: { type: "group", id: world.groups.uk }, level: "edit" }] } },
        { type: "model", id: `${prefix}-model-${randomUUID()}`, body: { workspaceId: world.prod, shares: [{ principal: { type: "user", id: world.users.guest }, level: "full" }, { principal: { type: "workspace" }, level: "view" }] } },
        { type: "source", id: `${prefix}-source-${randomUUID()}`, body: { workspaceId: world.stage, ownerUserId: world.users.bob } },
      ];
      for (const ref of refs) {
        const res = await world.tenant.put(`/resources/${ref.type}/${ref.id}`, ref.body);
        expect(res.status, res.text).to.equal(201);
      }
      return refs.map(({ type, id }) => ({ type, id }));
    }

    async function snapshotOfB(): Promise<unknown> {
      const org = b.tenant.organizationId;
      const { rows } = await context.db.query(`SELECT * FROM resources WHERE organization_id = $1 ORDER BY id`, [org]);
      const grants = await context.db.query(`SELECT id, user_id, group_id, role_id, scope_type, workspace_id, space_id, resource_id FROM grants WHERE organization_id = $1 ORDER BY id`, [org]);
      return JSON.parse(JSON.stringify({ rows, grants: grants.rows, version: await accessVersion(org) }));
    }

    before(async function () {
      this.timeout(120_000);
      a = await buildWorld(context, "A");
      b = await buildWorld(context, "B");
      aResources = await registerAll(a, "a");
      bResources = await registerAll(b, "b");
      const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1`, [b.tenant.organizationId]);
      bSecrets = [
        b.tenant.organizationId,
        b.tenant.apiKey,
        b.tenant.scimToken,
        ...Object.values(b.users),
        ...Object.values(b.groups),
        b.prod,
        b.stage,
        ...Object.values(b.spaces),
        ...rows.map((row) => row.id),
        ...bResources.map((ref) => ref.id),
      ];
      // Sanity: B's ids really are B's, and A's world is a different one.
      expect(new Set(bSecrets).size).to.equal(bSecrets.length);
      expect(bSecrets).to.not.include(a.prod);
    });

    it("for random requests on every endpoint, A's key never reads B's data and never changes B", async function () {
      this.timeout(120_000);
      const bUser = fc.constantFrom(...Object.values(b.users));
      const aUser = fc.constantFrom(...Object.values(a.users));
      const bResource = fc.constantFrom(...bResources);
      const aResource = fc.constantFrom(...aResources);
      const bSpace = fc.constantFrom(b.spaces.uk, b.spaces.us);
      const actionOf = (ref: Ref) => fc.constantFrom("read", "update", "delete").map((action) => ({ permission: `${ref.type}:${action}`, resource: ref }));

      /** Questions about B's things (workspaces, Spaces, resources), asked in A. */
      const bTarget = fc.oneof(
        bResource.chain(actionOf),
        fc.constantFrom("workspace:read", "members:list", "workspace:manage", "model:create", "source:read").map((permission) => ({ permission, workspaceId: b.prod })),
        fc.constantFrom("workspace:read", "model:read", "audience:read").map((permission) => ({ permission, workspaceId: b.stage })),
        fc.tuple(bSpace, fc.constantFrom("audience:read", "audience:update", "sync:create")).map(([spaceId, permission]) => ({ permission, workspaceId: b.prod, spaceId })),
        // A's own workspace with one of B's Spaces: a Space-scoped question can only be denied.
        fc.tuple(bSpace, fc.constantFrom("audience:read", "audience:update", "sync:read")).map(([spaceId, permission]) => ({ permission, workspaceId: a.prod, spaceId })),
      );
      const aTarget = fc.oneof(
        aResource.chain(actionOf),
        fc.constantFrom("workspace:read", "members:list", "model:read").map((permission) => ({ permission, workspaceId: a.prod })),
        fc.constantFrom("audience:read", "audience:update").map((permission) => ({ permission, workspaceId: a.prod, spaceId: a.spaces.uk })),
      );
      /** Every check is about B: B's user (on anything), or A's user on B's things. */
      const checkItem: fc.Arbitrary<CheckItem> = fc.oneof(
        fc.tuple(bUser, fc.oneof(bTarget, aTarget)).map(([userId, target]) => ({ userId, ...target })),
        fc.tuple(aUser, bTarget).map(([userId, target]) => ({ userId, ...target })),
      );
      const resourcePermission = fc.constantFrom("audience:read", "audience:update", "sync:read", "model:read", "model:update", "source:read", "source:delete");

      const putBody = fc.oneof(
        fc.constant({ body: { workspaceId: b.prod }, refs: "b" as const }),
        bSpace.map((spaceId) => ({ body: { workspaceId: b.prod, spaceId }, refs: "b" as const })),
        bSpace.map((spaceId) => ({ body: { workspaceId: a.prod, spaceId }, refs: "b" as const })),
        bUser.map((id) => ({ body: { workspaceId: a.prod, shares: [{ principal: { type: "user", id }, level: "view" }] }, refs: "b" as const })),
        fc.constantFrom(...Object.values(b.groups)).map((id) => ({ body: { workspaceId: a.prod, shares: [{ principal: { type: "group", id }, level: "edit" }] }, refs: "b" as const })),
        bUser.map((id) => ({ body: { workspaceId: a.prod, ownerUserId: id }, refs: "b" as const })),
        // Legitimate: A registers a resource of its own that happens to carry the same product id as one of B's.
        fc.constant({ body: { workspaceId: a.stage, ownerUserId: a.users.carol }, refs: "a" as const }),
      );

      const request = fc.oneof(
        checkItem.map((item) => ({ kind: "check" as const, item })),
        fc.array(checkItem, { minLength: 1, maxLength: 6 }).map((items) => ({ kind: "batch" as const, items })),
        checkItem.map((item) => ({ kind: "explain" as const, item })),
        fc.oneof(bUser, aUser).map((userId) => ({ kind: "effective" as const, userId })),
        fc.tuple(fc.oneof(bUser, aUser), resourcePermission).map(([userId, permission]) => ({ kind: "list" as const, userId, permission })),
        fc.tuple(bResource, putBody).map(([ref, put]) => ({ kind: "put" as const, ref, ...put })),
        bResource.map((ref) => ({ kind: "get" as const, ref })),
        bResource.map((ref) => ({ kind: "delete" as const, ref })),
      );

      const bUsers = new Set(Object.values(b.users));
      const aExternalIds = new Set(aResources.map((ref) => ref.id));
      /** B's product ids A registered for itself during the run (a legitimate, separate resource of A). */
      const copies = new Set<string>();

      function expectNoLeak(res: Res, sent: string): void {
        const text = res.text ?? "";
        for (const secret of bSecrets) {
          if (!sent.includes(secret)) expect(text, `answer to ${sent.slice(0, 200)} leaks ${secret}`).to.not.include(secret);
        }
        expect(res.status, `${sent.slice(0, 200)} → ${text.slice(0, 300)}`).to.be.below(500);
      }

      const denied = (res: Res, what: string) => {
        expect(res.status, `${what}: ${res.text}`).to.equal(200);
        expect(res.body.allowed, `${what}: ${res.text}`).to.equal(false);
      };

      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (requests) => {
          const before = await snapshotOfB();
          for (const req of requests) {
            const key = `${req.kind} ${JSON.stringify(req)}`;
            switch (req.kind) {
              case "check": {
                const res = await a.tenant.post("/check", req.item);
                expectNoLeak(res, JSON.stringify(req.item));
                denied(res, key);
                break;
              }
              case "batch": {
                const body = { checks: req.items };
                const res = await a.tenant.post("/check", body);
                expectNoLeak(res, JSON.stringify(body));
                expect(res.status, `${key}: ${res.text}`).to.equal(200);
                expect(res.body.results.map((result: { allowed: boolean }) => result.allowed)).to.deep.equal(req.items.map(() => false));
                break;
              }
              case "explain": {
                const res = await a.tenant.post("/explain", req.item);
                expectNoLeak(res, JSON.stringify(req.item));
                denied(res, key);
                expect(res.body.reasons).to.deep.equal([]);
                break;
              }
              case "effective": {
                const res = await a.tenant.get(`/users/${req.userId}/effective`);
                expectNoLeak(res, req.userId);
                if (bUsers.has(req.userId)) {
                  expect(res.status, key).to.equal(404);
                  expect(res.body.error.code).to.equal("not_found");
                } else {
                  expect(res.status, key).to.equal(200);
                  expect(res.body.organizationId).to.equal(a.tenant.organizationId);
                }
                break;
              }
              case "list": {
                const body = { userId: req.userId, permission: req.permission, limit: 1000 };
                const res = await a.tenant.post("/list", body);
                expectNoLeak(res, JSON.stringify(body));
                expect(res.status, `${key}: ${res.text}`).to.equal(200);
                if (bUsers.has(req.userId)) {
                  expect(res.body.filter).to.deep.equal({ workspaceIds: [], spaces: [], ids: [] });
                  expect(res.body.ids).to.deep.equal([]);
                } else {
                  for (const id of res.body.ids as string[]) expect(aExternalIds.has(id) || copies.has(id), `${key} lists ${id}`).to.equal(true);
                }
                break;
              }
              case "put": {
                const res = await a.tenant.put(`/resources/${req.ref.type}/${req.ref.id}`, req.body);
                expectNoLeak(res, `${req.ref.id} ${JSON.stringify(req.body)}`);
                if (req.refs === "b") {
                  expect(res.status, `${key}: ${res.text}`).to.be.oneOf([400, 404]);
                  expect(res.body.error.code).to.be.oneOf(["invalid_value", "not_found"]);
                } else {
                  expect(res.status, `${key}: ${res.text}`).to.equal(copies.has(req.ref.id) ? 200 : 201);
                  expect(res.body.resource).to.include({ workspaceId: a.stage, id: req.ref.id });
                  copies.add(req.ref.id);
                }
                break;
              }
              case "get": {
                const res = await a.tenant.get(`/resources/${req.ref.type}/${req.ref.id}`);
                expectNoLeak(res, req.ref.id);
                if (copies.has(req.ref.id)) {
                  expect(res.status, key).to.equal(200);
                  expect(res.body.resource.workspaceId, "A sees only its own resource").to.equal(a.stage);
                } else {
                  expect(res.status, `${key}: ${res.text}`).to.equal(404);
                }
                break;
              }
              case "delete": {
                const res = await a.tenant.delete(`/resources/${req.ref.type}/${req.ref.id}`);
                expectNoLeak(res, req.ref.id);
                expect(res.status, `${key}: ${res.text}`).to.equal(copies.has(req.ref.id) ? 204 : 404);
                copies.delete(req.ref.id);
                break;
              }
            }
          }
          expect(await snapshotOfB(), "B's resources, grants and access version are unchanged").to.deep.equal(before);
        }),
        { numRuns: RUNS },
      );

      // B's key still sees B's resources as they were.
      for (const ref of bResources) {
        const res = await b.tenant.get(`/resources/${ref.type}/${ref.id}`);
        expect(res.status, res.text).to.equal(200);
        expect(res.body.resource.workspaceId).to.be.oneOf([b.prod, b.stage]);
      }
    });
  });

  describe("the Space wall over HTTP, for random attachment layouts", () => {
    let tenant: AccessTenant;
    let org: string;
    let pat: string;
    let groups: string[];
    let spaces: { uk: string; us: string };
    const resources: Array<Ref & { space: "uk" | "us" | null }> = [
      { type: "audience", id: "aud-uk", space: "uk" },
      { type: "audience", id: "aud-us", space: "us" },
      { type: "audience", id: "aud-none", space: null },
      { type: "sync", id: "sync-uk", space: "uk" },
      { type: "sync", id: "sync-us", space: "us" },
    ];
    /** What the database holds now: group → attached Spaces, and the groups pat is a member of. */
    const attached = new Map<string, Set<"uk" | "us">>();
    const memberOf = new Set<string>();

    before(async () => {
      tenant = await context.newTenant("Layouts");
      org = tenant.organizationId;
      pat = await scimUser(tenant, "pat@layouts.test");
      groups = [];
      for (const name of ["Team 0", "Team 1", "Team 2"]) groups.push(await scimGroup(tenant, name, []));
      const prod = (await context.directory.workspaces.create(org, { title: "Layouts-Prod", spacesEnabled: true })).id;
      spaces = {
        uk: (await context.directory.spaces.create(org, prod, { name: "UK", dataFilter: "country_code in ('UK')" })).id,
        us: (await context.directory.spaces.create(org, prod, { name: "US", dataFilter: "country_code in ('US')" })).id,
      };
      for (const group of groups) {
        attached.set(group, new Set());
        await context.directory.grants.grant(org, { principal: { type: "group", id: group }, role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: prod }, source: "manual:admin@layouts.test" });
      }
      for (const resource of resources) {
        const res = await tenant.put(`/resources/${resource.type}/${resource.id}`, { workspaceId: prod, ...(resource.space ? { spaceId: spaces[resource.space] } : {}) });
        expect(res.status, res.text).to.equal(201);
      }
    });

    async function setMember(group: string, member: boolean): Promise<void> {
      if (memberOf.has(group) === member) return;
      const operation = member ? { op: "add", path: "members", value: [{ value: pat }] } : { op: "remove", path: `members[value eq "${pat}"]` };
      const res = await tenant.scim("patch", `/Groups/${group}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [operation] });
      expect(res.status, res.text).to.be.oneOf([200, 204]);
      if (member) memberOf.add(group);
      else memberOf.delete(group);
    }

    async function setAttached(group: string, space: "uk" | "us", on: boolean): Promise<void> {
      const now = attached.get(group) as Set<"uk" | "us">;
      if (now.has(space) === on) return;
      if (on) await context.directory.attachments.attach(org, group, spaces[space]);
      else await context.directory.attachments.detach(org, group, spaces[space]);
      if (on) now.add(space);
      else now.delete(space);
    }

    it("an Editor group's role reaches a Space's audiences and syncs exactly when a group of the user is attached to it", async function () {
      this.timeout(120_000);
      const layout = fc.array(fc.record({ member: fc.boolean(), uk: fc.boolean(), us: fc.boolean() }), { minLength: 3, maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(layout, async (wanted) => {
          for (const [index, group] of groups.entries()) {
            const want = wanted[index] as { member: boolean; uk: boolean; us: boolean };
            await setMember(group, want.member);
            await setAttached(group, "uk", want.uk);
            await setAttached(group, "us", want.us);
          }
          const reachable = new Set(groups.filter((group) => memberOf.has(group)).flatMap((group) => [...(attached.get(group) ?? [])]));
          const checks = resources.flatMap((resource) =>
            ["update", "read"].map((action) => ({ permission: `${resource.type}:${action}`, resource: { type: resource.type, id: resource.id } })),
          );
          // Read-your-writes: the version the database is at after the changes above.
          const res = await tenant.post("/check", { userId: pat, checks, minVersion: await accessVersion(org) });
          expect(res.status, res.text).to.equal(200);
          const expected = resources.flatMap((resource) => {
            const allowed = resource.space !== null && reachable.has(resource.space);
            return [allowed, allowed];
          });
          const got = res.body.results.map((result: { allowed: boolean }) => result.allowed);
          expect(got, `layout ${JSON.stringify(wanted)}; checks ${JSON.stringify(checks.map((check) => `${check.permission} ${check.resource.id}`))}`).to.deep.equal(expected);
          // The never-direction, spelled out: no update in a Space none of the user's groups is attached to.
          resources.forEach((resource, index) => {
            if (resource.space === null || !reachable.has(resource.space)) expect(got[index * 2], `${resource.type}:update on ${resource.id}`).to.equal(false);
          });
        }),
        { numRuns: RUNS },
      );
    });
  });
});
