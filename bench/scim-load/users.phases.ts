import { performance } from "node:perf_hooks";
import { jsonOf, patchBody, q, type Reply } from "./client.js";
import { check, liveIndex, measure, totalOf, userNameOf, type BenchContext } from "./context.js";
import { runPool } from "./stats.js";

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PAGE = 100;

/** An Okta/Entra-shaped user: name, one work email, enterprise attributes. */
function userBody(index: number): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    userName: userNameOf(index),
    externalId: `ext-${index}`,
    name: { givenName: `Given${index}`, familyName: `Family${index}` },
    displayName: `Bench User ${index}`,
    emails: [{ value: userNameOf(index), type: "work", primary: true }],
    active: true,
    [ENTERPRISE_USER]: { employeeNumber: String(index), department: `Department ${index % 20}` },
  };
}

export async function createUsers(ctx: BenchContext): Promise<void> {
  const { users, concurrency } = ctx.options;
  ctx.userIds = new Array<string>(users).fill("");
  const progress = createProgress(users);
  await measure(ctx, "create users (POST /Users)", (phase) =>
    runPool(users, concurrency, async (i) => {
      const reply = await ctx.client.request("POST", "/Users", userBody(i));
      phase.record(reply);
      progress(performance.now());
      if (reply.status === 201) ctx.userIds[i] = jsonOf<{ id: string }>(reply)?.id ?? "";
    }),
  );
  const created = ctx.userIds.filter(Boolean).length;
  check(ctx, "every create returned an id", created === users, `${created}/${users}`);
  const total = totalOf(await ctx.client.request("GET", "/Users?count=0"));
  check(ctx, "GET /Users totalResults after create", total === users, `${total}, expected ${users}`);
}

/** Prints throughput per tenth of the creates as they finish: a flat line means a create does not get dearer as the directory grows. */
function createProgress(total: number): (at: number) => void {
  const tenth = Math.max(1, Math.floor(total / 10));
  let done = 0;
  let from = performance.now();
  return (at) => {
    done += 1;
    if (done % tenth !== 0) return;
    console.log(`    ${String(done).padStart(7)}/${total} created, ${((tenth / (at - from)) * 1000).toFixed(0)}/s over the last tenth`);
    from = at;
  };
}

export async function lookUpUsers(ctx: BenchContext): Promise<void> {
  let wrong = 0;
  await measure(ctx, "userName eq lookups (random users)", (phase) =>
    runPool(ctx.options.lookups, ctx.options.concurrency, async () => {
      const index = liveIndex(ctx);
      const reply = await ctx.client.request("GET", `/Users?filter=${q(`userName eq "${userNameOf(index).toUpperCase()}"`)}`);
      phase.record(reply);
      const body = jsonOf<{ totalResults?: number; Resources?: Array<{ id: string }> }>(reply);
      if (body?.totalResults !== 1 || body.Resources?.[0]?.id !== ctx.userIds[index]) wrong += 1;
    }),
  );
  check(ctx, "each lookup found exactly its user (case-insensitive)", wrong === 0, `${wrong} wrong answers`);
}

/** Counts how often each id was returned and compares with the created users. */
function checkWalk(ctx: BenchContext, name: string, seen: Map<string, number>, totals: Set<number>): void {
  const expected = new Set(ctx.userIds.filter(Boolean));
  let missing = 0;
  for (const id of expected) if (!seen.has(id)) missing += 1;
  const repeated = [...seen.values()].filter((n) => n > 1).length;
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id)).length;
  check(ctx, `${name} returned every user exactly once`, missing + repeated + unexpected === 0 && totals.size === 1 && totals.has(expected.size),
    `${seen.size} distinct of ${expected.size}; ${missing} missing, ${repeated} repeated, ${unexpected} unexpected; totalResults ${[...totals].join("/")}`);
}

function collect(reply: Reply, seen: Map<string, number>, totals: Set<number>): { nextCursor?: string; count: number } {
  const body = jsonOf<{ totalResults?: number; nextCursor?: string; Resources?: Array<{ id: string }> }>(reply);
  for (const resource of body?.Resources ?? []) seen.set(resource.id, (seen.get(resource.id) ?? 0) + 1);
  if (typeof body?.totalResults === "number") totals.add(body.totalResults);
  return { nextCursor: body?.nextCursor, count: body?.Resources?.length ?? 0 };
}

export async function walkPages(ctx: BenchContext): Promise<void> {
  const pages = Math.ceil(ctx.options.users / PAGE);
  const indexSeen = new Map<string, number>();
  const indexTotals = new Set<number>();
  await measure(ctx, `index paging walk (count=${PAGE}, ${ctx.options.concurrency} parallel)`, (phase) =>
    runPool(pages, ctx.options.concurrency, async (page) => {
      const reply = await ctx.client.request("GET", `/Users?startIndex=${page * PAGE + 1}&count=${PAGE}`);
      phase.record(reply);
      collect(reply, indexSeen, indexTotals);
    }),
  );
  checkWalk(ctx, "index paging walk", indexSeen, indexTotals);

  const cursorSeen = new Map<string, number>();
  const cursorTotals = new Set<number>();
  await measure(ctx, `cursor paging walk (count=${PAGE}, sequential)`, async (phase) => {
    let cursor: string | undefined = "";
    for (let i = 0; cursor !== undefined && i < pages + 5; i += 1) {
      const reply = await ctx.client.request("GET", `/Users?count=${PAGE}&cursor=${q(cursor)}`);
      phase.record(reply);
      const { nextCursor, count } = collect(reply, cursorSeen, cursorTotals);
      cursor = reply.status === 200 && count > 0 ? nextCursor : undefined;
    }
  });
  checkWalk(ctx, "cursor paging walk", cursorSeen, cursorTotals);
}

export async function patchUsers(ctx: BenchContext): Promise<void> {
  let wrong = 0;
  await measure(ctx, "PATCH replace displayName (random users)", (phase) =>
    runPool(ctx.options.patches, ctx.options.concurrency, async (n) => {
      const index = liveIndex(ctx);
      const displayName = `Renamed ${index} #${n}`;
      const reply = await ctx.client.request("PATCH", `/Users/${ctx.userIds[index]}`, patchBody({ op: "replace", path: "displayName", value: displayName }));
      phase.record(reply);
      if (reply.status === 200 && jsonOf<{ displayName?: string }>(reply)?.displayName !== displayName) wrong += 1;
    }),
  );
  check(ctx, "each PATCH response carries the new displayName", wrong === 0, `${wrong} wrong`);
}

/** Deactivates 10% and deletes another 5% (disjoint), then checks the totals the server reports. */
export async function deactivateAndDelete(ctx: BenchContext): Promise<void> {
  const { users, concurrency } = ctx.options;
  const order = ctx.random.shuffle(Array.from({ length: users }, (_, i) => i)).filter((i) => ctx.userIds[i]);
  const toDeactivate = order.slice(0, Math.floor(users / 10));
  const toDelete = order.slice(toDeactivate.length, toDeactivate.length + Math.floor(users / 20));
  await measure(ctx, "deactivate 10% (PATCH active=false)", (phase) =>
    runPool(toDeactivate.length, concurrency, async (n) => {
      const index = toDeactivate[n] as number;
      const reply = await ctx.client.request("PATCH", `/Users/${ctx.userIds[index]}`, patchBody({ op: "replace", path: "active", value: false }));
      phase.record(reply);
      if (reply.status === 200 && jsonOf<{ active?: boolean }>(reply)?.active === false) ctx.deactivated.add(index);
    }),
  );
  const inactive = totalOf(await ctx.client.request("GET", `/Users?count=0&filter=${q("active eq false")}`));
  check(ctx, "active eq false totalResults after deactivate", inactive === toDeactivate.length, `${inactive}, expected ${toDeactivate.length}`);

  await measure(ctx, "delete 5% (DELETE /Users/{id})", (phase) =>
    runPool(toDelete.length, concurrency, async (n) => {
      const index = toDelete[n] as number;
      const reply = await ctx.client.request("DELETE", `/Users/${ctx.userIds[index]}`);
      phase.record(reply);
      if (reply.status === 204) {
        ctx.deleted.add(index);
        ctx.bigMembers.delete(ctx.userIds[index] as string);
      }
    }),
  );
  const expectedTotal = users - toDelete.length;
  const total = totalOf(await ctx.client.request("GET", "/Users?count=0"));
  check(ctx, "GET /Users totalResults after delete", total === expectedTotal, `${total}, expected ${expectedTotal}`);
  const stillInactive = totalOf(await ctx.client.request("GET", `/Users?count=0&filter=${q("active eq false")}`));
  check(ctx, "active eq false totalResults after delete", stillInactive === toDeactivate.length, `${stillInactive}, expected ${toDeactivate.length}`);
  const sample = toDelete.slice(0, 20);
  const gone = await Promise.all(sample.map((i) => ctx.client.request("GET", `/Users/${ctx.userIds[i]}`)));
  check(ctx, "deleted users answer 404", gone.every((reply) => reply.status === 404), `${gone.filter((r) => r.status === 404).length}/${sample.length} 404`);
}
