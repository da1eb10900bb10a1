import type { RequestListener } from "node:http";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import supertest from "supertest";
import { createLogger } from "../../../src/http/logger.js";
import { withScimFastPath } from "../../../src/scim/resources/scim-fast-path.js";
import { useScimApp } from "../../support/scim-app.js";
import { brief, GROUP_SCHEMA, PATCH_SCHEMA, userBody } from "./scim-helpers.js";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;

/** What a client sees of a response, with ids and timestamps (which differ between two tenants) blanked. */
function seen(res: supertest.Response): Record<string, unknown> {
  const blank = (text: string | undefined) => text?.replace(UUID, "<id>").replace(TIMESTAMP, "<time>");
  return {
    status: res.status,
    contentType: res.headers["content-type"],
    contentLength: res.headers["content-length"] === undefined ? undefined : "present",
    etag: res.headers.etag,
    location: blank(res.headers.location as string | undefined),
    challenge: res.headers["www-authenticate"],
    body: blank(res.text),
  };
}

/**
 * The SCIM resource endpoints are answered before Express (src/scim/resources/scim-fast-path.ts). A client,
 * an operator reading logs and metrics, and the audit trail must not be able to tell which path answered.
 */
describe("SCIM fast path", () => {
  const ctx = useScimApp();

  describe("what it claims", () => {
    const EXPRESS = 299;
    let claiming: RequestListener;
    before(() => {
      // Whatever reaches this listener is what the fast path left to Express.
      const express: RequestListener = (_req, res) => void res.writeHead(EXPRESS).end();
      claiming = withScimFastPath(express, { handlers: ctx.scimHandlers, credentials: ctx.directory.credentials, logger: createLogger("silent"), bodyLimitBytes: 1024 * 1024, trustProxy: () => false });
    });

    it("answers the resource endpoints itself, authenticated or not", async () => {
      const tenant = await ctx.newTenant();
      const request = supertest(claiming);
      const bearer = `Bearer ${tenant.token}`;
      const json = "application/scim+json";
      const id = "0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11";
      const claimed = [
        request.get("/scim/v2/Users").set("Authorization", bearer),
        request.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "a"')}&count=5`).set("Authorization", bearer),
        request.post("/scim/v2/Users").set("Authorization", bearer).set("Content-Type", json).send(JSON.stringify(userBody("claimed@example.com"))),
        request.get(`/scim/v2/Users/${id}`).set("Authorization", bearer),
        request.put(`/scim/v2/Groups/${id}`).set("Authorization", bearer).set("Content-Type", "application/json; charset=utf-8").send("{}"),
        request.patch(`/scim/v2/Groups/${id}`).set("Authorization", bearer).set("Content-Type", json).send("{}"),
        request.delete(`/scim/v2/Groups/${id}`).set("Authorization", bearer),
        request.get("/scim/v2/Groups").set("Authorization", "Bearer not-a-token"),
      ];
      for (const test of claimed) {
        const res = await test;
        expect(res.status, `${res.status} ${brief(res.body)}`).to.not.equal(EXPRESS);
      }
    });

    it("leaves everything else to Express: other methods and paths, odd spellings, bodies it would not parse, no Authorization", async () => {
      const tenant = await ctx.newTenant();
      const request = supertest(claiming);
      const bearer = `Bearer ${tenant.token}`;
      const json = "application/scim+json";
      const body = JSON.stringify(userBody("left@example.com"));
      const left = [
        request.head("/scim/v2/Users").set("Authorization", bearer),
        request.options("/scim/v2/Users").set("Authorization", bearer),
        request.delete("/scim/v2/Users").set("Authorization", bearer),
        request.post("/scim/v2/Users/.search").set("Authorization", bearer).set("Content-Type", json).send("{}"),
        request.get("/scim/v2/Users/.search").set("Authorization", bearer),
        request.post("/scim/v2/Bulk").set("Authorization", bearer).set("Content-Type", json).send("{}"),
        request.get("/scim/v2/Me").set("Authorization", bearer),
        request.get("/scim/v2/ServiceProviderConfig").set("Authorization", bearer),
        request.get("/scim/v2/users").set("Authorization", bearer),
        request.get("/scim/v2/Users/").set("Authorization", bearer),
        request.get("/scim/v2/Users/a%20b").set("Authorization", bearer),
        request.get("/scim/v2/Users/x/y").set("Authorization", bearer),
        request.get("/scim/v2/Users"),
        request.post("/scim/v2/Users").set("Content-Type", json).send(body),
        request.post("/scim/v2/Users").set("Authorization", bearer).set("Content-Type", "text/plain").send(body),
        request.post("/scim/v2/Users").set("Authorization", bearer).set("Content-Type", "application/json; charset=latin1").send(body),
        request.post("/scim/v2/Users").set("Authorization", bearer).set("Content-Type", json).set("Content-Encoding", "gzip").send(gzipSync(body)),
        request.post("/scim/v2/Users").set("Authorization", bearer),
        request.get("/scim/v2/Users").set("Authorization", bearer).set("Content-Type", json).send("{}"),
      ];
      for (const test of left) {
        const res = await test;
        expect(res.status, `${res.status} ${brief(res.body)}`).to.equal(EXPRESS);
      }
      expect((await tenant.get("/Users")).body.totalResults, "nothing was created").to.equal(0);
    });
  });

  describe("answers exactly as Express does", () => {
    /** Runs the same conversation with one tenant through the fast path and another through Express alone. */
    async function both(conversation: (request: supertest.Agent, bearer: string) => Promise<supertest.Response[]>): Promise<supertest.Response[]> {
      const fast = await ctx.newTenant("Fast");
      const slow = await ctx.newTenant("Express");
      const viaFastPath = await conversation(supertest.agent(ctx.app), `Bearer ${fast.token}`);
      const viaExpress = await conversation(supertest.agent(ctx.express), `Bearer ${slow.token}`);
      expect(viaFastPath.length).to.equal(viaExpress.length);
      viaFastPath.forEach((res, i) => expect(seen(res), `exchange ${i + 1}`).to.deep.equal(seen(viaExpress[i] as supertest.Response)));
      return viaFastPath;
    }

    const json = "application/scim+json";

    it("user lifecycle: create, conflict, read, 304, filter, projection, PATCH, stale If-Match, PUT, DELETE, 404", async () => {
      const replies = await both(async (request, bearer) => {
        const send = (test: supertest.Test, body: unknown) => test.set("Authorization", bearer).set("Content-Type", json).send(JSON.stringify(body));
        const created = await send(request.post("/scim/v2/Users"), userBody("ada@example.com", { displayName: "Ada", emails: [{ value: "ada@example.com", primary: true }] }));
        const id = String(created.body.id);
        const etag = String(created.headers.etag);
        const replies = [created, await send(request.post("/scim/v2/Users"), userBody("ADA@example.com"))];
        replies.push(await request.get(`/scim/v2/Users/${id}`).set("Authorization", bearer));
        replies.push(await request.get(`/scim/v2/Users/${id}`).set("Authorization", bearer).set("If-None-Match", etag));
        replies.push(await request.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "ada@example.com"')}&attributes=userName,emails`).set("Authorization", bearer));
        replies.push(await request.get(`/scim/v2/Users?filter=${encodeURIComponent("userName eq")}`).set("Authorization", bearer));
        replies.push(await request.get(`/scim/v2/Users/${id}?excludedAttributes=emails`).set("Authorization", bearer));
        replies.push(await send(request.patch(`/scim/v2/Users/${id}`), { schemas: [PATCH_SCHEMA], Operations: [{ op: "replace", path: "displayName", value: "Ada L." }] }));
        replies.push(await send(request.patch(`/scim/v2/Users/${id}`).set("If-Match", etag), { schemas: [PATCH_SCHEMA], Operations: [{ op: "replace", path: "title", value: "x" }] }));
        replies.push(await send(request.put(`/scim/v2/Users/${id}`), userBody("ada@example.com", { active: false })));
        replies.push(await request.delete(`/scim/v2/Users/${id}`).set("Authorization", bearer));
        replies.push(await request.get(`/scim/v2/Users/${id}`).set("Authorization", bearer));
        replies.push(await request.delete("/scim/v2/Users/not-a-uuid").set("Authorization", bearer));
        return replies;
      });
      expect(replies.map((res) => res.status)).to.deep.equal([201, 409, 200, 304, 200, 400, 200, 200, 412, 200, 204, 404, 404]);
    });

    it("groups: create with a member, read, list without members, member PATCH", async () => {
      await both(async (request, bearer) => {
        const send = (test: supertest.Test, body: unknown) => test.set("Authorization", bearer).set("Content-Type", json).send(JSON.stringify(body));
        const user = await send(request.post("/scim/v2/Users"), userBody("member@example.com"));
        const group = await send(request.post("/scim/v2/Groups"), { schemas: [GROUP_SCHEMA], displayName: "Engineering", members: [{ value: user.body.id }] });
        const id = String(group.body.id);
        return [
          group,
          await request.get(`/scim/v2/Groups/${id}`).set("Authorization", bearer),
          await request.get("/scim/v2/Groups?excludedAttributes=members").set("Authorization", bearer),
          await send(request.patch(`/scim/v2/Groups/${id}`), { schemas: [PATCH_SCHEMA], Operations: [{ op: "remove", path: `members[value eq "${String(user.body.id)}"]` }] }),
          await request.get(`/scim/v2/Groups/${id}`).set("Authorization", bearer),
        ];
      });
    });

    it("bad input: broken JSON, a JSON string, an oversized body, bad and missing tokens — and nothing is created", async () => {
      const replies = await both(async (request, bearer) => {
        const post = (body: string | Buffer, authorization = bearer) => request.post("/scim/v2/Users").set("Authorization", authorization).set("Content-Type", json).send(body);
        return [
          await post('{"userName":'),
          await post('"ada@example.com"'),
          await post(JSON.stringify(userBody("big@example.com", { displayName: "x".repeat(2 * 1024 * 1024) }))),
          await post(JSON.stringify(userBody("forged@example.com")), "Bearer scim_forged"),
          await post(JSON.stringify(userBody("basic@example.com")), "Basic YTpi"),
          await request.get("/scim/v2/Users").set("Authorization", bearer),
        ];
      });
      expect(replies.map((res) => res.status)).to.deep.equal([400, 400, 413, 401, 401, 200]);
      expect(replies.map((res) => res.body.scimType)).to.deep.equal(["invalidSyntax", "invalidSyntax", "tooMany", undefined, undefined, undefined]);
      expect(replies[3]?.headers["www-authenticate"]).to.equal('Bearer realm="Gatehouse SCIM", error="invalid_token"');
      expect(replies[5]?.body.totalResults, "nothing was created").to.equal(0);
    });
  });

  it("keeps the caller's request id, replaces a malformed one, and counts the request in /metrics under its route", async () => {
    const tenant = await ctx.newTenant();
    const kept = await tenant.get("/Users").set("X-Request-Id", "idp-push-42");
    expect(kept.headers["x-request-id"]).to.equal("idp-push-42");
    const replaced = await tenant.get("/Users").set("X-Request-Id", "bad id\twith spaces");
    expect(replaced.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    await tenant.get("/Users/0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11").expect(404);
    const metrics = (await supertest(ctx.app).get("/metrics")).text;
    expect(metrics).to.match(/http_requests_total\{method="GET",route="\/scim\/v2\/Users\/:id",status="404"\} [1-9]/);
    expect(metrics).to.match(/http_requests_total\{method="GET",route="\/scim\/v2\/Users",status="200"\} [2-9]/);
  });

  it("writes the same audit trail: the token as actor, the request id, the caller's address", async () => {
    const events = async (organizationId: string) =>
      (await ctx.db.query<{ request_id: string; details: { sourceIp: string; tokenName: string } }>(`SELECT request_id, details FROM audit_events WHERE organization_id = $1`, [organizationId])).rows;
    const fast = await ctx.newTenant();
    const slow = await ctx.newTenant();
    const body = JSON.stringify(userBody("audited@example.com"));
    await supertest(ctx.app).post("/scim/v2/Users").set("Authorization", `Bearer ${fast.token}`).set("Content-Type", json()).set("X-Request-Id", "fast-1").send(body).expect(201);
    await supertest(ctx.express).post("/scim/v2/Users").set("Authorization", `Bearer ${slow.token}`).set("Content-Type", json()).set("X-Request-Id", "slow-1").send(body).expect(201);
    const [viaFastPath] = await events(fast.organizationId);
    const [viaExpress] = await events(slow.organizationId);
    expect(viaFastPath?.request_id).to.equal("fast-1");
    expect(viaExpress?.request_id).to.equal("slow-1");
    expect(viaFastPath?.details.sourceIp).to.be.a("string").and.equal(viaExpress?.details.sourceIp);
    expect(viaFastPath?.details.tokenName).to.equal("test");
  });
});

function json(): string {
  return "application/scim+json";
}
