/** The Admin API's OpenAPI 3.1 document, built from the same schemas ajv validates requests with. */
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
    properties: { id: { type: "string", format: "uuid" }, title: { type: "string" }, slug: { type: "string" }, spacesEnabled: { type: "boolean" }, ...timestamps },
  },
  WorkspaceList: listOf("Workspace"),
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
};

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

export function adminOpenApi() {
  return {
    openapi: "3.1.0",
    info: { title: "Gatehouse Admin API", version: "1.0.0", description: "Workspaces, Spaces and Space attachments of the API key's organization. Every write is audited." },
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
        delete: { summary: "Delete a Space (its attachments go with it)", responses: { "204": noContent, ...COMMON } },
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
    },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An operator API key (npx gatehouse api-key create --org <id>)" } },
      schemas: { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS },
    },
  };
}
