import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

// Plain JSON in UTF-8 only: anything else (another charset, a compressed body) is Express's to refuse or inflate.
const PLAIN_JSON_TYPE = /^application\/(?:scim\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;

/** Whether the request declares a body a fast path may read itself: JSON, UTF-8, not compressed. */
export function declaresPlainJson(req: IncomingMessage): boolean {
  const type = req.headers["content-type"];
  const encoding = req.headers["content-encoding"];
  return type !== undefined && PLAIN_JSON_TYPE.test(type) && (encoding === undefined || encoding === "identity");
}

/** Whether the request has a body at all (RFC 9112 §6.3: a Transfer-Encoding, or a non-zero Content-Length). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * A request body as UTF-8 text, for the handlers that run before Express (the /access/v1/check and SCIM fast
 * paths). Refuses like body-parser does: over `limit` bytes is 413 (the rest is drained, not buffered).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers["content-length"]);
    const tooLarge = () => new ApiError(413, "payload_too_large", `Request body exceeds the limit of ${limit} bytes`);
    if (declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => reject(new ApiError(400, "bad_request", "The request body could not be read")));
  });
}

/**
 * body-parser's strict JSON (what express.json gives the routes): an object or array only, a leading BOM
 * ignored, an empty body as `{}`. Anything else is the same 400 the Express path answers.
 */
export function parseJsonBody(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/s.exec(body)?.[1];
  try {
    if (first !== "{" && first !== "[") throw new SyntaxError("not an object or array");
    return JSON.parse(body) as unknown;
  } catch {
    throw new ApiError(400, "invalid_json", "Request body is not valid JSON");
  }
}
