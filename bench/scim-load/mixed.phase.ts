import { patchBody, q, type Reply } from "./client.js";
import { check, compareMembers, fetchMemberIds, liveIndex, printPhase, userNameOf, type BenchContext } from "./context.js";
import { addMembers, entraRemove } from "./groups.phases.js";
import { runFor, startPhase, type Phase } from "./stats.js";

type Kind = "lookup" | "patch" | "getUser" | "getGroup" | "member";
const WEIGHTS: ReadonlyArray<[Kind, number]> = [["lookup", 35], ["patch", 20], ["getUser", 20], ["getGroup", 10], ["member", 15]];
const LABELS: Record<Kind, string> = {
  lookup: "  mixed: userName eq lookup",
  patch: "  mixed: PATCH user displayName",
  getUser: "  mixed: GET /Users/{id}",
  getGroup: "  mixed: GET group excludedAttributes=members",
  member: "  mixed: group member add/remove (1/request)",
};

function pickKind(ctx: BenchContext): Kind {
  let roll = ctx.random.int(100);
  for (const [kind, weight] of WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return "lookup";
}

/**
 * Members of the 49 small groups are toggled one user at a time. A (group, user) pair is never in flight
 * twice, so the last answered request decides its state and the final membership is predictable.
 */
function createMemberToggler(ctx: BenchContext) {
  const groups = ctx.groupIds.slice(1).filter(Boolean);
  const expected = new Map(groups.map((id) => [id, new Set<string>()]));
  const busy = new Set<string>();
  return {
    expected,
    async toggle(): Promise<Reply | undefined> {
      const groupId = groups[ctx.random.int(groups.length)] as string;
      const userId = ctx.userIds[liveIndex(ctx)] as string;
      const key = `${groupId}/${userId}`;
      if (busy.has(key)) return undefined;
      busy.add(key);
      const members = expected.get(groupId) as Set<string>;
      const removing = members.has(userId);
      // Alternate the two remove shapes the IdPs send.
      const body = !removing ? addMembers([userId]) : ctx.random.int(2) === 0 ? entraRemove([userId]) : patchBody({ op: "remove", path: `members[value eq "${userId}"]` });
      const reply = await ctx.client.request("PATCH", `/Groups/${groupId}`, body);
      if (reply.status === 200 || reply.status === 204) {
        if (removing) members.delete(userId);
        else members.add(userId);
      }
      busy.delete(key);
      return reply;
    },
  };
}

async function runOne(ctx: BenchContext, kind: Kind, toggler: ReturnType<typeof createMemberToggler>): Promise<Reply | undefined> {
  const { client } = ctx;
  const index = liveIndex(ctx);
  const userId = ctx.userIds[index] as string;
  switch (kind) {
    case "lookup":
      return client.request("GET", `/Users?filter=${q(`userName eq "${userNameOf(index)}"`)}`);
    case "patch":
      return client.request("PATCH", `/Users/${userId}`, patchBody({ op: "replace", path: "displayName", value: `Mixed ${index}` }));
    case "getUser":
      return client.request("GET", `/Users/${userId}`);
    case "getGroup":
      return client.request("GET", `/Groups/${ctx.groupIds[ctx.random.int(ctx.groupIds.length)]}?excludedAttributes=members`);
    case "member":
      return toggler.toggle();
  }
}

export async function mixedTraffic(ctx: BenchContext): Promise<void> {
  const { mixedSeconds, concurrency } = ctx.options;
  const toggler = createMemberToggler(ctx);
  const total = startPhase(`mixed traffic (${mixedSeconds} s, ${concurrency} parallel)`, ctx.rss);
  const byKind = new Map<Kind, Phase>(WEIGHTS.map(([kind]) => [kind, startPhase(LABELS[kind], ctx.rss)]));
  await runFor(mixedSeconds, concurrency, 5_000_000, async () => {
    const kind = pickKind(ctx);
    const reply = await runOne(ctx, kind, toggler);
    if (!reply) return;
    total.record(reply);
    byKind.get(kind)?.record(reply);
  });
  for (const phase of [total, ...byKind.values()]) {
    const result = phase.finish();
    ctx.results.push(result);
    printPhase(result);
  }
  let wrong = 0;
  let members = 0;
  for (const [groupId, expected] of toggler.expected) {
    const { ids } = await fetchMemberIds(ctx, groupId);
    members += ids.length;
    if (!compareMembers(ids, expected).ok) wrong += 1;
  }
  check(ctx, "small groups hold exactly the members the mixed traffic left", wrong === 0, `${wrong} of ${toggler.expected.size} groups differ (${members} members in all)`);
}
