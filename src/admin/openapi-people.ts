/** The OpenAPI part for people and invites (users.routes.ts, invites.routes.ts), merged into openapi.ts. */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref("Error")) });
const body = (name: string) => ({ required: true, content: json(ref(name)) });
const uuid = { type: "string", format: "uuid" } as const;
const uuidParameter = (name: string) => ({ name, in: "path", required: true, schema: uuid });
const query = (name: string, schema: unknown, description: string) => ({ name, in: "query", required: false, schema, description });

const COMMON = {
  "401": error("Missing, unknown, expired or revoked API key"),
  "403": error("The caller lacks the permission (details.permission names it)"),
  "404": error("Unknown id, or an id of another organization"),
};
const INVALID = { "400": error("Malformed request; every problem is named and nothing changed") };
const OWNER = { "409": error("An Owner: transfer ownership first (ownership changes only by transfer); nothing changed") };
const PAGE_PARAMETERS = [
  query("limit", { type: "integer", minimum: 0, maximum: 500, default: 50 }, "People per page"),
  query("offset", { type: "integer", minimum: 0, default: 0 }, "People to skip"),
];
const PEOPLE_PARAMETERS = [query("q", { type: "string", maxLength: 200 }, "Search in userName, email, display and given/family names"), ...PAGE_PARAMETERS];

const roleRef = {
  type: "object",
  required: ["id", "key", "name", "level", "builtIn"],
  properties: { id: uuid, key: { type: ["string", "null"] }, name: { type: "string" }, level: { enum: ["organization", "workspace"] }, builtIn: { type: "boolean" } },
};

export const PEOPLE_SCHEMAS = {
  RoleReason: {
    type: "object",
    required: ["kind", "text", "grantId", "source"],
    properties: {
      kind: { enum: ["direct", "group", "organization_role"], description: "The person's own grant, a group's, or an organization role implying this workspace role" },
      text: { type: "string", description: 'e.g. group "UK Marketing" (scim), pinned by an override' },
      grantId: uuid,
      source: { type: "string", description: "The grant's source: manual:<API key id>, invite:<id>, scim:<token>, sso:<connection>, system" },
      group: {
        type: "object",
        properties: {
          id: uuid,
          displayName: { type: "string" },
          origin: { enum: ["scim", "manual"] },
          membership: { type: "array", items: { enum: ["idp", "manual", "sso_claim", "pin"] }, description: "How the person is in the group" },
        },
      },
      impliedBy: roleRef,
    },
  },
  PersonRole: {
    type: "object",
    required: ["role", "scope", "reasons"],
    properties: {
      role: roleRef,
      scope: {
        type: "object",
        required: ["type"],
        properties: { type: { enum: ["organization", "workspace", "space", "resource"] }, workspaceId: uuid, workspaceTitle: { type: "string" }, spaceId: uuid, resourceId: uuid },
      },
      impliesWorkspaceRole: { type: "object", properties: { key: { type: "string" }, name: { type: "string" } }, description: "This organization role makes its holder this workspace role in every workspace" },
      reasons: { type: "array", items: ref("RoleReason") },
    },
  },
  Person: {
    type: "object",
    required: ["id", "userName", "displayName", "email", "active", "origin", "createdAt", "organizationRoles", "workspaceRoles"],
    properties: {
      id: uuid,
      userName: { type: "string" },
      displayName: { type: ["string", "null"] },
      email: { type: ["string", "null"] },
      active: { type: "boolean" },
      origin: { enum: ["scim", "sso", "invite", "manual"], description: "Who owns the person's existence" },
      createdAt: { type: "string", format: "date-time" },
      organizationRoles: { type: "array", items: ref("PersonRole") },
      workspaceRoles: { type: "array", items: ref("PersonRole") },
    },
  },
  PersonList: {
    type: "object",
    required: ["items", "total", "limit", "offset"],
    properties: {
      items: { type: "array", items: ref("Person") },
      total: { type: "integer" },
      limit: { type: "integer" },
      offset: { type: "integer" },
      workspace: { type: "object", properties: { id: uuid, title: { type: "string" } }, description: "The workspace of a workspace tab" },
    },
  },
  PersonDetail: {
    allOf: [
      ref("Person"),
      {
        type: "object",
        required: ["groups"],
        properties: {
          groups: {
            type: "array",
            items: {
              type: "object",
              required: ["id", "displayName", "origin", "membership", "effective", "override"],
              properties: {
                id: uuid,
                displayName: { type: "string" },
                origin: { enum: ["scim", "manual"] },
                membership: { type: "array", items: { enum: ["idp", "manual", "sso_claim", "pin"] }, description: "How they are in the group (the IdP, a manual group, a sign-in claim, a pin)" },
                effective: { type: "boolean", description: "false when an exclude override keeps them out of the group's access" },
                override: { type: ["object", "null"], properties: { kind: { enum: ["pin", "exclude"] }, reason: { type: "string" }, author: { type: "string" }, createdAt: { type: "string", format: "date-time" } } },
              },
            },
          },
        },
      },
    ],
  },
  WorkspaceUserRemoval: {
    type: "object",
    required: ["user", "workspace", "removedGrantIds", "remaining", "message", "suggestions"],
    properties: {
      user: { type: "object", properties: { id: uuid, userName: { type: "string" } } },
      workspace: { type: "object", properties: { id: uuid, title: { type: "string" } } },
      removedGrantIds: { type: "array", items: uuid, description: "The person's own manual: and invite: grants in the workspace, now gone" },
      remaining: { type: "array", items: ref("PersonRole"), description: "Workspace roles the person still has there, with why" },
      message: { type: "string" },
      suggestions: {
        type: "array",
        items: { type: "object", properties: { text: { type: "string" }, action: { type: ["object", "null"], description: "An Admin API call that would remove that access (e.g. an exclude override)" } } },
      },
    },
  },
  UserRemoval: {
    type: "object",
    required: ["deleted", "removedGrantIds", "message"],
    properties: {
      deleted: { type: "boolean", description: "false for people the identity provider owns (origin scim or sso): only their admin-given roles were removed" },
      removedGrantIds: { type: "array", items: uuid },
      message: { type: "string" },
      user: ref("Person"),
    },
  },
  Invite: {
    type: "object",
    required: ["id", "email", "status", "workspace", "resource", "roles", "createdBy", "createdAt", "expiresAt", "acceptedAt", "acceptedUserId", "revokedAt"],
    properties: {
      id: uuid,
      email: { type: "string" },
      status: { enum: ["pending", "accepted", "expired", "revoked"] },
      workspace: { type: ["object", "null"], properties: { id: uuid, title: { type: "string" } } },
      resource: { type: ["object", "null"], properties: { id: uuid, type: { type: "string" }, externalId: { type: "string" }, level: { type: "string" } } },
      roles: { type: "array", items: roleRef },
      createdBy: { type: "string" },
      createdAt: { type: "string", format: "date-time" },
      expiresAt: { type: "string", format: "date-time" },
      acceptedAt: { type: ["string", "null"], format: "date-time" },
      acceptedUserId: { type: ["string", "null"], format: "uuid" },
      revokedAt: { type: ["string", "null"], format: "date-time" },
    },
  },
  InviteList: {
    type: "object",
    required: ["items", "total", "limit", "offset"],
    properties: { items: { type: "array", items: ref("Invite") }, total: { type: "integer" }, limit: { type: "integer" }, offset: { type: "integer" } },
  },
};

export function peoplePaths() {
  return {
    "/users": {
      get: {
        summary: "The organization's people with their organization and workspace roles and where each comes from; searched, paged, with the total",
        parameters: PEOPLE_PARAMETERS,
        responses: { "200": ok("A page", ref("PersonList")), ...INVALID, ...COMMON },
      },
    },
    "/users/{id}": {
      parameters: [uuidParameter("id")],
      get: { summary: "One person: every role with its reasons, and their groups (overrides included)", responses: { "200": ok("The person", ref("PersonDetail")), ...COMMON } },
      delete: {
        summary: "Remove a person: invited or manually created people are deleted; people the IdP owns (scim, sso) lose their admin-given roles only",
        responses: { "200": ok("What was done", ref("UserRemoval")), ...COMMON, ...OWNER },
      },
    },
    "/users/{id}/roles": {
      parameters: [uuidParameter("id")],
      post: {
        summary: "Give the person a direct role (organization role, or workspace role with workspaceId; source manual:<API key id>); roles add up; the same again is 200",
        requestBody: body("UserRoleAdd"),
        responses: {
          "200": ok("Already held", ref("Grant")),
          "201": ok("Granted", ref("Grant")),
          ...INVALID,
          ...COMMON,
          "409": error("An Owner role: ownership changes only by transfer; nothing changed"),
          "412": error("A custom role on a plan without custom roles; nothing changed"),
        },
      },
    },
    "/users/{id}/roles/{grantId}": {
      parameters: [uuidParameter("id"), uuidParameter("grantId")],
      delete: {
        summary: "Take back a direct role an admin or an invite gave",
        responses: { "204": { description: "Done" }, ...COMMON, "409": error("An Owner role (transfer instead), or a role another source (the IdP, sign-in) owns; nothing changed") },
      },
    },
    "/workspaces/{id}/users": {
      parameters: [uuidParameter("id")],
      get: {
        summary: "The workspace's tab: everyone with a workspace role there (own grant, group, or an organization role implying one), each role with where it comes from",
        parameters: PEOPLE_PARAMETERS,
        responses: { "200": ok("A page", ref("PersonList")), ...INVALID, ...COMMON },
      },
    },
    "/workspaces/{id}/users/{userId}": {
      parameters: [uuidParameter("id"), uuidParameter("userId")],
      delete: {
        summary: "Remove the person's admin-given and invite roles in the workspace; answers with the access that remains, why, and what would remove it",
        responses: { "200": ok("What remains", ref("WorkspaceUserRemoval")), ...COMMON, ...OWNER },
      },
    },
    "/invites": {
      get: {
        summary: "Invites, newest first, by status (pending, accepted, expired, revoked), email or workspace; paged",
        parameters: [
          query("status", { enum: ["pending", "accepted", "expired", "revoked"] }, "Only invites in this status"),
          query("email", { type: "string", maxLength: 200 }, "Only invites of this address (any case)"),
          query("workspaceId", uuid, "Only invites into this workspace"),
          ...PAGE_PARAMETERS,
        ],
        responses: { "200": ok("A page", ref("InviteList")), ...INVALID, ...COMMON },
      },
      post: {
        summary: "Invite an email: organization roles, or workspace roles (workspaceId), or one resource (a share; Guest for a person without a workspace role). Taken at their first sign-in",
        requestBody: body("InviteCreate"),
        responses: {
          "201": ok("Invited", ref("Invite")),
          ...INVALID,
          ...COMMON,
          "403": error("An Owner role (ownership changes only by transfer), or the permission is missing"),
          "409": error("The address already has a pending invite here; nothing changed"),
          "412": error("A custom role on a plan without custom roles; nothing changed"),
        },
      },
    },
    "/invites/{id}": {
      parameters: [uuidParameter("id")],
      get: { summary: "An invite", responses: { "200": ok("The invite", ref("Invite")), ...COMMON } },
      delete: { summary: "Revoke a pending (or expired) invite", responses: { "200": ok("Revoked", ref("Invite")), ...COMMON, "409": error("Already accepted or revoked; nothing changed") } },
    },
  };
}
