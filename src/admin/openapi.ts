/** The Admin API's OpenAPI 3.1 document, built from the same schemas ajv validates requests with. */
import { PEOPLE_SCHEMAS, peoplePaths } from "./openapi-people.js";
import { REQUEST_SCHEMAS } from "./schemas.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref("Error")) });
const body = (name: string) => ({ required: true, content: json(ref(name)) });
const noContent = { description: "Done" };

const COMMON = {
  "401": error("Missing, unknown, expired or revoked API key"),
  "403": error("The caller lacks the permission (details.permission names it; the message says what would allow it)"),
  "404": error("Unknown id, or an id of another organization"),
};
const INVALID = { "400": error("Malformed request; every problem is named in details.problems and nothing changed") };
const CONFLICT = { "409": error("Conflicts with the current state (a name taken, Spaces still present); nothing changed") };
const NOT_ENABLED = { "412": error("Spaces are not enabled for this workspace; nothing changed") };

const uuidParameter = (name: string) => ({ name, in: "path", required: true, schema: { type: "string", format: "uuid" } });
const listOf = (item: string) => ({
  type: "object",
  required: ["items", "total"],
  properties: { items: { type: "array", items: ref(item) }, total: { type: "integer" }, limit: { type: "integer" }, offset: { type: "integer" } },
});
const timestamps = { createdAt: { type: "string", format: "date-time" }, updatedAt: { type: "string", format: "date-time" } };

const RESPONSE_SCHEMAS = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, details: { type: "object" } } },
    },
  },
  Workspace: {
    type: "object",
    required: ["id", "title", "slug", "spacesEnabled", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      title: { type: "string" },
      slug: { type: "string" },
      spacesEnabled: { type: "boolean" },
      auditRetentionDays: { type: ["integer", "null"], description: "Days its audit events are kept; null: the organization's retention" },
      ...timestamps,
    },
  },
  WorkspaceList: listOf("Workspace"),
  Organization: {
    type: "object",
    required: ["id", "name", "plan", "sessionIdleMinutes", "sessionAbsoluteMinutes", "jitProvisioning", "featureFlags", "auditRetentionDays", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      name: { type: "string" },
      plan: { enum: ["free", "paid", "enterprise"] },
      sessionIdleMinutes: { type: "integer" },
      sessionAbsoluteMinutes: { type: "integer" },
      jitProvisioning: { type: "boolean" },
      featureFlags: { type: "object", additionalProperties: { type: "boolean" } },
      auditRetentionDays: { type: ["integer", "null"], description: "null: audit events are kept forever" },
      ...timestamps,
    },
  },
  Domain: {
    type: "object",
    required: ["domain", "verified", "verifiedAt", "verification", "defaultRole", "defaultWorkspaceId", "createdAt", "updatedAt"],
    properties: {
      domain: { type: "string" },
      verified: { type: "boolean", description: "Set only by the DNS check (POST …/verify) or an operator (gatehouse domain verify)" },
      verifiedAt: { type: ["string", "null"], format: "date-time" },
      verification: {
        type: "object",
        required: ["type", "name", "value"],
        description: "The DNS record to publish to prove the organization controls the domain",
        properties: { type: { const: "TXT" }, name: { type: "string" }, value: { type: "string" } },
      },
      defaultRole: {
        type: ["object", "null"],
        required: ["id", "key", "name", "level", "builtIn"],
        properties: { id: { type: "string", format: "uuid" }, key: { type: ["string", "null"] }, name: { type: "string" }, level: { enum: ["organization", "workspace"] }, builtIn: { type: "boolean" } },
      },
      defaultWorkspaceId: { type: ["string", "null"], format: "uuid" },
      ...timestamps,
    },
  },
  DomainList: listOf("Domain"),
  Space: {
    type: "object",
    required: ["id", "workspaceId", "name", "description", "dataFilter", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      workspaceId: { type: "string", format: "uuid" },
      name: { type: "string" },
      description: { type: "string" },
      dataFilter: { type: ["string", "null"] },
      ...timestamps,
    },
  },
  SpaceList: listOf("Space"),
  Attachment: {
    type: "object",
    required: ["groupId", "groupName", "spaceId", "spaceName", "workspaceId", "createdAt"],
    properties: {
      groupId: { type: "string", format: "uuid" },
      groupName: { type: "string" },
      spaceId: { type: "string", format: "uuid" },
      spaceName: { type: "string" },
      workspaceId: { type: "string", format: "uuid" },
      createdBy: { type: ["string", "null"] },
      createdAt: { type: "string", format: "date-time" },
    },
  },
  AttachmentList: listOf("Attachment"),
  Group: {
    type: "object",
    required: ["id", "displayName", "externalId", "origin", "memberCount", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      displayName: { type: "string" },
      externalId: { type: ["string", "null"] },
      origin: { enum: ["scim", "manual"], description: "scim: owned by the identity provider (read-only here but for overrides)" },
      memberCount: { type: "integer", description: "Members as the identity provider (or, for a manual group, this API) set them" },
      ...timestamps,
    },
  },
  GroupList: listOf("Group"),
  Member: {
    type: "object",
    required: ["userId", "userName", "displayName"],
    properties: { userId: { type: "string", format: "uuid" }, userName: { type: "string" }, displayName: { type: ["string", "null"] } },
  },
  MemberList: {
    type: "object",
    required: ["items", "total", "limit"],
    properties: {
      items: { type: "array", items: ref("Member") },
      total: { type: "integer" },
      limit: { type: "integer" },
      next: { type: "string", format: "uuid", description: "Pass as ?after= for the next page; absent on the last page" },
    },
  },
  GroupMember: {
    type: "object",
    required: ["groupId", "userId", "userName"],
    properties: { groupId: { type: "string", format: "uuid" }, userId: { type: "string", format: "uuid" }, userName: { type: "string" } },
  },
  Grant: {
    type: "object",
    required: ["id", "principal", "role", "scope", "source", "createdBy", "createdAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      principal: { type: "object", required: ["type", "id"], properties: { type: { enum: ["user", "group"] }, id: { type: "string", format: "uuid" } } },
      role: {
        type: "object",
        required: ["id", "key", "name", "level", "builtIn"],
        properties: { id: { type: "string", format: "uuid" }, key: { type: ["string", "null"] }, name: { type: "string" }, level: { enum: ["organization", "workspace"] }, builtIn: { type: "boolean" } },
      },
      scope: {
        type: "object",
        required: ["type"],
        properties: {
          type: { enum: ["organization", "workspace", "space", "resource"] },
          workspaceId: { type: "string", format: "uuid" },
          spaceId: { type: "string", format: "uuid" },
          resourceId: { type: "string", format: "uuid" },
        },
      },
      source: { type: "string", description: "Who owns the row: scim:<token>, sso:<connection>, manual:<API key id>, invite:<id> or system" },
      createdBy: { type: ["string", "null"] },
      createdAt: { type: "string", format: "date-time" },
    },
  },
  GrantList: listOf("Grant"),
  Role: {
    type: "object",
    required: ["id", "key", "name", "description", "level", "permissions", "builtIn", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      key: { type: ["string", "null"], description: "The policy key of a built-in role; null for a custom role" },
      name: { type: "string" },
      description: { type: "string" },
      level: { enum: ["organization", "workspace"] },
      permissions: { type: "array", items: { type: "string" } },
      builtIn: { type: "boolean" },
      ...timestamps,
    },
  },
  RoleList: listOf("Role"),
  Override: {
    type: "object",
    required: ["id", "groupId", "userId", "kind", "reason", "author", "createdAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      groupId: { type: "string", format: "uuid" },
      userId: { type: "string", format: "uuid" },
      kind: { enum: ["pin", "exclude"] },
      reason: { type: "string" },
      author: { type: "string" },
      createdAt: { type: "string", format: "date-time" },
    },
  },
  OverrideList: listOf("Override"),
  ...PEOPLE_SCHEMAS,
  AuditEvent: {
    type: "object",
    required: ["id", "occurredAt", "actor", "action", "target", "requestId", "details"],
    properties: {
      id: { type: "string", description: "The event's sequence number (a decimal string)" },
      occurredAt: { type: "string", format: "date-time" },
      actor: { type: "object", required: ["type", "id"], properties: { type: { type: "string", description: "api_key, scim_token, system, …" }, id: { type: ["string", "null"] } } },
      action: { type: "string", description: "e.g. workspace.create, scim.group.patched" },
      target: { type: "object", required: ["type", "id"], properties: { type: { type: ["string", "null"] }, id: { type: ["string", "null"] } } },
      requestId: { type: ["string", "null"] },
      details: { type: "object", description: "What changed (before/after), as the writer recorded it" },
    },
  },
  AuditPage: {
    type: "object",
    required: ["items", "nextCursor"],
    properties: {
      items: { type: "array", items: ref("AuditEvent") },
      nextCursor: { type: ["string", "null"], description: "Pass as ?cursor= (with the same filters) for the next page; null on the last page" },
    },
  },
};

const ownerRef = { type: ["object", "null"], required: ["id", "userName"], properties: { id: { type: "string", format: "uuid" }, userName: { type: "string" }, active: { type: "boolean" } } };
const seatCount = {
  counts: { type: "object", additionalProperties: { type: "integer" }, description: "People per seat class (policy seatClasses)" },
  seats: {
    type: "object",
    description: "Per seat class, the people counted in it (each person once per scope, in their costliest class)",
    additionalProperties: {
      type: "array",
      items: {
        type: "object",
        required: ["userId", "userName", "role"],
        properties: {
          userId: { type: "string", format: "uuid" },
          userName: { type: "string" },
          role: { type: "object", required: ["id", "name", "level", "builtIn"], properties: { id: { type: "string" }, name: { type: "string" }, level: { enum: ["organization", "workspace"] }, builtIn: { type: "boolean" } } },
          workspace: { type: "object", properties: { id: { type: "string", format: "uuid" }, title: { type: "string" } }, description: "Organization report: where the role that counts is held" },
        },
      },
    },
  },
};
/** Ownership and seats (src/admin/ownership.routes.ts, seats.routes.ts). */
const OWNERSHIP_AND_SEAT_SCHEMAS = {
  Ownership: {
    type: "object",
    required: ["organization", "workspaces"],
    properties: {
      organization: { type: "object", required: ["owner"], properties: { owner: ownerRef } },
      workspaces: {
        type: "array",
        items: {
          type: "object",
          required: ["workspaceId", "title", "owner", "ownedBy"],
          properties: {
            workspaceId: { type: "string", format: "uuid" },
            title: { type: "string" },
            owner: ownerRef,
            ownedBy: { enum: ["workspace", "organization", "none"], description: "organization: no Owner of its own yet, so the organization's Owner holds it" },
          },
        },
      },
    },
  },
  OwnershipTransferResult: {
    type: "object",
    required: ["scope", "owner", "previousOwner", "previousOwnerKeeps", "note"],
    properties: {
      scope: { type: "object", required: ["type"], properties: { type: { enum: ["organization", "workspace"] }, organizationId: { type: "string" }, workspaceId: { type: "string" }, title: { type: "string" } } },
      owner: ownerRef,
      previousOwner: ownerRef,
      previousOwnerKeeps: { type: ["object", "null"], properties: { key: { type: "string" }, name: { type: "string" } }, description: "The Admin role the former Owner keeps" },
      note: { type: "string" },
    },
  },
  WorkspaceSeats: { type: "object", required: ["workspaceId", "title", "counts", "seats"], properties: { seatClasses: { type: "array", items: { type: "string" } }, workspaceId: { type: "string", format: "uuid" }, title: { type: "string" }, ...seatCount } },
  SeatsReport: {
    type: "object",
    required: ["seatClasses", "organization", "workspaces"],
    properties: {
      seatClasses: { type: "array", items: { type: "string" }, description: "The policy's seat classes, costliest first" },
      organization: { type: "object", required: ["counts", "seats"], properties: seatCount },
      workspaces: { type: "array", items: ref("WorkspaceSeats") },
    },
  },
};

const OWNER_ONLY = { "403": error("Owner-only (organization:transfer / workspace:transfer): operator API keys are always refused; a signed-in person who is not the current Owner too") };
const transferOperation = (what: string, confirm: string, who = "the current Owner only") => ({
  post: {
    summary: `Transfer ${what} ownership to an active member (${who}, signed in within the step-up window; confirm repeats ${confirm}); the former Owner keeps Admin`,
    requestBody: body("OwnershipTransfer"),
    responses: { "200": ok("Transferred", ref("OwnershipTransferResult")), ...INVALID, ...COMMON, ...OWNER_ONLY, "409": error("The new Owner is deactivated or already the Owner; nothing changed") },
  },
});

/** SSO connections, their claim mappings and sign-in sessions (issue 6). */
const SSO_RESPONSE_SCHEMAS = {
  SsoConnection: {
    type: "object",
    required: ["id", "protocol", "name", "enabled", "settings", "groupsByName", "loginUrl", "createdAt", "updatedAt"],
    properties: {
      id: { type: "string", format: "uuid" },
      protocol: { enum: ["saml", "oidc"] },
      name: { type: "string" },
      enabled: { type: "boolean" },
      settings: { type: "object", description: "The protocol's settings, fully defaulted (never a secret)" },
      groupsByName: { type: "boolean" },
      serviceProvider: {
        type: "object",
        description: "SAML: what the IdP admin enters (or imports from metadataUrl)",
        properties: { entityId: { type: "string" }, acsUrl: { type: "string" }, sloUrl: { type: "string" }, metadataUrl: { type: "string" }, certificate: { type: "string" } },
      },
      oidc: {
        type: "object",
        description: "OIDC: the redirect URI to register at the IdP; whether a client secret is stored (it is never shown)",
        properties: { redirectUri: { type: "string" }, clientSecretSet: { type: "boolean" } },
      },
      loginUrl: { type: "string", description: "Starts a sign-in through this connection" },
      ...timestamps,
    },
  },
  SsoConnectionList: listOf("SsoConnection"),
  SsoGroupMapping: {
    type: "object",
    required: ["claimValue", "groupId", "groupName"],
    properties: { claimValue: { type: "string" }, groupId: { type: "string", format: "uuid" }, groupName: { type: "string" } },
  },
  SsoGroupMappingList: listOf("SsoGroupMapping"),
  SsoConnectionTest: {
    type: "object",
    required: ["ok"],
    properties: { ok: { type: "boolean" }, reason: { type: "string", description: "When not ok: a short stable code such as discovery_failed" }, message: { type: "string" } },
  },
  Session: {
    type: "object",
    required: ["id", "userId", "connectionId", "createdAt", "lastSeenAt", "expiresAt", "ip", "userAgent"],
    properties: {
      id: { type: "string", format: "uuid" },
      userId: { type: "string", format: "uuid" },
      connectionId: { type: ["string", "null"], format: "uuid" },
      createdAt: { type: "string", format: "date-time" },
      lastSeenAt: { type: "string", format: "date-time" },
      expiresAt: { type: "string", format: "date-time", description: "The absolute lifetime's end (the idle lifetime may end it sooner)" },
      ip: { type: ["string", "null"] },
      userAgent: { type: ["string", "null"] },
    },
  },
  SessionList: listOf("Session"),
  SessionsRevoked: { type: "object", required: ["revoked"], properties: { revoked: { type: "integer", description: "Live sessions ended" } } },
};
const NOT_THIS_PROTOCOL = { "409": error("The connection is of the other protocol; nothing changed") };
const ssoPaths = {
  "/sso/connections": {
    get: { summary: "The organization's SSO connections (permission sso:manage)", responses: { "200": ok("Connections", ref("SsoConnectionList")), ...COMMON } },
    post: {
      summary: "Create a SAML connection (settings and/or metadataXml) or an OIDC connection (settings and clientSecret); SAML gets its own SP key pair",
      requestBody: body("SsoConnectionCreate"),
      responses: { "201": ok("Created", ref("SsoConnection")), ...INVALID, ...COMMON, ...CONFLICT },
    },
  },
  "/sso/connections/{id}": {
    parameters: [uuidParameter("id")],
    get: { summary: "A connection", responses: { "200": ok("The connection", ref("SsoConnection")), ...COMMON } },
    patch: {
      summary: "Rename, enable or disable, change settings (merged over the current ones), re-import metadata, replace the client secret",
      requestBody: body("SsoConnectionUpdate"),
      responses: { "200": ok("Updated", ref("SsoConnection")), ...INVALID, ...COMMON, ...CONFLICT },
    },
    delete: { summary: "Delete a connection (its sessions, linked identities and claim mappings go with it)", responses: { "204": noContent, ...COMMON } },
  },
  "/sso/connections/{id}/sp-metadata": {
    parameters: [uuidParameter("id")],
    get: {
      summary: "SAML: this connection's SP metadata for the IdP admin to import",
      responses: { "200": { description: "SP metadata", content: { "application/samlmetadata+xml": { schema: { type: "string" } } } }, ...COMMON, ...NOT_THIS_PROTOCOL },
    },
  },
  "/sso/connections/{id}/test": {
    parameters: [uuidParameter("id")],
    post: { summary: "OIDC: run discovery against the issuer and report ok, or the reason it failed", responses: { "200": ok("The outcome", ref("SsoConnectionTest")), ...COMMON, ...NOT_THIS_PROTOCOL } },
  },
  "/sso/connections/{id}/metadata": {
    parameters: [uuidParameter("id")],
    post: {
      summary: "SAML: download the IdP's metadata from an https URL (no redirects, 10 s, 1 MB) and import it over the connection's settings",
      requestBody: body("SsoMetadataImport"),
      responses: { "200": ok("Updated", ref("SsoConnection")), ...INVALID, ...COMMON, ...NOT_THIS_PROTOCOL },
    },
  },
  "/sso/connections/{id}/group-mappings": {
    parameters: [uuidParameter("id")],
    get: { summary: "Claim mappings: groups-claim values and the user groups they make people members of", responses: { "200": ok("Mappings", ref("SsoGroupMappingList")), ...COMMON } },
    put: {
      summary: "Replace the connection's claim mappings (applied at each sign-in, as memberships of source sso:<connection>)",
      requestBody: body("SsoGroupMappings"),
      responses: { "200": ok("The new mappings", ref("SsoGroupMappingList")), ...INVALID, ...COMMON },
    },
  },
  "/users/{id}/sessions": {
    parameters: [uuidParameter("id")],
    get: { summary: "The user's live sign-in sessions, newest first", responses: { "200": ok("Sessions", ref("SessionList")), ...COMMON } },
    delete: { summary: "Sign the user out everywhere: end every live session", responses: { "200": ok("How many ended", ref("SessionsRevoked")), ...COMMON } },
  },
  "/users/{id}/sessions/{sessionId}": {
    parameters: [uuidParameter("id"), uuidParameter("sessionId")],
    delete: { summary: "End one of the user's live sessions", responses: { "204": noContent, ...COMMON } },
  },
};

const domainParameter = { name: "domain", in: "path", required: true, schema: { type: "string", maxLength: 253 }, description: "e.g. example.com (case-insensitive)" };

const SCIM_OWNED = { "409": error("The group is owned by the identity provider (SCIM); nothing changed") };
const PLAN_OR_BUILT_IN = { "403": error("A built-in role, a plan without custom roles (\"custom roles need a paid plan\"), or the permission is missing") };
const grantOperations = (principal: string) => ({
  parameters: [uuidParameter("id")],
  get: { summary: `The ${principal}'s grants, from every source`, responses: { "200": ok("Grants", ref("GrantList")), ...COMMON } },
  post: {
    summary: `Grant the ${principal} a role at organization, workspace, Space or resource scope (source manual:<API key id>); the same grant again is 200`,
    requestBody: body("GrantCreate"),
    responses: {
      "200": ok("Already granted", ref("Grant")),
      "201": ok("Granted", ref("Grant")),
      ...INVALID,
      ...COMMON,
      "412": error("A custom role on a plan without custom roles, or a Space whose workspace has Spaces off; nothing changed"),
    },
  },
});

const attachmentOperations = (side: string) => ({
  put: {
    summary: `Attach the group to the Space (from the ${side}'s side); attaching again changes nothing`,
    responses: { "200": ok("Already attached", ref("Attachment")), "201": ok("Attached", ref("Attachment")), ...COMMON, ...NOT_ENABLED },
  },
  delete: { summary: `Detach the group from the Space (from the ${side}'s side)`, responses: { "204": noContent, ...COMMON } },
});

const LIST_PARAMETERS = [
  { name: "q", in: "query", required: false, schema: { type: "string", maxLength: 200 }, description: "Search in titles" },
  { name: "sort", in: "query", required: false, schema: { enum: ["title", "created"], default: "created" } },
  { name: "order", in: "query", required: false, schema: { enum: ["asc", "desc"], default: "asc" } },
  { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 0, maximum: 500, default: 50 } },
  { name: "offset", in: "query", required: false, schema: { type: "integer", minimum: 0, default: 0 } },
];

const query = (name: string, schema: unknown, description: string) => ({ name, in: "query", required: false, schema, description });
const AUDIT_FILTER_PARAMETERS = [
  query("from", { type: "string", format: "date-time" }, "Events at or after this instant (inclusive)"),
  query("to", { type: "string", format: "date-time" }, "Events before this instant (exclusive)"),
  query("actor", { type: "string", maxLength: 200 }, "The actor's id (an API key id, a SCIM token id, …)"),
  query("actorType", { type: "string", maxLength: 200 }, "api_key, scim_token, system, …"),
  query("action", { type: "string", maxLength: 200 }, "An exact action, or a prefix ending in * such as scim.group.*"),
  query("targetType", { type: "string", maxLength: 200 }, "e.g. workspace, space, group, user"),
  query("targetId", { type: "string", maxLength: 200 }, "The target's id"),
  query("workspaceId", { type: "string", format: "uuid" }, "Events about the workspace: its target is the workspace, or the event names it (details.workspaceId)"),
];
const AUDIT_PAGE_PARAMETERS = [
  query("limit", { type: "integer", minimum: 1, maximum: 500, default: 100 }, "Events per page"),
  query("cursor", { type: "string" }, "The previous page's nextCursor (opaque)"),
];

export function adminOpenApi() {
  return {
    openapi: "3.1.0",
    info: { title: "Gatehouse Admin API", version: "1.0.0", description: "Workspaces, Spaces, Space attachments, user groups, grants, custom roles, membership overrides and the audit log of the API key's organization. Every write is audited." },
    servers: [{ url: "/admin/v1" }],
    security: [{ apiKey: [] }],
    paths: {
      "/workspaces": {
        get: { summary: "Workspaces, searched by title, sorted by title or creation date, paged", parameters: LIST_PARAMETERS, responses: { "200": ok("A page", ref("WorkspaceList")), ...INVALID, ...COMMON } },
        post: { summary: "Create a workspace", requestBody: body("WorkspaceCreate"), responses: { "201": ok("Created", ref("Workspace")), ...INVALID, ...COMMON, ...CONFLICT } },
      },
      "/workspaces/{id}": {
        parameters: [uuidParameter("id")],
        get: { summary: "A workspace", responses: { "200": ok("The workspace", ref("Workspace")), ...COMMON } },
        patch: { summary: "Rename; turn Spaces on or off", requestBody: body("WorkspaceUpdate"), responses: { "200": ok("Updated", ref("Workspace")), ...INVALID, ...COMMON, ...CONFLICT } },
        delete: { summary: "Delete a workspace (owner-only: refused for API keys)", responses: { "204": noContent, ...COMMON } },
      },
      "/workspaces/{id}/spaces": {
        parameters: [uuidParameter("id")],
        get: { summary: "The workspace's Spaces", responses: { "200": ok("Spaces", ref("SpaceList")), ...COMMON } },
        post: { summary: "Create a Space", requestBody: body("SpaceCreate"), responses: { "201": ok("Created", ref("Space")), ...INVALID, ...COMMON, ...CONFLICT, ...NOT_ENABLED } },
      },
      "/spaces/{id}": {
        parameters: [uuidParameter("id")],
        get: { summary: "A Space", responses: { "200": ok("The Space", ref("Space")), ...COMMON } },
        patch: { summary: "Rename, describe, set the data filter", requestBody: body("SpaceUpdate"), responses: { "200": ok("Updated", ref("Space")), ...INVALID, ...COMMON, ...CONFLICT } },
        delete: {
          summary: "Delete a Space (its attachments go with it); a Space holding resources only with moveResourcesTo, which moves them first, in the same transaction",
          parameters: [
            { name: "moveResourcesTo", in: "query", required: false, schema: { type: "string", format: "uuid" }, description: "Another Space of the same workspace that takes the Space's resources" },
          ],
          responses: {
            "204": noContent,
            ...INVALID,
            ...COMMON,
            "409": error("Resources live in the Space: details.resourceCount says how many, details.resources names some; nothing changed"),
          },
        },
      },
      "/spaces/{id}/groups": {
        parameters: [uuidParameter("id")],
        get: { summary: "Groups attached to the Space", responses: { "200": ok("Attachments", ref("AttachmentList")), ...COMMON } },
      },
      "/spaces/{id}/groups/{groupId}": { parameters: [uuidParameter("id"), uuidParameter("groupId")], ...attachmentOperations("Space") },
      "/groups/{id}/spaces": {
        parameters: [uuidParameter("id")],
        get: { summary: "Spaces the group is attached to", responses: { "200": ok("Attachments", ref("AttachmentList")), ...COMMON } },
      },
      "/groups/{id}/spaces/{spaceId}": { parameters: [uuidParameter("id"), uuidParameter("spaceId")], ...attachmentOperations("group") },
      "/groups": {
        get: {
          summary: "SCIM and manual groups with member counts, searched by displayName, in displayName order, paged",
          parameters: [LIST_PARAMETERS[0], LIST_PARAMETERS[3], LIST_PARAMETERS[4]],
          responses: { "200": ok("A page", ref("GroupList")), ...INVALID, ...COMMON },
        },
        post: { summary: "Create a manual group", requestBody: body("GroupCreate"), responses: { "201": ok("Created", ref("Group")), ...INVALID, ...COMMON, ...CONFLICT } },
      },
      "/groups/{id}": {
        parameters: [uuidParameter("id")],
        get: { summary: "A group", responses: { "200": ok("The group", ref("Group")), ...COMMON } },
        patch: { summary: "Rename a manual group", requestBody: body("GroupUpdate"), responses: { "200": ok("Renamed", ref("Group")), ...INVALID, ...COMMON, ...CONFLICT, ...SCIM_OWNED } },
        delete: { summary: "Delete a manual group (its grants, attachments and overrides go with it)", responses: { "204": noContent, ...COMMON, ...SCIM_OWNED } },
      },
      "/groups/{id}/members": {
        parameters: [uuidParameter("id")],
        get: {
          summary: "The group's members (as the IdP or this API set them), in user-id order",
          parameters: [
            { name: "after", in: "query", required: false, schema: { type: "string", format: "uuid" }, description: "The previous page's next" },
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 0, maximum: 1000, default: 100 } },
          ],
          responses: { "200": ok("A page", ref("MemberList")), ...INVALID, ...COMMON },
        },
      },
      "/groups/{id}/members/{userId}": {
        parameters: [uuidParameter("id"), uuidParameter("userId")],
        put: {
          summary: "Add a user to a manual group; adding again changes nothing",
          responses: { "200": ok("Already a member", ref("GroupMember")), "201": ok("Added", ref("GroupMember")), ...COMMON, ...SCIM_OWNED },
        },
        delete: { summary: "Remove a user from a manual group", responses: { "204": noContent, ...COMMON, ...SCIM_OWNED } },
      },
      "/groups/{id}/grants": grantOperations("group"),
      "/users/{id}/grants": grantOperations("user"),
      "/grants/{id}": {
        parameters: [uuidParameter("id")],
        get: { summary: "A grant", responses: { "200": ok("The grant", ref("Grant")), ...COMMON } },
        delete: { summary: "Revoke a grant", responses: { "204": noContent, ...COMMON } },
      },
      "/roles": {
        get: { summary: "Built-in roles (policy order), then the organization's custom roles", responses: { "200": ok("Roles", ref("RoleList")), ...COMMON } },
        post: { summary: "Create a custom role", requestBody: body("RoleCreate"), responses: { "201": ok("Created", ref("Role")), ...INVALID, ...COMMON, ...PLAN_OR_BUILT_IN, ...CONFLICT } },
      },
      "/roles/{id}": {
        parameters: [uuidParameter("id")],
        get: { summary: "A role", responses: { "200": ok("The role", ref("Role")), ...COMMON } },
        patch: {
          summary: "Rename, re-describe or change the permissions of a custom role",
          requestBody: body("RoleUpdate"),
          responses: { "200": ok("Updated", ref("Role")), ...INVALID, ...COMMON, ...PLAN_OR_BUILT_IN, ...CONFLICT },
        },
        delete: {
          summary: "Delete a custom role no one holds",
          responses: { "204": noContent, ...COMMON, ...PLAN_OR_BUILT_IN, "409": error("The role is still granted: details.holders lists each grant; nothing changed") },
        },
      },
      "/groups/{id}/overrides": {
        parameters: [uuidParameter("id")],
        get: { summary: "The group's overrides, in the order they were set", responses: { "200": ok("Overrides", ref("OverrideList")), ...COMMON } },
      },
      "/users/{id}/overrides": {
        parameters: [uuidParameter("id")],
        get: { summary: "The user's overrides, in every group", responses: { "200": ok("Overrides", ref("OverrideList")), ...COMMON } },
      },
      ...peoplePaths(),
      "/groups/{id}/overrides/{userId}": {
        parameters: [uuidParameter("id"), uuidParameter("userId")],
        put: {
          summary: "Pin or exclude the user in the group, with a reason, whatever the IdP says (replaces an earlier override; the same again changes nothing)",
          requestBody: body("OverrideSet"),
          responses: { "200": ok("Replaced, or unchanged", ref("Override")), "201": ok("Set", ref("Override")), ...INVALID, ...COMMON },
        },
        delete: { summary: "Remove the override: the IdP's word counts again", responses: { "204": noContent, ...COMMON } },
      },
      ...ssoPaths,
      "/organization": {
        get: { summary: "The organization's settings (permission organization:read)", responses: { "200": ok("The organization", ref("Organization")), ...COMMON } },
        patch: {
          summary: "Change settings, each field by its permission (plan: billing:manage; featureFlags: features:manage, merged, null removing one; the rest: organization:manage)",
          requestBody: body("OrganizationUpdate"),
          responses: { "200": ok("Updated", ref("Organization")), ...INVALID, ...COMMON, "409": error("Down to a plan without custom roles while custom roles exist: details.roles lists them; nothing changed") },
        },
      },
      "/organization/domains": {
        get: { summary: "Allowed email domains, verified or not, with their default role", responses: { "200": ok("Domains", ref("DomainList")), ...COMMON } },
      },
      "/organization/domains/{domain}": {
        parameters: [domainParameter],
        get: { summary: "An allowed email domain", responses: { "200": ok("The domain", ref("Domain")), ...COMMON } },
        put: {
          summary: "Add a domain (unverified) or replace its default role: a workspace role names its workspace, an organization role none; custom roles need a paid plan",
          requestBody: body("DomainPut"),
          responses: { "200": ok("Updated", ref("Domain")), "201": ok("Added", ref("Domain")), ...INVALID, ...COMMON },
        },
        delete: { summary: "Remove an allowed email domain", responses: { "204": noContent, ...COMMON } },
      },
      "/organization/domains/{domain}/verify": {
        parameters: [domainParameter],
        post: {
          summary: "Verify the domain by its DNS TXT record (verification.value); verifying a verified domain changes nothing",
          responses: {
            "200": ok("Verified", ref("Domain")),
            ...COMMON,
            "409": error("Another organization has verified this domain; nothing changed"),
            "412": error("The TXT record is not published (details.record says what to publish), or DNS could not be asked; nothing changed"),
          },
        },
      },
      "/audit": {
        get: {
          summary: "The organization's audit log, newest first, filtered, paged by an opaque keyset cursor (permission audit:read)",
          parameters: [...AUDIT_FILTER_PARAMETERS, ...AUDIT_PAGE_PARAMETERS],
          responses: { "200": ok("A page", ref("AuditPage")), ...INVALID, ...COMMON },
        },
      },
      "/audit/export": {
        get: {
          summary: "Every matching audit event, oldest first, streamed as JSON Lines (one AuditEvent a line; permission audit:read)",
          parameters: AUDIT_FILTER_PARAMETERS,
          responses: {
            "200": { description: "JSON Lines, one AuditEvent per line", content: { "application/x-ndjson": { schema: ref("AuditEvent") } } },
            ...INVALID,
            ...COMMON,
          },
        },
      },
      "/ownership": {
        get: { summary: "Who owns the organization and each workspace (a workspace without its own Owner is held by the organization's)", responses: { "200": ok("Owners", ref("Ownership")), ...COMMON } },
      },
      "/ownership/transfer": transferOperation("the organization's", "the organization's name"),
      "/workspaces/{id}/ownership/transfer": { parameters: [uuidParameter("id")], ...transferOperation("the workspace's", "the workspace's title", "its Owner; for a workspace without one, the organization's Owner") },
      "/seats": {
        get: { summary: "Author / viewer / free seats of the organization and of each workspace, with the people behind each number (permission users:read)", responses: { "200": ok("The report", ref("SeatsReport")), ...COMMON } },
      },
      "/workspaces/{id}/seats": {
        parameters: [uuidParameter("id")],
        get: { summary: "One workspace's seats (permission members:list there)", responses: { "200": ok("The workspace's seats", ref("WorkspaceSeats")), ...COMMON } },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An operator API key (npx gatehouse api-key create --org <id>)" } },
      schemas: { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS, ...SSO_RESPONSE_SCHEMAS, ...OWNERSHIP_AND_SEAT_SCHEMAS },
    },
  };
}
