import http from "node:http";
import { performance } from "node:perf_hooks";

export interface Reply {
  method: string;
  path: string;
  /** 0 when the request failed below HTTP (connection reset, timeout). */
  status: number;
  body: string;
  ms: number;
}

export interface ScimClient {
  request(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): void;
}

export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * A keep-alive HTTP/1.1 client for the SCIM base URL. `undici` is not resolvable from this project (Node
 * bundles it only inside `fetch`, without its Agent), so this uses node:http with a keep-alive Agent
 * holding one socket per worker: no request waits for a socket, so latency is the server's.
 */
export function createScimClient(baseUrl: string, token: string, concurrency: number): ScimClient {
  const url = new URL(baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`the benchmark only targets 127.0.0.1, not ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 4, maxFreeSockets: concurrency + 4 });

  function request(method: string, path: string, body?: unknown): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${token}`, accept: "application/scim+json" };
    if (payload !== undefined) Object.assign(headers, { "content-type": "application/scim+json", "content-length": Buffer.byteLength(payload) });
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (status: number, text: string) => resolve({ method, path, status, body: text, ms: performance.now() - started });
      const req = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${path}`, method, agent, headers, timeout: 300_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
        res.on("error", (error) => done(0, String(error)));
      });
      req.on("timeout", () => req.destroy(new Error("request timed out after 300 s")));
      req.on("error", (error) => done(0, String(error)));
      req.end(payload);
    });
  }

  return { request, close: () => agent.destroy() };
}

/** Parses a reply body as JSON, or returns undefined (an error reply is counted elsewhere). */
export function jsonOf<T = Record<string, unknown>>(reply: Reply): T | undefined {
  try {
    return JSON.parse(reply.body) as T;
  } catch {
    return undefined;
  }
}

export function patchBody(...operations: Array<Record<string, unknown>>): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

export const q = (value: string): string => encodeURIComponent(value);
