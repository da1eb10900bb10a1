import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

describe("Admin API: Spaces", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let prod: string;
  let plain: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod", spacesEnabled: true })).body.id as string;
    plain = (await tenant.admin("post", "/workspaces", { title: "Plain" })).body.id as string;
  });

  async function createSpace(name: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const res = await tenant.admin("post", `/workspaces/${prod}/spaces`, { name, ...extra });
    expect(res.status, res.text).to.equal(201);
    return res.body as Record<string, unknown>;
  }

  describe("POST/GET /workspaces/{id}/spaces", () => {
    it("creates a Space (201, Location) with one audit event, and lists it", async () => {
      const before = (await tenant.events()).length;
      const res = await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "UK", description: "United Kingdom", dataFilter: "country_code in ('UK')" });
      expect(res.status, res.text).to.equal(201);
      expect(res.body).to.include({ workspaceId: prod, name: "UK", description: "United Kingdom", dataFilter: "country_code in ('UK')" });
      expect(res.headers.location).to.equal(`/admin/v1/spaces/${res.body.id}`);
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.actorId, e.action, e.targetType, e.targetId])).to.deep.equal([[tenant.keyId, "space.create", "space", res.body.id]]);
      expect(events[0]?.details).to.deep.include({ before: null, after: res.body, workspaceId: prod });
      const list = await tenant.admin("get", `/workspaces/${prod}/spaces`);
      expect(list.status).to.equal(200);
      expect(list.body.items).to.deep.include(res.body);
      expect(list.body.total).to.equal(list.body.items.length);
    });

    it("412 where Spaces are not enabled: nothing created, no event", async () => {
      const before = await tenant.events();
      const error = expectApiError(await tenant.admin("post", `/workspaces/${plain}/spaces`, { name: "UK" }), 412, "precondition_failed");
      expect(error.message).to.contain("Spaces are not enabled");
      expect((await tenant.admin("get", `/workspaces/${plain}/spaces`)).body.items).to.deep.equal([]);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("400 naming every problem, 409 for a taken name; nothing created, no event", async () => {
      await createSpace("Taken");
      const before = await tenant.events();
      const count = (await tenant.admin("get", `/workspaces/${prod}/spaces`)).body.total as number;
      const bad = expectApiError(await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: " ", description: 5, dataFilter: "x".repeat(4001), extra: true }), 400, "invalid_request");
      expect(bad.details?.problems).to.have.length(4);
      expectApiError(await tenant.admin("post", `/workspaces/${prod}/spaces`, { description: "no name" }), 400, "invalid_request");
      expectApiError(await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "taken" }), 409, "conflict");
      expect((await tenant.admin("get", `/workspaces/${prod}/spaces`)).body.total).to.equal(count);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("404 for an unknown workspace and for another organization's", async () => {
      expectApiError(await tenant.admin("post", `/workspaces/${UNKNOWN}/spaces`, { name: "X" }), 404, "not_found");
      expectApiError(await tenant.admin("get", `/workspaces/${UNKNOWN}/spaces`), 404, "not_found");
      expectApiError(await other.admin("post", `/workspaces/${prod}/spaces`, { name: "Intruder" }), 404, "not_found");
      expectApiError(await other.admin("get", `/workspaces/${prod}/spaces`), 404, "not_found");
      expect((await tenant.admin("get", `/workspaces/${prod}/spaces`)).body.items.map((s: { name: string }) => s.name)).not.to.include("Intruder");
    });
  });

  describe("GET/PATCH/DELETE /spaces/{id}", () => {
    it("reads, renames, re-describes and clears the data filter (audited with before and after)", async () => {
      const space = await createSpace("US", { dataFilter: "country_code in ('US')" });
      const id = String(space.id);
      expect((await tenant.admin("get", `/spaces/${id}`)).body).to.deep.equal(space);
      const before = (await tenant.events()).length;
      const res = await tenant.admin("patch", `/spaces/${id}`, { name: "USA", description: "States", dataFilter: null });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ id, name: "USA", description: "States", dataFilter: null });
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => e.action)).to.deep.equal(["space.update"]);
      expect(events[0]?.details).to.deep.include({ before: space, after: res.body });
    });

    it("400 / 409 / 404 change nothing", async () => {
      const space = await createSpace("Stable Space");
      await createSpace("Other Space");
      const id = String(space.id);
      const before = await tenant.events();
      expectApiError(await tenant.admin("patch", `/spaces/${id}`, {}), 400, "invalid_request");
      expectApiError(await tenant.admin("patch", `/spaces/${id}`, { name: "", bogus: 1 }), 400, "invalid_request");
      expectApiError(await tenant.admin("patch", `/spaces/${id}`, { name: "other space" }), 409, "conflict");
      expectApiError(await tenant.admin("patch", `/spaces/${UNKNOWN}`, { name: "X" }), 404, "not_found");
      expectApiError(await other.admin("patch", `/spaces/${id}`, { name: "Hijacked" }), 404, "not_found");
      expectApiError(await other.admin("get", `/spaces/${id}`), 404, "not_found");
      expectApiError(await other.admin("delete", `/spaces/${id}`), 404, "not_found");
      expect((await tenant.admin("get", `/spaces/${id}`)).body).to.deep.equal(space);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("deletes a Space (204), its attachments with it, with one audit event naming the detached groups", async () => {
      const space = await createSpace("Doomed");
      const id = String(space.id);
      const group = await tenant.scimGroup("Doomed Team");
      expect((await tenant.admin("put", `/spaces/${id}/groups/${group}`)).status).to.equal(201);
      const before = (await tenant.events()).length;
      const res = await tenant.admin("delete", `/spaces/${id}`);
      expect(res.status, res.text).to.equal(204);
      expectApiError(await tenant.admin("get", `/spaces/${id}`), 404, "not_found");
      expect((await tenant.admin("get", `/groups/${group}/spaces`)).body.items).to.deep.equal([]);
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetId])).to.deep.equal([["space.delete", id]]);
      expect(events[0]?.details).to.deep.include({ before: space, after: null, detachedGroups: [{ id: group, name: "Doomed Team" }] });
      expectApiError(await tenant.admin("delete", `/spaces/${id}`), 404, "not_found");
    });

    describe("a Space holding resources", () => {
      /** Registers a Space-scoped resource through the Access API, as the product would. */
      async function register(id: string, spaceId: string): Promise<void> {
        const res = await tenant.access("put", `/resources/audience/${id}`, { workspaceId: prod, spaceId });
        expect(res.status, res.text).to.be.oneOf([200, 201]);
      }

      async function resourcesIn(spaceId: string): Promise<string[]> {
        const { rows } = await context.db.query<{ external_id: string }>(
          `SELECT external_id FROM resources WHERE organization_id = $1 AND space_id = $2 ORDER BY external_id`,
          [tenant.organizationId, spaceId],
        );
        return rows.map((row) => row.external_id);
      }

      async function state(...spaceIds: string[]) {
        return {
          spaces: await Promise.all(spaceIds.map(async (id) => (await tenant.admin("get", `/spaces/${id}`)).status)),
          resources: await Promise.all(spaceIds.map(resourcesIn)),
          events: await tenant.events(),
        };
      }

      it("409 saying how many resources live in it, naming some; nothing deleted, no event", async () => {
        const space = String((await createSpace("Busy")).id);
        for (const id of ["aud-1", "aud-2", "aud-3"]) await register(id, space);
        const before = await state(space);
        const error = expectApiError(await tenant.admin("delete", `/spaces/${space}`), 409, "conflict");
        expect(error.message).to.contain("3 resource(s)").and.contain("moveResourcesTo");
        expect(error.details).to.deep.include({ spaceId: space, resourceCount: 3 });
        expect(error.details?.resources).to.deep.equal(["aud-1", "aud-2", "aud-3"].map((id) => ({ type: "audience", id })));
        expect(await state(space)).to.deep.equal(before);
      });

      it("?moveResourcesTo moves them to another Space of the workspace and deletes the Space in one audited write; their grants stay", async () => {
        const from = String((await createSpace("Leaving")).id);
        const to = String((await createSpace("Staying")).id);
        await register("aud-moving-1", from);
        await register("aud-moving-2", from);
        await register("aud-resident", to);
        // A per-resource grant of a custom role: it names the workspace, which does not change.
        const role = await tenant.admin("post", "/roles", { name: "Audience Reader", level: "workspace", permissions: ["audience:read"] });
        const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM resources WHERE organization_id = $1 AND external_id = 'aud-moving-1'`, [tenant.organizationId]);
        const user = await tenant.scimUser("reader@acme.test");
        const grant = await tenant.admin("post", `/users/${user}/grants`, { role: { id: role.body.id }, scope: { type: "resource", resourceId: rows[0]?.id } });
        expect(grant.status, grant.text).to.equal(201);

        const check = async () => {
          const answer = await tenant.access("post", "/check", { userId: user, permission: "audience:read", resource: { type: "audience", id: "aud-moving-1" } });
          expect(answer.status, answer.text).to.equal(200);
          return answer.body.allowed as boolean;
        };
        const allowedBefore = await check();

        const count = (await tenant.events()).length;
        const res = await tenant.admin("delete", `/spaces/${from}?moveResourcesTo=${to.toUpperCase()}`);
        expect(res.status, res.text).to.equal(204);
        expectApiError(await tenant.admin("get", `/spaces/${from}`), 404, "not_found");
        expect(await resourcesIn(to)).to.deep.equal(["aud-moving-1", "aud-moving-2", "aud-resident"]);
        expect((await tenant.admin("get", `/grants/${grant.body.id}`)).body.scope).to.deep.include({ type: "resource", resourceId: rows[0]?.id });
        const events = (await tenant.events()).slice(count);
        expect(events.map((e) => [e.action, e.targetId, e.workspaceId])).to.deep.equal([["space.delete", from, prod]]);
        expect(events[0]?.details).to.deep.include({ resourcesMoved: { count: 2, toSpaceId: to } });
        // The grant means what it meant before: the move changes the Space, not who holds what.
        expect(await check()).to.equal(allowedBefore);
      });

      it("400 for a bad moveResourcesTo (malformed, itself, another workspace's or organization's Space, unknown parameters); nothing changed", async () => {
        const space = String((await createSpace("Anchored")).id);
        await register("aud-anchored", space);
        const elsewhere = (await tenant.admin("post", "/workspaces", { title: "Elsewhere", spacesEnabled: true })).body.id as string;
        const foreign = (await tenant.admin("post", `/workspaces/${elsewhere}/spaces`, { name: "Foreign" })).body.id as string;
        const otherWorkspace = (await other.admin("post", "/workspaces", { title: "Theirs", spacesEnabled: true })).body.id as string;
        const theirs = (await other.admin("post", `/workspaces/${otherWorkspace}/spaces`, { name: "Theirs" })).body.id as string;
        const before = await state(space, foreign);
        for (const query of ["moveResourcesTo=nope", `moveResourcesTo=${space}`, `moveResourcesTo=${foreign}`, `moveResourcesTo=${theirs}`, `moveResourcesTo=${UNKNOWN}`]) {
          const error = expectApiError(await tenant.admin("delete", `/spaces/${space}?${query}`), 400, "invalid_value");
          expect(error.message, query).to.contain("moveResourcesTo");
        }
        expectApiError(await tenant.admin("delete", `/spaces/${space}?moveTo=${foreign}`), 400, "invalid_request");
        expectApiError(await tenant.admin("delete", `/spaces/${space}?moveResourcesTo=${foreign}&moveResourcesTo=${foreign}`), 400, "invalid_request");
        expect(await state(space, foreign)).to.deep.equal(before);
      });

      it("an empty Space is deleted with or without moveResourcesTo", async () => {
        const empty = String((await createSpace("Empty")).id);
        const target = String((await createSpace("Target")).id);
        expect((await tenant.admin("delete", `/spaces/${empty}?moveResourcesTo=${target}`)).status).to.equal(204);
        const events = await tenant.events();
        expect(events[events.length - 1]?.details).to.deep.include({ resourcesMoved: { count: 0, toSpaceId: target } });
      });
    });

    it("405 with Allow", async () => {
      const res = await tenant.admin("put", `/spaces/${UNKNOWN}`, {});
      expectApiError(res, 405, "method_not_allowed");
      expect(res.headers.allow).to.equal("GET, PATCH, DELETE");
      const list = await tenant.admin("delete", `/workspaces/${prod}/spaces`);
      expect(list.headers.allow).to.equal("GET, POST");
    });
  });
});
