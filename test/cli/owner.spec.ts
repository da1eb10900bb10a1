import { expect } from "chai";
import { join } from "node:path";
import { runOwnerCommand, type OwnerArgs } from "../../src/cli/owner.command.js";
import type { CliContext } from "../../src/cli/context.js";
import { UsageError, type Output } from "../../src/cli/output.js";
import { loadConfig } from "../../src/config.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { DomainError } from "../../src/directory/domain-error.js";
import { describeOwnership } from "../../src/directory/ownership.service.js";
import { createLogger } from "../../src/http/logger.js";
import { openDatabase } from "../../src/store/data-source.js";
import { createDb } from "../../src/store/db.js";
import { useCleanDatabase } from "../support/database.js";
import { childEnv, runCli, useTempDir } from "../support/processes.js";

describe("gatehouse owner transfer (break-glass)", function () {
  this.timeout(180_000);
  const ctx = useCleanDatabase();
  let directory: Directory;
  let context: CliContext;
  let organizationId: string;
  let alice: string;
  let bob: string;
  let workspaceId: string;

  /** Runs the command in this process over the test database; returns what it printed and logged. */
  async function owner(args: Partial<OwnerArgs> & { rest: string[] }) {
    const lines: string[] = [];
    const json: unknown[] = [];
    const logged: Array<Record<string, unknown>> = [];
    const out: Output = { line: (text) => lines.push(text), json: (value) => json.push(value), error: (text) => lines.push(text) };
    const logger = createLogger("warn", { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    await runOwnerCommand({ action: "transfer", to: undefined, workspace: undefined, reason: undefined, json: false, ...args }, context, out, { osUser: "root-on-call", logger });
    return { lines, json, logged };
  }
  const failure = async (work: Promise<unknown>) => work.then(() => null, (error: unknown) => error);
  const events = async () => (await ctx.db.query<{ action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }>(`SELECT action, actor_type, actor_id, details FROM audit_events WHERE organization_id = $1 ORDER BY id`, [organizationId])).rows;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    context = { config: loadConfig({ ...process.env, LOG_LEVEL: "silent" }), database: ctx.database, directory, scimBaseUrl: "https://gatehouse.test/scim/v2", migrated: [] };
    organizationId = (await directory.organizations.create({ name: "Acme", plan: "paid" })).id;
    alice = (await directory.users.create(organizationId, { userName: "alice@acme.test", active: true })).id;
    bob = (await directory.users.create(organizationId, { userName: "bob@acme.test", active: true })).id;
    await directory.users.create(organizationId, { userName: "carol@acme.test", active: false });
    workspaceId = (await directory.workspaces.create(organizationId, { title: "Prod" })).id;
  });

  it("names the first Owner by userName: audited as ownership.break_glass_transfer (actor cli, the OS user, the reason) and logged at warn", async () => {
    const { lines, logged } = await owner({ rest: [organizationId], to: "ALICE@acme.test", reason: "no Owner yet (ticket 42)" });
    expect(lines[0]).to.equal(`Ownership of organization ${organizationId} transferred to alice@acme.test (${alice}).`);
    expect((await describeOwnership(ctx.db, organizationId)).organization.owner?.id).to.equal(alice);
    const [event] = await events();
    expect(event).to.deep.include({ action: "ownership.break_glass_transfer", actor_type: "cli", actor_id: "root-on-call" });
    expect(event?.details).to.deep.include({ reason: "no Owner yet (ticket 42)", osUser: "root-on-call", breakGlass: true });
    expect(logged).to.have.length(1);
    expect(logged[0]).to.deep.include({ level: 40, event: "ownership.break_glass_transfer", organizationId, to: alice, from: null, osUser: "root-on-call", reason: "no Owner yet (ticket 42)" });
  });

  it("moves ownership without the current Owner's consent; the former Owner keeps Organization Admin; --json prints the result", async () => {
    const { json } = await owner({ rest: [organizationId], to: bob, reason: "alice left", json: true });
    expect(json[0]).to.deep.include({ owner: { id: bob, userName: "bob@acme.test" }, previousOwner: { id: alice, userName: "alice@acme.test" } });
    expect((json[0] as { previousOwnerKeeps: unknown }).previousOwnerKeeps).to.deep.equal({ key: "organization.admin", name: "Organization Admin" });
    const { rows } = await ctx.db.query(`SELECT r.key FROM grants g JOIN roles r ON r.id = g.role_id WHERE g.user_id = $1 ORDER BY r.key`, [alice]);
    expect(rows).to.deep.equal([{ key: "organization.admin" }]);
  });

  it("--workspace names a workspace's Owner", async () => {
    const { lines } = await owner({ rest: [organizationId], to: "alice@acme.test", workspace: workspaceId, reason: "Prod needs an Owner" });
    expect(lines[0]).to.equal(`Ownership of workspace "Prod" (${workspaceId}) transferred to alice@acme.test (${alice}).`);
    const view = await describeOwnership(ctx.db, organizationId);
    expect(view.workspaces).to.deep.equal([{ workspaceId, title: "Prod", owner: { id: alice, userName: "alice@acme.test", active: true }, ownedBy: "workspace" }]);
  });

  it("refuses a missing reason or target, an unknown or deactivated user, or an unknown organization — changing nothing", async () => {
    const before = await events();
    for (const args of [{ to: "bob@acme.test" }, { to: "bob@acme.test", reason: "   " }, { reason: "why" }]) {
      expect(await failure(owner({ rest: [organizationId], ...args }))).to.be.instanceOf(UsageError);
    }
    expect(await failure(owner({ rest: [organizationId, "extra"], to: "bob@acme.test", reason: "why" }))).to.be.instanceOf(UsageError);
    expect(await failure(owner({ action: "steal", rest: [organizationId], to: "bob@acme.test", reason: "why" }))).to.be.instanceOf(UsageError);
    for (const [org, to, code] of [[organizationId, "nobody@acme.test", "not_found"], [organizationId, "carol@acme.test", "conflict"], ["00000000-0000-4000-8000-000000000000", bob, "not_found"], ["not-an-id", bob, "not_found"]] as const) {
      const error = await failure(owner({ rest: [org], to, reason: "why" }));
      expect(error, `${org} ${to}`).to.be.instanceOf(DomainError);
      expect((error as DomainError).code).to.equal(code);
    }
    expect(await events()).to.deep.equal(before);
    expect((await describeOwnership(ctx.db, organizationId)).organization.owner?.id).to.equal(bob);
  });

  describe("the real CLI", () => {
    const scratch = useTempDir("gatehouse-owner-");
    let env: NodeJS.ProcessEnv;
    before(() => {
      env = childEnv({ DATABASE_URL: process.env.DATABASE_URL, GATEHOUSE_DATA_DIR: join(scratch.path, "pglite"), PUBLIC_URL: "https://id.example.test" });
    });

    it("owner transfer without --reason is bad usage (exit 2, the usage text lists the command)", async () => {
      const result = await runCli(["owner", "transfer", "00000000-0000-4000-8000-000000000000", "--to", "someone"], env);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.match(/--reason/).and.match(/owner transfer <organization id>/);
    });

    it("owner transfer prints the new Owner and a warn-level log line on stderr", async () => {
      const created = await runCli(["org", "create", "Initech", "--json"], env);
      expect(created.code, created.stderr).to.equal(0);
      const orgId = (JSON.parse(created.stdout) as { organizationId: string }).organizationId;
      // On the embedded database the CLI's data lives in its scratch directory: open it (the CLI has exited).
      const database = process.env.DATABASE_URL ? ctx.database : await openDatabase({ dataDir: join(scratch.path, "pglite") });
      try {
        await createDirectory({ db: createDb(database.dataSource) }).users.create(orgId, { userName: "peter@initech.test", active: true });
      } finally {
        if (database !== ctx.database) await database.dataSource.destroy();
      }
      const result = await runCli(["owner", "transfer", orgId, "--to", "peter@initech.test", "--reason", "founder account"], env);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/transferred to peter@initech\.test/);
      const warn = result.stderr.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(warn.map((line) => [line.level, line.event, line.reason])).to.deep.equal([[40, "ownership.break_glass_transfer", "founder account"]]);
    });
  });
});
