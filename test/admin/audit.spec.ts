import { expect } from "chai";
import supertest from "supertest";
import { createAuditService } from "../../src/audit/audit.service.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

interface Item {
  id: string;
  occurredAt: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  details: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Admin API: the audit log", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let prod: string;
  let staging: string;
  let space: string;
  let group: string;
  let user: string;
  let mark: string;
  let otherWorkspace: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod", spacesEnabled: true })).body.id as string;
    space = (await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "UK" })).body.id as string;
    user = await tenant.scimUser("ada@acme.test");
    await sleep(30);
    mark = new Date().toISOString();
    await sleep(30);
    staging = (await tenant.admin("post", "/workspaces", { title: "Staging" }).set("X-Request-Id", "req-staging")).body.id as string;
    group = await tenant.scimGroup("Marketing", [user]);
    const patched = await tenant.scim("patch", `/Groups/${group}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { displayName: "Marketing EU" } }],
    });
    expect(patched.status, patched.text).to.be.oneOf([200, 204]);
    // A system event of the organization, and events of another organization with the same shapes.
    await createAuditService({ db: context.db }).record({ organizationId: tenant.organizationId, actorType: "system", actorId: null, action: "organization.plan.changed", details: { workspaceId: staging } });
    otherWorkspace = (await other.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    await other.scimGroup("Marketing");
  });

  async function page(query: string, expected = 200): Promise<{ items: Item[]; nextCursor: string | null }> {
    const res = await tenant.admin("get", `/audit${query}`);
    expect(res.status, res.text).to.equal(expected);
    return res.body as { items: Item[]; nextCursor: string | null };
  }

  /** Every event of the tenant as the audit service holds it, newest first, in the API's shape. */
  async function all(): Promise<Item[]> {
    const events = await tenant.events();
    expect(events.length).to.be.below(100);
    return events.reverse().map((event) => ({
      id: String(event.id),
      occurredAt: event.occurredAt.toISOString(),
      actor: { type: event.actorType, id: event.actorId },
      action: event.action,
      target: { type: event.targetType, id: event.targetId },
      requestId: event.requestId,
      details: event.details,
    }));
  }

  it("GET /audit: the organization's events, newest first, in the documented shape; nextCursor null at the end", async () => {
    const body = await page("");
    expect(Object.keys(body)).to.deep.equal(["items", "nextCursor"]);
    expect(body.nextCursor).to.equal(null);
    expect(body.items).to.deep.equal(await all());
    expect(body.items.length).to.be.at.least(7);
    const created = body.items.find((item) => item.action === "workspace.create" && item.target.id === staging);
    expect(created).to.deep.include({ actor: { type: "api_key", id: tenant.keyId }, target: { type: "workspace", id: staging }, requestId: "req-staging" });
    for (let i = 1; i < body.items.length; i += 1) {
      const [newer, older] = [body.items[i - 1] as Item, body.items[i] as Item];
      expect(newer.occurredAt >= older.occurredAt).to.equal(true);
    }
  });

  it("another organization's events never appear, whatever the filter", async () => {
    const everything = JSON.stringify((await page("?limit=500")).items);
    expect(everything).not.to.contain(otherWorkspace);
    expect(everything).not.to.contain(other.keyId);
    expect((await page(`?targetId=${otherWorkspace}`)).items).to.deep.equal([]);
    expect((await page(`?workspaceId=${otherWorkspace}`)).items).to.deep.equal([]);
    expect((await page(`?actor=${other.keyId}`)).items).to.deep.equal([]);
    const theirs = (await other.admin("get", "/audit")).body.items as Item[];
    expect(theirs.map((item) => item.action).sort()).to.deep.equal(["scim.group.created", "workspace.create"]);
  });

  it("each filter narrows to exactly the matching events", async () => {
    const every = await all();
    const expectFilter = async (query: string, keep: (item: Item) => boolean) => {
      const expected = every.filter(keep);
      expect(expected.length, query).to.be.above(0);
      expect(expected.length, query).to.be.below(every.length);
      expect((await page(query)).items, query).to.deep.equal(expected);
    };
    await expectFilter(`?actor=${tenant.keyId}`, (item) => item.actor.id === tenant.keyId);
    await expectFilter("?actorType=system", (item) => item.actor.type === "system");
    await expectFilter("?action=workspace.create", (item) => item.action === "workspace.create");
    await expectFilter("?targetType=space", (item) => item.target.type === "space");
    await expectFilter(`?targetId=${group}`, (item) => item.target.id === group);
    await expectFilter(`?workspaceId=${prod}`, (item) => item.target.id === prod || item.details.workspaceId === prod);
    await expectFilter(`?workspaceId=${staging.toUpperCase()}`, (item) => item.target.id === staging || item.details.workspaceId === staging);
    await expectFilter(`?actorType=api_key&action=workspace.create&targetId=${prod}`, (item) => item.action === "workspace.create" && item.target.id === prod);
    expect((await page(`?workspaceId=${prod}`)).items.map((item) => item.action)).to.have.members(["workspace.create", "space.create"]);
    expect((await page(`?workspaceId=${prod}`)).items.some((item) => item.target.id === space)).to.equal(true);
    expect((await page("?action=nothing.like.this")).items).to.deep.equal([]);
  });

  it("action=prefix.* matches by prefix", async () => {
    const every = await all();
    const groups = (await page("?action=scim.group.*")).items;
    expect(groups.map((item) => item.action)).to.include.members(["scim.group.created", "scim.group.patched"]);
    expect(groups).to.deep.equal(every.filter((item) => item.action.startsWith("scim.group.")));
    const scim = (await page("?action=scim.*")).items;
    expect(scim).to.deep.equal(every.filter((item) => item.action.startsWith("scim.")));
    expect(scim.length).to.be.above(groups.length);
    // % and _ are not wildcards.
    expect((await page("?action=scim%25*")).items).to.deep.equal([]);
    expect((await page("?action=scim_*")).items).to.deep.equal([]);
    expect((await page("?action=*")).items).to.deep.equal(every);
  });

  it("from is inclusive and to exclusive; together they bound a range", async () => {
    const every = await all();
    const before = every.filter((item) => item.occurredAt < mark);
    const after = every.filter((item) => item.occurredAt >= mark);
    expect(before.map((item) => item.target.id)).to.include.members([prod, space]);
    expect(after.map((item) => item.target.id)).to.include.members([staging, group]);
    expect((await page(`?from=${mark}`)).items).to.deep.equal(after);
    expect((await page(`?to=${mark}`)).items).to.deep.equal(before);
    const first = every[every.length - 1] as Item;
    const fromFirst = (await page(`?from=${first.occurredAt}&to=${mark}`)).items;
    expect(fromFirst).to.deep.include(first);
    expect(fromFirst).to.deep.equal(before.filter((item) => item.occurredAt >= first.occurredAt));
    expect((await page(`?from=${mark}&to=${mark}`)).items).to.deep.equal([]);
    expect((await page("?to=2000-01-01")).items).to.deep.equal([]);
    expect((await page("?from=2000-01-01T00:00:00%2B02:00")).items).to.deep.equal(every);
  });

  it("paging with a small limit walks every event exactly once, in order, and the filters hold across pages", async () => {
    const every = await all();
    for (const [limit, filter, expected] of [
      [1, "", every],
      [3, "", every],
      [2, "&action=scim.*", every.filter((item) => item.action.startsWith("scim."))],
    ] as const) {
      const seen: Item[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const body = await page(`?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(body.items.length).to.be.at.most(limit);
        seen.push(...body.items);
        cursor = body.nextCursor;
        if (cursor !== null) expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
        pages += 1;
        expect(pages).to.be.below(200);
      } while (cursor !== null);
      expect(seen).to.deep.equal(expected);
      expect(pages).to.equal(Math.max(1, Math.ceil(expected.length / limit)));
    }
    expect((await page("?limit=500")).items).to.deep.equal(every);
  });

  it("400 naming every problem: bad cursor, bad timestamps, limit out of range, unknown or repeated parameters", async () => {
    for (const cursor of ["not-a-cursor!", "abc", Buffer.from('["2026-01-01", "1"]').toString("base64url"), Buffer.from("[1,2]").toString("base64url")]) {
      const error = expectApiError(await tenant.admin("get", `/audit?cursor=${encodeURIComponent(cursor)}`), 400, "invalid_request");
      expect(error.details?.problems, cursor).to.deep.equal(["cursor: malformed; pass a nextCursor this endpoint returned"]);
    }
    for (const limit of ["0", "501", "-1", "1.5", "ten"]) {
      expectApiError(await tenant.admin("get", `/audit?limit=${limit}`), 400, "invalid_request");
    }
    for (const limit of ["1", "500"]) expect((await tenant.admin("get", `/audit?limit=${limit}`)).status).to.equal(200);
    const error = expectApiError(await tenant.admin("get", "/audit?from=yesterday&to=2026-13-45T00:00:00Z&limit=0&workspaceId=nope&action=a*b&colour=red&actor=a&actor=b"), 400, "invalid_request");
    expect(error.details?.problems).to.have.members([
      "from: must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z",
      "to: must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z",
      "limit: must be an integer from 1 to 500",
      "workspaceId: must be a UUID",
      "action: * may only end a prefix, as in scim.group.*",
      "colour: unknown query parameter (use from, to, actor, actorType, action, targetType, targetId, workspaceId, limit, cursor)",
      "actor: give it once, as a single value",
    ]);
    const reversed = expectApiError(await tenant.admin("get", "/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z"), 400, "invalid_request");
    expect(reversed.details?.problems).to.deep.equal(["from: must not be after to"]);
    expectApiError(await tenant.admin("get", "/audit/export?limit=5"), 400, "invalid_request");
    expectApiError(await tenant.admin("get", "/audit/export?from=nope"), 400, "invalid_request");
  });

  it("a cursor of one organization reads nothing of another", async () => {
    const first = await page("?limit=1");
    expect(first.nextCursor).to.be.a("string");
    const res = await other.admin("get", `/audit?cursor=${first.nextCursor}`);
    expect(res.status).to.equal(200);
    for (const item of res.body.items as Item[]) expect(JSON.stringify(item)).not.to.contain(tenant.keyId);
  });

  it("GET /audit/export streams every matching event as JSON Lines, oldest first", async () => {
    const every = await all();
    const res = await tenant.admin("get", "/audit/export").buffer(true).parse((response, done) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => done(null, text));
    });
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/x-ndjson/);
    const text = res.body as string;
    expect(text.endsWith("\n")).to.equal(true);
    const lines = text.slice(0, -1).split("\n").map((line) => JSON.parse(line) as Item);
    expect(lines).to.deep.equal([...every].reverse());

    const filtered = await tenant.admin("get", `/audit/export?action=scim.group.*&from=${mark}`).buffer(true).parse((response, done) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => done(null, body));
    });
    const filteredLines = (filtered.body as string).trim().split("\n").map((line) => JSON.parse(line) as Item);
    expect(filteredLines).to.deep.equal(every.filter((item) => item.action.startsWith("scim.group.") && item.occurredAt >= mark).reverse());

    const none = await tenant.admin("get", "/audit/export?action=nothing").buffer(true).parse((response, done) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => done(null, body));
    });
    expect(none.status).to.equal(200);
    expect(none.body).to.equal("");
  });

  it("the export reads in keyset batches of 1,000: more than one batch comes out whole and in order", async function () {
    this.timeout(60_000);
    const bulk = await context.newTenant("Bulk");
    await context.db.query(
      `INSERT INTO audit_events (organization_id, occurred_at, actor_type, actor_id, action, target_type, target_id, details)
       SELECT $1, timestamptz '2026-01-01T00:00:00Z' + (n / 3) * interval '1 millisecond', 'system', NULL, 'bulk.event', 'thing', n::text, jsonb_build_object('n', n)
         FROM generate_series(1, 2500) AS n`,
      [bulk.organizationId],
    );
    const res = await bulk.admin("get", "/audit/export").buffer(true).parse((response, done) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => done(null, body));
    });
    expect(res.status).to.equal(200);
    const numbers = (res.body as string).trim().split("\n").map((line) => (JSON.parse(line) as Item).details.n);
    expect(numbers).to.deep.equal(Array.from({ length: 2500 }, (_, i) => i + 1));
    // Paging newest first walks the same rows backwards, ties on occurred_at broken by id.
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const body: { items: Item[]; nextCursor: string | null } = (await bulk.admin("get", `/audit?limit=500${cursor ? `&cursor=${cursor}` : ""}`)).body;
      seen.push(...body.items.map((item) => item.details.n));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(seen).to.deep.equal(numbers.reverse());
  });

  it("401 without a valid key, on both routes", async () => {
    for (const url of ["/admin/v1/audit", "/admin/v1/audit/export"]) {
      expectApiError(await supertest(context.app).get(url), 401, "unauthorized");
      expectApiError(await supertest(context.app).get(url).set("Authorization", "Bearer gh_key_not-a-real-one"), 401, "unauthorized");
    }
    expectApiError(await tenant.admin("post", "/audit", {}), 405, "method_not_allowed");
  });
});
