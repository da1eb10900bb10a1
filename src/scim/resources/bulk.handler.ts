import type { Request, Response } from "express";
import { toScimError } from "../../http/scim-errors.js";
import { BULK_RESPONSE_SCHEMA } from "../protocol/schema.js";
import { ScimError } from "../protocol/scim-error.js";
import { parseBulkRequest, substitute, type BulkOperation, type OperationResult } from "./bulk.request.js";
import { createGroupOperations } from "./groups.operations.js";
import { requestContextOf, type RequestContext, type ScimDeps } from "./scim-deps.js";
import { sendScim } from "./scim-http.js";
import { etagOf } from "./users.mapper.js";
import { createUserOperations } from "./users.operations.js";

function failure(op: BulkOperation, error: unknown, onUnexpected?: (error: unknown) => void): OperationResult {
  const known = toScimError(error);
  if (!known) onUnexpected?.(error);
  const scim = known ?? new ScimError(500, undefined, "Internal server error");
  return { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}), status: String(scim.status), response: scim.body };
}

/**
 * POST /Bulk (RFC 7644 §3.7). Each operation runs in its own transaction, in request order except that an
 * operation waits for the POSTs whose bulkIds it references (also inside `members`); references that can
 * never resolve — circular, undeclared, or to a failed operation — fail that operation with 409.
 */
export function createBulkHandler(deps: ScimDeps) {
  const users = createUserOperations(deps);
  const groups = createGroupOperations(deps);

  async function execute(context: RequestContext, op: BulkOperation, resolved: Map<string, string>): Promise<{ result: OperationResult; createdId?: string }> {
    const [, resource, rawId] = op.path.split("/");
    const id = rawId === undefined ? undefined : String(substitute(rawId, resolved));
    const data = substitute(op.data, resolved);
    const ops = resource === "Users" ? users : groups;
    const base = { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
    if ((op.method === "POST") !== (id === undefined)) throw new ScimError(400, "invalidPath", `${op.method} ${op.path}: POST goes to the collection, other methods to one resource`);
    if (op.method === "DELETE") {
      await ops.remove(context, id as string, op.version);
      return { result: { ...base, status: "204" } };
    }
    const record =
      op.method === "POST" ? await ops.create(context, data)
      : op.method === "PUT" ? await ops.replace(context, id as string, data, op.version)
      : await ops.patch(context, id as string, data, op.version);
    const result = { ...base, location: `${deps.baseUrl}/${resource}/${record.id}`, version: etagOf(record.version), status: op.method === "POST" ? "201" : "200" };
    return { result, createdId: op.method === "POST" ? record.id : undefined };
  }

  return async (req: Request, res: Response): Promise<void> => {
    const { operations, failOnErrors } = parseBulkRequest(req.body);
    const context = requestContextOf(res);
    const declared = new Set(operations.filter((op) => op.method === "POST" && op.bulkId).map((op) => op.bulkId as string));
    const resolved = new Map<string, string>();
    const settled = new Set<string>();
    const results = new Map<number, OperationResult>();
    let pending = operations;
    let errors = 0;
    const record = (op: BulkOperation, result: OperationResult, createdId?: string) => {
      results.set(op.index, result);
      if (op.bulkId) settled.add(op.bulkId);
      if (op.bulkId && createdId) resolved.set(op.bulkId, createdId);
      if (Number(result.status) >= 400) errors += 1;
    };
    while (pending.length > 0 && (failOnErrors === undefined || errors < failOnErrors)) {
      // Ready: every reference is resolved, or can never be (undeclared, or its operation failed).
      const op = pending.find((candidate) => [...candidate.references].every((ref) => resolved.has(ref) || !declared.has(ref) || settled.has(ref)));
      if (!op) {
        for (const stuck of pending) record(stuck, failure(stuck, new ScimError(409, "invalidValue", `Circular bulkId references among ${pending.map((p) => p.bulkId ?? p.path).join(", ")}`)));
        break;
      }
      pending = pending.filter((candidate) => candidate !== op);
      const missing = [...op.references].filter((ref) => !resolved.has(ref));
      if (missing.length > 0) {
        record(op, failure(op, new ScimError(409, "invalidValue", `bulkId ${missing.join(", ")} does not refer to a successful POST in this request`)));
        continue;
      }
      try {
        const { result, createdId } = await execute(context, op, resolved);
        record(op, result, createdId);
      } catch (error) {
        record(op, failure(op, error, (unexpected) => deps.logger?.error({ err: unexpected, requestId: context.requestId, bulkOperation: op.index }, "bulk operation failed")));
      }
    }
    const responses = [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
    sendScim(res, 200, { schemas: [BULK_RESPONSE_SCHEMA], Operations: responses });
  };
}
