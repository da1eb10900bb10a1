import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

describe("Admin API: workspaces", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
  });

  async function create(title: string, spacesEnabled?: boolean): Promise<Record<string, unknown>> {
    const res = await tenant.admin("post", "/workspaces", spacesEnabled === undefined ? { title } : { title, spacesEnabled });
    expect(res.status, res.text).to.equal(201);
    return res.body as Record<string, unknown>;
  }

  describe("POST /workspaces", () => {
    it("creates a workspace (201, Location, slug) and records exactly one audit event with the key as actor", async () => {
      const before = (await tenant.events()).length;
      const res = await tenant.admin("post", "/workspaces", { title: "Acme Prod EU", spacesEnabled: true }).set("X-Request-Id", "req-create-1");
      expect(res.status, res.text).to.equal(201);
      expect(res.body).to.include({ title: "Acme Prod EU", slug: "acme-prod-eu", spacesEnabled: true });
      expect(res.headers.location).to.equal(`/admin/v1/workspaces/${res.body.id}`);
      const events = (await tenant.events()).slice(before);
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({
        actorType: "api_key",
        actorId: tenant.keyId,
        action: "workspace.create",
        targetType: "workspace",
        targetId: res.body.id,
        requestId: "req-create-1",
      });
      expect(events[0]?.details).to.deep.include({ keyName: "admin console", before: null, after: res.body });
      expect(JSON.stringify(events[0])).not.to.contain(tenant.apiKey);
    });

    it("400 names every problem, and nothing is created or audited", async () => {
      const before = await tenant.events();
      const res = await tenant.admin("post", "/workspaces", { title: "   ", spacesEnabled: "yes", colour: "red" });
      const error = expectApiError(res, 400, "invalid_request");
      expect(error.details?.problems).to.have.members(["title: must not be blank", "spacesEnabled: must be boolean", 'body: unknown field "colour"']);
      expectApiError(await tenant.admin("post", "/workspaces", {}), 400, "invalid_request");
      expectApiError(await tenant.admin("post", "/workspaces", { title: "x".repeat(201) }), 400, "invalid_request");
      expectApiError(await tenant.admin("post", "/workspaces", ["Acme"]), 400, "invalid_request");
      const list = await tenant.admin("get", "/workspaces?q=%20%20%20");
      expect(list.body.items.map((w: { title: string }) => w.title)).not.to.include("   ");
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("415 for a body that is not JSON; 400 for malformed JSON", async () => {
      const form = await tenant.admin("post", "/workspaces").set("Content-Type", "application/x-www-form-urlencoded").send("title=x");
      expectApiError(form, 415, "unsupported_media_type");
      const broken = await tenant.admin("post", "/workspaces").set("Content-Type", "application/json").send("{");
      expectApiError(broken, 400, "invalid_json");
    });

    it("409 for a title already taken (case-insensitive), with nothing changed", async () => {
      await create("Duplicate Me");
      const before = await tenant.events();
      const res = await tenant.admin("post", "/workspaces", { title: "duplicate me" });
      expectApiError(res, 409, "conflict");
      const list = await tenant.admin("get", "/workspaces?q=duplicate");
      expect(list.body.total).to.equal(1);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("another organization may use the same title: titles are per organization", async () => {
      const res = await other.admin("post", "/workspaces", { title: "Duplicate Me" });
      expect(res.status, res.text).to.equal(201);
    });
  });

  describe("GET /workspaces", () => {
    before(async () => {
      for (const title of ["Zulu Ops", "alpha analytics", "Mike Marketing"]) await create(title);
    });

    it("lists with total, searches by title, sorts by title or creation, pages", async () => {
      const all = await tenant.admin("get", "/workspaces");
      expect(all.status, all.text).to.equal(200);
      expect(all.body.total).to.equal(all.body.items.length);
      const titles = (res: { body: { items: Array<{ title: string }> } }) => res.body.items.map((w) => w.title);

      const byTitle = await tenant.admin("get", "/workspaces?sort=title&order=asc");
      const sorted = [...titles(byTitle)].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" }));
      expect(titles(byTitle).map((t) => t.toLowerCase())).to.deep.equal(sorted.map((t) => t.toLowerCase()));
      const desc = await tenant.admin("get", "/workspaces?sort=title&order=desc");
      expect(titles(desc)).to.deep.equal([...titles(byTitle)].reverse());

      const created = await tenant.admin("get", "/workspaces?sort=created&order=desc");
      const times = created.body.items.map((w: { createdAt: string }) => w.createdAt);
      expect(times).to.deep.equal([...times].sort().reverse());

      const search = await tenant.admin("get", "/workspaces?q=MARKET");
      expect(titles(search)).to.deep.equal(["Mike Marketing"]);
      expect(search.body.total).to.equal(1);

      const page = await tenant.admin("get", "/workspaces?sort=title&limit=2&offset=1");
      expect(page.body).to.include({ limit: 2, offset: 1, total: all.body.total });
      expect(titles(page)).to.deep.equal(titles(byTitle).slice(1, 3));
    });

    it("400 naming every bad parameter", async () => {
      const res = await tenant.admin("get", "/workspaces?sort=size&order=up&limit=-1&offset=x&colour=red&q=a&q=b");
      const error = expectApiError(res, 400, "invalid_request");
      expect(error.details?.problems).to.have.length(6);
      expect(error.message).to.contain("sort").and.contain("order").and.contain("limit").and.contain("offset").and.contain("colour").and.contain("q:");
    });

    it("never lists another organization's workspaces", async () => {
      const mine = await tenant.admin("get", "/workspaces?limit=500");
      const theirs = await other.admin("get", "/workspaces?limit=500");
      const ids = new Set(mine.body.items.map((w: { id: string }) => w.id));
      expect(theirs.body.items.some((w: { id: string }) => ids.has(w.id))).to.equal(false);
      expect(theirs.body.total).to.equal(1);
    });
  });

  describe("GET/PATCH /workspaces/{id}", () => {
    it("reads one; 404 for unknown, malformed and another organization's ids", async () => {
      const workspace = await create("Readable");
      const res = await tenant.admin("get", `/workspaces/${String(workspace.id)}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(workspace);
      expectApiError(await tenant.admin("get", "/workspaces/00000000-0000-4000-8000-000000000000"), 404, "not_found");
      expectApiError(await tenant.admin("get", "/workspaces/not-a-uuid"), 404, "not_found");
      expectApiError(await other.admin("get", `/workspaces/${String(workspace.id)}`), 404, "not_found");
    });

    it("renames and turns Spaces on, in one audited write", async () => {
      const workspace = await create("Old Name");
      const before = (await tenant.events()).length;
      const res = await tenant.admin("patch", `/workspaces/${String(workspace.id)}`, { title: "New Name", spacesEnabled: true });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ id: workspace.id, title: "New Name", spacesEnabled: true, slug: workspace.slug });
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetId])).to.deep.equal([["workspace.update", workspace.id]]);
      expect(events[0]?.details.before).to.deep.equal(workspace);
      expect(events[0]?.details.after).to.deep.equal(res.body);
    });

    it("400 / 409 / 404 change nothing and leave no event", async () => {
      const workspace = await create("Stable");
      await create("Taken");
      const id = String(workspace.id);
      const before = await tenant.events();
      expectApiError(await tenant.admin("patch", `/workspaces/${id}`, {}), 400, "invalid_request");
      const bad = expectApiError(await tenant.admin("patch", `/workspaces/${id}`, { title: "", spacesEnabled: 1 }), 400, "invalid_request");
      expect(bad.details?.problems).to.have.length(2);
      // A conflicting title with a valid Spaces switch: the whole request fails, the switch too.
      expectApiError(await tenant.admin("patch", `/workspaces/${id}`, { spacesEnabled: true, title: "TAKEN" }), 409, "conflict");
      expectApiError(await other.admin("patch", `/workspaces/${id}`, { title: "Hijacked" }), 404, "not_found");
      expect((await tenant.admin("get", `/workspaces/${id}`)).body).to.deep.equal(workspace);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("sets and clears the workspace's audit retention (shown in every response), audited; 400 out of range changes nothing", async () => {
      const workspace = await create("Retained");
      const id = String(workspace.id);
      expect(workspace.auditRetentionDays).to.equal(null);
      const before = (await tenant.events()).length;
      const res = await tenant.admin("patch", `/workspaces/${id}`, { auditRetentionDays: 90 });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ id, title: "Retained", auditRetentionDays: 90 });
      expect((await tenant.admin("get", `/workspaces/${id}`)).body.auditRetentionDays).to.equal(90);
      expect((await tenant.admin("get", "/workspaces?q=Retained")).body.items[0]).to.include({ id, auditRetentionDays: 90 });
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetId, e.workspaceId])).to.deep.equal([["workspace.update", id, id]]);
      expect(events[0]?.details).to.deep.include({ before: workspace, after: res.body });

      const unchanged = await tenant.events();
      for (const days of [0, 3651, 1.5, "30"]) {
        expectApiError(await tenant.admin("patch", `/workspaces/${id}`, { auditRetentionDays: days }), 400, "invalid_request");
      }
      expectApiError(await other.admin("patch", `/workspaces/${id}`, { auditRetentionDays: 1 }), 404, "not_found");
      expect((await tenant.admin("get", `/workspaces/${id}`)).body.auditRetentionDays).to.equal(90);
      expect(await tenant.events()).to.deep.equal(unchanged);

      const cleared = await tenant.admin("patch", `/workspaces/${id}`, { auditRetentionDays: null });
      expect(cleared.body.auditRetentionDays).to.equal(null);
    });

    it("409 turning Spaces off while Spaces exist, nothing changed", async () => {
      const workspace = await create("With Spaces", true);
      const id = String(workspace.id);
      expect((await tenant.admin("post", `/workspaces/${id}/spaces`, { name: "UK" })).status).to.equal(201);
      const before = await tenant.events();
      expectApiError(await tenant.admin("patch", `/workspaces/${id}`, { title: "Renamed", spacesEnabled: false }), 409, "conflict");
      expect((await tenant.admin("get", `/workspaces/${id}`)).body).to.include({ title: "With Spaces", spacesEnabled: true });
      expect(await tenant.events()).to.deep.equal(before);
    });
  });

  describe("DELETE /workspaces/{id}", () => {
    it("403 for an operator key: workspace:delete is owner-only; named, nothing deleted, no event", async () => {
      const workspace = await create("Precious");
      const before = await tenant.events();
      const res = await tenant.admin("delete", `/workspaces/${String(workspace.id)}`);
      const error = expectApiError(res, 403, "forbidden");
      expect(error.details).to.deep.equal({ permission: "workspace:delete" });
      expect(error.message).to.contain("workspace:delete").and.contain("Owner");
      expect((await tenant.admin("get", `/workspaces/${String(workspace.id)}`)).status).to.equal(200);
      expect(await tenant.events()).to.deep.equal(before);
    });

    it("404 (not 403) for another organization's workspace: its existence is not revealed", async () => {
      const workspace = await create("Hidden");
      expectApiError(await other.admin("delete", `/workspaces/${String(workspace.id)}`), 404, "not_found");
    });
  });

  describe("wrong methods", () => {
    it("405 with Allow", async () => {
      const res = await tenant.admin("put", "/workspaces", { title: "x" });
      expectApiError(res, 405, "method_not_allowed");
      expect(res.headers.allow).to.equal("GET, POST");
      const one = await tenant.admin("post", "/workspaces/00000000-0000-4000-8000-000000000000", {});
      expectApiError(one, 405, "method_not_allowed");
      expect(one.headers.allow).to.equal("GET, PATCH, DELETE");
    });
  });
});
