/**
 * The Admin API over the default policy with some Organization Admin permissions taken away, for 403 tests:
 * operator keys hold every non-owner permission of the default policy, so only a narrower policy refuses them.
 */
import { readFileSync } from "node:fs";
import supertest from "supertest";
import { loadPolicy } from "../../src/access/index.js";
import { createAdminRouter } from "../../src/admin/admin.router.js";
import { buildApp } from "../../src/app.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { loadConfig } from "../../src/config.js";
import { createDirectory } from "../../src/directory/directory.js";
import { createLogger } from "../../src/http/logger.js";
import { PUBLIC_URL, type AdminTestContext } from "./admin-app.js";

type Method = "get" | "post" | "put" | "patch" | "delete";

interface PolicyJson {
  permissions: Record<string, { level: string; ownerOnly?: boolean }>;
  roles: { organization: Array<{ key: string; permissions: string[] }> };
}

/** Calls (as `key`) to an Admin API whose Organization Admin lacks `withheld`. */
export function restrictedAdminApi(context: AdminTestContext, withheld: readonly string[]) {
  const document = JSON.parse(readFileSync(new URL("../../config/policy.default.json", import.meta.url), "utf8")) as PolicyJson;
  const admin = document.roles.organization.find((role) => role.key === "organization.admin");
  if (!admin) throw new Error("no organization.admin role in the default policy");
  admin.permissions = Object.entries(document.permissions)
    .filter(([key, permission]) => permission.level === "organization" && permission.ownerOnly !== true && !withheld.includes(key))
    .map(([key]) => key);
  const policy = loadPolicy(document, `policy without ${withheld.join(", ")}`);
  const db = context.db;
  const router = createAdminRouter({
    db,
    engine: { policy, afterWrite: async () => undefined },
    audit: createAuditService({ db }),
    credentials: createDirectory({ db }).credentials,
    connections: context.instance.sso.connections,
  });
  const app = buildApp({ config: loadConfig({ ...process.env, LOG_LEVEL: "silent", PUBLIC_URL }), database: context.database, logger: createLogger("silent"), routers: { admin: router } });
  return (key: string, method: Method, path: string, body?: unknown): supertest.Test => {
    const test = supertest(app)[method](`/admin/v1${path}`).set("Authorization", `Bearer ${key}`);
    return body === undefined ? test : test.set("Content-Type", "application/json").send(JSON.stringify(body));
  };
}
