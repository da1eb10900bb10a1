import { createHash } from "node:crypto";
import type { Criteria, PageRequest, SearchRequest } from "../../directory/search.js";
import { decodeCursor, encodeCursor } from "../protocol/cursor.js";
import { readAttrPath } from "../protocol/filter/attr-path.js";
import { parseFilter } from "../protocol/filter/index.js";
import { parseAttributeList } from "../protocol/projection.js";
import { LIST_RESPONSE_SCHEMA } from "../protocol/schema.js";
import { serviceProviderConfigDocument } from "../protocol/schemas.js";
import { ScimError } from "../protocol/scim-error.js";
import { filterToCriteria, sortField, type FilterVocabulary } from "./filter-mapping.js";
import { isObject, pick } from "./attributes.js";

const advertised = serviceProviderConfigDocument().pagination;
/** Exactly what ServiceProviderConfig advertises (RFC 9865 `pagination`), so behaviour and advertisement agree. */
export const PAGING = {
  defaultPageSize: advertised.defaultPageSize ?? 100,
  maxPageSize: advertised.maxPageSize ?? 1000,
  cursorTimeoutSeconds: advertised.cursorTimeout ?? 3600,
} as const;

export interface ListQuery {
  criteria?: Criteria;
  sort?: { field: string; descending: boolean };
  page: PageRequest;
  /** 1-based; index paging only. */
  startIndex?: number;
  count: number;
  /** What a cursor issued for this listing must be bound to. */
  fingerprint: string;
  attributes?: string[];
  excludedAttributes?: string[];
}

type Params = Record<string, unknown>;

/**
 * A decimal integer (RFC 7644 §3.4.2.4); "0x10" and "1e2" are not. Beyond the safe range it saturates, so
 * startIndex=99999999999999999999 is an empty page rather than an OFFSET PostgreSQL cannot hold (a 500).
 */
function integer(params: Params, name: string): number | undefined {
  const raw = pick(params, name);
  if (raw === undefined || raw === null || raw === "") return undefined;
  const textual = typeof raw === "string" ? raw.trim() : undefined;
  const value = typeof raw === "number" ? raw : textual !== undefined && /^[+-]?\d+$/.test(textual) ? Number(textual) : Number.NaN;
  if (!Number.isInteger(value)) throw new ScimError(400, "invalidValue", `${name} must be an integer`);
  return Math.min(Math.max(value, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

function text(params: Params, name: string): string | undefined {
  const raw = pick(params, name);
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw) && name.toLowerCase().includes("attributes")) return raw.join(",");
  if (typeof raw !== "string") throw new ScimError(400, "invalidValue", `${name} must be a string`);
  return raw;
}

/** GET query parameters, or a POST /.search body (RFC 7644 §3.4.3), with the same names. */
export function listParamsOf(req: { method: string; query: unknown; body: unknown }): Params {
  if (req.method !== "POST") return req.query as Params;
  if (!isObject(req.body)) throw new ScimError(400, "invalidSyntax", "The search request must be a JSON object");
  return req.body;
}

function pageOf(params: Params, fingerprint: string, cursorKey: Buffer, count: number): { page: PageRequest; startIndex?: number } {
  const cursor = text(params, "cursor");
  const startIndexParam = integer(params, "startIndex");
  if (cursor === undefined) {
    // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1.
    const startIndex = Math.max(startIndexParam ?? 1, 1);
    return { page: { kind: "index", offset: startIndex - 1, limit: count }, startIndex };
  }
  if (startIndexParam !== undefined) throw new ScimError(400, "invalidValue", "Use either startIndex or cursor, not both");
  if (cursor === "") return { page: { kind: "cursor", limit: count } };
  const payload = decodeCursor(cursorKey, cursor, { query: fingerprint, nowSeconds: Math.floor(Date.now() / 1000), timeoutSeconds: PAGING.cursorTimeoutSeconds });
  const anchor = { key: payload.key, seq: payload.seq };
  return { page: payload.direction === "next" ? { kind: "cursor", after: anchor, limit: count } : { kind: "cursor", before: anchor, limit: count } };
}

/** Parses filter, sort, paging and projection parameters into a directory search. */
export function parseListQuery(params: Params, vocabulary: FilterVocabulary, cursorKey: Buffer): ListQuery {
  const filterText = text(params, "filter");
  const criteria = filterText === undefined || filterText.trim() === "" ? undefined : filterToCriteria(vocabulary, parseFilter(filterText));
  const sortBy = text(params, "sortBy");
  const sortOrder = (text(params, "sortOrder") ?? "ascending").toLowerCase();
  if (sortOrder !== "ascending" && sortOrder !== "descending") throw new ScimError(400, "invalidValue", "sortOrder must be ascending or descending");
  const sort = sortBy ? { field: sortField(vocabulary, sortBy, (name) => readAttrPath(name.trim()) ?? { attribute: name }), descending: sortOrder === "descending" } : undefined;
  // Over the maximum is clamped, not refused (RFC 7644 §3.4.2.4); negative is read as 0.
  const count = Math.min(Math.max(integer(params, "count") ?? PAGING.defaultPageSize, 0), PAGING.maxPageSize);
  const fingerprint = createHash("sha256").update(JSON.stringify([vocabulary.coreUri, filterText ?? "", sort ?? null])).digest("base64url").slice(0, 22);
  const { page, startIndex } = pageOf(params, fingerprint, cursorKey, count);
  return {
    criteria, sort, page, startIndex, count, fingerprint,
    attributes: parseAttributeList(text(params, "attributes")),
    excludedAttributes: parseAttributeList(text(params, "excludedAttributes")),
  };
}

export interface PageOutcome {
  total: number;
  first?: { key: string; seq: string };
  last?: { key: string; seq: string };
  hasMoreAfter: boolean;
  hasMoreBefore: boolean;
}

/** The ListResponse envelope (RFC 7644 §3.4.2, RFC 9865 §2) around already-rendered resources. */
export function listEnvelope(query: ListQuery, outcome: PageOutcome, itemsPerPage: number, cursorKey: Buffer): Record<string, unknown> {
  const envelope: Record<string, unknown> = { schemas: [LIST_RESPONSE_SCHEMA], totalResults: outcome.total, itemsPerPage };
  if (query.page.kind === "index") return { ...envelope, startIndex: query.startIndex ?? 1 };
  const issuedAt = Math.floor(Date.now() / 1000);
  const cursorAt = (anchor: { key: string; seq: string }, direction: "next" | "previous") => encodeCursor(cursorKey, { ...anchor, direction, query: query.fingerprint, issuedAt });
  if (outcome.hasMoreAfter && outcome.last) envelope.nextCursor = cursorAt(outcome.last, "next");
  if (outcome.hasMoreBefore && outcome.first) envelope.previousCursor = cursorAt(outcome.first, "previous");
  return envelope;
}

export type { SearchRequest };
