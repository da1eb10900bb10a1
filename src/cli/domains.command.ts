/**
 * `gatehouse domain verify <organization id> <domain> [--skip-dns]`: an operator marks an organization's allowed
 * email domain verified — after the same DNS TXT check the Admin API makes, or, with --skip-dns, on their own
 * word (the audit event says which). Audited with actor type "cli" in the transaction that verifies.
 */
import { defaultPolicy, loadPolicyFile } from "../access/index.js";
import { createAuditService } from "../audit/audit.service.js";
import { DomainError } from "../directory/domain-error.js";
import { createDomainService, publishesRecord, systemTxtResolver, verificationRecord, type TxtResolver } from "../directory/domains.service.js";
import { createDb } from "../store/db.js";
import type { CliContext } from "./context.js";
import { operatorName } from "./operator.js";
import { UsageError, type Output } from "./output.js";

export interface DomainCommandArgs {
  action: string | undefined;
  organizationId: string | undefined;
  domain: string | undefined;
  skipDns: boolean;
  json: boolean;
}

export async function runDomainCommand(args: DomainCommandArgs, context: CliContext, out: Output, resolveTxt: TxtResolver = systemTxtResolver()): Promise<void> {
  if (args.action !== "verify") throw new UsageError(`unknown domain action "${args.action ?? ""}": use verify`);
  if (!args.organizationId || !args.domain) throw new UsageError("domain verify needs an organization id and a domain: gatehouse domain verify <organization id> <domain>");
  const db = createDb(context.database.dataSource);
  const policy = context.config.access.policyFile ? loadPolicyFile(context.config.access.policyFile) : defaultPolicy();
  await context.directory.organizations.get(args.organizationId);
  const current = await createDomainService({ db, policy }).get(args.organizationId, args.domain);
  const expected = verificationRecord(current);
  if (!current.verified && !args.skipDns && !(await publishesRecord(resolveTxt, current.domain, expected))) {
    throw new DomainError("precondition_failed", `no TXT record "${expected}" at ${current.domain}; publish it, or pass --skip-dns if you have checked ownership otherwise`);
  }
  const { domain, changed } = await db.transaction(async (tx) => {
    const result = await createDomainService({ db: tx, policy }).markVerified(args.organizationId as string, current.domain, current.verificationToken);
    if (result.changed) {
      await createAuditService({ db: tx }).record(
        {
          organizationId: args.organizationId as string,
          actorType: "cli",
          actorId: operatorName(),
          action: "organization.domain.verify",
          targetType: "domain",
          targetId: result.domain.domain,
          details: { before: { verified: false }, after: { verified: true, verifiedAt: result.domain.verifiedAt?.toISOString() ?? null }, method: args.skipDns ? "operator" : "dns" },
        },
        tx,
      );
    }
    return result;
  });
  if (args.json) return out.json({ organizationId: args.organizationId, domain: domain.domain, verified: domain.verified, verifiedAt: domain.verifiedAt?.toISOString() ?? null, changed });
  out.line(changed ? `Domain ${domain.domain} of organization ${args.organizationId} is now verified.` : `Domain ${domain.domain} was already verified.`);
}
