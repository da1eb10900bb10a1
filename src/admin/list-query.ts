/**
 * Query strings of the people and invite lists: each parameter given once, from an allow-list, every problem
 * reported at once (400, nothing done). Paging is `limit` (at most 500) and `offset`; the answer has the total.
 */
import type { Request } from "express";
import { invalidRequest } from "./route-helpers.js";

/** How one parameter is read: returns the value, or a problem (a string starting with the parameter's name). */
export type ParameterReader = (raw: string, name: string) => { value: unknown } | { problem: string };

export const integer: ParameterReader = (raw, name) => (/^\d{1,9}$/.test(raw) ? { value: Number(raw) } : { problem: `${name}: must be a non-negative integer` });
export const searchText: ParameterReader = (raw, name) => (raw.length <= 200 ? { value: raw } : { problem: `${name}: must be at most 200 characters` });
export const oneOf =
  (values: readonly string[]): ParameterReader =>
  (raw, name) =>
    values.includes(raw) ? { value: raw } : { problem: `${name}: must be one of ${values.join(", ")}` };
export const uuidText: ParameterReader = (raw, name) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw) ? { value: raw.toLowerCase() } : { problem: `${name}: must be an id (UUID)` };

export const PAGING: Record<string, ParameterReader> = { limit: integer, offset: integer };

export function parseListQuery(req: Request, readers: Record<string, ParameterReader>): Record<string, unknown> {
  const problems: string[] = [];
  const query: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(req.query)) {
    const read = Object.hasOwn(readers, name) ? readers[name] : undefined;
    if (!read) {
      problems.push(`${name}: unknown query parameter (use ${Object.keys(readers).join(", ")})`);
      continue;
    }
    if (typeof raw !== "string") {
      problems.push(`${name}: give it once, as a single value`);
      continue;
    }
    const outcome = read(raw, name);
    if ("problem" in outcome) problems.push(outcome.problem);
    else query[name] = outcome.value;
  }
  if (problems.length > 0) throw invalidRequest(problems);
  return query;
}
