/**
 * Change-to-visible across instances: instance B holds a user's effective access in cache; a plain SQL write
 * (a direct grant, or a group membership) commits through another connection; B's engine.decide() is polled
 * every millisecond until it answers with the new decision. Times are wall-clock milliseconds with sub-ms
 * precision (performance.timeOrigin + now()), so B may run in another process.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { ACCESS_CHANNEL, type AccessEngine, type ProductCheck } from "../../src/access/engine/access-engine.js";
import type { Db } from "../../src/store/db.js";
import type { Notifications } from "../../src/store/notifications.js";
import { createRandom } from "../scim-load/stats.js";
import { BENCH_SOURCE, builtInRoleIds, type Dataset } from "./dataset.js";
import { summarize, type Summary } from "./report.js";

export const clock = (): number => performance.timeOrigin + performance.now();

export interface WatchResult {
  ok: boolean;
  /** When B's decide() first answered the expected decision. */
  seenAt: number;
  /** When B's listener received the first newer version of the organization (null: not seen). */
  notifiedAt: number | null;
  polls: number;
}

/** Arrival times of access-version notifications, per organization (the engine's own listener shares the connection). */
export async function recordNotifications(notifications: Notifications): Promise<(organizationId: string, after: number) => number | null> {
  const arrivals = new Map<string, Array<{ version: number; at: number }>>();
  await notifications.listen(ACCESS_CHANNEL, (payload) => {
    const [organizationId, version] = payload.split(":");
    if (!organizationId) return;
    const list = arrivals.get(organizationId) ?? [];
    list.push({ version: Number(version), at: clock() });
    if (list.length > 200) list.splice(0, 100);
    arrivals.set(organizationId, list);
  });
  return (organizationId, after) => arrivals.get(organizationId)?.find((arrival) => arrival.version > after)?.at ?? null;
}

export interface WatchRequest {
  organizationId: string;
  userId: string;
  check: ProductCheck;
  expect: boolean;
  timeoutMs: number;
  /** The version B's cached answer was computed at: notifications of newer ones count. */
  armedVersion: number;
}

export async function watchDecision(engine: AccessEngine, arrivedAfter: (organizationId: string, after: number) => number | null, request: WatchRequest): Promise<WatchResult> {
  const armed = request.armedVersion;
  const deadline = clock() + request.timeoutMs;
  for (let polls = 1; ; polls += 1) {
    const { decisions } = await engine.decide(request.organizationId, request.userId, [request.check]);
    const decision = decisions[0];
    const now = clock();
    const seen = decision !== undefined && !(decision instanceof Error) && decision.allowed === request.expect;
    if (seen || now > deadline) return { ok: seen, seenAt: now, notifiedAt: arrivedAfter(request.organizationId, armed), polls };
    await sleep(1);
  }
}

/** Instance B, in this process or another. */
export interface Observer {
  decide(organizationId: string, userId: string, check: ProductCheck): Promise<{ allowed: boolean; version: number }>;
  /** Starts polling and resolves once it has started; the function it gives waits for the outcome. */
  arm(request: WatchRequest): Promise<() => Promise<WatchResult>>;
}

export interface VisibilityResult {
  trials: number;
  failures: number;
  /** COMMIT returned → B's decide() answered anew. */
  visible: Summary;
  /** COMMIT returned → B's listener had the notification. */
  notified: Summary;
  /** COMMIT returned → this process got B's answer (IPC included: an upper bound). */
  reported: Summary;
  polls: Summary;
  byKind: Record<string, Summary>;
}

interface Trial {
  kind: "grant" | "membership";
  check: ProductCheck;
  write: () => Promise<unknown>;
  undo: () => Promise<unknown>;
}

async function planTrial(db: Db, b: Observer, data: Dataset, userId: string, kind: Trial["kind"], rand: ReturnType<typeof createRandom>, adminRole: string): Promise<Trial | null> {
  const org = data.organizationId;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    if (kind === "grant") {
      const workspaceId = data.workspaceIds[rand.int(data.workspaceIds.length)] as string;
      const check = { permission: "workspace:manage", workspaceId };
      if ((await b.decide(org, userId, check)).allowed) continue;
      let grantId = "";
      return {
        kind, check,
        write: async () => {
          const { rows } = await db.query<{ id: string }>(
            `INSERT INTO grants (organization_id, user_id, role_id, scope_type, workspace_id, source) VALUES ($1, $2, $3, 'workspace', $4, $5) RETURNING id`,
            [org, userId, adminRole, workspaceId, BENCH_SOURCE],
          );
          grantId = rows[0]?.id ?? "";
        },
        undo: () => db.query(`DELETE FROM grants WHERE id = $1`, [grantId]),
      };
    }
    const groupIndex = rand.int(data.groupIds.length);
    const groupId = data.groupIds[groupIndex] as string;
    const workspaces = data.groupWorkspaces[groupIndex] ?? [];
    const workspaceId = workspaces[rand.int(workspaces.length)] as string;
    const check = { permission: "members:list", workspaceId };
    // Denied now: the user is not in the group (which would give a role there).
    if ((await b.decide(org, userId, check)).allowed) continue;
    return {
      kind, check,
      write: () => db.query(`INSERT INTO group_members (organization_id, group_id, user_id) VALUES ($1, $2, $3)`, [org, groupId, userId]),
      undo: () => db.query(`DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, [groupId, userId]),
    };
  }
  return null;
}

export async function measureVisibility(db: Db, b: Observer, data: Dataset, trials: number, seed: number, log: (line: string) => void): Promise<VisibilityResult> {
  const rand = createRandom(seed);
  const adminRole = (await builtInRoleIds(db)).get("workspace.admin");
  if (!adminRole) throw new Error("no workspace.admin role row");
  const candidates = data.userIds.filter((userId) => !data.directGrantees.has(userId));
  const times = { visible: [] as number[], notified: [] as number[], reported: [] as number[], polls: [] as number[] };
  const byKind: Record<string, number[]> = { grant: [], membership: [] };
  let failures = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const userId = candidates[rand.int(candidates.length)] as string;
    const plan = await planTrial(db, b, data, userId, trial % 2 === 0 ? "grant" : "membership", rand, adminRole);
    if (!plan) {
      failures += 1;
      continue;
    }
    // Twice: the second answer surely comes from B's cache.
    const { version } = await b.decide(data.organizationId, userId, plan.check);
    const outcome = await b.arm({ organizationId: data.organizationId, userId, check: plan.check, expect: true, timeoutMs: 10_000, armedVersion: version });
    await plan.write();
    const committed = clock();
    const result = await outcome();
    const reportedAt = clock();
    await plan.undo();
    if (!result.ok) {
      failures += 1;
      log(`  trial ${trial} (${plan.kind}): B never answered allowed within 10 s`);
      continue;
    }
    times.visible.push(result.seenAt - committed);
    if (result.notifiedAt !== null) times.notified.push(result.notifiedAt - committed);
    times.reported.push(reportedAt - committed);
    times.polls.push(result.polls);
    byKind[plan.kind]?.push(result.seenAt - committed);
    await sleep(10);
  }
  return {
    trials, failures,
    visible: summarize(times.visible), notified: summarize(times.notified), reported: summarize(times.reported), polls: summarize(times.polls),
    byKind: Object.fromEntries(Object.entries(byKind).map(([kind, values]) => [kind, summarize(values)])),
  };
}
