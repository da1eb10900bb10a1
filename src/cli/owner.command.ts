/**
 * `gatehouse owner transfer <organization id> --to <user id | userName> [--workspace <id>] --reason "…"`: the
 * break-glass ownership transfer for operators (issue 5) — when the Owner left, was deleted by the identity
 * provider, or the organization never had one. It skips the current Owner's consent, so it is loud: an
 * `ownership.break_glass_transfer` audit event (actor type cli, the operating-system user, the reason) and a
 * warn-level log line on stderr.
 */
import { userInfo } from "node:os";
import type { Logger } from "pino";
import { installPolicyRoles } from "../access/engine/policy-roles.js";
import { defaultPolicy, loadPolicyFile } from "../access/index.js";
import type { Policy } from "../access/policy.types.js";
import { notFound } from "../directory/domain-error.js";
import { transferOwnership, type TransferResult } from "../directory/ownership.service.js";
import { isUuid } from "../directory/validation.js";
import { createLogger } from "../http/logger.js";
import { createDb } from "../store/db.js";
import type { CliContext } from "./context.js";
import { UsageError, type Output } from "./output.js";

export interface OwnerArgs {
  action: string | undefined;
  rest: string[];
  to: string | undefined;
  workspace: string | undefined;
  reason: string | undefined;
  json: boolean;
}

export interface OwnerCommandDeps {
  /** Who ran the command (default: the operating-system user). */
  osUser?: string;
  logger?: Logger;
  policy?: Policy;
}

function osUserName(): string {
  try {
    return userInfo().username || (process.env.USER ?? "unknown");
  } catch {
    return process.env.USER ?? "unknown";
  }
}

/** Checks the arguments (a UsageError before the database is even opened). */
export function parseOwnerArgs(args: OwnerArgs): { organizationId: string; to: string; workspaceId: string | null; reason: string } {
  if (args.action !== "transfer") throw new UsageError(`unknown owner action "${args.action ?? ""}": use transfer`);
  const [organizationId, ...extra] = args.rest;
  if (!organizationId) throw new UsageError("owner transfer needs the organization id: gatehouse owner transfer <organization id> --to <user> --reason \"…\"");
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  if (!args.to?.trim()) throw new UsageError("--to <user id or userName> is required");
  const reason = args.reason?.trim() ?? "";
  if (!reason) throw new UsageError('--reason "…" is required: a break-glass transfer says why');
  if (reason.length > 1000) throw new UsageError("--reason must be at most 1000 characters");
  return { organizationId, to: args.to.trim(), workspaceId: args.workspace ?? null, reason };
}

/** The new Owner's id: a user id as given, or the user with that userName (case-insensitive). */
async function resolveUser(context: CliContext, organizationId: string, to: string): Promise<string> {
  if (isUuid(to)) return to;
  const user = await context.directory.users.findByUserName(organizationId, to);
  if (!user) throw notFound("user", to);
  return user.id;
}

function print(out: Output, result: TransferResult): void {
  const what = result.scope.type === "organization" ? `organization ${result.scope.organizationId}` : `workspace "${result.scope.title}" (${result.scope.workspaceId})`;
  out.line(`Ownership of ${what} transferred to ${result.owner.userName} (${result.owner.id}).`);
  if (result.previousOwner) out.line(`Former Owner ${result.previousOwner.userName} keeps ${result.previousOwnerKeeps?.name ?? "no role"}.`);
  else out.line("There was no Owner before.");
  out.line("Recorded in the audit log as ownership.break_glass_transfer.");
}

export async function runOwnerCommand(args: OwnerArgs, context: CliContext, out: Output, deps: OwnerCommandDeps = {}): Promise<void> {
  const { organizationId, to, workspaceId, reason } = parseOwnerArgs(args);
  if (!isUuid(organizationId)) throw notFound("organization", organizationId);
  const osUser = deps.osUser ?? osUserName();
  const policy = deps.policy ?? (context.config.access.policyFile ? loadPolicyFile(context.config.access.policyFile) : defaultPolicy());
  const toUserId = await resolveUser(context, organizationId, to);
  const db = createDb(context.database.dataSource);
  // What the server does at startup: on a database only the CLI has opened so far, the roles to grant exist.
  await installPolicyRoles(db, policy);
  const result = await transferOwnership(db, { organizationId, workspaceId, fromUserId: null, toUserId, actor: { type: "cli", osUser, reason } }, policy);
  const logger = deps.logger ?? createLogger("warn", process.stderr);
  logger.warn(
    { event: "ownership.break_glass_transfer", organizationId, workspaceId, from: result.previousOwner?.id ?? null, to: result.owner.id, osUser, reason },
    "break-glass ownership transfer: the current Owner's consent was skipped",
  );
  if (args.json) return out.json(result);
  print(out, result);
}
