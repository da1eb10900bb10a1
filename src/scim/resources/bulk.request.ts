import { BULK_REQUEST_SCHEMA } from "../protocol/schema.js";
import { serviceProviderConfigDocument } from "../protocol/schemas.js";
import { ScimError } from "../protocol/scim-error.js";
import { isObject, pick } from "./attributes.js";

export type Method = "POST" | "PUT" | "PATCH" | "DELETE";

export interface BulkOperation {
  index: number;
  method: Method;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
  /** bulkIds this operation refers to, in its path or anywhere in its data. */
  references: Set<string>;
}

export interface OperationResult {
  method: Method;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: unknown;
}

const BULK_ID_REFERENCE = /^bulkId:(.+)$/;

function collectReferences(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    const match = BULK_ID_REFERENCE.exec(value);
    if (match?.[1]) into.add(match[1]);
  } else if (Array.isArray(value)) value.forEach((item) => collectReferences(item, into));
  else if (isObject(value)) Object.values(value).forEach((item) => collectReferences(item, into));
}

/** Replaces every "bulkId:x" string with the id the operation that declared x created (RFC 7644 §3.7.2). */
export function substitute(value: unknown, resolved: Map<string, string>): unknown {
  if (typeof value === "string") {
    const match = BULK_ID_REFERENCE.exec(value);
    return match?.[1] && resolved.has(match[1]) ? resolved.get(match[1]) : value;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, resolved));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, resolved)]));
  return value;
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw new ScimError(400, "invalidSyntax", `${where} must be an object`);
  const method = String(pick(raw, "method") ?? "").toUpperCase();
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(method)) throw new ScimError(400, "invalidSyntax", `${where}.method must be POST, PUT, PATCH or DELETE`);
  const path = pick(raw, "path");
  if (typeof path !== "string" || !/^\/(Users|Groups)(\/[^/]+)?$/.test(path)) throw new ScimError(400, "invalidPath", `${where}.path must be /Users, /Groups, /Users/{id} or /Groups/{id}`);
  const bulkId = pick(raw, "bulkId");
  if (bulkId !== undefined && (typeof bulkId !== "string" || bulkId === "")) throw new ScimError(400, "invalidValue", `${where}.bulkId must be a non-empty string`);
  if (method === "POST" && bulkId === undefined) throw new ScimError(400, "invalidSyntax", `${where}: POST operations need a bulkId`);
  const version = pick(raw, "version");
  const data = pick(raw, "data");
  const references = new Set<string>();
  collectReferences(path.split("/")[2], references);
  collectReferences(data, references);
  return { index, method: method as Method, bulkId: bulkId as string | undefined, version: typeof version === "string" ? version : undefined, path, data, references };
}

/** Validates a BulkRequest (RFC 7644 §3.7): schemas, Operations within maxOperations, failOnErrors, unique bulkIds. */
export function parseBulkRequest(body: unknown): { operations: BulkOperation[]; failOnErrors?: number } {
  if (!isObject(body)) throw new ScimError(400, "invalidSyntax", "The request body must be a JSON object");
  const schemas = pick(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST_SCHEMA)) throw new ScimError(400, "invalidSyntax", `schemas must include ${BULK_REQUEST_SCHEMA}`);
  const raw = pick(body, "Operations");
  if (!Array.isArray(raw) || raw.length === 0) throw new ScimError(400, "invalidSyntax", "Operations must be a non-empty array");
  const { maxOperations } = serviceProviderConfigDocument().bulk;
  if (raw.length > maxOperations) throw new ScimError(413, "tooMany", `A bulk request may hold at most ${maxOperations} operations; this one has ${raw.length}`);
  const failOnErrors = pick(body, "failOnErrors");
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) throw new ScimError(400, "invalidValue", "failOnErrors must be a positive integer");
  const operations = raw.map(parseOperation);
  const seen = new Set<string>();
  for (const op of operations) {
    if (op.bulkId && seen.has(op.bulkId)) throw new ScimError(400, "invalidValue", `bulkId "${op.bulkId}" is used twice`);
    if (op.bulkId) seen.add(op.bulkId);
  }
  return { operations, failOnErrors: failOnErrors as number | undefined };
}

