/** The Access API's OpenAPI 3.1 document, built from the same schemas ajv validates requests with. */
import type { Policy } from "../policy.types.js";
import { SCHEMAS } from "./schemas.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });

const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
const ERRORS = {
  "400": errorResponse("Malformed request, unknown permission or resource type; nothing changed"),
  "401": errorResponse("Missing, unknown, expired or revoked API key"),
  "409": errorResponse("minVersion not available (or, for resources, a conflicting state)"),
};

const versioned = (description: string, schema: unknown) => ({
  description,
  headers: { "Gatehouse-Access-Version": { schema: { type: "integer" }, description: "The access version the answer was computed at" } },
  content: json(schema),
});

const body = (name: string) => ({ required: true, content: json(ref(name)) });

const RESPONSES = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: { code: { type: "string" }, message: { type: "string" }, details: { type: "object" } },
      },
    },
  },
  Verdict: {
    type: "object",
    required: ["allowed"],
    properties: { allowed: { type: "boolean" }, missing: { type: "string", description: "For a denial: what would allow it" } },
  },
  CheckResponse: {
    type: "object",
    required: ["accessVersion"],
    properties: { accessVersion: { type: "integer" }, allowed: { type: "boolean" }, missing: { type: "string" }, results: { type: "array", items: ref("Verdict") } },
  },
  Explanation: {
    type: "object",
    required: ["accessVersion", "allowed", "reasons"],
    properties: {
      accessVersion: { type: "integer" },
      allowed: { type: "boolean" },
      reasons: { type: "array", items: { type: "object", required: ["text", "via"], properties: { text: { type: "string" }, via: { type: "object" } } } },
      missing: { type: "string" },
    },
  },
  Effective: { type: "object", required: ["accessVersion", "userId", "active", "organization", "workspaces"] },
  ListResponse: {
    type: "object",
    required: ["accessVersion", "filter", "ids", "nextCursor"],
    properties: {
      accessVersion: { type: "integer" },
      resourceType: { type: "string" },
      filter: {
        type: "object",
        description: "A resource is allowed when it is in one of workspaceIds, or in one of spaces, or its id is in ids",
        properties: { workspaceIds: { type: "array", items: { type: "string" } }, spaces: { type: "array" }, ids: { type: "array", items: { type: "string" } } },
      },
      ids: { type: "array", items: { type: "string" } },
      nextCursor: { type: ["string", "null"] },
    },
  },
  ResourceResponse: { type: "object", required: ["accessVersion", "resource"] },
};

export function accessOpenApi(policy: Policy) {
  const resourcePath = {
    parameters: [
      { name: "type", in: "path", required: true, schema: { enum: Object.keys(policy.resourceTypes) } },
      { name: "id", in: "path", required: true, schema: { type: "string", minLength: 1, maxLength: 256 }, description: "The product's id of the resource" },
    ],
    put: {
      summary: "Register or replace a resource (workspace, Space, owner, shares)",
      requestBody: body("ResourceRequest"),
      responses: { "200": versioned("Replaced", ref("ResourceResponse")), "201": versioned("Registered", ref("ResourceResponse")), ...ERRORS, "404": errorResponse("Workspace not found") },
    },
    get: { summary: "A registered resource", responses: { "200": versioned("The resource", ref("ResourceResponse")), "404": errorResponse("Not registered"), "401": ERRORS["401"] } },
    delete: { summary: "Forget a resource (its grants go with it)", responses: { "204": { description: "Deleted" }, "404": errorResponse("Not registered"), "401": ERRORS["401"] } },
  };
  return {
    openapi: "3.1.0",
    info: { title: "Gatehouse Access API", version: "1.0.0", description: `Permission checks for the product's backend, under policy "${policy.name}".` },
    servers: [{ url: "/access/v1" }],
    security: [{ apiKey: [] }],
    paths: {
      "/check": { post: { summary: "One check, or a batch of up to 1,000", requestBody: body("CheckRequest"), responses: { "200": versioned("Verdicts", ref("CheckResponse")), ...ERRORS } } },
      "/explain": { post: { summary: "Why a check is allowed (reason chains), or why not", requestBody: body("ExplainRequest"), responses: { "200": versioned("Explanation", ref("Explanation")), ...ERRORS } } },
      "/users/{id}/effective": {
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
          { name: "minVersion", in: "query", required: false, schema: { type: "integer", minimum: 1 } },
        ],
        get: { summary: "Organization roles; per workspace: roles, visible Spaces with data filters, permissions", responses: { "200": versioned("Effective access", ref("Effective")), ...ERRORS, "404": errorResponse("No such user") } },
      },
      "/list": { post: { summary: "The resources of a type a user may act on, as a filter and as ids", requestBody: body("ListRequest"), responses: { "200": versioned("Filter and a page of ids", ref("ListResponse")), ...ERRORS } } },
      "/resources/{type}/{id}": resourcePath,
    },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An operator API key (npx gatehouse api-key create --org <id>)" } },
      schemas: { ...SCHEMAS, ...RESPONSES },
    },
  };
}
