/**
 * Validates a PatchOp request body (RFC 7644 §3.5.2) into operations with parsed paths. Tolerates the
 * op spellings identity providers send: Entra's legacy job writes "Add", "Replace", "Remove".
 */
import { PATCH_OP_SCHEMA } from "../schema.js";
import { badRequest, findKey, isPlainObject, readKey } from "./json.js";
import type { PatchOpName, PatchOperation } from "./operation.js";
import { parsePathText } from "./target.js";

const OP_NAMES: readonly PatchOpName[] = ["add", "remove", "replace"];

function parseOpName(raw: unknown, at: string): PatchOpName {
  const lowered = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  const name = OP_NAMES.find((candidate) => candidate === lowered);
  if (name === undefined) throw badRequest("invalidSyntax", `${at}.op must be "add", "remove" or "replace"`);
  return name;
}

function parseOperation(raw: unknown, at: string): PatchOperation {
  if (!isPlainObject(raw)) throw badRequest("invalidSyntax", `${at} must be an object`);
  const op = parseOpName(readKey(raw, "op"), at);
  const pathText = readKey(raw, "path");
  if (pathText !== undefined && pathText !== null && typeof pathText !== "string") {
    throw badRequest("invalidPath", `${at}.path must be a string`);
  }
  const path = typeof pathText === "string" ? parsePathText(pathText) : undefined;
  const hasValue = findKey(raw, "value") !== undefined;
  const value = readKey(raw, "value");
  // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with … 'noTarget'."
  if (op === "remove" && path === undefined) throw badRequest("noTarget", `${at}: a remove operation needs a path`);
  // §3.5.2.1, §3.5.2.3: add and replace MUST carry a value; without a path it is an object of attributes.
  if (op !== "remove" && !hasValue) throw badRequest("invalidValue", `${at}: ${op} needs a "value"`);
  if (op !== "remove" && path === undefined && !isPlainObject(value)) {
    throw badRequest("invalidValue", `${at}: ${op} without a path needs an object of attributes as value`);
  }
  return { op, ...(path === undefined ? {} : { path }), ...(hasValue ? { value } : {}) };
}

/** Validates a PatchOp body; ScimError 400 invalidSyntax, invalidPath, invalidFilter, invalidValue or noTarget. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body)) throw badRequest("invalidSyntax", "A PatchOp request must be a JSON object");
  const schemas = readKey(body, "schemas");
  const wanted = PATCH_OP_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((item) => typeof item === "string" && item.toLowerCase() === wanted)) {
    throw badRequest("invalidSyntax", `"schemas" must contain ${PATCH_OP_SCHEMA}`);
  }
  const operations = readKey(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest("invalidSyntax", `"Operations" must be a non-empty array`);
  }
  return operations.map((operation: unknown, index) => parseOperation(operation, `Operations[${index}]`));
}
