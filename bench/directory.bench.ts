/**
 * Directory benchmark: prints figures, asserts nothing.
 *
 *   npm run bench                                   # embedded PGlite (in memory)
 *   DATABASE_URL=postgres://… npm run bench         # PostgreSQL
 *   BENCH_USERS=100000 npm run bench                # directory size (default 20000)
 */
import { performance } from "node:perf_hooks";
import { createDirectory } from "../src/directory/directory.js";
import { createDb } from "../src/store/db.js";
import { migrateDatabase, openDatabase } from "../src/store/data-source.js";

const userCount = Number(process.env.BENCH_USERS ?? 20_000);
const database = await openDatabase({ url: process.env.DATABASE_URL ?? null, dataDir: "memory://" });
await migrateDatabase(database);
const db = createDb(database.dataSource);
const directory = createDirectory({ db });

async function time<T>(label: string, work: () => Promise<T>, operations = 1): Promise<T> {
  const started = performance.now();
  const result = await work();
  const elapsed = performance.now() - started;
  const perOp = operations > 1 ? `  (${(elapsed / operations).toFixed(3)} ms/op, ${Math.round((operations / elapsed) * 1000)} ops/s)` : "";
  console.log(`${label.padEnd(58)} ${elapsed.toFixed(1).padStart(9)} ms${perOp}`);
  return result;
}

console.log(`database: ${database.kind}; users: ${userCount}; node ${process.version}\n`);
const organization = await directory.organizations.create({ name: "Bench" });
const org = organization.id;

const singles = 500;
await time(`create ${singles} users one by one (service, with 1 email)`, async () => {
  for (let i = 0; i < singles; i += 1) {
    await directory.users.create(org, { userName: `single${i}@bench.test`, emails: [{ value: `single${i}@bench.test`, type: "work", display: null, primary: true }] });
  }
}, singles);

await time(`bulk-load ${userCount - singles} more users (one INSERT … SELECT)`, () =>
  db.query(`INSERT INTO users (organization_id, user_name) SELECT $1, 'user' || n || '@bench.test' FROM generate_series(1, $2) AS n`, [org, userCount - singles]),
);
const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE organization_id = $1`, [org]);
const ids = rows.map((row) => row.id);

await time("look up 1,000 users by userName (case-insensitive index)", async () => {
  for (let i = 0; i < 1000; i += 1) await directory.users.findByUserName(org, `USER${i + 1}@BENCH.TEST`);
}, 1000);

const group = await directory.groups.create(org, { displayName: "Everyone" });
await time(`add all ${ids.length} users to one group (one call)`, () => directory.memberships.add(org, group.id, ids));
await time("add the same users again (no-op delta)", () => directory.memberships.add(org, group.id, ids));
await time("remove 100 listed members (Entra-style remove-by-value)", () => directory.memberships.remove(org, group.id, ids.slice(0, 100)));
await time("add 1 member to the big group, 200 times", async () => {
  for (let i = 0; i < 200; i += 1) await directory.memberships.add(org, group.id, [ids[i] as string]);
}, 200);
await time(`replace the member list with ${Math.floor(ids.length / 2)} users (delta)`, () => directory.memberships.replace(org, group.id, ids.slice(0, Math.floor(ids.length / 2))));
await time("count members", () => directory.memberships.count(org, group.id));
await time("walk all members in keyset pages of 1,000", async () => {
  let after: string | undefined;
  for (;;) {
    const page = await directory.memberships.list(org, group.id, { afterUserId: after, limit: 1000 });
    if (page.length === 0) break;
    after = page[page.length - 1]?.userId;
  }
});
await time("list users: page of 100 at offset 0, with total", () => directory.users.list(org, { limit: 100, offset: 0 }));

const workspaceCount = 1000;
await time(`create ${workspaceCount} workspaces (slug allocation)`, async () => {
  for (let i = 0; i < workspaceCount; i += 1) await directory.workspaces.create(org, { title: `Team ${i} workspace` });
}, workspaceCount);
await time("list workspaces: search 'team 9', sort by title, page 1", () => directory.workspaces.list(org, { search: "team 9", sort: "title", limit: 50 }));

const memory = process.memoryUsage();
console.log(`\nprocess RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
await database.dataSource.destroy();
