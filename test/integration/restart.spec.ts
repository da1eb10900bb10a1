import { expect } from "chai";
import { join } from "node:path";
import { childEnv, runCli, startServerProcess, useTempDir } from "../support/processes.js";

/** The embedded database is the zero-setup default: what `npm start` creates must survive a restart. */
describe("restarting the server on the embedded database", function () {
  this.timeout(300_000);
  const scratch = useTempDir("gatehouse-restart-");
  let env: NodeJS.ProcessEnv;

  before(() => {
    env = childEnv({ GATEHOUSE_DATA_DIR: join(scratch.path, "data", "pglite") });
  });

  it("keeps its data and its one demo organization, and prints the demo token only once", async () => {
    const first = await startServerProcess(env);
    const firstHealth = await fetch(`http://127.0.0.1:${first.port}/readyz`);
    expect(firstHealth.status).to.equal(200);
    const token = /SCIM token: +(ghs_\S+)/.exec(first.stdout())?.[1];
    const demoId = /Demo organization "[^"]+" created: (\S+)/.exec(first.stdout())?.[1];
    expect(token, first.stdout()).to.be.a("string");
    expect(first.stdout()).to.match(/SCIM base URL: http:\/\/localhost:\d+\/scim\/v2/);
    expect(await first.stop("SIGTERM")).to.equal(0);

    // Between runs, the operator adds an organization with the CLI (same data directory).
    const created = await runCli(["org", "create", "Acme", "--json"], env);
    expect(created.code, created.stderr).to.equal(0);

    const second = await startServerProcess(env);
    expect(second.stdout()).to.contain(`Demo organization: ${demoId}`);
    expect(second.stdout()).not.to.match(/ghs_/);
    expect((await fetch(`http://127.0.0.1:${second.port}/healthz`)).status).to.equal(200);
    expect(await second.stop("SIGINT")).to.equal(0);

    const listed = await runCli(["org", "list", "--json"], env);
    const organizations = JSON.parse(listed.stdout) as Array<{ id: string; name: string; demo: boolean }>;
    expect(organizations.filter((o) => o.demo).map((o) => o.id)).to.deep.equal([demoId]);
    expect(organizations.map((o) => o.name)).to.include("Acme");
    const tokens = await runCli(["scim-token", "list", "--org", demoId as string, "--json"], env);
    expect((JSON.parse(tokens.stdout) as unknown[]).length).to.equal(1);
  });

  it("refuses to open the embedded database a running server holds, naming the process", async () => {
    const running = await startServerProcess(env);
    try {
      const blocked = await runCli(["org", "list"], env);
      expect(blocked.code).to.equal(1);
      expect(blocked.stderr).to.contain(`in use by process ${running.child.pid}`);
    } finally {
      expect(await running.stop()).to.equal(0);
    }
  });

  it("fails to start with a message naming a bad setting", async () => {
    const failed = await startServerProcess({ ...env, BODY_LIMIT: "huge" }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failed).to.match(/cannot start: invalid configuration:[\s\S]*BODY_LIMIT \(http\.bodyLimit\)/);
  });
});
