import { expect } from "chai";
import supertest from "supertest";
import { createResourceService } from "../../src/access/engine/resources.service.js";
import { createAccessRouter } from "../../src/access/http/access.router.js";
import { useAccessApp } from "../support/access-app.js";
import { buildWorld, type World } from "./world.js";

type Method = "get" | "post" | "put" | "delete" | "patch";
type Res = supertest.Response;

const CHALLENGE = 'Bearer realm="Gatehouse API"';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectApiError(res: Res, status: number, code: string): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/json/);
  expect(Object.keys(res.body)).to.deep.equal(["error"]);
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a("string").and.not.equal("");
}

describe("Access API: authentication, the OpenAPI document, unknown routes and methods", () => {
  const context = useAccessApp();
  let world: World;

  before(async () => {
    world = await buildWorld(context);
  });

  /** A call to /access/v1 with any Authorization header (or none), JSON body when given. */
  function call(method: Method, path: string, authorization: string | null, body?: unknown): supertest.Test {
    let test = supertest(context.app)[method](`/access/v1${path}`);
    if (authorization !== null) test = test.set("Authorization", authorization);
    return body === undefined ? test : test.set("Content-Type", "application/json").send(JSON.stringify(body));
  }

  /** One valid request per operation of the API, keyed "<method> <OpenAPI path>". */
  function samples(): Record<string, { method: Method; url: string; body?: unknown; ok: number }> {
    const { users, prod } = world;
    return {
      "post /check": { method: "post", url: "/check", body: { userId: users.bob, permission: "workspace:read", workspaceId: prod }, ok: 200 },
      "post /explain": { method: "post", url: "/explain", body: { userId: users.bob, permission: "workspace:read", workspaceId: prod }, ok: 200 },
      "get /users/{id}/effective": { method: "get", url: `/users/${users.bob}/effective`, ok: 200 },
      "post /list": { method: "post", url: "/list", body: { userId: users.bob, permission: "audience:read" }, ok: 200 },
      "put /resources/{type}/{id}": { method: "put", url: "/resources/model/model-auth", body: { workspaceId: prod }, ok: 201 },
      "get /resources/{type}/{id}": { method: "get", url: "/resources/model/model-auth", ok: 200 },
      "delete /resources/{type}/{id}": { method: "delete", url: "/resources/model/model-auth", ok: 204 },
    };
  }

  describe("401 without a valid API key", () => {
    it("no Authorization header → 401 unauthorized with a Bearer challenge, on every operation; nothing is written", async () => {
      for (const [name, sample] of Object.entries(samples())) {
        const res = await call(sample.method, sample.url, null, sample.body);
        expectApiError(res, 401, "unauthorized");
        expect(res.headers["www-authenticate"], name).to.equal(CHALLENGE);
        expect(res.headers["gatehouse-access-version"], name).to.equal(undefined);
      }
      expectApiError(await world.tenant.get("/resources/model/model-auth"), 404, "not_found");
    });

    it("a malformed Authorization header → 401 with the challenge", async () => {
      for (const header of ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Token " + world.tenant.apiKey, "Bearer a b", `Bearer${world.tenant.apiKey}`, "gha_x"]) {
        const res = await call("post", "/check", header, samples()["post /check"]?.body);
        expectApiError(res, 401, "unauthorized");
        expect(res.headers["www-authenticate"], header).to.match(/^Bearer realm="Gatehouse API"/);
      }
    });

    it("a key that is not a valid API key → 401 with error=\"invalid_token\": garbage, an unknown key, a tampered key, a SCIM token", async () => {
      const key = world.tenant.apiKey;
      const tampered = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
      const unknown = `gha_${"x".repeat(43)}`;
      for (const secret of ["gha_short", unknown, tampered, world.tenant.scimToken, world.tenant.scimToken.replace(/^ghs_/, "gha_")]) {
        const res = await call("post", "/check", `Bearer ${secret}`, samples()["post /check"]?.body);
        expectApiError(res, 401, "unauthorized");
        expect(res.headers["www-authenticate"]).to.equal(`${CHALLENGE}, error="invalid_token"`);
        expect(res.text, "the presented secret is never echoed").to.not.include(secret);
      }
      // The scheme is case-insensitive (RFC 7235): the real key works with "bearer".
      const lower = await call("post", "/check", `bearer ${key}`, samples()["post /check"]?.body);
      expect(lower.status, lower.text).to.equal(200);
    });

    it("a revoked API key stops working within a second; the organization's other key keeps working", async () => {
      const org = world.tenant.organizationId;
      const { credential, secret } = await context.directory.credentials.issue("api_key", org, { name: "to revoke" });
      const ask = (key: string) => call("post", "/check", `Bearer ${key}`, samples()["post /check"]?.body);
      expect((await ask(secret)).status).to.equal(200);

      await context.directory.credentials.revoke("api_key", org, credential.id);
      const deadline = Date.now() + 1_000;
      let res = await ask(secret);
      while (res.status !== 401 && Date.now() < deadline) {
        await sleep(20);
        res = await ask(secret);
      }
      expectApiError(res, 401, "unauthorized");
      expect(res.body.error.message).to.match(/revoked/);
      expect(res.headers["www-authenticate"]).to.equal(`${CHALLENGE}, error="invalid_token"`);
      expect((await ask(world.tenant.apiKey)).status).to.equal(200);
    });

    it("an expired API key → 401 once its expiry has passed", async () => {
      const expiresAt = new Date(Date.now() + 1_500);
      const { secret } = await context.directory.credentials.issue("api_key", world.tenant.organizationId, { name: "short-lived", expiresAt });
      const ask = () => call("post", "/check", `Bearer ${secret}`, samples()["post /check"]?.body);
      expect((await ask()).status, "valid before expiry").to.equal(200);
      await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 50);
      const res = await ask();
      expectApiError(res, 401, "unauthorized");
      expect(res.body.error.message).to.match(/expired/);
    });
  });

  describe("GET /access/v1/openapi.json", () => {
    let document: {
      openapi: string;
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> };
      security: unknown[];
    };

    before(async () => {
      const res = await supertest(context.app).get("/access/v1/openapi.json");
      expect(res.status, "public: no key needed").to.equal(200);
      expect(res.headers["content-type"]).to.match(/^application\/json/);
      document = res.body;
    });

    const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
    const operationsOf = (paths: typeof document.paths): string[] =>
      Object.entries(paths).flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method} ${path}`));

    it("is OpenAPI 3.1 with bearer security, and every $ref resolves", () => {
      expect(document.openapi).to.match(/^3\.1\.\d+$/);
      expect(document.security).to.be.an("array").with.length.greaterThan(0);
      const schemes = Object.values(document.components.securitySchemes);
      expect(schemes.some((scheme) => scheme.type === "http" && scheme.scheme === "bearer")).to.equal(true);
      const refs: string[] = [];
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(visit);
        else if (node && typeof node === "object") {
          for (const [key, value] of Object.entries(node)) {
            if (key === "$ref" && typeof value === "string") refs.push(value);
            else visit(value);
          }
        }
      };
      visit(document);
      expect(refs).to.have.length.greaterThan(0);
      for (const ref of refs) {
        expect(ref, ref).to.match(/^#\//);
        const target = ref
          .slice(2)
          .split("/")
          .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), document);
        expect(target, `${ref} resolves`).to.be.an("object");
      }
    });

    it("documents exactly the router's routes (check, explain, effective, list, resources put/get/delete)", () => {
      const router = createAccessRouter({
        db: context.db,
        engine: context.instance.engine,
        resources: createResourceService({ db: context.db, policy: context.instance.engine.policy }),
        credentials: context.directory.credentials,
      });
      const stack = (router as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> }).stack;
      const served = stack.flatMap((layer) => {
        const route = layer.route;
        if (!route || route.path === "/openapi.json") return [];
        const path = route.path.replaceAll(/:([A-Za-z]+)/g, "{$1}");
        return Object.keys(route.methods)
          .filter((method) => method !== "_all")
          .map((method) => `${method} ${path}`);
      });
      expect(served).to.have.members(Object.keys(samples()));
      expect(operationsOf(document.paths)).to.have.members(served);
    });

    it("every documented operation answers with a key (no route-not-found), with a documented status and the version header", async () => {
      const all = samples();
      for (const operation of operationsOf(document.paths).sort((a, b) => ["put", "post", "get", "delete"].indexOf(a.split(" ")[0] ?? "") - ["put", "post", "get", "delete"].indexOf(b.split(" ")[0] ?? ""))) {
        const sample = all[operation];
        expect(sample, `a sample request for ${operation}`).to.not.equal(undefined);
        if (!sample) continue;
        const res = await call(sample.method, sample.url, `Bearer ${world.tenant.apiKey}`, sample.body);
        expect(res.text, operation).to.not.match(/No route for/);
        expect(res.status, `${operation}: ${res.text}`).to.equal(sample.ok);
        const [method = "", path = ""] = operation.split(" ");
        const responses = document.paths[path]?.[method]?.responses ?? {};
        expect(Object.keys(responses), operation).to.include(String(res.status));
        expect(res.headers["gatehouse-access-version"], operation).to.match(/^\d+$/);
      }
    });
  });

  describe("unknown routes and methods", () => {
    const key = () => `Bearer ${world.tenant.apiKey}`;

    it("an unknown route under /access/v1 → 404 not_found in the API's format", async () => {
      for (const [method, path] of [
        ["get", "/nope"],
        ["post", "/checks"],
        ["post", "/check/extra"],
        ["get", "/resources/model"],
        ["get", "/resources/model/a/b"],
        ["get", "/users/" + "00000000-0000-4000-8000-000000000000"],
        ["get", "/v2/check"],
      ] as const) {
        const res = await call(method, path, key(), method === "post" ? {} : undefined);
        expectApiError(res, 404, "not_found");
        expect(res.body.error.message, path).to.include(path);
      }
    });

    it("a method an endpoint does not support → 405 method_not_allowed in the API's format", async () => {
      for (const [method, path] of [
        ["get", "/check"],
        ["put", "/check"],
        ["get", "/explain"],
        ["get", "/list"],
        ["delete", "/list"],
        ["post", `/users/${world.users.bob}/effective`],
        ["delete", `/users/${world.users.bob}/effective`],
        ["post", "/resources/model/model-x"],
        ["patch", "/resources/model/model-x"],
      ] as const) {
        const res = await call(method, path, key(), method === "get" || method === "delete" ? undefined : {});
        expectApiError(res, 405, "method_not_allowed");
        expect(res.body.error.message, `${method} ${path}`).to.include(method.toUpperCase());
      }
      expectApiError(await world.tenant.get("/resources/model/model-x"), 404, "not_found");
    });

    it("a 405 says which methods are allowed (Allow header)", async () => {
      const res = await call("get", "/check", key());
      expect(res.status).to.equal(405);
      expect(res.headers.allow).to.match(/POST/);
      const resource = await call("post", "/resources/model/model-x", key(), {});
      expect(String(resource.headers.allow).split(/,\s*/)).to.include.members(["PUT", "GET", "DELETE"]);
    });
  });
});
