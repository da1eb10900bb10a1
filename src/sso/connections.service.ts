/**
 * SSO connections of an organization (issue 6): SAML (settings entered or imported from IdP metadata, one SP
 * key pair per connection, generated here) and OIDC (issuer, client id, client secret). Secrets are sealed
 * with the server's connection key; what the API shows never includes them. Protocol adapters are built from
 * a connection on demand and cached until the connection changes.
 */
import { DomainError, notFound } from "../directory/domain-error.js";
import { isUuid } from "../directory/validation.js";
import type { Db } from "../store/db.js";
import {
  deleteConnection,
  findConnection,
  insertConnection,
  listConnections,
  listGroupMappings,
  replaceGroupMappings,
  updateConnection,
  type ConnectionRecord,
  type GroupMapping,
  type SsoProtocol,
} from "../store/sso.repository.js";
import { createOidcAdapter, parseOidcSettings, type OidcAdapter, type OidcSettings } from "./oidc/adapter.js";
import { createSamlAdapter, type SamlAdapter } from "./saml/adapter.js";
import { generateServiceProviderKeyPair } from "./saml/certificates.js";
import { settingsFromIdpMetadata } from "./saml/metadata.js";
import { parseSamlSettings, type SamlServiceProvider, type SamlSettings } from "./saml/settings.js";
import type { SecretBox } from "./secret-box.js";

export type { ConnectionRecord, GroupMapping };

/** How a connection's settings are stored: the protocol's own, what every protocol shares, the SP certificate. */
interface StoredSettings {
  protocol: Record<string, unknown>;
  signIn: { groupsByName: boolean };
  spCertificate?: string;
}

interface StoredSecret {
  clientSecret?: string;
  spPrivateKey?: string;
}

export interface ConnectionInput {
  protocol?: unknown;
  name?: unknown;
  enabled?: unknown;
  /** The protocol's settings (see SamlSettings / OidcSettings). */
  settings?: unknown;
  /** SAML: the IdP's metadata XML; its values fill what `settings` leaves out. */
  metadataXml?: unknown;
  /** OIDC: the client secret (write-only). */
  clientSecret?: unknown;
  /** Claim values that match a user group's display name map to it (default true). */
  groupsByName?: unknown;
}

export interface ConnectionView {
  id: string;
  protocol: SsoProtocol;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  groupsByName: boolean;
  serviceProvider?: { entityId: string; acsUrl: string; sloUrl: string; metadataUrl: string; certificate: string };
  oidc?: { redirectUri: string; clientSecretSet: boolean };
  loginUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionServiceDeps {
  db: Db;
  secretBox: SecretBox;
  publicBaseUrl: string;
  allowInsecureIdpRequests: boolean;
  /** Tests intercept OIDC traffic. */
  oidcFetch?: typeof fetch;
}

const invalid = (problems: string[]): DomainError => new DomainError("invalid_value", problems.join("; "), { problems });

function text(value: unknown, field: string, max = 200): string {
  if (typeof value !== "string" || value.trim().length === 0 || value.length > max) throw invalid([`${field} must be a non-empty string of at most ${max} characters`]);
  return value.trim();
}

function optionalFlag(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid([`${field} must be true or false`]);
  return value;
}

/** A connection validated (and, for SAML, given its SP key pair) but not yet stored: see prepare(). */
export interface PreparedConnection {
  organizationId: string;
  protocol: SsoProtocol;
  name: string;
  enabled: boolean;
  settings: StoredSettings;
  secret: StoredSecret;
}

type AdapterCache = Map<string, { stamp: number; saml?: SamlAdapter; oidc?: OidcAdapter }>;

export function createConnectionService(deps: ConnectionServiceDeps, adapters: AdapterCache = new Map()) {
  const { db, secretBox, publicBaseUrl } = deps;

  const urls = (id: string) => ({
    entityId: `${publicBaseUrl}/auth/saml/${id}/metadata`,
    acsUrl: `${publicBaseUrl}/auth/saml/${id}/acs`,
    sloUrl: `${publicBaseUrl}/auth/saml/${id}/slo`,
    metadataUrl: `${publicBaseUrl}/auth/saml/${id}/metadata`,
    redirectUri: `${publicBaseUrl}/auth/oidc/${id}/callback`,
    loginUrl: `${publicBaseUrl}/auth/login/${id}`,
  });

  const stored = (connection: ConnectionRecord): StoredSettings => connection.settings as unknown as StoredSettings;
  const secretOf = (connection: ConnectionRecord): StoredSecret =>
    connection.secretCiphertext ? (JSON.parse(secretBox.open(connection.id, connection.secretCiphertext)) as StoredSecret) : {};

  function view(connection: ConnectionRecord): ConnectionView {
    const settings = stored(connection);
    const u = urls(connection.id);
    return {
      id: connection.id,
      protocol: connection.protocol,
      name: connection.name,
      enabled: connection.enabled,
      settings: settings.protocol,
      groupsByName: settings.signIn.groupsByName,
      ...(connection.protocol === "saml"
        ? { serviceProvider: { entityId: u.entityId, acsUrl: u.acsUrl, sloUrl: u.sloUrl, metadataUrl: u.metadataUrl, certificate: settings.spCertificate ?? "" } }
        : { oidc: { redirectUri: u.redirectUri, clientSecretSet: connection.secretCiphertext !== null } }),
      loginUrl: u.loginUrl,
      createdAt: connection.createdAt,
      updatedAt: connection.updatedAt,
    };
  }

  /** The protocol settings from input (SAML: metadata values first, explicit settings over them), validated. */
  function parseProtocolSettings(protocol: SsoProtocol, input: ConnectionInput, current?: Record<string, unknown>): Record<string, unknown> {
    let raw: Record<string, unknown> = { ...(current ?? {}) };
    if (protocol === "saml" && input.metadataXml !== undefined) {
      if (typeof input.metadataXml !== "string" || input.metadataXml.length > 1_000_000) throw invalid(["metadataXml must be the IdP's metadata XML (at most 1 MB)"]);
      try {
        raw = { ...raw, ...settingsFromIdpMetadata(input.metadataXml) };
      } catch (error) {
        throw invalid([`metadataXml: ${(error as Error).message}`]);
      }
    }
    if (input.settings !== undefined) {
      if (typeof input.settings !== "object" || input.settings === null || Array.isArray(input.settings)) throw invalid(["settings must be an object"]);
      raw = { ...raw, ...(input.settings as Record<string, unknown>) };
    }
    const parsed = protocol === "saml" ? parseSamlSettings(raw) : parseOidcSettings(raw);
    if ("problems" in parsed) throw invalid(parsed.problems.map((problem) => `settings: ${problem}`));
    return parsed.settings as unknown as Record<string, unknown>;
  }

  async function get(organizationId: string, id: string): Promise<ConnectionRecord> {
    if (!isUuid(id)) throw notFound("connection", id);
    const connection = await findConnection(db, organizationId, id.toLowerCase());
    if (!connection) throw notFound("connection", id);
    return connection;
  }

  function cached(connection: ConnectionRecord) {
    const stamp = connection.updatedAt.getTime();
    let entry = adapters.get(connection.id);
    if (!entry || entry.stamp !== stamp) {
      entry = { stamp };
      adapters.set(connection.id, entry);
      if (adapters.size > 10_000) adapters.delete(adapters.keys().next().value as string);
    }
    return entry;
  }

  return {
    view,
    get,
    list: (organizationId: string) => listConnections(db, organizationId),

    /** The same service on another handle (an Admin API write's transaction), sharing the adapter cache. */
    withDb: (handle: Db) => createConnectionService({ ...deps, db: handle }, adapters),

    /**
     * Validates a new connection and, for SAML, generates its SP key pair (seconds of CPU for RSA 3072) — no
     * database, so it runs before the write's transaction opens and never holds a connection meanwhile.
     */
    async prepare(organizationId: string, input: ConnectionInput): Promise<PreparedConnection> {
      if (input.protocol !== "saml" && input.protocol !== "oidc") throw invalid(['protocol must be "saml" or "oidc"']);
      const protocol = input.protocol;
      const name = text(input.name, "name");
      const enabled = optionalFlag(input.enabled, "enabled") ?? true;
      const groupsByName = optionalFlag(input.groupsByName, "groupsByName") ?? true;
      const protocolSettings = parseProtocolSettings(protocol, input);
      const secret: StoredSecret = {};
      const settings: StoredSettings = { protocol: protocolSettings, signIn: { groupsByName } };
      if (protocol === "oidc") secret.clientSecret = text(input.clientSecret, "clientSecret", 1_000);
      else {
        const pair = await generateServiceProviderKeyPair(`Gatehouse SP ${name}`.slice(0, 64));
        secret.spPrivateKey = pair.privateKey;
        settings.spCertificate = pair.certificate;
      }
      return { organizationId, protocol, name, enabled, settings, secret };
    },

    /** Stores a prepared connection. */
    insert(prepared: PreparedConnection): Promise<ConnectionRecord> {
      const { organizationId, protocol, name, enabled, settings, secret } = prepared;
      return db.transaction(async (tx) => {
        const created = await insertConnection(tx, { organizationId, protocol, name, enabled, settings: settings as unknown as Record<string, unknown>, secretCiphertext: null }).catch(nameTaken);
        // The secret is sealed with the connection's id as associated data, so it is written once the id exists.
        const sealed = secretBox.seal(created.id, JSON.stringify(secret));
        return (await updateConnection(tx, organizationId, created.id, { secretCiphertext: sealed })) as ConnectionRecord;
      });
    },

    async create(organizationId: string, input: ConnectionInput): Promise<ConnectionRecord> {
      return this.insert(await this.prepare(organizationId, input));
    },

    async update(organizationId: string, id: string, input: ConnectionInput): Promise<{ before: ConnectionRecord; after: ConnectionRecord }> {
      const before = await get(organizationId, id);
      if (input.protocol !== undefined && input.protocol !== before.protocol) throw invalid(["protocol cannot change; create another connection"]);
      const current = stored(before);
      const changes: Parameters<typeof updateConnection>[3] = {};
      if (input.name !== undefined) changes.name = text(input.name, "name");
      const enabled = optionalFlag(input.enabled, "enabled");
      if (enabled !== undefined) changes.enabled = enabled;
      const groupsByName = optionalFlag(input.groupsByName, "groupsByName");
      if (input.settings !== undefined || input.metadataXml !== undefined || groupsByName !== undefined) {
        changes.settings = {
          ...current,
          protocol: input.settings !== undefined || input.metadataXml !== undefined ? parseProtocolSettings(before.protocol, input, current.protocol) : current.protocol,
          signIn: { groupsByName: groupsByName ?? current.signIn.groupsByName },
        } as unknown as Record<string, unknown>;
      }
      if (input.clientSecret !== undefined) {
        if (before.protocol !== "oidc") throw invalid(["clientSecret is for OIDC connections"]);
        changes.secretCiphertext = secretBox.seal(before.id, JSON.stringify({ ...secretOf(before), clientSecret: text(input.clientSecret, "clientSecret", 1_000) }));
      }
      const after = await updateConnection(db, organizationId, before.id, changes).catch(nameTaken);
      if (!after) throw notFound("connection", id);
      return { before, after };
    },

    async remove(organizationId: string, id: string): Promise<ConnectionRecord> {
      const connection = await get(organizationId, id);
      await deleteConnection(db, organizationId, connection.id);
      adapters.delete(connection.id);
      return connection;
    },

    groupMappings: (organizationId: string, connectionId: string) => listGroupMappings(db, organizationId, connectionId),
    async setGroupMappings(organizationId: string, connectionId: string, mappings: unknown): Promise<GroupMapping[]> {
      const connection = await get(organizationId, connectionId);
      if (!Array.isArray(mappings) || mappings.length > 1_000) throw invalid(["mappings must be a list of at most 1,000 { claimValue, groupId }"]);
      const parsed = mappings.map((entry: unknown, index) => {
        const m = entry as { claimValue?: unknown; groupId?: unknown };
        if (typeof m?.claimValue !== "string" || m.claimValue.length === 0 || m.claimValue.length > 1_000) throw invalid([`mappings[${index}].claimValue must be a non-empty string`]);
        if (!isUuid(m.groupId)) throw invalid([`mappings[${index}].groupId must be a user group id`]);
        return { claimValue: m.claimValue, groupId: m.groupId.toLowerCase() };
      });
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(`SELECT id FROM groups WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, parsed.map((m) => m.groupId)]);
        const known = new Set(rows.map((row) => row.id));
        const unknown = parsed.filter((m) => !known.has(m.groupId)).map((m) => m.groupId);
        if (unknown.length > 0) throw new DomainError("not_found", `user group ${unknown[0]} not found`, { groupIds: [...new Set(unknown)] });
        await replaceGroupMappings(tx, organizationId, connection.id, parsed);
      });
      return listGroupMappings(db, organizationId, connection.id);
    },

    serviceProvider(connection: ConnectionRecord): SamlServiceProvider {
      const u = urls(connection.id);
      return { entityId: u.entityId, acsUrl: u.acsUrl, sloUrl: u.sloUrl, privateKey: secretOf(connection).spPrivateKey ?? "", certificate: stored(connection).spCertificate ?? "" };
    },

    samlAdapter(connection: ConnectionRecord): SamlAdapter {
      const entry = cached(connection);
      entry.saml ??= createSamlAdapter(stored(connection).protocol as unknown as SamlSettings, this.serviceProvider(connection));
      return entry.saml;
    },

    /** The connection's OIDC adapter (cached with its discovery); `fresh` builds a new one (the admin's "test"). */
    oidcAdapter(connection: ConnectionRecord, options: { fresh?: boolean } = {}): OidcAdapter {
      const build = () =>
        createOidcAdapter(stored(connection).protocol as unknown as OidcSettings, secretOf(connection).clientSecret ?? "", {
          redirectUri: urls(connection.id).redirectUri,
          allowInsecureRequests: deps.allowInsecureIdpRequests,
          ...(deps.oidcFetch ? { customFetch: deps.oidcFetch } : {}),
        });
      if (options.fresh) return build();
      const entry = cached(connection);
      entry.oidc ??= build();
      return entry.oidc;
    },
  };
}

function nameTaken(error: unknown): never {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  if (constraint === "sso_connections_name_per_org") throw new DomainError("conflict", "another connection of this organization has that name", { field: "name" });
  throw error;
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
