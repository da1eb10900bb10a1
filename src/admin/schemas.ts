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
    properties: { title, spacesEnabled },
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
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

export const validateBody = createBodyValidator(REQUEST_SCHEMAS, "admin");

export interface WorkspaceCreateBody {
  title: string;
  spacesEnabled?: boolean;
}
export type WorkspaceUpdateBody = Partial<WorkspaceCreateBody>;

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
