import type { Logger } from "pino";
import { createAccessEngine } from "./access/engine/access-engine.js";
import { installPolicyRoles } from "./access/engine/policy-roles.js";
import { createResourceService } from "./access/engine/resources.service.js";
import { createAccessRouter } from "./access/http/access.router.js";
import { parseByteSize, withFastCheck } from "./access/http/check-fast-path.js";
import { createAdminRouter } from "./admin/admin.router.js";
import { defaultPolicy, loadPolicyFile, PolicyError } from "./access/index.js";
import { buildApp } from "./app.js";
import { followPrimary, processRole, runClusterPrimary, WORKER_SIGNALS } from "./cluster.js";
import { createAuditService } from "./audit/audit.service.js";
import { startAuditRetention } from "./audit/retention.js";
import { ConfigError, loadConfig, publicBaseUrl, type Config } from "./config.js";
import { seedDemoOrganization, type DemoSeed } from "./directory/demo.js";
import { createCredentialCache } from "./directory/credential-cache.js";
import { createDirectory } from "./directory/directory.js";
import { createLogger } from "./http/logger.js";
import type { HttpMetrics } from "./http/metrics.js";
import { createReadiness } from "./http/readiness.js";
import { installGracefulShutdown, startServer } from "./http/server.js";
import { withScimFastPath } from "./scim/resources/scim-fast-path.js";
import { createScimSurface } from "./scim/resources/scim.router.js";
import { createSso } from "./sso/sso.js";
import { createDb, type Db } from "./store/db.js";
import { DatabaseInUseError, migrateDatabase, openDatabase, type DatabaseKind } from "./store/data-source.js";
import { createNotifications } from "./store/notifications.js";
import { hasAutovacuum, startStatisticsKeeper, type StatisticsKeeper } from "./store/statistics.js";

/** The first-run banner goes to stdout, not to the log: it carries a secret that logs must never hold. */
function printDemoBanner(config: Config, seed: DemoSeed): void {
  const scimBaseUrl = `${publicBaseUrl(config)}/scim/v2`;
  const lines = seed.scimToken
    ? [
        `Demo organization "${seed.organization.name}" created: ${seed.organization.id}`,
        `SCIM base URL: ${scimBaseUrl}`,
        `SCIM token:    ${seed.scimToken}`,
        "Copy the token now: it is stored only as a hash and will not be shown again.",
        `Another one:   npx gatehouse scim-token create --org ${seed.organization.id}  (with the server stopped, on the embedded database)`,
      ]
    : [
        `Demo organization: ${seed.organization.id}`,
        `SCIM base URL: ${scimBaseUrl}`,
        `Its SCIM token was printed on the first start. A new one: npx gatehouse scim-token create --org ${seed.organization.id}`,
      ];
  process.stdout.write(`\n${lines.join("\n")}\n\n`);
}

/**
 * Without autovacuum (PGlite always; PostgreSQL when an operator turned it off) nothing refreshes the planner's
 * statistics or the visibility map, and plans made on empty tables stay (src/store/statistics.ts). Each process
 * keeps its own: a table another process already vacuumed has not grown since, so it is left alone.
 */
async function keepStatistics(db: Db, kind: DatabaseKind, config: Config, logger: Logger): Promise<StatisticsKeeper | undefined> {
  if (config.database.analyzeIntervalMs === 0 || (await hasAutovacuum(db, kind))) return undefined;
  if (kind === "postgres") logger.warn("autovacuum is off on this PostgreSQL server: Gatehouse vacuums and analyzes its own tables as they grow; turn autovacuum on in production");
  return startStatisticsKeeper(db, {
    intervalMs: config.database.analyzeIntervalMs,
    onAnalyzed: (tables) => logger.debug({ tables }, "tables vacuumed and analyzed"),
    onError: (error) => logger.warn({ err: error }, "VACUUM (ANALYZE) of grown tables failed; the next pass retries"),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log.level);
  // The policy is read before the database opens: a broken policy file stops the start with its problems listed.
  const policy = config.access.policyFile ? loadPolicyFile(config.access.policyFile) : defaultPolicy();
  // Cluster mode (src/cluster.ts): the primary prepares the database and forks; workers skip that preparation.
  const role = processRole(config);
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolSize: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
  });
  if (role !== "worker") {
    const applied = await migrateDatabase(database);
    logger.info({ database: database.kind, location: database.location, migrationsApplied: applied }, "database ready");
  }

  const db = createDb(database.dataSource, { preparedStatements: config.database.preparedStatements });
  if (role !== "worker") await installPolicyRoles(db, policy);
  if (role === "primary") {
    if (config.demo.seed) printDemoBanner(config, await seedDemoOrganization(createDirectory({ db, policy }), config.demo.organizationName));
    await database.dataSource.destroy();
    const listening = { host: config.host, publicUrl: publicBaseUrl(config), policy: policy.name };
    runClusterPrimary({ workers: config.http.workers, logger, shutdownTimeoutMs: config.http.shutdownTimeoutMs, listening });
    return;
  }
  // One LISTEN connection serves every in-process cache (access versions, credentials).
  const notifications = createNotifications(database, (message, error) => logger.warn({ err: error }, message));
  const credentialCache = createCredentialCache({ notifications, log: (message, error) => logger.warn({ err: error }, message) });
  const directory = createDirectory({ db, policy, credentialCache });
  if (config.demo.seed && role === "single") printDemoBanner(config, await seedDemoOrganization(directory, config.demo.organizationName));

  const readiness = createReadiness();
  const engine = createAccessEngine({ db, policy, notifications, maxUsers: config.access.cacheUsers, maxResources: config.access.cacheResources });
  await engine.start();
  const access = createAccessRouter({ db, engine, resources: createResourceService({ db, policy }), credentials: directory.credentials });
  const sso = await createSso({
    db,
    policy,
    audit: createAuditService({ db }),
    engine,
    logger,
    publicBaseUrl: publicBaseUrl(config),
    returnToOrigins: config.sso.returnToOrigins,
    allowInsecureIdpRequests: config.sso.allowInsecureIdpRequests,
    loginStateTtlSeconds: config.sso.loginStateTtlSeconds,
  });
  const statistics = await keepStatistics(db, database.kind, config, logger);
  const stopSsoHousekeeping = sso.startHousekeeping(10 * 60_000, (error) => logger.warn({ err: error }, "sign-in housekeeping failed"));
  const scim = createScimSurface({
    db,
    directory,
    audit: createAuditService({ db }),
    baseUrl: `${publicBaseUrl(config)}/scim/v2`,
    logger,
    afterWrite: engine.afterWrite,
    sessions: sso.sessions,
  });
  const admin = createAdminRouter({
    db,
    engine,
    audit: createAuditService({ db }),
    credentials: directory.credentials,
    connections: sso.connections,
    sessions: sso.sessions,
    allowInsecureIdpRequests: config.sso.allowInsecureIdpRequests,
  });
  const app = buildApp({ config, database, logger, readiness, routers: { scim: scim.router, access, admin, auth: sso.router } });
  // The hot paths — POST /access/v1/check, the product's, and the SCIM resource endpoints, the identity
  // provider's — are answered before Express (same code, same responses).
  const metrics = app.locals.httpMetrics as HttpMetrics;
  const bodyLimitBytes = parseByteSize(config.http.bodyLimit);
  const scimFastPath = withScimFastPath(app, {
    handlers: scim.handlers,
    credentials: directory.credentials,
    logger,
    metrics,
    bodyLimitBytes,
    trustProxy: app.get("trust proxy fn") as (address: string, hop: number) => boolean,
  });
  const listener = withFastCheck(scimFastPath, { engine, credentials: directory.credentials, logger, metrics, bodyLimitBytes });
  const server = await startServer(listener, { port: config.port, host: config.host });
  const retention = startAuditRetention({
    db,
    audit: createAuditService({ db }),
    intervalMs: config.audit.retentionIntervalMs,
    onPass: ({ deleted, batches, busy }) => {
      if (deleted > 0 || busy) logger.info({ deleted, batches, busy }, "audit retention pass");
    },
    onError: (error) => logger.warn({ err: error }, "audit retention pass failed; the next one retries"),
  });
  const graceful = installGracefulShutdown({
    server,
    ...(role === "worker" ? { signals: WORKER_SIGNALS } : {}),
    logger,
    readiness,
    timeoutMs: config.http.shutdownTimeoutMs,
    onClosed: async () => {
      stopSsoHousekeeping();
      await statistics?.stop();
      await retention.stop();
      await notifications.close();
      await database.dataSource.destroy();
    },
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  if (role === "worker") {
    followPrimary(graceful.shutdown);
    logger.debug({ port }, "worker listening");
  } else {
    logger.info({ port, host: config.host, publicUrl: publicBaseUrl(config), policy: policy.name }, "Gatehouse listening");
  }
}

try {
  await main();
} catch (error) {
  // Configuration and database-lock problems are the operator's to fix: say what, without a stack.
  const known = error instanceof ConfigError || error instanceof DatabaseInUseError || error instanceof PolicyError;
  process.stderr.write(`gatehouse: cannot start: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}
