import { expect } from "chai";
import { join } from "node:path";
import { createCredentialService } from "../../src/directory/credentials.service.js";
import { openDatabase } from "../../src/store/data-source.js";
import { createDb } from "../../src/store/db.js";
import { useCleanDatabase } from "../support/database.js";
import { childEnv, runCli, useTempDir, type ProcessResult } from "../support/processes.js";

/**
 * Runs the real CLI in a child process. With DATABASE_URL set it works on the test run's PostgreSQL
 * database; otherwise on an embedded database in a scratch directory.
 */
describe("gatehouse CLI", function () {
  this.timeout(180_000);
  const ctx = useCleanDatabase();
  const scratch = useTempDir("gatehouse-cli-");
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]): Promise<ProcessResult> => runCli(args, env);
  const json = <T>(result: ProcessResult): T => {
    expect(result.code, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as T;
  };

  before(() => {
    env = childEnv({
      DATABASE_URL: process.env.DATABASE_URL,
      GATEHOUSE_DATA_DIR: join(scratch.path, "pglite"),
      PUBLIC_URL: "https://id.example.test",
    });
  });

  it("migrate brings a new database up to date, then reports nothing to do", async () => {
    const first = await cli("migrate", "--json");
    const second = await cli("migrate");
    expect(first.code, first.stderr).to.equal(0);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.match(/is up to date/);
  });

  let organizationId: string;
  let scimToken: string;

  it("org create --json prints one JSON object with the organization, SCIM base URL and a token", async () => {
    const created = json<{ organizationId: string; scimBaseUrl: string; scimToken: string }>(await cli("org", "create", "Acme", "Corp", "--json"));
    expect(Object.keys(created).sort()).to.deep.equal(["organizationId", "scimBaseUrl", "scimToken"]);
    expect(created.scimBaseUrl).to.equal("https://id.example.test/scim/v2");
    expect(created.scimToken).to.match(/^ghs_[A-Za-z0-9_-]{43}$/);
    organizationId = created.organizationId;
    scimToken = created.scimToken;
    const listed = json<Array<{ id: string; name: string }>>(await cli("org", "list", "--json"));
    expect(listed.find((o) => o.id === organizationId)?.name).to.equal("Acme Corp");
  });

  it("the printed token is stored only as a hash and authenticates the organization", async () => {
    // On the embedded database the CLI's data lives in its scratch directory: open that (the CLI has exited).
    const database = process.env.DATABASE_URL ? ctx.database : await openDatabase({ dataDir: join(scratch.path, "pglite") });
    try {
      const db = createDb(database.dataSource);
      const { rows } = await db.query(`SELECT * FROM scim_tokens`);
      expect(rows.length).to.be.greaterThan(0);
      expect(JSON.stringify(rows)).not.to.contain(scimToken.slice(4));
      const verified = await createCredentialService({ db }).verify("scim_token", scimToken);
      expect(verified.ok && verified.credential.organizationId).to.equal(organizationId);
    } finally {
      if (database !== ctx.database) await database.dataSource.destroy();
    }
  });

  it("org create without --json says where to point the identity provider and that the token is shown once", async () => {
    const result = await cli("org", "create", "Globex");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("https://id.example.test/scim/v2");
    expect(result.stdout).to.match(/SCIM token: +ghs_/);
    expect(result.stdout).to.match(/cannot be shown again/);
  });

  it("scim-token create, list and revoke manage one organization's tokens", async () => {
    const issued = json<{ id: string; token: string; expiresAt: string }>(
      await cli("scim-token", "create", "--org", organizationId, "--name", "okta", "--expires-in-days", "30", "--json"),
    );
    expect(issued.token).to.match(/^ghs_/);
    expect(new Date(issued.expiresAt).getTime()).to.be.closeTo(Date.now() + 30 * 86_400_000, 120_000);

    const listed = json<Array<{ id: string; name: string; hint: string; revokedAt: string | null }>>(await cli("scim-token", "list", "--org", organizationId, "--json"));
    expect(listed.map((t) => t.name).sort()).to.deep.equal(["initial", "okta"]);
    expect(JSON.stringify(listed)).not.to.contain(issued.token);

    const revoked = json<{ id: string; revokedAt: string }>(await cli("scim-token", "revoke", "--org", organizationId, issued.id, "--json"));
    expect(revoked.id).to.equal(issued.id);
    expect(revoked.revokedAt).to.be.a("string");
    const table = await cli("scim-token", "list", "--org", organizationId);
    expect(table.stdout).to.match(/okta/);
    expect(table.stdout).not.to.contain(issued.token);
  });

  it("api-key create, list and revoke work the same way with their own prefix", async () => {
    const issued = json<{ id: string; token: string }>(await cli("api-key", "create", "--org", organizationId, "--name", "backend", "--json"));
    expect(issued.token).to.match(/^gha_[A-Za-z0-9_-]{43}$/);
    const listed = json<Array<{ id: string }>>(await cli("api-key", "list", "--org", organizationId, "--json"));
    expect(listed.map((k) => k.id)).to.deep.equal([issued.id]);
    const revoke = await cli("api-key", "revoke", "--org", organizationId, issued.id);
    expect(revoke.code, revoke.stderr).to.equal(0);
    expect(revoke.stdout).to.match(/revoked/);
  });

  it("refuses bad usage with exit code 2 and the usage text, changing nothing", async () => {
    const before = json<unknown[]>(await cli("org", "list", "--json")).length;
    for (const args of [["org", "create"], ["frobnicate"], ["scim-token", "create"], ["org", "create", "X", "--bogus"], ["scim-token", "create", "--org", organizationId, "--expires-in-days", "0"]]) {
      const result = await cli(...args);
      expect(result.code, args.join(" ")).to.equal(2);
      expect(result.stderr).to.match(/Usage: gatehouse/);
    }
    expect(json<unknown[]>(await cli("org", "list", "--json")).length).to.equal(before);
  });

  it("reports unknown organizations and tokens with exit code 1 and a clear message", async () => {
    const unknownOrg = await cli("scim-token", "create", "--org", "00000000-0000-4000-8000-000000000000");
    expect(unknownOrg.code).to.equal(1);
    expect(unknownOrg.stderr).to.match(/organization 00000000-0000-4000-8000-000000000000 not found/);
    const unknownToken = await cli("scim-token", "revoke", "--org", organizationId, "not-a-token-id");
    expect(unknownToken.code).to.equal(1);
    expect(unknownToken.stderr).to.match(/not found/);
  });

  it("a bad configuration value stops the CLI with a message naming the setting", async () => {
    const result = await runCli(["org", "list"], { ...env, DATABASE_POOL_SIZE: "lots" });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain("DATABASE_POOL_SIZE");
  });
});
