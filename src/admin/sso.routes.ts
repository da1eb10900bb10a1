/**
 * SSO connections of the API key's organization (issue 6): SAML and OIDC connections, their claim mappings,
 * the SP metadata an IdP admin imports, an OIDC discovery test, and IdP metadata imported from a URL.
 * Responses and audit details are the service's view() — never the client secret or the SP private key.
 *
 * The connection service writes through its own database handle, so each change commits first and its audit
 * event follows in its own transaction (on the embedded database's single connection the two cannot nest).
 */
import type { Request, Response, Router } from "express";
import { DomainError } from "../directory/domain-error.js";
import { apiKeyPrincipalOf } from "../http/api-key-auth.js";
import { ApiError } from "../http/errors.js";
import type { ConnectionRecord, ConnectionService } from "../sso/connections.service.js";
import { SignInRejected } from "../sso/identity.js";
import type { AdminRouteDeps } from "./admin-deps.js";
import { fetchIdpMetadata } from "./idp-metadata-fetch.js";
import { invalidRequest, methodNotAllowed, param } from "./route-helpers.js";
import {
  validateBody,
  type SsoConnectionCreateBody,
  type SsoConnectionUpdateBody,
  type SsoGroupMappingsBody,
  type SsoMetadataImportBody,
} from "./schemas.js";

export interface SsoRouteDeps extends AdminRouteDeps {
  connections: ConnectionService;
  /** http:// metadata URLs (tests and local development only), like the OIDC adapter's insecure requests. */
  allowInsecureIdpRequests?: boolean;
  /** Tests intercept the metadata download. */
  metadataFetch?: typeof fetch;
}

/** Fields that belong to the other protocol are refused rather than silently ignored. */
function checkProtocolFields(protocol: "saml" | "oidc", body: SsoConnectionUpdateBody, creating: boolean): void {
  const problems: string[] = [];
  if (protocol === "saml" && body.clientSecret !== undefined) problems.push("clientSecret: only OIDC connections have a client secret");
  if (protocol === "oidc" && body.metadataXml !== undefined) problems.push("metadataXml: only SAML connections import IdP metadata");
  if (creating && protocol === "saml" && body.settings === undefined && body.metadataXml === undefined) problems.push("body: a SAML connection needs settings or metadataXml");
  if (problems.length > 0) throw invalidRequest(problems);
}

const onlyFor = (protocol: "saml" | "oidc", what: string, connection: ConnectionRecord): void => {
  if (connection.protocol !== protocol) throw new ApiError(409, "conflict", `${what} is for ${protocol.toUpperCase()} connections; this one is ${connection.protocol.toUpperCase()}`, { protocol: connection.protocol });
};

export function mountSsoRoutes(router: Router, { write, authorizer, connections, allowInsecureIdpRequests = false, metadataFetch }: SsoRouteDeps): void {
  const manage = authorizer.requirePermission("sso:manage");
  const organizationOf = (res: Response) => apiKeyPrincipalOf(res).organizationId;
  const target = (id: string) => ({ type: "sso_connection", id });
  const connectionOf = (req: Request, res: Response) => connections.get(organizationOf(res), param(req, "id"));

  /** One write: the change (through the write's transaction) and its audit event commit together. */
  async function update(req: Request, res: Response, input: SsoConnectionUpdateBody, action: string) {
    return write(res, async ({ db, audit }) => {
      const { before, after } = await connections.withDb(db).update(organizationOf(res), param(req, "id"), input);
      const change = { before: connections.view(before), after: connections.view(after) };
      await audit(action, target(after.id), change);
      return change.after;
    });
  }

  router
    .route("/sso/connections")
    .get(manage, async (_req, res) => {
      const items = (await connections.list(organizationOf(res))).map((connection) => connections.view(connection));
      res.json({ items, total: items.length });
    })
    .post(manage, async (req, res) => {
      const body = validateBody<SsoConnectionCreateBody>("SsoConnectionCreate", req.body);
      checkProtocolFields(body.protocol, body, true);
      // Validation and the SAML key pair first, outside the transaction (no connection held for seconds).
      const prepared = await connections.prepare(organizationOf(res), body);
      const created = await write(res, async ({ db, audit }) => {
        const view = connections.view(await connections.withDb(db).insert(prepared));
        await audit("sso.connection.create", target(view.id), { before: null, after: view });
        return view;
      });
      res.status(201).location(`/admin/v1/sso/connections/${created.id}`).json(created);
    })
    .all(methodNotAllowed("GET", "POST"));

  router
    .route("/sso/connections/:id")
    .get(manage, async (req, res) => {
      res.json(connections.view(await connectionOf(req, res)));
    })
    .patch(manage, async (req, res) => {
      const body = validateBody<SsoConnectionUpdateBody>("SsoConnectionUpdate", req.body);
      checkProtocolFields((await connectionOf(req, res)).protocol, body, false);
      res.json(await update(req, res, body, "sso.connection.update"));
    })
    .delete(manage, async (req, res) => {
      await write(res, async ({ db, audit }) => {
        const removed = connections.view(await connections.withDb(db).remove(organizationOf(res), param(req, "id")));
        await audit("sso.connection.delete", target(removed.id), { before: removed, after: null });
      });
      res.status(204).end();
    })
    .all(methodNotAllowed("GET", "PATCH", "DELETE"));

  router
    .route("/sso/connections/:id/sp-metadata")
    .get(manage, async (req, res) => {
      const connection = await connectionOf(req, res);
      onlyFor("saml", "SP metadata", connection);
      res.set("Content-Type", "application/samlmetadata+xml; charset=utf-8").send(connections.samlAdapter(connection).serviceProviderMetadata());
    })
    .all(methodNotAllowed("GET"));

  router
    .route("/sso/connections/:id/test")
    .post(manage, async (req, res) => {
      const connection = await connectionOf(req, res);
      onlyFor("oidc", "The discovery test", connection);
      try {
        // A fresh adapter: the sign-in cache keeps a discovery that once succeeded, the test must ask the IdP now.
        await connections.oidcAdapter(connection, { fresh: true }).discover();
        res.json({ ok: true });
      } catch (error) {
        if (!(error instanceof SignInRejected)) throw error;
        res.json({ ok: false, reason: error.reason, message: error.message });
      }
    })
    .all(methodNotAllowed("POST"));

  router
    .route("/sso/connections/:id/metadata")
    .post(manage, async (req, res) => {
      const body = validateBody<SsoMetadataImportBody>("SsoMetadataImport", req.body);
      onlyFor("saml", "Importing IdP metadata", await connectionOf(req, res));
      const metadataXml = await fetchIdpMetadata(body.url, { allowInsecure: allowInsecureIdpRequests, ...(metadataFetch ? { fetch: metadataFetch } : {}) });
      res.json(await update(req, res, { metadataXml }, "sso.connection.metadata_import"));
    })
    .all(methodNotAllowed("POST"));

  router
    .route("/sso/connections/:id/group-mappings")
    .get(manage, async (req, res) => {
      const connection = await connectionOf(req, res);
      const items = await connections.groupMappings(connection.organizationId, connection.id);
      res.json({ items, total: items.length });
    })
    .put(manage, async (req, res) => {
      const body = validateBody<SsoGroupMappingsBody>("SsoGroupMappings", req.body);
      const connection = await connectionOf(req, res);
      const after = await write(res, async ({ db, audit }) => {
        const bound = connections.withDb(db);
        const before = await bound.groupMappings(connection.organizationId, connection.id);
        const mappings = await bound.setGroupMappings(connection.organizationId, connection.id, body.items).catch(unknownGroupIsInvalid);
        await audit("sso.connection.group_mappings", target(connection.id), { before, after: mappings });
        return mappings;
      });
      res.json({ items: after, total: after.length });
    })
    .all(methodNotAllowed("GET", "PUT"));
}

/** A mapping naming a group the organization does not have is a bad request, not a missing connection. */
function unknownGroupIsInvalid(error: unknown): never {
  if (error instanceof DomainError && error.code === "not_found" && error.details?.groupIds !== undefined) {
    throw new ApiError(400, "invalid_request", error.message, { problems: [error.message], groupIds: error.details.groupIds });
  }
  throw error;
}
