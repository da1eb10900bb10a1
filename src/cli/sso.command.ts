/**
 * `gatehouse sso list|add-saml|add-oidc|remove` (issue 6): SSO connections from the operator's shell, through
 * the same connection service as the Admin API, audited with actor type "cli". It prints what the IdP admin
 * pastes into the identity provider: the login URL, the ACS URL / redirect URI and the SP metadata URL.
 * The OIDC client secret is read from a file, never taken on the command line (shell history, `ps`). Each
 * change commits with its audit event: the CLI binds its own connection service to the transaction.
 */
import { readFileSync } from "node:fs";
import { publicBaseUrl } from "../config.js";
import { createAuditService } from "../audit/audit.service.js";
import { DomainError } from "../directory/domain-error.js";
import { createConnectionService, type ConnectionInput, type ConnectionService, type ConnectionView } from "../sso/connections.service.js";
import { createSecretBox } from "../sso/secret-box.js";
import { createDb, type Db } from "../store/db.js";
import { loadServerSecret } from "../store/secrets.repository.js";
import type { CliContext } from "./context.js";
import { operatorName } from "./operator.js";
import { printTable, UsageError, type Output } from "./output.js";

export interface SsoArgs {
  action: string | undefined;
  rest: string[];
  name?: string | undefined;
  metadataFile?: string | undefined;
  entityId?: string | undefined;
  ssoUrl?: string | undefined;
  certificateFiles?: string[] | undefined;
  issuer?: string | undefined;
  clientId?: string | undefined;
  clientSecretFile?: string | undefined;
  json: boolean;
}

type Parsed =
  | { action: "list"; organizationId: string }
  | { action: "remove"; organizationId: string; connectionId: string }
  | { action: "add-saml" | "add-oidc"; organizationId: string; input: () => ConnectionInput };

const ACTIONS = "list, add-saml, add-oidc or remove";

function positionals(args: SsoArgs, names: string[]): string[] {
  if (args.rest.length < names.length) throw new UsageError(`sso ${args.action} needs ${names.map((name) => `<${name}>`).join(" ")}`);
  if (args.rest.length > names.length) throw new UsageError(`unexpected arguments: ${args.rest.slice(names.length).join(" ")}`);
  return args.rest;
}

/** A file the operator named: its text, or a message saying which option's file could not be read. */
function readOptionFile(option: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new DomainError("invalid_value", `--${option}: cannot read ${path} (${(error as { code?: string }).code ?? "unreadable"})`);
  }
}

function refuseOptions(args: SsoArgs, allowed: Array<keyof SsoArgs>): void {
  const options: Array<[keyof SsoArgs, string]> = [
    ["name", "name"], ["metadataFile", "metadata-file"], ["entityId", "entity-id"], ["ssoUrl", "sso-url"], ["certificateFiles", "certificate-file"],
    ["issuer", "issuer"], ["clientId", "client-id"], ["clientSecretFile", "client-secret-file"],
  ];
  const extra = options.filter(([key]) => !allowed.includes(key) && args[key] !== undefined).map(([, flag]) => `--${flag}`);
  if (extra.length > 0) throw new UsageError(`sso ${args.action} does not take ${extra.join(", ")}`);
}

/** Checks the command line before the database is opened; files are read only when the command runs. */
export function parseSsoArgs(args: SsoArgs): Parsed {
  if (args.action === "list") {
    refuseOptions(args, []);
    return { action: "list", organizationId: positionals(args, ["organization id"])[0]! };
  }
  if (args.action === "remove") {
    refuseOptions(args, []);
    const [organizationId, connectionId] = positionals(args, ["organization id", "connection id"]);
    return { action: "remove", organizationId: organizationId!, connectionId: connectionId! };
  }
  if (args.action === "add-saml") {
    refuseOptions(args, ["name", "metadataFile", "entityId", "ssoUrl", "certificateFiles"]);
    const [organizationId] = positionals(args, ["organization id"]);
    if (!args.name) throw new UsageError("sso add-saml needs --name <name>");
    const entered = args.entityId !== undefined || args.ssoUrl !== undefined || args.certificateFiles !== undefined;
    if (args.metadataFile === undefined && !(args.entityId && args.ssoUrl && args.certificateFiles?.length)) {
      throw new UsageError("sso add-saml needs --metadata-file <file>, or --entity-id, --sso-url and --certificate-file");
    }
    return {
      action: "add-saml",
      organizationId: organizationId!,
      input: () => ({
        protocol: "saml",
        name: args.name,
        ...(args.metadataFile !== undefined ? { metadataXml: readOptionFile("metadata-file", args.metadataFile) } : {}),
        // Entered values win over the metadata's, as in the Admin API.
        ...(entered
          ? {
              settings: {
                ...(args.entityId !== undefined ? { idpEntityId: args.entityId } : {}),
                ...(args.ssoUrl !== undefined ? { ssoUrl: args.ssoUrl } : {}),
                ...(args.certificateFiles !== undefined ? { idpCertificates: args.certificateFiles.map((file) => readOptionFile("certificate-file", file)) } : {}),
              },
            }
          : {}),
      }),
    };
  }
  if (args.action === "add-oidc") {
    refuseOptions(args, ["name", "issuer", "clientId", "clientSecretFile"]);
    const [organizationId] = positionals(args, ["organization id"]);
    if (!args.name || !args.issuer || !args.clientId || !args.clientSecretFile) {
      throw new UsageError("sso add-oidc needs --name, --issuer, --client-id and --client-secret-file (the secret is read from a file, never from the command line)");
    }
    const secretFile = args.clientSecretFile;
    return {
      action: "add-oidc",
      organizationId: organizationId!,
      input: () => ({
        protocol: "oidc",
        name: args.name,
        settings: { issuer: args.issuer, clientId: args.clientId },
        clientSecret: readOptionFile("client-secret-file", secretFile).trim(),
      }),
    };
  }
  throw new UsageError(`unknown sso action "${args.action ?? ""}": use ${ACTIONS}`);
}

/** The lines an IdP admin needs, per protocol. */
function describeForIdp(view: ConnectionView): Array<[string, string]> {
  const lines: Array<[string, string]> = [["Login URL", view.loginUrl]];
  if (view.serviceProvider) {
    lines.push(["ACS URL", view.serviceProvider.acsUrl], ["SP entity ID", view.serviceProvider.entityId], ["SP metadata URL", view.serviceProvider.metadataUrl]);
  }
  if (view.oidc) lines.push(["Redirect URI", view.oidc.redirectUri]);
  return lines;
}

function printConnection(out: Output, heading: string, view: ConnectionView): void {
  out.line(heading);
  const width = Math.max(...describeForIdp(view).map(([label]) => label.length)) + 2;
  for (const [label, value] of describeForIdp(view)) out.line(`${`${label}:`.padEnd(width)}${value}`);
}

export async function runSsoCommand(parsed: Parsed, args: { json: boolean }, context: CliContext, out: Output): Promise<void> {
  const db = createDb(context.database.dataSource);
  const organization = await context.directory.organizations.get(parsed.organizationId);
  const secretBox = createSecretBox(await loadServerSecret(db, "connection_secrets"));
  const connectionsOver = (handle: Db) =>
    createConnectionService({ db: handle, secretBox, publicBaseUrl: publicBaseUrl(context.config), allowInsecureIdpRequests: context.config.sso.allowInsecureIdpRequests });
  /** The change and its audit event commit together (the service's own transactions join this one). */
  const audited = <T extends { before: ConnectionView | null; after: ConnectionView | null }>(action: string, change: (connections: ConnectionService) => Promise<T>) =>
    db.transaction(async (tx) => {
      const result = await change(connectionsOver(tx));
      const id = (result.after ?? result.before)?.id ?? null;
      await createAuditService({ db: tx }).record(
        { organizationId: organization.id, actorType: "cli", actorId: operatorName(), action, targetType: "sso_connection", targetId: id, details: result },
        tx,
      );
      return result;
    });

  if (parsed.action === "list") {
    const connections = connectionsOver(db);
    const views = (await connections.list(organization.id)).map((connection) => connections.view(connection));
    if (args.json) return out.json(views);
    if (views.length === 0) return out.line(`No SSO connections for organization ${organization.id}.`);
    printTable(out, views.map((view) => ({ id: view.id, protocol: view.protocol, name: view.name, enabled: view.enabled, loginUrl: view.loginUrl })), ["id", "protocol", "name", "enabled", "loginUrl"]);
    return;
  }
  if (parsed.action === "remove") {
    const { before: removed } = await audited("sso.connection.delete", async (connections) => ({
      before: connections.view(await connections.remove(organization.id, parsed.connectionId)),
      after: null as null,
    }));
    if (args.json) return out.json(removed);
    out.line(`SSO connection ${removed.id} (${removed.name}) removed; its sessions ended with it.`);
    return;
  }
  const input = parsed.input();
  const { after: created } = await audited("sso.connection.create", async (connections) => ({ before: null as null, after: connections.view(await connections.create(organization.id, input)) }));
  if (args.json) return out.json(created);
  printConnection(out, `${created.protocol.toUpperCase()} connection "${created.name}" created for organization ${organization.id}: ${created.id}`, created);
}
