import { request as httpRequest, Agent, type IncomingHttpHeaders, type Server } from "node:http";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import express, { type Router } from "express";
import supertest from "supertest";
import type { DataSource } from "typeorm";
import { buildApp, type AppDeps } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import { DomainError, type DomainErrorCode } from "../../src/directory/domain-error.js";
import { createLogger } from "../../src/http/logger.js";
import { createReadiness } from "../../src/http/readiness.js";
import { requestIdOf } from "../../src/http/request-id.js";
import { installGracefulShutdown, startServer } from "../../src/http/server.js";
import { ScimError } from "../../src/scim/protocol/scim-error.js";
import { readPoolStats, type Database } from "../../src/store/data-source.js";
import { useCleanDatabase } from "../support/database.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const INTERNAL_DETAIL = "internal detail that must stay in the logs";
const DRIVER_PARAMETER = "driver-parameter-secret";

/** Routes that exercise the skeleton; mounted under each surface a test needs. */
function testRouter(hooks: { onSlowStart?: () => void } = {}): Router {
  const router = express.Router();
  router.get("/Users/:id", (req, res) => {
    res.json({ id: req.params.id, requestId: requestIdOf(res) });
  });
  router.post("/Users", (req, res) => {
    res.status(201).json(req.body);
  });
  router.get("/domain-errors/:code", (req) => {
    throw new DomainError(req.params.code as DomainErrorCode, `domain says ${req.params.code}`, { id: "42" });
  });
  router.get("/invalid-filter", () => {
    throw new ScimError(400, "invalidFilter", "Unsupported filter attribute");
  });
  router.all("/boom", () => {
    throw Object.assign(new Error(INTERNAL_DETAIL), { parameters: [DRIVER_PARAMETER] });
  });
  router.get("/async-boom", async () => {
    await sleep(1);
    throw new Error(INTERNAL_DETAIL);
  });
  router.get("/slow", async (_req, res) => {
    hooks.onSlowStart?.();
    await sleep(300);
    res.json({ done: true });
  });
  return router;
}

describe("HTTP skeleton", () => {
  const context = useCleanDatabase();
  const base = loadConfig({});
  const config: Config = { ...base, http: { ...base.http, bodyLimit: "2kb" } };
  let logLines: string[] = [];

  function build(overrides: Partial<AppDeps> = {}) {
    logLines = [];
    const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
    const routers = { scim: testRouter(), admin: testRouter(), access: testRouter() };
    return buildApp({ config, database: context.database, logger, routers, ...overrides });
  }

  const logs = (): string => logLines.join("");

  describe("request id", () => {
    it("echoes a well-formed incoming X-Request-Id and hands it to handlers", async () => {
      const res = await supertest(build()).get("/admin/v1/Users/7").set("X-Request-Id", "edge-1.a:b_C-9");
      expect(res.headers["x-request-id"]).to.equal("edge-1.a:b_C-9");
      expect(res.body.requestId).to.equal("edge-1.a:b_C-9");
    });

    it("generates a UUID when none is given", async () => {
      const res = await supertest(build()).get("/healthz");
      expect(res.headers["x-request-id"]).to.match(UUID);
    });

    for (const [label, id] of [["a space", "bad id"], ["129 characters", "a".repeat(129)], ["a percent sign", "a%0Ab"]]) {
      it(`replaces an incoming id containing ${label}`, async () => {
        const res = await supertest(build()).get("/healthz").set("X-Request-Id", id as string);
        expect(res.headers["x-request-id"]).to.match(UUID);
      });
    }
  });

  describe("health", () => {
    it("GET /healthz is 200 ok", async () => {
      const res = await supertest(build()).get("/healthz").expect(200);
      expect(res.body).to.deep.equal({ status: "ok" });
    });

    it("GET /readyz is 200 ready when the database answers", async () => {
      const res = await supertest(build()).get("/readyz").expect(200);
      expect(res.body).to.deep.equal({ status: "ready" });
    });

    it("GET /readyz is 503 when the database fails, without leaking the error", async () => {
      const database = withQuery(context.database, () => Promise.reject(new Error("ECONNREFUSED password=leaky")));
      const res = await supertest(build({ database })).get("/readyz").expect(503);
      expect(res.body).to.deep.equal({ status: "unavailable" });
      expect(res.text).not.to.include("leaky");
      expect(logs()).to.include("readiness check failed");
    });

    it("GET /readyz is 503 when the database does not answer in time", async () => {
      const database = withQuery(context.database, () => new Promise(() => undefined));
      const app = build({ database, readinessTimeoutMs: 50 });
      expect((await supertest(app).get("/readyz").expect(503)).body).to.deep.equal({ status: "unavailable" });
    });

    it("GET /readyz is 503 once shutdown has begun", async () => {
      const readiness = createReadiness();
      const app = build({ readiness });
      await supertest(app).get("/readyz").expect(200);
      readiness.beginShutdown();
      expect((await supertest(app).get("/readyz").expect(503)).body).to.deep.equal({ status: "unavailable" });
    });
  });

  describe("metrics", () => {
    it("labels requests by route pattern, reports the pool and default metrics", async () => {
      const app = build();
      await supertest(app).get("/scim/v2/Users/user-8231").expect(200);
      await supertest(app).get("/admin/v1/domain-errors/not_found").expect(404);
      await supertest(app).get("/admin/v1/no/such/route").expect(404);
      const res = await supertest(app).get("/metrics").expect(200);
      expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
      const text = res.text;
      expect(text).to.include('http_requests_total{method="GET",route="/scim/v2/Users/:id",status="200"} 1');
      expect(text).to.include('http_requests_total{method="GET",route="/admin/v1/domain-errors/:code",status="404"} 1');
      expect(text).to.include('http_requests_total{method="GET",route="unmatched",status="404"} 1');
      expect(text).to.include('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/scim/v2/Users/:id"');
      expect(text).not.to.include("user-8231");
      expect(text).not.to.include("no/such/route");
      for (const gauge of ["db_pool_connections_total", "db_pool_connections_idle", "db_pool_waiting_requests"]) {
        expect(text).to.match(new RegExp(`^${gauge} \\d+$`, "m"));
      }
      expect(text).to.match(new RegExp(`^db_pool_connections_max ${readPoolStats(context.database).max}$`, "m"));
      expect(readPoolStats(context.database).max).to.be.greaterThan(0);
      expect(text).to.match(/^process_cpu_user_seconds_total /m);
    });

    it("keeps one registry per app", async () => {
      const first = build();
      await supertest(first).get("/healthz");
      const second = await supertest(build()).get("/metrics");
      expect(second.text).not.to.include('route="/healthz"');
    });
  });

  describe("request bodies", () => {
    const oversized = { padding: "x".repeat(3 * 1024) };

    it("parses application/json and application/scim+json", async () => {
      await supertest(build()).post("/admin/v1/Users").send({ a: 1 }).expect(201, { a: 1 });
      const res = await supertest(build())
        .post("/scim/v2/Users")
        .set("Content-Type", "application/scim+json")
        .send(JSON.stringify({ userName: "ada" }))
        .expect(201);
      expect(res.body).to.deep.equal({ userName: "ada" });
    });

    it("answers 413 payload_too_large in the admin format", async () => {
      const res = await supertest(build()).post("/admin/v1/Users").send(oversized).expect(413);
      expect(res.headers["content-type"]).to.match(/^application\/json/);
      expect(res.body.error.code).to.equal("payload_too_large");
    });

    it("answers 413 in the SCIM format", async () => {
      const res = await supertest(build())
        .post("/scim/v2/Users")
        .set("Content-Type", "application/scim+json")
        .send(JSON.stringify(oversized))
        .expect(413);
      expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
      const body = JSON.parse(res.text);
      // RFC 7644 §3.7.4 answers an oversized payload with 413; clients expect scimType tooMany.
      expect(body).to.include({ status: "413", scimType: "tooMany" }).and.to.have.property("detail");
      expect(body.schemas).to.deep.equal([SCIM_ERROR_SCHEMA]);
    });

    it("answers 400 invalid_json for malformed JSON without quoting the body", async () => {
      const res = await supertest(build())
        .post("/access/v1/Users")
        .set("Content-Type", "application/json")
        .send('{"password": "malformed-secret"')
        .expect(400);
      expect(res.body.error.code).to.equal("invalid_json");
      expect(res.text).not.to.include("malformed-secret");
    });

    it("answers 400 invalidSyntax for malformed JSON on SCIM", async () => {
      const res = await supertest(build())
        .post("/scim/v2/Users")
        .set("Content-Type", "application/scim+json")
        .send('{"userName": ')
        .expect(400);
      expect(JSON.parse(res.text)).to.include({ status: "400", scimType: "invalidSyntax" });
    });

    for (const prefix of ["/admin/v1", "/access/v1"]) {
      it(`answers 415 for a non-JSON body under ${prefix}`, async () => {
        const res = await supertest(build()).post(`${prefix}/Users`).type("form").send("a=1").expect(415);
        expect(res.body.error.code).to.equal("unsupported_media_type");
      });
    }

    it("answers 415 in the SCIM format", async () => {
      const res = await supertest(build()).post("/scim/v2/Users").type("text/plain").send("hello").expect(415);
      expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
      expect(JSON.parse(res.text)).to.include({ status: "415" });
    });

    it("leaves /auth free to take form posts (SAML POST binding)", async () => {
      await supertest(build()).post("/auth/saml/acs").type("form").send("SAMLResponse=x").expect(404);
    });
  });

  describe("unknown routes", () => {
    it("is a SCIM 404 under /scim/v2", async () => {
      const res = await supertest(build()).get("/scim/v2/Nope").expect(404);
      expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
      expect(JSON.parse(res.text)).to.include({ status: "404" }).and.to.have.property("schemas");
    });

    for (const path of ["/admin/v1/nope", "/access/v1/nope", "/auth/nope", "/nope"]) {
      it(`is an API 404 at ${path}`, async () => {
        const res = await supertest(build()).get(path).expect(404);
        expect(res.headers["content-type"]).to.match(/^application\/json/);
        expect(res.body.error.code).to.equal("not_found");
      });
    }
  });

  describe("unexpected errors", () => {
    for (const path of ["/admin/v1/boom", "/admin/v1/async-boom"]) {
      it(`answers ${path} with a generic 500 quoting only the request id`, async () => {
        const res = await supertest(build()).get(path).expect(500);
        const requestId = res.headers["x-request-id"];
        expect(res.body).to.deep.equal({ error: { code: "internal_error", message: "Internal server error", details: { requestId } } });
        expect(logs()).to.include(INTERNAL_DETAIL).and.to.include(requestId);
      });
    }

    it("answers a generic SCIM 500 with the request id in the detail", async () => {
      const res = await supertest(build()).get("/scim/v2/boom").expect(500);
      const body = JSON.parse(res.text);
      expect(body).to.deep.equal({
        schemas: [SCIM_ERROR_SCHEMA],
        status: "500",
        detail: `Internal server error (request id ${res.headers["x-request-id"]})`,
      });
      expect(res.text).not.to.include(INTERNAL_DETAIL);
    });

    it("logs the error without its enumerable fields (driver errors carry SQL parameters)", async () => {
      await supertest(build()).get("/admin/v1/boom").expect(500);
      expect(logs()).to.include(INTERNAL_DETAIL).and.not.to.include(DRIVER_PARAMETER);
    });
  });

  describe("DomainError mapping", () => {
    const cases: Array<[DomainErrorCode, number, string | undefined]> = [
      ["not_found", 404, undefined],
      ["conflict", 409, "uniqueness"],
      ["invalid_value", 400, "invalidValue"],
      ["forbidden", 403, undefined],
      ["precondition_failed", 412, undefined],
    ];
    for (const [code, status, scimType] of cases) {
      it(`maps ${code} to ${status} on the admin API`, async () => {
        const res = await supertest(build()).get(`/admin/v1/domain-errors/${code}`).expect(status);
        expect(res.body).to.deep.equal({ error: { code, message: `domain says ${code}`, details: { id: "42" } } });
      });

      it(`maps ${code} to ${status}${scimType ? ` ${scimType}` : ""} on SCIM`, async () => {
        const res = await supertest(build()).get(`/scim/v2/domain-errors/${code}`).expect(status);
        expect(res.headers["content-type"]).to.match(/^application\/scim\+json/);
        expect(JSON.parse(res.text)).to.deep.equal({
          schemas: [SCIM_ERROR_SCHEMA],
          status: String(status),
          ...(scimType ? { scimType } : {}),
          detail: `domain says ${code}`,
        });
      });
    }

    it("renders a thrown ScimError as it is", async () => {
      const res = await supertest(build()).get("/scim/v2/invalid-filter").expect(400);
      expect(JSON.parse(res.text)).to.include({ status: "400", scimType: "invalidFilter" });
    });

    it("refuses to build a ScimError with an impossible status", () => {
      expect(() => new ScimError(200, undefined, "fine")).to.throw(RangeError);
      expect(() => new ScimError(500, "invalidValue", "no")).to.throw(RangeError);
    });
  });

  describe("log redaction", () => {
    const secrets = ["bearer-secret-token", "cookie-secret-value", "body-password-value", "query-secret-value"];

    it("never writes headers, cookies, bodies or query strings to the log", async () => {
      const app = build();
      for (const path of ["/admin/v1/Users", "/admin/v1/boom", "/scim/v2/Users"]) {
        await supertest(app)
          .post(`${path}?filter=userName%20eq%20%22query-secret-value%22`)
          .set("Authorization", "Bearer bearer-secret-token")
          .set("Cookie", "session=cookie-secret-value")
          .send({ userName: "ada", password: "body-password-value" });
      }
      await supertest(app)
        .post("/admin/v1/Users")
        .set("Content-Type", "application/json")
        .send('{"password": "body-password-value"');
      expect(logLines).to.have.length.greaterThan(3);
      expect(logs()).to.include('"route":"/admin/v1/Users"');
      for (const secret of secrets) expect(logs()).not.to.include(secret);
    });

    it("redacts credentials if a request or record is ever logged whole", () => {
      const lines: string[] = [];
      const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
      logger.info({ req: { headers: { authorization: "Bearer bearer-secret-token", cookie: "cookie-secret-value" } } });
      logger.info({ user: { password: "body-password-value", token: "t0k", secret: "s3c" }, token: "query-secret-value" });
      const text = lines.join("");
      for (const secret of [...secrets, "t0k", "s3c"]) expect(text).not.to.include(secret);
      expect(text).to.include("[redacted]");
    });
  });

  describe("graceful shutdown", () => {
    let server: Server | undefined;
    afterEach(() => {
      if (server?.listening) server.close();
      server = undefined;
    });

    async function startWithSlowRoute() {
      let slowStarted!: () => void;
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const readiness = createReadiness();
      const app = build({ readiness, routers: { admin: testRouter({ onSlowStart: () => slowStarted() }) } });
      server = await startServer(app, { port: 0, host: "127.0.0.1" });
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("server has no port");
      return { server, port: address.port, readiness, started, logger: createLogger("silent") };
    }

    it("lets in-flight requests finish, refuses new connections, then releases resources", async () => {
      const { server, port, readiness, started, logger } = await startWithSlowRoute();
      const exits: number[] = [];
      let closedCalls = 0;
      const { shutdown } = installGracefulShutdown({
        server, logger, readiness, timeoutMs: 5_000, signals: [], exit: (code) => void exits.push(code),
        onClosed: async () => void closedCalls++,
      });
      const agent = new Agent({ keepAlive: true });
      const slow = get(port, "/admin/v1/slow", agent);
      await started;
      const startedAt = Date.now();
      const done = shutdown();
      expect(readiness.isShuttingDown()).to.equal(true);
      expect(await connectError(port)).to.equal("ECONNREFUSED");
      const response = await slow;
      expect(response.status).to.equal(200);
      expect(response.headers.connection).to.equal("close");
      await done;
      // Well under the 5 s keep-alive timeout: the idle keep-alive connection did not hold the close up.
      expect(Date.now() - startedAt).to.be.lessThan(2_000);
      expect(closedCalls).to.equal(1);
      expect(exits).to.deep.equal([0]);
      agent.destroy();
    });

    it("cuts requests still running at the deadline, and exits 1 when releasing fails", async () => {
      const { server, port, readiness, started, logger } = await startWithSlowRoute();
      const exits: number[] = [];
      const { shutdown } = installGracefulShutdown({
        server, logger, readiness, timeoutMs: 50, signals: [], exit: (code) => void exits.push(code),
        onClosed: () => Promise.reject(new Error("pool would not close")),
      });
      const slow = get(port, "/admin/v1/slow").then(() => "completed", (error: NodeJS.ErrnoException) => error.code);
      await started;
      await shutdown();
      expect(await slow).to.equal("ECONNRESET");
      expect(exits).to.deep.equal([1]);
    });

    it("forces exit 1 on a second signal", async () => {
      const { server, readiness, started, port, logger } = await startWithSlowRoute();
      const exits: number[] = [];
      const { uninstall } = installGracefulShutdown({
        server, logger, readiness, timeoutMs: 5_000, signals: ["SIGTERM"], exit: (code) => void exits.push(code),
        onClosed: async () => undefined,
      });
      try {
        const slow = get(port, "/admin/v1/slow");
        await started;
        process.emit("SIGTERM", "SIGTERM");
        process.emit("SIGTERM", "SIGTERM");
        expect(exits).to.deep.equal([1]);
        await slow;
      } finally {
        uninstall();
      }
    });
  });
});

/** The network edge: the same database whose every query behaves as `query` says. */
function withQuery(database: Database, query: () => Promise<unknown>): Database {
  const dataSource = Object.create(database.dataSource, { query: { value: query } }) as DataSource;
  return { ...database, dataSource };
}

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, agent: agent ?? false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}
