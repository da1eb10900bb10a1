/**
 * POST /check and /explain, independent of Express: the router and the server's fast path for /check
 * (check-fast-path.ts) answer with the same code.
 */
import { ApiError } from "../../http/errors.js";
import { AccessRequestError, type Decision } from "../check.js";
import { AccessVersionUnavailable, UnknownOrganization, type AccessEngine, type ProductCheck } from "../engine/access-engine.js";
import { presentVerdict } from "./present.js";
import { validateBody } from "./schemas.js";

export type CheckItem = ProductCheck & { userId?: string };
interface CheckBody extends Partial<CheckItem> {
  checks?: CheckItem[];
  minVersion?: number;
}

/** Engine failures in the API's terms. */
export function translateEngineError(error: unknown): unknown {
  if (error instanceof AccessVersionUnavailable) {
    return new ApiError(409, "version_unavailable", error.message, { minVersion: error.wanted, currentVersion: error.current });
  }
  if (error instanceof UnknownOrganization) return new ApiError(404, "not_found", "organization not found");
  if (error instanceof AccessRequestError) return new ApiError(400, "invalid_value", error.message);
  return error;
}

function checkRequestOf(item: CheckItem): ProductCheck {
  return {
    permission: item.permission,
    ...(item.workspaceId === undefined ? {} : { workspaceId: item.workspaceId }),
    ...(item.spaceId === undefined ? {} : { spaceId: item.spaceId }),
    ...(item.resource === undefined ? {} : { resource: item.resource }),
  };
}

/** Decisions for a batch, one load per user; every malformed item is reported, and nothing is answered. */
export async function decideAll(engine: AccessEngine, organizationId: string, items: CheckItem[], minVersion: number): Promise<{ version: number; decisions: Decision[] }> {
  const byUser = new Map<string, number[]>();
  items.forEach((item, index) => {
    const userId = item.userId ?? "";
    const indexes = byUser.get(userId);
    if (indexes) indexes.push(index);
    else byUser.set(userId, [index]);
  });
  const decisions: Array<Decision | AccessRequestError> = new Array<Decision>(items.length);
  let version = Number.POSITIVE_INFINITY;
  for (const [userId, indexes] of byUser) {
    const answer = await engine.decide(organizationId, userId, indexes.map((index) => checkRequestOf(items[index] as CheckItem)), minVersion);
    version = Math.min(version, answer.resolved.version);
    indexes.forEach((index, position) => (decisions[index] = answer.decisions[position] as Decision));
  }
  const problems = decisions.flatMap((decision, index) => (decision instanceof AccessRequestError ? [`checks[${index}]: ${decision.message}`] : []));
  if (problems.length > 0) throw new ApiError(400, "invalid_value", problems.join("; "), { problems });
  return { version, decisions: decisions as Decision[] };
}

/** POST /check: one check or a batch; the access version and the JSON body to send (errors are thrown). */
export async function answerCheck(engine: AccessEngine, organizationId: string, raw: unknown): Promise<{ version: number; body: Record<string, unknown> }> {
  try {
    const body = validateBody<CheckBody>("CheckRequest", raw);
    if (body.checks) {
      const items = body.checks.map((item) => ({ ...item, userId: item.userId ?? body.userId }));
      const missingUser = items.findIndex((item) => item.userId === undefined);
      if (missingUser >= 0) throw new ApiError(400, "invalid_request", `checks[${missingUser}]: userId is required (per item or at the top level)`);
      const { version, decisions } = await decideAll(engine, organizationId, items, body.minVersion ?? 0);
      return { version, body: { accessVersion: version, results: decisions.map(presentVerdict) } };
    }
    const { version, decisions } = await decideAll(engine, organizationId, [body as CheckItem], body.minVersion ?? 0);
    return { version, body: { accessVersion: version, ...presentVerdict(decisions[0] as Decision) } };
  } catch (error) {
    throw translateEngineError(error);
  }
}
