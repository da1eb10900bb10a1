/**
 * The Access API's request bodies as JSON Schema: ajv validates requests with them and the OpenAPI document
 * embeds them, so the documentation cannot drift from what the server accepts.
 */
import { ApiError } from "../../http/errors.js";
import { createBodyValidator } from "../../http/json-schema.js";

const uuid = { type: "string", format: "uuid" } as const;
const minVersion = { type: "integer", minimum: 1, description: "Answer from access version ≥ this one (waits briefly, else 409)" } as const;

export const MAX_BATCH = 1_000;

const checkFields = {
  permission: { type: "string", minLength: 1, maxLength: 200, description: 'A permission of the policy, e.g. "audience:update"' },
  workspaceId: uuid,
  spaceId: uuid,
  resource: {
    type: "object",
    additionalProperties: false,
    required: ["type", "id"],
    properties: { type: { type: "string", minLength: 1, maxLength: 100 }, id: { type: "string", minLength: 1, maxLength: 256 } },
    description: "A registered resource, by the product's type and id",
  },
} as const;

export const SCHEMAS = {
  CheckItem: {
    type: "object",
    additionalProperties: false,
    required: ["permission"],
    properties: { userId: uuid, ...checkFields },
  },
  CheckRequest: {
    type: "object",
    additionalProperties: false,
    description: "One check (userId + permission …) or a batch (`checks`, each item may name its own userId)",
    properties: {
      userId: uuid,
      ...checkFields,
      checks: { type: "array", minItems: 1, maxItems: MAX_BATCH, items: { $ref: "#/components/schemas/CheckItem" } },
      minVersion,
    },
    oneOf: [{ required: ["userId", "permission"], not: { required: ["checks"] } }, { required: ["checks"], not: { required: ["permission"] } }],
  },
  ExplainRequest: {
    type: "object",
    additionalProperties: false,
    required: ["userId", "permission"],
    properties: { userId: uuid, ...checkFields, minVersion },
  },
  ListRequest: {
    type: "object",
    additionalProperties: false,
    required: ["userId", "permission"],
    properties: {
      userId: uuid,
      permission: { ...checkFields.permission, description: 'A resource permission, e.g. "audience:read"' },
      cursor: { type: "string", maxLength: 400 },
      limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
      minVersion,
    },
  },
  Share: {
    type: "object",
    additionalProperties: false,
    required: ["principal", "level"],
    properties: {
      principal: {
        oneOf: [
          { type: "object", additionalProperties: false, required: ["type", "id"], properties: { type: { enum: ["user", "group"] }, id: uuid } },
          { type: "object", additionalProperties: false, required: ["type"], properties: { type: { const: "workspace" } } },
        ],
      },
      level: { type: "string", minLength: 1, maxLength: 100, description: 'A share level of the policy, e.g. "view", "edit", "full"' },
    },
  },
  ResourceRequest: {
    type: "object",
    additionalProperties: false,
    required: ["workspaceId"],
    properties: {
      workspaceId: uuid,
      spaceId: { oneOf: [uuid, { type: "null" }] },
      ownerUserId: { oneOf: [uuid, { type: "null" }] },
      shares: { type: "array", maxItems: 1000, items: { $ref: "#/components/schemas/Share" } },
    },
  },
} as const;

export type SchemaName = keyof typeof SCHEMAS;

const validate = createBodyValidator(SCHEMAS, "access");

/** The body, validated, or a 400 naming every problem; a check body with neither shape says what to give. */
export function validateBody<T>(name: SchemaName, body: unknown): T {
  try {
    return validate<T>(name, body);
  } catch (error) {
    if (name === "CheckRequest" && error instanceof ApiError && error.message === "body: is invalid") {
      const message = "give either userId and permission, or checks";
      throw new ApiError(400, "invalid_request", message, { problems: [message] });
    }
    throw error;
  }
}
