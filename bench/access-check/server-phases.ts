/**
 * Phases against the server process: RSS before and after warming its cache, answers compared with this
 * process's engine, POST /check at a fixed concurrency, batches of 100, and (PostgreSQL) change-to-visible
 * with the server as instance B.
 */
import type { Db } from "../../src/store/db.js";
import { watchCpu, type CpuUsage } from "../scim-load/machine.js";
import type { ServerProcess } from "./child.js";
import type { Dataset } from "./dataset.js";
import { createAccessClient, drive, isBatchOf, isVerdict, type LoadResult } from "./http-load.js";
import { createRawAccessClient } from "./raw-client.js";
import type { Memory } from "./server.js";
import { measureVisibility, type VisibilityResult } from "./visibility.js";
import { batchBodies, singleBodies } from "./workload.js";

export interface ServerOptions {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  batch: number;
  seed: number;
  trials: number;
  /** The load generator: raw keep-alive sockets (cheap), or node:http's client. */
  client: "raw" | "node";
  /** Bodies and the answers this process's engine gave them, for the consistency check. */
  expected: Array<{ body: string; allowed: boolean }>;
  /** PostgreSQL: the connection to write through for change-to-visible (null: not run here). */
  writer: Db | null;
}

export interface ServerResults {
  credentialCache: boolean;
  memory: { atStart: Memory; afterUsers: Memory; afterResources: Memory; afterLoad: Memory; peakRssMb: number };
  warm: { users: number; usersSeconds: number; resourcesSeconds: number };
  consistency: { checked: number; mismatches: string[] };
  single: LoadResult & { cpu: CpuUsage };
  batch: LoadResult & { cpu: CpuUsage; checksPerSecond: number };
  stats: { hits: number; misses: number; loads: number; notificationsLive: boolean };
  visibility: VisibilityResult | null;
}

export async function runServerPhases(server: ServerProcess, data: Dataset, options: ServerOptions, log: (line: string) => void): Promise<ServerResults> {
  const org = data.organizationId;
  const atStart = await server.memory();
  log(`  RSS at start ${atStart.rssMb.toFixed(0)} MB (heap ${atStart.heapUsedMb.toFixed(0)} MB)`);
  const warmUsers = await server.call<{ seconds: number }>({ op: "warm-users", organizationId: org, userIds: data.userIds });
  const afterUsers = await server.memory();
  log(`  warmed ${data.userIds.length.toLocaleString("en-US")} users in ${warmUsers.seconds.toFixed(1)} s: RSS ${afterUsers.rssMb.toFixed(0)} MB (heap ${afterUsers.heapUsedMb.toFixed(0)} MB)`);
  const warmResources = await server.call<{ seconds: number }>({ op: "warm-resources", organizationId: org, resources: data.resources });
  const afterResources = await server.memory();
  log(`  warmed ${data.resources.toLocaleString("en-US")} resources in ${warmResources.seconds.toFixed(1)} s: RSS ${afterResources.rssMb.toFixed(0)} MB (heap ${afterResources.heapUsedMb.toFixed(0)} MB)`);

  const client = options.client === "raw" ? createRawAccessClient(server.port, data.apiKey) : createAccessClient(server.port, data.apiKey, options.concurrency);
  const mismatches: string[] = [];
  for (const { body, allowed } of options.expected) {
    const reply = await client.post("/access/v1/check", body);
    const answer = reply.status === 200 ? (JSON.parse(reply.body) as { allowed?: boolean }).allowed : undefined;
    if (answer !== allowed) mismatches.push(`${body} → ${reply.status} ${reply.body.slice(0, 200)} (in-process: ${allowed})`);
  }
  log(`  ${options.expected.length} answers compared with this process's engine: ${mismatches.length} differ`);

  const load = { concurrency: options.concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds };
  let cpu = watchCpu(server.pid);
  const single = await drive(client, { ...load, path: "/access/v1/check", bodies: singleBodies(data, 50_000, options.seed), verify: isVerdict });
  const singleCpu = cpu();
  log(`  POST /check: ${single.requests.toLocaleString("en-US")} requests in ${single.seconds.toFixed(1)} s, ${single.errors} errors`);
  cpu = watchCpu(server.pid);
  const batch = await drive(client, { ...load, path: "/access/v1/check", bodies: batchBodies(data, 2_000, options.batch, options.seed + 1), verify: isBatchOf(options.batch) });
  const batchCpu = cpu();
  log(`  POST /check (batch of ${options.batch}): ${batch.requests.toLocaleString("en-US")} requests, ${batch.errors} errors`);
  client.close();
  const afterLoad = await server.memory();
  const stats = await server.call<ServerResults["stats"]>({ op: "stats" });

  let visibility: VisibilityResult | null = null;
  if (options.writer) {
    log(`  change-to-visible, ${options.trials} trials (server = instance B, this process writes)`);
    visibility = await measureVisibility(options.writer, server, data, options.trials, options.seed + 2, log);
  }
  return {
    credentialCache: server.credentialCache,
    memory: { atStart, afterUsers, afterResources, afterLoad, peakRssMb: server.peakRssMb() },
    warm: { users: data.userIds.length, usersSeconds: warmUsers.seconds, resourcesSeconds: warmResources.seconds },
    consistency: { checked: options.expected.length, mismatches },
    single: { ...single, cpu: singleCpu },
    batch: { ...batch, cpu: batchCpu, checksPerSecond: batch.perSecond * options.batch },
    stats,
    visibility,
  };
}
