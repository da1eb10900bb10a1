import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { processRole } from "../../src/cluster.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { childEnv, projectRoot, runCli, startServerProcess, useTempDir, type RunningServer } from "../support/processes.js";

/**
 * Cluster mode (GATEHOUSE_WORKERS, src/cluster.ts) with the real server: several worker processes on one port
 * and one PostgreSQL database, each with its own access cache. Which process answered a request is read from
 * its request log line (pino writes the pid on every line; the caller picks the X-Request-Id), so the server
 * exposes nothing for the test. Each single-connection agent stays on the worker that accepted its connection.
 */

interface Reply {
  status: number;
  body: Record<string, unknown>;
  requestId: string;
}

function send(agent: http.Agent, port: number, method: string, path: string, token: string | null, body?: unknown): Promise<Reply> {
  const requestId = `cluster-${randomBytes(6).toString("hex")}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1", port, path, method, agent,
        headers: {
          "x-request-id": requestId,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload === undefined ? {} : { "content-type": path.startsWith("/scim/") ? "application/scim+json" : "application/json", "content-length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, requestId }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

async function logLine(server: RunningServer, predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    for (const raw of server.stdout().split("\n")) {
      if (!raw.startsWith("{")) continue;
      const line = JSON.parse(raw) as Record<string, unknown>;
      if (predicate(line)) return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no such log line in:\n${server.stdout()}`);
}

/** The pid of the process that answered: from its request log line. */
async function answeredBy(server: RunningServer, reply: Reply): Promise<number> {
  return Number((await logLine(server, (line) => line.requestId === reply.requestId)).pid);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("GATEHOUSE_WORKERS: which part a starting process plays", () => {
  const pgUrl = "postgres://gatehouse@db.example.test:5432/gatehouse";

  it("one process by default; several only on PostgreSQL; a bad count names the setting", () => {
    expect(loadConfig({}).http.workers).to.equal(1);
    expect(processRole(loadConfig({ DATABASE_URL: pgUrl }))).to.equal("single");
    expect(processRole(loadConfig({ DATABASE_URL: pgUrl, GATEHOUSE_WORKERS: "1" }))).to.equal("single");
    expect(processRole(loadConfig({ DATABASE_URL: pgUrl, GATEHOUSE_WORKERS: "3" }))).to.equal("primary");
    expect(() => processRole(loadConfig({ GATEHOUSE_WORKERS: "2" }))).to.throw(ConfigError, /need PostgreSQL \(DATABASE_URL\)/);
    expect(() => loadConfig({ DATABASE_URL: pgUrl, GATEHOUSE_WORKERS: "0" })).to.throw(ConfigError, /GATEHOUSE_WORKERS \(http\.workers\): must be >= 1/);
    expect(() => loadConfig({ GATEHOUSE_WORKERS: "two" })).to.throw(ConfigError, /GATEHOUSE_WORKERS must be an integer/);
  });
});

describe("cluster mode: GATEHOUSE_WORKERS server processes sharing the port", function () {
  this.timeout(300_000);
  const scratch = useTempDir("gatehouse-cluster-");

  it("refuses several workers on the embedded database, saying PostgreSQL is needed", async () => {
    const env = childEnv({ GATEHOUSE_DATA_DIR: join(scratch.path, "pglite"), GATEHOUSE_SEED_DEMO: "false", GATEHOUSE_WORKERS: "2" });
    const failed = await startServerProcess(env).then(
      async (server) => {
        await server.stop("SIGKILL");
        return null;
      },
      (error: Error) => error.message,
    );
    expect(failed).to.match(/cannot start: GATEHOUSE_WORKERS \(http\.workers\) is 2, but several server processes need PostgreSQL \(DATABASE_URL\)/);
  });

  describe("on PostgreSQL (skipped on PGlite: its database belongs to one process)", () => {
    // A database of its own: the server processes must not meet other suites' truncations.
    const name = `gatehouse_cluster_${process.pid}_${randomBytes(3).toString("hex")}`;
    let admin: pg.Client | undefined;
    let url = "";

    before(async function () {
      if (!process.env.DATABASE_URL) this.skip();
      admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const parsed = new URL(process.env.DATABASE_URL);
      parsed.pathname = `/${name}`;
      url = parsed.toString();
    });

    after(async () => {
      if (!admin) return;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });

    it("serves from two worker pids, a grant through one is seen by the other, a dead worker is replaced, SIGTERM stops all with 0", async () => {
      const env = childEnv({ DATABASE_URL: url, GATEHOUSE_SEED_DEMO: "false" });
      const org = await runCli(["org", "create", "Acme", "--json"], env);
      expect(org.code, org.stderr).to.equal(0);
      const { organizationId, scimToken } = JSON.parse(org.stdout) as { organizationId: string; scimToken: string };
      const key = await runCli(["api-key", "create", "--org", organizationId, "--name", "backend", "--json"], env);
      expect(key.code, key.stderr).to.equal(0);
      const apiKey = (JSON.parse(key.stdout) as { token: string }).token;

      const server = await startServerProcess({ ...env, GATEHOUSE_WORKERS: "2" });
      const agents: http.Agent[] = [];
      try {
        const ready = await logLine(server, (line) => line.msg === "Gatehouse listening");
        const workerPids = ready.workerPids as number[];
        expect(workerPids).to.have.length(2);
        expect(workerPids).not.to.include(server.child.pid);

        // Connections are handed to the workers in turn: find one pinned to each.
        const byPid = new Map<number, http.Agent>();
        for (let attempt = 0; attempt < 8 && byPid.size < 2; attempt += 1) {
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          agents.push(agent);
          const health = await send(agent, server.port, "GET", "/healthz", null);
          expect(health.status).to.equal(200);
          const pid = await answeredBy(server, health);
          if (!byPid.has(pid)) byPid.set(pid, agent);
        }
        expect([...byPid.keys()].sort()).to.deep.equal([...workerPids].sort());
        const [[pidA, a], [pidB, b]] = [...byPid.entries()] as [[number, http.Agent], [number, http.Agent]];

        const user = await send(a, server.port, "POST", "/scim/v2/Users", scimToken, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "alice@acme.test" });
        expect(user.status).to.equal(201);
        const userId = user.body.id as string;
        const check = { userId, permission: "organization:read" };
        // Both workers have alice cached without the role.
        for (const [pid, agent] of [[pidA, a], [pidB, b]] as const) {
          const denied = await send(agent, server.port, "POST", "/access/v1/check", apiKey, check);
          expect(denied.body.allowed).to.equal(false);
          expect(await answeredBy(server, denied)).to.equal(pid);
        }

        const grant = await send(a, server.port, "POST", `/admin/v1/users/${userId}/grants`, apiKey, { role: { key: "organization.viewer" }, scope: { type: "organization" } });
        expect(grant.status, JSON.stringify(grant.body)).to.equal(201);
        expect(await answeredBy(server, grant)).to.equal(pidA);
        const onA = await send(a, server.port, "POST", "/access/v1/check", apiKey, check);
        expect(onA.body.allowed).to.equal(true);
        const written = onA.body.accessVersion as number;

        // Worker B, asked for the version A answered at, serves it and never its stale cached answer.
        const onB = await send(b, server.port, "POST", "/access/v1/check", apiKey, { ...check, minVersion: written });
        expect(onB.status).to.equal(200);
        expect(await answeredBy(server, onB)).to.equal(pidB);
        expect(onB.body.allowed).to.equal(true);
        expect(onB.body.accessVersion).to.be.at.least(written);
        // Without minVersion too: B learned the change (NOTIFY) and forgot its cached denial.
        const plain = await send(b, server.port, "POST", "/access/v1/check", apiKey, check);
        expect(await answeredBy(server, plain)).to.equal(pidB);
        expect(plain.body.allowed).to.equal(true);

        // A worker killed outright is replaced; the port keeps answering.
        process.kill(pidB, "SIGKILL");
        const replaced = await logLine(server, (line) => line.msg === "worker restarted and listening");
        const newPid = Number(replaced.worker);
        expect(newPid).not.to.be.oneOf(workerPids);
        const fresh = new http.Agent({ keepAlive: true, maxSockets: 1 });
        agents.push(fresh);
        expect((await send(fresh, server.port, "POST", "/access/v1/check", apiKey, check)).body.allowed).to.equal(true);

        for (const agent of agents) agent.destroy();
        expect(await server.stop("SIGTERM")).to.equal(0);
        for (const pid of [pidA, newPid]) expect(isRunning(pid), `worker ${pid} still running`).to.equal(false);
        expect(server.stdout()).to.match(/"msg":"all workers stopped"/);
      } finally {
        for (const agent of agents) agent.destroy();
        if (server.child.exitCode === null) await server.stop("SIGKILL");
      }
    });

    it("gives up with exit 1 when the workers keep dying before they listen (the port is taken)", async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      const port = (taken.address() as AddressInfo).port;
      try {
        const env = { ...childEnv({ DATABASE_URL: url, GATEHOUSE_SEED_DEMO: "false", GATEHOUSE_WORKERS: "2" }), PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" };
        const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot, "src/main.ts")], { cwd: projectRoot, env });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.resume();
        const killOnExit = () => child.kill("SIGKILL");
        process.once("exit", killOnExit);
        const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        process.off("exit", killOnExit);
        expect(code).to.equal(1);
        expect(stdout).to.match(/"msg":"workers keep dying before they listen: giving up"/);
        expect(stdout).not.to.match(/"msg":"Gatehouse listening"/);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });
  });
});
