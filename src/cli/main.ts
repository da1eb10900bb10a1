#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError } from "../config.js";
import { DomainError } from "../directory/domain-error.js";
import { DatabaseInUseError } from "../store/data-source.js";
import { openCliContext, type CliContext } from "./context.js";
import { runAuditCommand } from "./audit.command.js";
import { runCredentialCommand } from "./credentials.command.js";
import { parseOwnerArgs, runOwnerCommand } from "./owner.command.js";
import { runDomainCommand } from "./domains.command.js";
import { parseSsoArgs, runSsoCommand } from "./sso.command.js";
import { consoleOutput, printTable, UsageError, type Output } from "./output.js";

const USAGE = `Usage: gatehouse <command> [options]

Commands:
  migrate                                   apply pending database migrations
  org create <name> [--plan free|paid|enterprise] [--json]
                                            create an organization and its first SCIM token
  org list [--json]                         list organizations
  scim-token create --org <id> [--name <name>] [--expires-in-days <n>] [--json]
  scim-token list --org <id> [--json]
  scim-token revoke --org <id> <token id> [--json]
  api-key create|list|revoke --org <id> ...  the same, for operator API keys
  owner transfer <organization id> --to <user id|userName> [--workspace <id>] --reason "<why>" [--json]
                                            break-glass: name the organization's (or a workspace's) Owner
                                            without the current Owner; audited loudly, logged at warn
  domain verify <organization id> <domain> [--skip-dns] [--json]
                                            mark an allowed email domain verified (after its DNS TXT
                                            check, or on the operator's word with --skip-dns); audited
  audit prune [--json]                      delete audit events older than their retention, once
  sso list <organization id> [--json]       the organization's SSO connections
  sso add-saml <organization id> --name <name> (--metadata-file <file> |
      --entity-id <id> --sso-url <url> --certificate-file <file> [--certificate-file <file>]) [--json]
  sso add-oidc <organization id> --name <name> --issuer <url> --client-id <id> --client-secret-file <file> [--json]
                                            add a connection; prints the login URL, ACS URL / redirect
                                            URI and SP metadata URL to enter at the identity provider
  sso remove <organization id> <connection id> [--json]

The database is the server's: DATABASE_URL (PostgreSQL) if set, otherwise the embedded
database under GATEHOUSE_DATA_DIR (default ./data/pglite). Secrets are shown once.`;

const OPTIONS = {
  org: { type: "string" },
  name: { type: "string" },
  plan: { type: "string" },
  "expires-in-days": { type: "string" },
  json: { type: "boolean", default: false },
  to: { type: "string" },
  workspace: { type: "string" },
  reason: { type: "string" },
  "skip-dns": { type: "boolean", default: false },
  "metadata-file": { type: "string" },
  "entity-id": { type: "string" },
  "sso-url": { type: "string" },
  "certificate-file": { type: "string", multiple: true },
  issuer: { type: "string" },
  "client-id": { type: "string" },
  "client-secret-file": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

async function runOrgCommand(action: string | undefined, rest: string[], values: Values, context: CliContext, out: Output): Promise<void> {
  const { directory } = context;
  if (action === "create") {
    const name = rest.join(" ").trim();
    if (!name) throw new UsageError("org create needs a name: gatehouse org create <name>");
    const plan = values.plan as "free" | "paid" | "enterprise" | undefined;
    const organization = await directory.organizations.create({ name, plan });
    const { secret } = await directory.credentials.issue("scim_token", organization.id, { name: "initial" });
    if (values.json) return out.json({ organizationId: organization.id, scimBaseUrl: context.scimBaseUrl, scimToken: secret });
    out.line(`Organization "${organization.name}" created: ${organization.id}`);
    out.line(`SCIM base URL: ${context.scimBaseUrl}`);
    out.line(`SCIM token:    ${secret}`);
    out.line("Copy the token now: it is stored only as a hash and cannot be shown again.");
    return;
  }
  if (action === "list") {
    const rows = (await directory.organizations.list()).map((o) => ({ id: o.id, name: o.name, plan: o.plan, demo: o.isDemo, createdAt: o.createdAt.toISOString() }));
    if (values.json) return out.json(rows);
    if (rows.length === 0) return out.line("No organizations.");
    printTable(out, rows, ["id", "name", "plan", "demo", "createdAt"]);
    return;
  }
  throw new UsageError(`unknown org action "${action ?? ""}": use create or list`);
}

async function dispatch(positionals: string[], values: Values, out: Output): Promise<void> {
  const [command, action, ...rest] = positionals;
  if (!["migrate", "org", "scim-token", "api-key", "owner", "domain", "audit", "sso"].includes(command ?? "")) throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  if (command === "migrate" && positionals.length > 1) throw new UsageError("migrate takes no arguments");
  const ownerArgs = { action, rest, to: values.to, workspace: values.workspace, reason: values.reason, json: values.json };
  if (command === "owner") parseOwnerArgs(ownerArgs);
  const ssoCommand =
    command === "sso"
      ? parseSsoArgs({
          action, rest, json: values.json, name: values.name, metadataFile: values["metadata-file"], entityId: values["entity-id"], ssoUrl: values["sso-url"],
          certificateFiles: values["certificate-file"], issuer: values.issuer, clientId: values["client-id"], clientSecretFile: values["client-secret-file"],
        })
      : undefined;
  const context = await openCliContext();
  try {
    if (command === "migrate") {
      const { migrated, database } = context;
      if (values.json) return out.json({ applied: migrated, database: database.location });
      out.line(migrated.length ? `Applied ${migrated.join(", ")} to ${database.location}` : `Database ${database.location} is up to date.`);
      return;
    }
    if (command === "org") return await runOrgCommand(action, rest, values, context, out);
    if (command === "owner") return await runOwnerCommand(ownerArgs, context, out);
    if (command === "domain") {
      if (rest.length > 2) throw new UsageError(`unexpected arguments: ${rest.slice(2).join(" ")}`);
      return await runDomainCommand({ action, organizationId: rest[0], domain: rest[1], skipDns: values["skip-dns"], json: values.json }, context, out);
    }
    if (command === "audit") {
      if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`);
      return await runAuditCommand({ action, json: values.json }, context, out);
    }
    if (ssoCommand) return await runSsoCommand(ssoCommand, { json: values.json }, context, out);
    const kind = command === "scim-token" ? "scim_token" : "api_key";
    if (rest.length > 1) throw new UsageError(`unexpected arguments: ${rest.slice(1).join(" ")}`);
    await runCredentialCommand(kind, { action, organizationId: values.org, id: rest[0], name: values.name, expiresInDays: values["expires-in-days"], json: values.json }, context, out);
  } finally {
    await context.database.dataSource.destroy();
  }
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function runCli(argv: string[], out: Output = consoleOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help || positionals.length === 0) {
      out.line(USAGE);
      return positionals.length === 0 && !values.help ? 2 : 0;
    }
    await dispatch(positionals, values, out);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      out.error(`gatehouse: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DomainError || error instanceof ConfigError || error instanceof DatabaseInUseError) {
      out.error(`gatehouse: ${error.message}`);
      return 1;
    }
    out.error(`gatehouse: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

// Run when executed directly (node dist/cli/main.js, bin/gatehouse.mjs), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
