/**
 * Admin writes run again, whole, when PostgreSQL rolls their transaction back as a deadlock victim (40P01) or a
 * serialization failure (40001): the change and its audit event still land exactly once.
 */
import { expect } from "chai";
import type { Response } from "express";
import { defaultPolicy } from "../../src/access/index.js";
import { createAdminWrite, WRITE_ATTEMPTS, type AdminWriteContext } from "../../src/admin/admin-write.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { createDirectory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";

/** What PostgreSQL's driver throws: an Error with the SQLSTATE in `code`. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: "ERROR" });
}

describe("Admin API: write retries on deadlock and serialization failure", () => {
  const context = useCleanDatabase();
  let organizationId: string;
  let res: Response;
  const afterWrites: string[] = [];
  const backoffs: number[] = [];

  before(async () => {
    organizationId = (await createDirectory({ db: context.db }).organizations.create({ name: "Retry Inc", plan: "paid" })).id;
    res = { locals: { apiKeyPrincipal: { organizationId, keyId: "key-1", keyName: "console" }, requestId: "req-1" }, req: { ip: "192.0.2.1" } } as unknown as Response;
  });

  function write() {
    return createAdminWrite({
      db: context.db,
      policy: defaultPolicy(),
      audit: createAuditService({ db: context.db }),
      afterWrite: async (id) => void afterWrites.push(id),
      backoff: async (attempt) => void backoffs.push(attempt),
    });
  }

  /** Creates a workspace and audits it; throws `failures[n]` on call n after both, as a deadlock at COMMIT time would. */
  function createWorkspace(title: string, failures: Error[], calls: { count: number }) {
    return async ({ directory, principal, audit }: AdminWriteContext) => {
      const workspace = await directory.workspaces.create(principal.organizationId, { title });
      await audit("workspace.create", { type: "workspace", id: workspace.id }, { before: null, after: { title } });
      const failure = failures[calls.count];
      calls.count += 1;
      if (failure) throw failure;
      return workspace;
    };
  }

  async function state(title: string) {
    const { rows } = await context.db.query<{ id: string }>(`SELECT id FROM workspaces WHERE organization_id = $1 AND title = $2`, [organizationId, title]);
    const events = (await createAuditService({ db: context.db }).list(organizationId, { limit: 1000 })).filter((event) => (event.details as { after?: { title?: string } }).after?.title === title);
    return { workspaces: rows.length, events };
  }

  beforeEach(() => {
    afterWrites.length = 0;
    backoffs.length = 0;
  });

  for (const [name, code] of [["a deadlock (40P01)", "40P01"], ["a serialization failure (40001)", "40001"]] as const) {
    it(`runs the whole write again after ${name}: one change, one audit event, one afterWrite`, async () => {
      const calls = { count: 0 };
      const title = `Retried ${code}`;
      const created = await write()(res, createWorkspace(title, [pgError(code, "deadlock detected")], calls));
      expect(calls.count).to.equal(2);
      expect(backoffs).to.deep.equal([2]);
      const after = await state(title);
      expect(after.workspaces).to.equal(1);
      expect(after.events).to.have.length(1);
      expect(after.events[0]).to.include({ action: "workspace.create", targetId: created.id, workspaceId: created.id, requestId: "req-1", actorId: "key-1" });
      expect(afterWrites).to.deep.equal([organizationId]);
    });
  }

  it("a real deadlock between two writes (PostgreSQL): the victim runs again, both changes land, each audited once", async function () {
    // PGlite has one connection: two transactions cannot interleave there.
    if (!process.env.DATABASE_URL) this.skip();
    this.timeout(20_000);
    const directory = createDirectory({ db: context.db });
    const [left, right] = [await directory.workspaces.create(organizationId, { title: "Left" }), await directory.workspaces.create(organizationId, { title: "Right" })];
    // Each write locks one workspace, waits until the other has locked its own, then wants the other's: a cycle.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    const calls = { first: 0, second: 0 };
    const crossing = (mine: string, theirs: string, counter: "first" | "second") => async ({ db, audit }: AdminWriteContext) => {
      calls[counter] += 1;
      await db.query(`UPDATE workspaces SET title = title || ' *' WHERE id = $1`, [mine]);
      if (calls[counter] === 1) {
        arrived += 1;
        if (arrived === 2) release();
        await bothLocked;
      }
      await db.query(`UPDATE workspaces SET title = title || ' +' WHERE id = $1`, [theirs]);
      await audit("workspace.update", { type: "workspace", id: mine }, { before: null, after: { title: `crossing ${counter}` } });
    };
    await Promise.all([write()(res, crossing(left.id, right.id, "first")), write()(res, crossing(right.id, left.id, "second"))]);
    expect(calls.first + calls.second).to.equal(3);
    expect(backoffs).to.deep.equal([2]);
    expect((await state("crossing first")).events).to.have.length(1);
    expect((await state("crossing second")).events).to.have.length(1);
    const titles = await Promise.all([left.id, right.id].map(async (id) => (await directory.workspaces.get(organizationId, id)).title));
    // Each workspace got its own mark and the other write's mark exactly once (the victim's first try rolled back).
    expect(titles.map((title) => [title.split("*").length - 1, title.split("+").length - 1])).to.deep.equal([[1, 1], [1, 1]]);
  });

  it(`gives up after ${WRITE_ATTEMPTS} attempts with the database's error: nothing changed, no event`, async () => {
    const calls = { count: 0 };
    const failures = Array.from({ length: WRITE_ATTEMPTS }, () => pgError("40P01", "deadlock detected"));
    const failure = await write()(res, createWorkspace("Never", failures, calls)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as { code?: string }).code).to.equal("40P01");
    expect(calls.count).to.equal(WRITE_ATTEMPTS);
    expect(backoffs).to.deep.equal([2, 3]);
    expect(await state("Never")).to.deep.equal({ workspaces: 0, events: [] });
    expect(afterWrites).to.deep.equal([]);
  });

  it("does not retry other errors (a constraint violation, a plain Error): one attempt, nothing changed", async () => {
    for (const error of [pgError("23505", "duplicate key"), new Error("boom")]) {
      const calls = { count: 0 };
      const failure = await write()(res, createWorkspace("Once", [error], calls)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(failure).to.equal(error);
      expect(calls.count).to.equal(1);
      expect(await state("Once")).to.deep.equal({ workspaces: 0, events: [] });
    }
    expect(backoffs).to.deep.equal([]);
  });
});
