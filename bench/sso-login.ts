/**
 * SSO benchmark (issue 6): SAML and OIDC callback handling — validation, replay store, linking, just-in-time
 * accounts, claim-mapped groups, session write — and GET /auth/session (the session and the effective access),
 * at concurrency 16, against the real server (`node --import tsx src/main.ts`) in a child process, so neither the
 * load generator nor the IdP work shares its event loop. Prints each figure next to its target.
 *
 *   node --import tsx bench/sso-login.ts --db postgres                        # a new PostgreSQL database on 127.0.0.1
 *   node --import tsx bench/sso-login.ts --db pglite --people 300 --saml 600 --oidc 600 --lookups 3000
 *
 * Before the clock starts: an organization with a verified domain, 8 groups holding workspace and organization
 * grants, a SAML connection to the in-process test IdP (test/sso/support/saml-idp.ts) and an OIDC connection
 * to a fake OP in its own process (bench/sso-login/fake-op.ts); then for every sign-in GET /auth/login/{id} and
 * the IdP's answer (a signed SAML response; an authorization code whose ID token, carrying the nonce Gatehouse
 * asked for, is signed at the OP in advance). Timed: POST /auth/saml/{id}/acs and GET /auth/oidc/{id}/callback
 * (which includes the token request to the fake OP: one loopback round trip), then GET /auth/session once per
 * person (cold: the engine resolves each person; the session, older than a minute, gets its last_seen_at touch)
 * and --lookups times over the same sessions at random (warm: cached access, touched within the minute). Every
 * answer is checked (303 + session cookie; the session's person and groups), and the database afterwards (users, identities,
 * sessions, claim memberships, audit events). Exits 1 when a check fails; --strict: 2 when a target is missed.
 * Useful options: --keep-db, --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof", --log-statements (PostgreSQL
 * logs every statement of this database into its own log: count the statements of one sign-in with --people 1).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { migrateDatabase, openDatabase, type Database } from "../src/store/data-source.js";
import { createDb } from "../src/store/db.js";
import { SECURE_COOKIE } from "../src/sso/sessions.js";
import { createTestIdp } from "../test/sso/support/saml-idp.js";
import { serverVersion } from "./access-check/database.js";
import { createRandom } from "./scim-load/stats.js";
import { describeMachine } from "./scim-load/machine.js";
import { provisionDatabase, startServer, type BenchDatabase, type RunningServer } from "./scim-load/server.js";
import { watchPhase } from "./sso-login/cpu.js";
import { planSignIns, prepareOidc, prepareSaml, sendCallbacks, type PreparedCallback } from "./sso-login/flows.js";
import { createClient, type Client } from "./sso-login/http.js";
import { lookUp, randomSessions, type SessionCookie } from "./sso-login/lookups.js";
import { startOp, type OpProcess } from "./sso-login/op-process.js";
import { countRows, createOrganization, type Organization } from "./sso-login/setup.js";
import { CALLBACK_P95_TARGET_MS, LOOKUP_P95_TARGET_MS, printReport, type CallbackPhase, type Check, type LookupPhase } from "./sso-login/summary.js";
import { fileURLToPath } from "node:url";
import { databaseKind, integer, printHelpAndExit } from "./cli.js";

const OPTIONS = {
  db: { type: "string", default: "postgres" },
  people: { type: "string", default: "1000" },
  saml: { type: "string", default: "3000" },
  oidc: { type: "string", default: "3000" },
  lookups: { type: "string", default: "10000" },
  probe: { type: "string", default: "100" },
  concurrency: { type: "string", default: "16" },
  seed: { type: "string", default: "42" },
  "pg-port": { type: "string", default: "5432" },
  "pg-user": { type: "string", default: "postgres" },
  "server-node-args": { type: "string", default: "" },
  "keep-db": { type: "boolean", default: false },
  "log-statements": { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });
if (args.help) printHelpAndExit(import.meta.url, OPTIONS);

const kind = databaseKind(args.db);
const options = {
  db: kind,
  people: integer("people", args.people, 1, 1_000_000),
  saml: integer("saml", args.saml, 1, 1_000_000),
  oidc: integer("oidc", args.oidc, 0, 1_000_000),
  lookups: integer("lookups", args.lookups, 1, 10_000_000),
  probe: integer("probe", args.probe, 0, 100_000),
  concurrency: integer("concurrency", args.concurrency, 1, 256),
  seed: integer("seed", args.seed, 0, 2 ** 31),
};
const pg = { host: "127.0.0.1", port: integer("pg-port", args["pg-port"], 1, 65535), user: args["pg-user"] ?? "postgres" };
const PUBLIC_URL = "https://gatehouse.bench.test";
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const log = (line: string) => console.log(line);
const rand = createRandom(options.seed);
const wallStarted = performance.now();

const target: BenchDatabase = await provisionDatabase(options.db, pg);
if (args["log-statements"] && target.kind === "postgres") {
  // Connections opened from now on (the server's) log every statement; nothing else on the server changes.
  await promisify(execFile)("psql", ["-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", "postgres", "-qAtc", `alter database ${target.label} set log_statement = 'all'`]);
}
const openTarget = (): Promise<Database> => {
  const url = target.env.DATABASE_URL;
  return openDatabase(url ? { url, poolSize: 4 } : { dataDir: target.env.GATEHOUSE_DATA_DIR as string });
};
let database: Database | null = null;
let op: OpProcess | null = null;
let server: RunningServer | null = null;
let client: Client | null = null;
async function cleanUp(): Promise<void> {
  client?.close();
  await server?.stop().catch(() => undefined);
  await op?.stop().catch(() => undefined);
  if (database?.dataSource.isInitialized) await database.dataSource.destroy().catch(() => undefined);
  database = null;
  if (args["keep-db"]) log(`kept ${target.kind} database ${target.label}`);
  else await target.drop().catch((error: Error) => log(`could not drop ${target.label}: ${error.message}`));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

let exitCode: number;
try {
  database = await openTarget();
  await migrateDatabase(database);
  const version = await serverVersion(database);
  log(`sso-login: ${JSON.stringify({ ...describeMachine(repoRoot), database: `${target.kind} ${version}`, label: target.label, ...options })}`);
  log("server: node --import tsx src/main.ts in a child process (composed by main.ts itself); load generator and SAML IdP in this process, fake OP in a third");
  log("OIDC callback figures = Gatehouse's own handling + one loopback round trip to the fake OP's token endpoint (ID tokens signed there in advance)");

  const clientSecret = randomBytes(24).toString("base64url");
  op = await startOp("gatehouse-bench", clientSecret);
  const idp = createTestIdp({ entityId: "https://idp.bench.test/saml" });
  const org: Organization = await createOrganization(createDb(database.dataSource), { publicBaseUrl: PUBLIC_URL, idp, opIssuer: op.issuer, clientId: op.clientId, clientSecret, people: options.people });
  log(`organization ${org.organizationId}: ${org.people.length} people, ${org.groupIds.size} groups; fake OP ${op.issuer} (pid ${op.pid})`);
  if (target.kind === "pglite") {
    // One process per PGlite directory: the server opens it next.
    await database.dataSource.destroy();
    database = null;
  }

  server = await startServer(repoRoot, target, { PUBLIC_URL, SSO_ALLOW_INSECURE_IDP_REQUESTS: "true", SSO_LOGIN_STATE_TTL_SECONDS: "3600" }, (args["server-node-args"] ?? "").split(/\s+/).filter(Boolean));
  const port = Number(new URL(server.baseUrl).port);
  log(`server pid ${server.pid} on 127.0.0.1:${port}, PUBLIC_URL ${PUBLIC_URL}`);
  client = createClient(port, options.concurrency);
  const backendPids = target.kind === "postgres" ? () => target.backendPids() : null;

  // Each phase ends with --probe returning sign-ins sent one at a time: the service time without queueing.
  const samlPlan = planSignIns(org.people, options.saml + options.probe, "jit", rand);
  const samlSeen = new Set(samlPlan.map((sign) => sign.person.index));
  const oidcPlan = planSignIns(org.people, options.oidc === 0 ? 0 : options.oidc + options.probe, "email-link", rand).map((sign) => (sign.kind === "email-link" && !samlSeen.has(sign.person.index) ? { ...sign, kind: "jit" as const } : sign));

  const callbacks: CallbackPhase[] = [];
  const sessions: SessionCookie[] = [];
  const measure = async (label: string, prepare: () => Promise<PreparedCallback[]>) => {
    const prepareStarted = performance.now();
    const all = await prepare();
    const prepared = all.slice(0, all.length - options.probe);
    const prepareSeconds = (performance.now() - prepareStarted) / 1000;
    log(`[${label}] prepared in ${prepareSeconds.toFixed(1)} s; sending at concurrency ${options.concurrency}`);
    // Fresh sockets: the preparation left the old ones idle long enough for the server to close them.
    client!.close();
    client = createClient(port, options.concurrency);
    const stopWatch = await watchPhase(server!.pid, op!.pid, backendPids);
    const started = performance.now();
    const results = await sendCallbacks(client, prepared, options.concurrency, SECURE_COOKIE);
    const seconds = (performance.now() - started) / 1000;
    const cpu = await stopWatch();
    const probe = await sendCallbacks(client!, all.slice(prepared.length), 1, SECURE_COOKIE);
    callbacks.push({ label, results, seconds, prepareSeconds, cpu, probe });
    for (const result of [...results, ...probe]) if (result.ok && result.token) sessions.push({ person: result.person, token: result.token });
    log(`[${label}] ${results.filter((result) => result.ok).length}/${results.length} answered 303 with a session in ${seconds.toFixed(1)} s`);
  };
  const say = (label: string, count: number) => log(`\n[${label}] preparing ${count} + ${options.probe} sign-ins (GET /auth/login, the IdP's answer)`);
  say("SAML ACS", options.saml);
  await measure("SAML ACS", () => prepareSaml(client!, org, idp, samlPlan, options.concurrency));
  if (oidcPlan.length > 0) say("OIDC callback", options.oidc);
  if (oidcPlan.length > 0) await measure("OIDC callback", () => prepareOidc(client!, org, op!, oidcPlan, options.concurrency));

  const lookups: LookupPhase[] = [];
  const lookupPhase = async (label: string, list: SessionCookie[], concurrency = options.concurrency, target = false) => {
    log(`\n[${label}] ${list.length} GET /auth/session at concurrency ${concurrency}`);
    const stopWatch = await watchPhase(server!.pid, op!.pid, backendPids);
    const result = await lookUp(client!, org, list, concurrency, SECURE_COOKIE);
    lookups.push({ label, result, cpu: await stopWatch(), target });
  };
  // Cold: each person's first lookup (nobody's effective access has been resolved yet: sign-in does not), with
  // their first session — in a default run older than a minute by now, so it also pays the once-a-minute
  // last_seen_at touch.
  // Warm: the same sessions again (resolved, touched within the minute): the lookup itself.
  const firstPerPerson = new Map<number, SessionCookie>();
  for (const session of sessions) if (!firstPerPerson.has(session.person.index)) firstPerPerson.set(session.person.index, session);
  const resolved = [...firstPerPerson.values()];
  await lookupPhase("session lookup, cold (first per person)", resolved);
  await lookupPhase("session lookup, warm (random sessions)", randomSessions(resolved, options.lookups, rand), options.concurrency, true);
  if (options.probe > 0) await lookupPhase("  … one at a time", randomSessions(resolved, options.probe * 5, rand), 1);

  const opStats = await op.stats();
  client.close();
  client = null;
  const stderr = server.stderrTail();
  await server.stop();
  server = null;
  database ??= await openTarget();
  const counts = await countRows(createDb(database.dataSource), org.organizationId);

  const signedIn = new Set([...samlPlan, ...oidcPlan].map((sign) => sign.person.index));
  const succeeded = callbacks.reduce((sum, phase) => sum + [...phase.results, ...phase.probe].filter((result) => result.ok).length, 0);
  const attempted = samlPlan.length + oidcPlan.length;
  const oidcPeople = new Set(oidcPlan.map((sign) => sign.person.index));
  // Claim memberships are kept per (person, connection): each connection's claim is reconciled on its own.
  const groupsOf = (people: Set<number>) => [...people].reduce((sum, index) => sum + (org.people[index]?.groups.length ?? 0), 0);
  const claimed = groupsOf(samlSeen) + groupsOf(oidcPeople);
  const checks: Check[] = [
    { name: "every callback answered 303 with a session cookie", ok: succeeded === attempted, detail: `${succeeded}/${attempted}` },
    { name: "every session lookup answered its person and groups", ok: lookups.every((phase) => phase.result.errors === 0), detail: lookups.map((phase) => `${phase.result.requests - phase.result.errors}/${phase.result.requests}`).join(", ") },
    { name: "one account per person (JIT once, then linked)", ok: counts.users === signedIn.size, detail: `${counts.users} users for ${signedIn.size} people` },
    { name: "one identity per person and connection", ok: counts.identities === samlSeen.size + oidcPeople.size, detail: `${counts.identities} (expected ${samlSeen.size + oidcPeople.size})` },
    { name: "one session per sign-in", ok: counts.sessions === succeeded, detail: `${counts.sessions}` },
    { name: "claim memberships match the claims", ok: counts.claimMemberships === claimed, detail: `${counts.claimMemberships} (expected ${claimed})` },
    { name: "audit: one auth.sign_in per sign-in, no failures", ok: counts.signInEvents === succeeded && counts.failedEvents === 0, detail: `${counts.signInEvents} sign-ins, ${counts.failedEvents} failures` },
    { name: "fake OP: one token request per OIDC callback, none refused", ok: opStats.tokenRequests === oidcPlan.length && opStats.refused === 0, detail: `${opStats.tokenRequests} requests, ${opStats.refused} refused ${opStats.refusals.join("; ")}; discovery ${opStats.discoveryRequests}×, JWKS ${opStats.jwksRequests}×` },
  ];
  if (stderr.length > 0) log(`server stderr (last lines):\n  ${stderr.join("\n  ")}`);
  const verified = printReport(callbacks, lookups, checks);
  const missed = callbacks.some((phase) => {
    const sorted = phase.results.filter((result) => result.ok).map((result) => result.ms).sort((a, b) => a - b);
    return (sorted[Math.ceil(0.95 * sorted.length) - 1] ?? Number.POSITIVE_INFINITY) > CALLBACK_P95_TARGET_MS;
  }) || lookups.some((phase) => phase.target && phase.result.latency.p95 > LOOKUP_P95_TARGET_MS);
  log(`wall time ${((performance.now() - wallStarted) / 1000).toFixed(0)} s`);
  exitCode = !verified ? 1 : args.strict && missed ? 2 : 0;
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (server) console.error(`server stderr:\n  ${server.stderrTail().join("\n  ")}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
