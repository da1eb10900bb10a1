import { createHmac, timingSafeEqual } from "node:crypto";
import { ScimError } from "./scim-error.js";

/**
 * RFC 9865 cursors: opaque to clients, tamper-evident (HMAC-SHA256 with a server key), bound to the
 * query they were issued for, and expiring. The payload is the keyset anchor of the page edge.
 */
export interface CursorPayload {
  /** Sort key and sequence of the row the next page starts after (or the previous page ends before). */
  key: string;
  seq: string;
  direction: "next" | "previous";
  /** Fingerprint of filter + sort: a cursor cannot be replayed against another query. */
  query: string;
  /** Seconds since the epoch when issued. */
  issuedAt: number;
}

const sign = (key: Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

export function encodeCursor(key: Buffer, payload: CursorPayload): string {
  const data = Buffer.from(JSON.stringify([payload.key, payload.seq, payload.direction === "next" ? 1 : 0, payload.query, payload.issuedAt])).toString("base64url");
  return `${data}.${sign(key, data).toString("base64url")}`;
}

function invalid(): ScimError {
  return new ScimError(400, "invalidCursor", "The cursor is not valid for this request");
}

function parsePayload(data: string): CursorPayload {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(data, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) throw invalid();
  const [anchorKey, seq, direction, query, issuedAt] = decoded as unknown[];
  if (typeof anchorKey !== "string" || typeof seq !== "string" || !/^\d+$/.test(seq) || typeof query !== "string" || typeof issuedAt !== "number") throw invalid();
  return { key: anchorKey, seq, direction: direction === 1 ? "next" : "previous", query, issuedAt };
}

/** Verifies and opens a cursor; `invalidCursor` if forged or for another query, `expiredCursor` if too old. */
export function decodeCursor(key: Buffer, cursor: string, expected: { query: string; nowSeconds: number; timeoutSeconds: number }): CursorPayload {
  const [data, signature, extra] = cursor.split(".");
  if (!data || !signature || extra !== undefined) throw invalid();
  const presented = Buffer.from(signature, "base64url");
  const wanted = sign(key, data);
  if (presented.length !== wanted.length || !timingSafeEqual(presented, wanted)) throw invalid();
  const payload = parsePayload(data);
  if (payload.query !== expected.query) throw invalid();
  if (expected.nowSeconds - payload.issuedAt > expected.timeoutSeconds) {
    throw new ScimError(400, "expiredCursor", "The cursor has expired; start the listing again");
  }
  return payload;
}
