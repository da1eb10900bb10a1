import type { CredentialKind, CredentialRecord } from "../directory/credentials.service.js";
import type { CliContext } from "./context.js";
import { UsageError, printTable, type Output } from "./output.js";

export interface CredentialArgs {
  action: string | undefined;
  organizationId: string | undefined;
  id: string | undefined;
  name: string | undefined;
  expiresInDays: string | undefined;
  json: boolean;
}

function parseExpiry(days: string | undefined): Date | null {
  if (days === undefined) return null;
  const value = Number(days);
  if (!Number.isInteger(value) || value < 1 || value > 3650) throw new UsageError("--expires-in-days must be a whole number of days from 1 to 3650");
  return new Date(Date.now() + value * 86_400_000);
}

function describe(record: CredentialRecord) {
  return {
    id: record.id,
    name: record.name,
    hint: record.hint,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

/** `gatehouse scim-token|api-key create|list|revoke --org <id>`. */
export async function runCredentialCommand(kind: CredentialKind, args: CredentialArgs, context: CliContext, out: Output): Promise<void> {
  const label = kind === "scim_token" ? "SCIM token" : "API key";
  const organizationId = args.organizationId;
  if (!organizationId) throw new UsageError("--org <organization id> is required");
  const { credentials } = context.directory;

  if (args.action === "create") {
    const { credential, secret } = await credentials.issue(kind, organizationId, { name: args.name ?? "default", expiresAt: parseExpiry(args.expiresInDays) });
    if (args.json) return out.json({ ...describe(credential), organizationId, token: secret, ...(kind === "scim_token" ? { scimBaseUrl: context.scimBaseUrl } : {}) });
    out.line(`${label} ${credential.id} (${credential.name}) created for organization ${organizationId}.`);
    if (kind === "scim_token") out.line(`SCIM base URL: ${context.scimBaseUrl}`);
    out.line(`${label}: ${secret}`);
    out.line("Copy it now: it is stored only as a hash and cannot be shown again.");
    return;
  }
  if (args.action === "list") {
    const rows = (await credentials.list(kind, organizationId)).map(describe);
    if (args.json) return out.json(rows);
    if (rows.length === 0) return out.line(`No ${label}s for organization ${organizationId}.`);
    printTable(out, rows, ["id", "name", "hint", "createdAt", "lastUsedAt", "expiresAt", "revokedAt"]);
    return;
  }
  if (args.action === "revoke") {
    if (!args.id) throw new UsageError(`revoke needs the ${label} id: revoke --org <organization id> <id>`);
    const revoked = await credentials.revoke(kind, organizationId, args.id);
    if (args.json) return out.json(describe(revoked));
    out.line(`${label} ${revoked.id} (${revoked.name}) revoked at ${revoked.revokedAt?.toISOString()}.`);
    return;
  }
  throw new UsageError(`unknown action "${args.action ?? ""}": use create, list or revoke`);
}
