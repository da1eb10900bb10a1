import { jsonOf, patchBody, q } from "./client.js";
import { check, compareMembers, fetchMemberIds, measure, printPhase, type BenchContext } from "./context.js";
import { runPool, startPhase } from "./stats.js";

const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

export async function createGroups(ctx: BenchContext): Promise<void> {
  const count = ctx.options.groups;
  ctx.groupIds = new Array<string>(count).fill("");
  await measure(ctx, `create ${count} groups (POST /Groups)`, (phase) =>
    runPool(count, ctx.options.concurrency, async (i) => {
      const reply = await ctx.client.request("POST", "/Groups", { schemas: [CORE_GROUP], displayName: `Bench Group ${i}`, externalId: `group-${i}` });
      phase.record(reply);
      if (reply.status === 201) ctx.groupIds[i] = jsonOf<{ id: string }>(reply)?.id ?? "";
    }),
  );
  const created = ctx.groupIds.filter(Boolean).length;
  check(ctx, "every group create returned an id", created === count, `${created}/${count}`);
}

export const addMembers = (ids: string[]) => patchBody({ op: "add", path: "members", value: ids.map((value) => ({ value })) });
/** Entra ID's legacy shape: `Remove path=members` with the members to remove as the value. */
export const entraRemove = (ids: string[]) => patchBody({ op: "Remove", path: "members", value: ids.map((value) => ({ value })) });

const isWritten = (status: number) => status === 200 || status === 204;

/**
 * The cost of one batch at the group's current size: remove a batch of present members, then add it
 * back, `probeRounds` times, one request at a time, so the figure is service time, not lock queueing.
 */
async function probe(ctx: BenchContext, label: string, members: string[]): Promise<number> {
  const { batch, probeRounds } = ctx.options;
  const path = `/Groups/${ctx.groupIds[0]}`;
  const adds = startPhase(`  probe: add ${batch} members ${label}`, ctx.rss);
  const removes = startPhase(`  probe: remove ${batch} (Entra legacy) ${label}`, ctx.rss);
  for (let round = 0; round < probeRounds; round += 1) {
    const start = ctx.random.int(Math.max(1, members.length - batch + 1));
    const ids = members.slice(start, start + batch);
    removes.record(await ctx.client.request("PATCH", path, entraRemove(ids)));
    adds.record(await ctx.client.request("PATCH", path, addMembers(ids)));
  }
  const [added, removed] = [adds.finish(), removes.finish()];
  for (const result of [added, removed]) {
    ctx.results.push(result);
    printPhase(result);
  }
  return added.p95;
}

async function addBatch(ctx: BenchContext, ids: string[], record: (reply: Awaited<ReturnType<BenchContext["client"]["request"]>>) => void): Promise<void> {
  const reply = await ctx.client.request("PATCH", `/Groups/${ctx.groupIds[0]}`, addMembers(ids));
  record(reply);
  if (isWritten(reply.status)) ids.forEach((id) => ctx.bigMembers.add(id));
}

export async function growBigGroup(ctx: BenchContext): Promise<void> {
  const { batch, concurrency, probeRounds } = ctx.options;
  const members = ctx.userIds.filter(Boolean);
  const batches = Array.from({ length: Math.ceil(members.length / batch) }, (_, b) => members.slice(b * batch, (b + 1) * batch));
  const small = Math.min(1000, members.length);
  const firstBatches = Math.ceil(small / batch);

  await measure(ctx, `grow group to ${small} (sequential batches of ${batch})`, async (phase) => {
    for (const ids of batches.slice(0, firstBatches)) await addBatch(ctx, ids, phase.record);
  });
  const at1k = await probe(ctx, `@${small}`, members.slice(0, small));

  await measure(ctx, `grow group to ${members.length} (${concurrency} parallel batches)`, (phase) =>
    runPool(batches.length - firstBatches, concurrency, (n) => addBatch(ctx, batches[firstBatches + n] as string[], phase.record)),
  );
  const { ids } = await fetchMemberIds(ctx, ctx.groupIds[0] as string);
  const comparison = compareMembers(ids, ctx.bigMembers);
  check(ctx, `big group holds all ${members.length} users (streamed GET, members counted)`, comparison.ok && ids.length === members.length, comparison.detail);
  const atN = await probe(ctx, `@${members.length}`, members);

  Object.assign(ctx.figures, { batchP95Small: at1k, batchP95Large: atN, batchRatio: atN / at1k, batchSmallSize: small, batchLargeSize: members.length });
  console.log(`    ${batch}-member add batch p95: ${at1k.toFixed(1)} ms @${small} members vs ${atN.toFixed(1)} ms @${members.length} members → ratio ${(atN / at1k).toFixed(2)}× (${probeRounds} sequential rounds each)`);
}

/** 100 single-member removes by value filter (Okta, Entra aadOptscim062020), then 100 by Entra legacy remove. */
export async function removeMembers(ctx: BenchContext): Promise<void> {
  const { concurrency } = ctx.options;
  const path = `/Groups/${ctx.groupIds[0]}`;
  const picked = ctx.random.shuffle([...ctx.bigMembers]).slice(0, 200);
  const byFilter = picked.slice(0, 100);
  const byValue = picked.slice(100);
  await measure(ctx, "remove 100 members by members[value eq] (1/request)", (phase) =>
    runPool(byFilter.length, concurrency, async (n) => {
      const id = byFilter[n] as string;
      const reply = await ctx.client.request("PATCH", path, patchBody({ op: "remove", path: `members[value eq "${id}"]` }));
      phase.record(reply);
      if (isWritten(reply.status)) ctx.bigMembers.delete(id);
    }),
  );
  const perRequest = 10;
  await measure(ctx, `remove 100 members by Entra legacy remove (${perRequest}/request)`, (phase) =>
    runPool(Math.ceil(byValue.length / perRequest), concurrency, async (n) => {
      const ids = byValue.slice(n * perRequest, (n + 1) * perRequest);
      const reply = await ctx.client.request("PATCH", path, entraRemove(ids));
      phase.record(reply);
      if (isWritten(reply.status)) ids.forEach((id) => ctx.bigMembers.delete(id));
    }),
  );
  const { ids } = await fetchMemberIds(ctx, ctx.groupIds[0] as string);
  const comparison = compareMembers(ids, ctx.bigMembers);
  check(ctx, "after removing 200, exactly the listed members are gone", comparison.ok, comparison.detail);
}

/** GET the big group whole (streamed, counted each time) and without members. */
export async function getBigGroup(ctx: BenchContext): Promise<void> {
  const groupId = ctx.groupIds[0] as string;
  let wrongCounts = 0;
  await measure(ctx, `GET big group with members (x${ctx.options.getRepeats}, sequential)`, async (phase) => {
    for (let i = 0; i < ctx.options.getRepeats; i += 1) {
      const { reply, ids } = await fetchMemberIds(ctx, groupId);
      phase.record(reply);
      if (!compareMembers(ids, ctx.bigMembers).ok) wrongCounts += 1;
    }
  });
  check(ctx, "every full GET streamed exactly the expected members", wrongCounts === 0, `${wrongCounts} of ${ctx.options.getRepeats} differed; expected ${ctx.bigMembers.size}`);

  let leaked = 0;
  const result = await measure(ctx, `GET big group excludedAttributes=members (x200, ${ctx.options.concurrency} parallel)`, (phase) =>
    runPool(200, ctx.options.concurrency, async () => {
      const reply = await ctx.client.request("GET", `/Groups/${groupId}?excludedAttributes=${q("members")}`);
      phase.record(reply);
      if (reply.status === 200 && jsonOf<{ members?: unknown }>(reply)?.members !== undefined) leaked += 1;
    }),
  );
  ctx.figures.groupExcludedP95 = result.p95;
  const sequential = await measure(ctx, "GET big group excludedAttributes=members (x100, sequential)", async (phase) => {
    for (let i = 0; i < 100; i += 1) phase.record(await ctx.client.request("GET", `/Groups/${groupId}?excludedAttributes=${q("members")}`));
  });
  ctx.figures.groupExcludedP95Sequential = sequential.p95;
  check(ctx, "excludedAttributes=members answers without members", leaked === 0, `${leaked} responses carried members`);
}

/** After deletes: the big group lost exactly the deleted users that were in it. */
export async function verifyBigGroupAfterDeletes(ctx: BenchContext): Promise<void> {
  const { ids } = await fetchMemberIds(ctx, ctx.groupIds[0] as string);
  const comparison = compareMembers(ids, ctx.bigMembers);
  check(ctx, "deleted users left the big group, nobody else did", comparison.ok, comparison.detail);
}
