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
