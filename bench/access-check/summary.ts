/** The final report: machine, database, commit, and every figure next to its target. */
import type { ColdResult, CachedResult } from "./inprocess.js";
import { ms, perSecond, printTable, spread, us, type Machine, type TargetRow } from "./report.js";
import type { ServerResults } from "./server-phases.js";
import type { VisibilityResult } from "./visibility.js";

export interface RunFacts {
  machine: Machine;
  database: { kind: string; version: string; label: string };
  options: Record<string, unknown>;
  load: Array<{ size: number; seconds: number; rows: Record<string, number> }>;
  machineBusyCores: number;
  loadAverageAtEnd: number;
  wallSeconds: number;
}

const mb = (value: number) => `${value.toFixed(0)} MB`;

export function printSummary(run: RunFacts, cold: ColdResult[], cached: CachedResult[], server: ServerResults | null, visibility: VisibilityResult | null): boolean {
  const { machine } = run;
  console.log("\n==== access-check report ====");
  console.log(`machine   ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}`);
  console.log(`database  ${run.database.kind}: ${run.database.version} (${run.database.label})`);
  console.log(`commit    ${machine.commit}${machine.uncommittedSrcFiles > 0 ? ` + ${machine.uncommittedSrcFiles} uncommitted files under src/ (other engineers' work in progress)` : ""}`);
  console.log(`options   ${JSON.stringify(run.options)}`);
  console.log(`load      ${run.load.map((l) => `${l.size.toLocaleString("en-US")} users: ${l.seconds.toFixed(0)} s (${Object.values(l.rows).reduce((a, b) => a + b, 0).toLocaleString("en-US")} rows)`).join("; ")}`);
  console.log(`contention  load average ${machine.loadAverage.toFixed(1)} at start, ${run.loadAverageAtEnd.toFixed(1)} at end; machine busy ${run.machineBusyCores.toFixed(2)} of ${machine.cores} cores on average over ${run.wallSeconds.toFixed(0)} s`);

  const rows: TargetRow[] = [];
  for (const c of cold) {
    const size = `${c.size.toLocaleString("en-US")} users`;
    rows.push({ name: `cold resolution, no cache (${size})`, figure: `p50 ${ms(c.engineNoCache.p50)} p95 ${ms(c.engineNoCache.p95)} p99 ${ms(c.engineNoCache.p99)}`, target: "p50 ≤ 5 ms", ok: c.engineNoCache.p50 <= 5 });
    rows.push({ name: "  = loadUserFacts", figure: `p50 ${ms(c.loadUser.p50)} p95 ${ms(c.loadUser.p95)}`, target: "" });
    rows.push({ name: "  + loadOrganizationFacts", figure: `p50 ${ms(c.loadOrganization.p50)} p95 ${ms(c.loadOrganization.p95)}`, target: "" });
    rows.push({ name: "  + resolve()", figure: `p50 ${ms(c.resolve.p50)} p95 ${ms(c.resolve.p95)}`, target: "" });
    rows.push({ name: `cold miss, structure cached (${size})`, figure: `p50 ${ms(c.engineFirstSight.p50)} p95 ${ms(c.engineFirstSight.p95)} p99 ${ms(c.engineFirstSight.p99)}`, target: "p50 ≤ 5 ms", ok: c.engineFirstSight.p50 <= 5 });
  }
  for (const c of cached) {
    const size = `${c.size.toLocaleString("en-US")} users`;
    rows.push({ name: `cached engine.decide, in-process (${size})`, figure: `p50 ${us(c.decide.p50)} p99 ${us(c.decide.p99)}, ${perSecond(c.decidePerSecond)}`, target: "p50 ≤ 50 µs", ok: c.decide.p50 <= 0.05 });
    rows.push({ name: `pure check() (${size})`, figure: `p50 ${us(c.pureCheck.p50)} p99 ${us(c.pureCheck.p99)}, ${perSecond(c.pureCheckPerSecond)}`, target: "" });
  }
  if (server) {
    const s = server.single;
    rows.push({ name: `HTTP POST /check @${run.options.concurrency}`, figure: `${perSecond(s.perSecond)}, ${s.errors} errors`, target: "≥ 5,000/s", ok: s.perSecond >= 5000 && s.errors === 0 });
    rows.push({ name: "  latency", figure: spread(s.latency), target: "" });
    const b = server.batch;
    rows.push({ name: `HTTP batch of ${run.options.batch} @${run.options.concurrency}`, figure: `${perSecond(b.perSecond)} = ${perSecond(b.checksPerSecond)} checks, ${b.errors} errors`, target: "" });
    rows.push({ name: "  latency", figure: spread(b.latency), target: "" });
    const m = server.memory;
    rows.push({ name: "server RSS at start", figure: `${mb(m.atStart.rssMb)} (heap ${mb(m.atStart.heapUsedMb)})`, target: "" });
    rows.push({ name: `  after warming ${server.warm.users.toLocaleString("en-US")} users`, figure: `${mb(m.afterUsers.rssMb)} (heap ${mb(m.afterUsers.heapUsedMb)})`, target: "" });
    rows.push({ name: "  ≈ heap per cached user", figure: `${(((m.afterUsers.heapUsedMb - m.atStart.heapUsedMb) * 1000) / Math.max(1, server.warm.users)).toFixed(0)} KB (${server.warm.users.toLocaleString("en-US")} loaded in ${server.warm.usersSeconds.toFixed(0)} s)`, target: "" });
    rows.push({ name: "  after warming the resources", figure: `${mb(m.afterResources.rssMb)} (heap ${mb(m.afterResources.heapUsedMb)})`, target: "" });
    rows.push({ name: "  after the HTTP phases / peak", figure: `${mb(m.afterLoad.rssMb)} / VmHWM ${mb(m.peakRssMb)}`, target: "" });
  }
  if (visibility) {
    const v = visibility;
    rows.push({ name: `change-to-visible (${v.visible.count}/${v.trials} trials)`, figure: `p50 ${ms(v.visible.p50)} p95 ${ms(v.visible.p95)} max ${ms(v.visible.max)}`, target: "p95 ≤ 100 ms", ok: v.failures === 0 && v.visible.p95 <= 100 });
    rows.push({ name: `  notification reaches B (${v.notified.count} seen)`, figure: `p50 ${ms(v.notified.p50)} p95 ${ms(v.notified.p95)} max ${ms(v.notified.max)}`, target: "" });
  }
  printTable("figures (verdicts on the percentile named in the target)", rows);

  if (server) {
    for (const [label, r] of [["POST /check", server.single], [`batch of ${run.options.batch}`, server.batch]] as const) {
      console.log(`\nCPU during ${label}: machine ${r.cpu.machineBusyCores.toFixed(2)} cores busy = server ${r.cpu.serverCores.toFixed(2)} + load generator ${r.cpu.loadGeneratorCores.toFixed(2)} + rest ${r.cpu.otherCores.toFixed(2)} (PostgreSQL, other engineers' runs); load average ${r.cpu.loadAverageAtStart.toFixed(1)} → ${r.cpu.loadAverageAtEnd.toFixed(1)}`);
      for (const sample of r.errorSamples) console.log(`  error: ${sample}`);
    }
    console.log(`server engine stats after the HTTP phases: ${JSON.stringify(server.stats)}; API-key verification cache: ${server.credentialCache ? "on" : "off"}`);
    console.log(`consistency: ${server.consistency.checked - server.consistency.mismatches.length}/${server.consistency.checked} HTTP answers equal the in-process engine's`);
    for (const mismatch of server.consistency.mismatches.slice(0, 5)) console.log(`  MISMATCH ${mismatch}`);
  }
  for (const c of cold) console.log(`facts per user (${c.size.toLocaleString("en-US")}): ${c.facts.groups.toFixed(1)} groups, ${c.facts.grants.toFixed(1)} grants, ${c.facts.attachments.toFixed(1)} attachments, roles in ${c.facts.workspaces.toFixed(1)} workspaces`);
  for (const c of cached) console.log(`cached phase (${c.size.toLocaleString("en-US")}): ${c.decide.count.toLocaleString("en-US")} checks, ${(c.allowedShare * 100).toFixed(1)} % allowed, ${c.loadsDuring} loads during the loop, warm-up ${c.warmSeconds.toFixed(1)} s`);
  if (visibility) {
    const v = visibility;
    console.log(`change-to-visible by kind: ${Object.entries(v.byKind).map(([kind, s]) => `${kind} p50 ${ms(s.p50)} max ${ms(s.max)}`).join("; ")}; answer received here p50 ${ms(v.reported.p50)}; polls p50 ${v.polls.p50}; failures ${v.failures}`);
  }
  const verified = (server?.consistency.mismatches.length ?? 0) === 0 && (visibility?.failures ?? 0) === 0 && (server ? server.single.errors + server.batch.errors === 0 : true);
  console.log(`\nverification: ${verified ? "ok" : "FAILED (see above)"}`);
  return verified;
}
