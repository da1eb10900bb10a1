import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childEnv, runCli, startServerProcess, useTempDir } from "../support/processes.js";

/** The Access API as `npm start` serves it: the real process, the CLI's API key, the policy from GATEHOUSE_POLICY. */
describe("the Access API in the real server process", function () {
  this.timeout(300_000);
  const scratch = useTempDir("gatehouse-access-");
  let env: NodeJS.ProcessEnv;

  before(() => {
    env = childEnv({ GATEHOUSE_DATA_DIR: join(scratch.path, "data", "pglite"), GATEHOUSE_SEED_DEMO: "false" });
  });

  it("answers a check with an API key made by the CLI, and denies what the policy does not grant", async () => {
    const org = await runCli(["org", "create", "Acme", "--json"], env);
    expect(org.code, org.stderr).to.equal(0);
    const { organizationId, scimToken } = JSON.parse(org.stdout) as { organizationId: string; scimToken: string };
    const key = await runCli(["api-key", "create", "--org", organizationId, "--name", "backend", "--json"], env);
    expect(key.code, key.stderr).to.equal(0);
    const apiKey = (JSON.parse(key.stdout) as { token: string }).token;

    const server = await startServerProcess(env);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const user = await fetch(`${base}/scim/v2/Users`, {
        method: "POST",
        headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "alice@acme.test" }),
      });
      expect(user.status).to.equal(201);
      const userId = ((await user.json()) as { id: string }).id;
      const check = await fetch(`${base}/access/v1/check`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ userId, permission: "organization:read" }),
      });
      expect(check.status).to.equal(200);
      const body = (await check.json()) as { allowed: boolean; missing: string; accessVersion: number };
      expect(body.allowed).to.equal(false);
      expect(body.missing).to.match(/no organization role held grants it/);
      expect(check.headers.get("gatehouse-access-version")).to.equal(String(body.accessVersion));

      const withScimToken = await fetch(`${base}/access/v1/check`, {
        method: "POST",
        headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/json" },
        body: JSON.stringify({ userId, permission: "organization:read" }),
      });
      expect(withScimToken.status).to.equal(401);
      const openapi = (await (await fetch(`${base}/access/v1/openapi.json`)).json()) as { openapi: string };
      expect(openapi.openapi).to.equal("3.1.0");
    } finally {
      expect(await server.stop()).to.equal(0);
    }
  });

  it("refuses to start with a broken policy file, listing its problems", async () => {
    const file = join(scratch.path, "policy.json");
    writeFileSync(file, JSON.stringify({ name: "broken", permissions: {}, roles: { organization: [], workspace: [] } }));
    const failed = await startServerProcess({ ...env, GATEHOUSE_POLICY: file }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failed).to.match(/cannot start: invalid policy file .*policy\.json/);
  });
});
