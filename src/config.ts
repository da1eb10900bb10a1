import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import ajvFormats from "ajv-formats";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string | null;
  readonly database: {
    readonly url: string | null;
    readonly dataDir: string;
    readonly poolSize: number;
    readonly connectTimeoutMs: number;
    readonly preparedStatements: boolean;
    /** VACUUM (ANALYZE) of grown tables where no autovacuum runs (src/store/statistics.ts); 0: never. */
    readonly analyzeIntervalMs: number;
  };
  readonly http: {
    readonly bodyLimit: string;
    readonly trustProxy: boolean;
    readonly shutdownTimeoutMs: number;
    /** Server processes sharing the port (src/cluster.ts); more than 1 needs PostgreSQL. */
    readonly workers: number;
  };
  readonly log: { readonly level: string };
  readonly demo: { readonly seed: boolean; readonly organizationName: string };
  readonly access: {
    /** The product's policy file (GATEHOUSE_POLICY); null for config/policy.default.json. */
    readonly policyFile: string | null;
    /** Users whose effective access one instance keeps in memory. */
    readonly cacheUsers: number;
    readonly cacheResources: number;
  };
  readonly audit: {
    /** How often expired audit events are deleted (src/audit/retention.ts); 0: never. */
    readonly retentionIntervalMs: number;
  };
  readonly sso: {
    /** Comma-separated origins a sign-in may return to, besides the server's own. */
    readonly returnToOrigins: string;
    /** http:// OIDC issuers: tests and local development only. */
    readonly allowInsecureIdpRequests: boolean;
    readonly loginStateTtlSeconds: number;
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Kind = "string" | "integer" | "boolean";

/** Environment variables that override `config/default.json`, with the setting each one sets. */
const ENVIRONMENT: ReadonlyArray<{ env: string; path: string; kind: Kind }> = [
  { env: "PORT", path: "port", kind: "integer" },
  { env: "HOST", path: "host", kind: "string" },
  { env: "PUBLIC_URL", path: "publicUrl", kind: "string" },
  { env: "DATABASE_URL", path: "database.url", kind: "string" },
  { env: "GATEHOUSE_DATA_DIR", path: "database.dataDir", kind: "string" },
  { env: "DATABASE_POOL_SIZE", path: "database.poolSize", kind: "integer" },
  { env: "DATABASE_CONNECT_TIMEOUT_MS", path: "database.connectTimeoutMs", kind: "integer" },
  { env: "DATABASE_PREPARED_STATEMENTS", path: "database.preparedStatements", kind: "boolean" },
  { env: "DATABASE_ANALYZE_INTERVAL_MS", path: "database.analyzeIntervalMs", kind: "integer" },
  { env: "BODY_LIMIT", path: "http.bodyLimit", kind: "string" },
  { env: "TRUST_PROXY", path: "http.trustProxy", kind: "boolean" },
  { env: "SHUTDOWN_TIMEOUT_MS", path: "http.shutdownTimeoutMs", kind: "integer" },
  { env: "GATEHOUSE_WORKERS", path: "http.workers", kind: "integer" },
  { env: "LOG_LEVEL", path: "log.level", kind: "string" },
  { env: "GATEHOUSE_SEED_DEMO", path: "demo.seed", kind: "boolean" },
  { env: "GATEHOUSE_POLICY", path: "access.policyFile", kind: "string" },
  { env: "ACCESS_CACHE_USERS", path: "access.cacheUsers", kind: "integer" },
  { env: "ACCESS_CACHE_RESOURCES", path: "access.cacheResources", kind: "integer" },
  { env: "AUDIT_RETENTION_INTERVAL_MS", path: "audit.retentionIntervalMs", kind: "integer" },
  { env: "SSO_RETURN_TO_ORIGINS", path: "sso.returnToOrigins", kind: "string" },
  { env: "SSO_ALLOW_INSECURE_IDP_REQUESTS", path: "sso.allowInsecureIdpRequests", kind: "boolean" },
  { env: "SSO_LOGIN_STATE_TTL_SECONDS", path: "sso.loginStateTtlSeconds", kind: "integer" },
];

const configDir = fileURLToPath(new URL("../config/", import.meta.url));

function readJson(path: string, label: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot read ${label} (${path}): ${(error as Error).message}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeDeep(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value;
  }
  return merged;
}

function parseEnvValue(env: string, raw: string, kind: Kind): unknown {
  if (kind === "string") return raw;
  if (kind === "integer") {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${env} must be an integer, got "${raw}"`);
    return Number(raw);
  }
  const lowered = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(lowered)) return true;
  if (["false", "0", "no", "off"].includes(lowered)) return false;
  throw new ConfigError(`${env} must be true or false, got "${raw}"`);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node[key] = isPlainObject(child) ? { ...child } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (isPlainObject(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds the configuration once: `config/default.json`, then the file named by `GATEHOUSE_CONFIG`,
 * then environment variables. Anything invalid fails here, naming the setting, so the server never
 * starts half-configured.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let raw = readJson(`${configDir}default.json`, "config/default.json");
  if (env.GATEHOUSE_CONFIG) raw = mergeDeep(raw, readJson(env.GATEHOUSE_CONFIG, "GATEHOUSE_CONFIG"));
  const sourceOf = new Map<string, string>();
  for (const { env: name, path, kind } of ENVIRONMENT) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(raw, path, parseEnvValue(name, value, kind));
    sourceOf.set(path, name);
  }

  const ajv = new Ajv({ allErrors: true });
  ajvFormats.default(ajv);
  const validate = ajv.compile(readJson(`${configDir}config.schema.json`, "config/config.schema.json"));
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((error) => {
      const path = error.instancePath.slice(1).replaceAll("/", ".");
      const extra = error.keyword === "additionalProperties" ? ` (${String(error.params.additionalProperty)})` : "";
      const setting = sourceOf.has(path) ? `${sourceOf.get(path)} (${path})` : path || "config";
      return `${setting}: ${error.message ?? "is invalid"}${extra}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${[...new Set(problems)].join("\n  ")}`);
  }
  return deepFreeze(raw as unknown as Config);
}

/** The base URL clients should use, without a trailing slash. */
export function publicBaseUrl(config: Config): string {
  return (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, "");
}
