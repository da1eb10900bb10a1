/**
 * The Admin API's request bodies as JSON Schema: ajv validates requests with them and the OpenAPI document
 * embeds them (src/admin/openapi.ts), so the documentation cannot drift from what the server accepts.
 * Lengths match the directory services' limits (src/directory/*.service.ts).
 */
import { createBodyValidator, NOT_BLANK } from "../http/json-schema.js";

const text = (maxLength: number, description: string) => ({ type: "string", maxLength, pattern: NOT_BLANK, description }) as const;

const title = text(200, "Shown in the product; unique in the organization (case-insensitive)");
const spacesEnabled = { type: "boolean", description: "Spaces (early access): partitions of the workspace that user groups are attached to" } as const;
const spaceName = text(200, "Unique in the workspace");
const description = { type: "string", maxLength: 2000 } as const;
const dataFilter = {
  type: ["string", "null"],
  maxLength: 4000,
  description: "A product-level data filter such as country_code in ('UK'), kept as written; null removes it",
} as const;

const groupName = text(256, "Unique in the organization (case-insensitive)");
const roleName = text(200, "Unique among the organization's custom roles of its level");
const permissions = {
  type: "array",
  maxItems: 500,
  items: { type: "string", maxLength: 200 },
  description: "Permission keys of the policy at the role's level",
} as const;

const roleRef = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: "A built-in role by its policy key, or a role (custom or built-in) by id",
  properties: { key: text(200, "A built-in role's policy key, e.g. workspace.editor"), id: { type: "string", format: "uuid" } },
} as const;

/** What creating and changing an SSO connection share; the service validates `settings` per protocol (src/sso/connections.service.ts). */
const SSO_CONNECTION_FIELDS = {
  name: text(200, "Unique among the organization's connections"),
  enabled: { type: "boolean", description: "A disabled connection refuses sign-ins (default true)" },
  groupsByName: { type: "boolean", description: "Claim values equal to a user group's display name map to it (default true)" },
  settings: {
    type: "object",
    description: "The protocol's settings. SAML: idpEntityId, ssoUrl, sloUrl, idpCertificates, allowIdpInitiated, signAuthnRequests, wantEncryptedAssertions, nameIdFormat, attributes, clockSkewSeconds. OIDC: issuer, clientId, scopes, groupsClaim, claims, tokenEndpointAuthMethod",
  },
  metadataXml: { type: "string", maxLength: 1_000_000, description: "SAML: the IdP's metadata XML; explicit settings override its values" },
  clientSecret: { type: "string", minLength: 1, maxLength: 1000, writeOnly: true, description: "OIDC: the client secret; stored encrypted, never shown again" },
} as const;

export const REQUEST_SCHEMAS = {
  WorkspaceCreate: {
    type: "object",
    additionalProperties: false,
    required: ["title"],
    properties: { title, spacesEnabled },
  },
  WorkspaceUpdate: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      title,
      spacesEnabled,
      auditRetentionDays: { type: ["integer", "null"], minimum: 1, maximum: 3650, description: "Days the workspace's audit events are kept; null: the organization's retention" },
    },
  },
  SpaceCreate: {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: { name: spaceName, description, dataFilter },
  },
  SpaceUpdate: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: { name: spaceName, description, dataFilter },
  },
  GroupCreate: {
    type: "object",
    additionalProperties: false,
    required: ["displayName"],
    properties: { displayName: groupName },
  },
  GroupUpdate: {
    type: "object",
    additionalProperties: false,
    required: ["displayName"],
    properties: { displayName: groupName },
  },
  GrantCreate: {
    type: "object",
    additionalProperties: false,
    required: ["role", "scope"],
    properties: {
      role: {
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        description: "A built-in role by its policy key, or a role (custom or built-in) by id",
        properties: { key: text(200, "A built-in role's policy key, e.g. workspace.editor"), id: { type: "string", format: "uuid" } },
      },
      scope: {
        type: "object",
        additionalProperties: false,
        required: ["type"],
        properties: {
          type: { enum: ["organization", "workspace", "space", "resource"] },
          workspaceId: { type: "string", format: "uuid" },
          spaceId: { type: "string", format: "uuid" },
          resourceId: { type: "string", format: "uuid" },
        },
        allOf: [
          { if: { properties: { type: { const: "workspace" } }, required: ["type"] }, then: { required: ["workspaceId"] } },
          { if: { properties: { type: { const: "space" } }, required: ["type"] }, then: { required: ["spaceId"] } },
          { if: { properties: { type: { const: "resource" } }, required: ["type"] }, then: { required: ["resourceId"] } },
        ],
      },
    },
  },
  RoleCreate: {
    type: "object",
    additionalProperties: false,
    required: ["name", "level", "permissions"],
    properties: { name: roleName, level: { enum: ["organization", "workspace"] }, description, permissions },
  },
  RoleUpdate: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: { name: roleName, description, permissions },
  },
  UserRoleAdd: {
    type: "object",
    additionalProperties: false,
    required: ["role"],
    properties: {
      role: roleRef,
      workspaceId: { type: "string", format: "uuid", description: "For a workspace role: the workspace it applies in (leave out for an organization role)" },
    },
  },
  InviteCreate: {
    type: "object",
    additionalProperties: false,
    required: ["email", "roles"],
    properties: {
      email: { type: "string", maxLength: 320, description: "Matched case-insensitively against the address the person signs in with" },
      roles: { type: "array", maxItems: 50, items: roleRef, description: "Organization roles (organization invite) or workspace roles (with workspaceId or resource); none only for a resource invite" },
      workspaceId: { type: "string", format: "uuid", description: "A per-workspace invite: its workspace roles apply here" },
      resource: {
        type: "object",
        additionalProperties: false,
        required: ["type", "id", "level"],
        description: "A resource invite: shares the resource with the person at `level`; a person with no workspace role becomes Guest",
        properties: { type: text(100, "A resource type of the policy"), id: { type: "string", minLength: 1, maxLength: 256 }, level: text(100, "A share level of the policy (view, edit, full)") },
      },
      expiresInDays: { type: "integer", minimum: 1, maximum: 90, default: 14 },
    },
  },
  OverrideSet: {
    type: "object",
    additionalProperties: false,
    required: ["kind", "reason"],
    properties: {
      kind: { enum: ["pin", "exclude"], description: "pin: a member whatever the IdP says; exclude: not a member for access, whatever the IdP says" },
      reason: text(1000, "Why the identity provider is overridden (kept with the override and in the audit log)"),
    },
  },
  OwnershipTransfer: {
    type: "object",
    additionalProperties: false,
    required: ["toUserId", "confirm"],
    properties: {
      toUserId: { type: "string", format: "uuid", description: "The new Owner: an active user of the organization" },
      confirm: text(200, "The organization's name (or, for a workspace, its title), typed again to confirm"),
    },
  },
  SsoConnectionCreate: {
    type: "object",
    additionalProperties: false,
    required: ["protocol", "name"],
    properties: { protocol: { enum: ["saml", "oidc"] }, ...SSO_CONNECTION_FIELDS },
    allOf: [{ if: { properties: { protocol: { const: "oidc" } }, required: ["protocol"] }, then: { required: ["settings", "clientSecret"] } }],
  },
  SsoConnectionUpdate: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: SSO_CONNECTION_FIELDS,
  },
  SsoGroupMappings: {
    type: "object",
    additionalProperties: false,
    required: ["items"],
    properties: {
      items: {
        type: "array",
        maxItems: 1000,
        description: "The connection's whole mapping: it replaces the current one ([] removes every mapping)",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["claimValue", "groupId"],
          properties: {
            claimValue: { type: "string", minLength: 1, maxLength: 1000, description: "A value of the IdP's groups claim / attribute, as sent" },
            groupId: { type: "string", format: "uuid", description: "The user group people with that value are members of (source sso:<connection>)" },
          },
        },
      },
    },
  },
  SsoMetadataImport: {
    type: "object",
    additionalProperties: false,
    required: ["url"],
    properties: { url: { type: "string", minLength: 1, maxLength: 2000, description: "Where the IdP publishes its SAML metadata (https)" } },
  },
  OrganizationUpdate: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: text(200, "The organization's name"),
      plan: { enum: ["free", "paid", "enterprise"], description: "Needs billing:manage; down to free is refused (409) while custom roles exist" },
      sessionIdleMinutes: { type: "integer", minimum: 5, maximum: 43200, description: "A sign-in session ends after this long unused (at most sessionAbsoluteMinutes)" },
      sessionAbsoluteMinutes: { type: "integer", minimum: 5, maximum: 525600, description: "A sign-in session ends this long after sign-in, whatever happens" },
      jitProvisioning: { type: "boolean", description: "A first SSO sign-in creates the user" },
      featureFlags: {
        type: "object",
        maxProperties: 100,
        propertyNames: { pattern: "^[a-z][a-z0-9]*([._-][a-z0-9]+)*$", maxLength: 64 },
        additionalProperties: { type: ["boolean", "null"] },
        description: "Merged into the current flags (needs features:manage); null removes a flag",
      },
      auditRetentionDays: { type: ["integer", "null"], minimum: 1, maximum: 3650, description: "Audit events older than this are deleted; null keeps them forever" },
    },
  },
  DomainPut: {
    type: "object",
    additionalProperties: false,
    required: ["defaultRole"],
    properties: {
      defaultRole: {
        description: "What a person signing in with an address of the domain gets: a built-in role by key, a role by id, or null for none",
        oneOf: [
          { type: "null" },
          {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            properties: { key: text(200, "A built-in role's policy key, e.g. organization.viewer"), id: { type: "string", format: "uuid" } },
          },
        ],
      },
      defaultWorkspaceId: { type: ["string", "null"], format: "uuid", description: "The workspace of a workspace-level default role (none for an organization role)" },
    },
  },
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

export const validateBody = createBodyValidator(REQUEST_SCHEMAS, "admin");

export interface WorkspaceCreateBody {
  title: string;
  spacesEnabled?: boolean;
}
export type WorkspaceUpdateBody = Partial<WorkspaceCreateBody> & { auditRetentionDays?: number | null };

export interface SpaceCreateBody {
  name: string;
  description?: string;
  dataFilter?: string | null;
}
export type SpaceUpdateBody = Partial<SpaceCreateBody>;

export interface GroupCreateBody {
  displayName: string;
}
export type GroupUpdateBody = GroupCreateBody;

export interface GrantCreateBody {
  role: { key: string } | { id: string };
  scope:
    | { type: "organization" }
    | { type: "workspace"; workspaceId: string }
    | { type: "space"; spaceId: string }
    | { type: "resource"; resourceId: string };
}

export interface RoleCreateBody {
  name: string;
  level: "organization" | "workspace";
  description?: string;
  permissions: string[];
}
export type RoleUpdateBody = Partial<Omit<RoleCreateBody, "level">>;

export interface OverrideSetBody {
  kind: "pin" | "exclude";
  reason: string;
}

export interface OwnershipTransferBody {
  toUserId: string;
  confirm: string;
}

export interface UserRoleAddBody {
  role: { key: string } | { id: string };
  workspaceId?: string;
}

export interface InviteCreateBody {
  email: string;
  roles: Array<{ key: string } | { id: string }>;
  workspaceId?: string;
  resource?: { type: string; id: string; level: string };
  expiresInDays?: number;
}

export interface OrganizationUpdateBody {
  name?: string;
  plan?: "free" | "paid" | "enterprise";
  sessionIdleMinutes?: number;
  sessionAbsoluteMinutes?: number;
  jitProvisioning?: boolean;
  featureFlags?: Record<string, boolean | null>;
  auditRetentionDays?: number | null;
}

export interface DomainPutBody {
  defaultRole: { key: string } | { id: string } | null;
  defaultWorkspaceId?: string | null;
}

export interface SsoConnectionCreateBody {
  protocol: "saml" | "oidc";
  name: string;
  enabled?: boolean;
  groupsByName?: boolean;
  settings?: Record<string, unknown>;
  metadataXml?: string;
  clientSecret?: string;
}
export type SsoConnectionUpdateBody = Partial<Omit<SsoConnectionCreateBody, "protocol">>;

export interface SsoGroupMappingsBody {
  items: Array<{ claimValue: string; groupId: string }>;
}

export interface SsoMetadataImportBody {
  url: string;
}
