/**
 * The load generator: POST /access/v1/check at a fixed concurrency over keep-alive connections for a fixed
 * time. node:http with a keep-alive Agent, one socket per worker (undici is not a dependency of this project,
 * and fetch's own dispatcher is not configurable without it; see bench/README.md).
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { summarize, type Summary } from "./report.js";

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

export interface AccessClient {
  post(path: string, body: string): Promise<Reply>;
  close(): void;
}

export function createAccessClient(port: number, apiKey: string, sockets: number): AccessClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  return {
    post(path, body) {
      const started = performance.now();
      return new Promise((resolve) => {
        const done = (status: number, text: string) => resolve({ status, body: text, ms: performance.now() - started });
        const req = http.request(
          {
            host: "127.0.0.1", port, path, method: "POST", agent,
            headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
            res.on("error", (error) => done(0, String(error)));
          },
        );
        req.setTimeout(60_000, () => req.destroy(new Error("request timed out after 60 s")));
        req.on("error", (error) => done(0, String(error)));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface LoadResult {
  requests: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  perSecond: number;
  latency: Summary;
}

/**
 * `concurrency` workers send bodies[i % n] back to back for `seconds` (after `warmupSeconds` not counted).
 * Any status but 200, or a body `verify` refuses, is an error.
 */
export async function drive(
  client: AccessClient,
  options: { path: string; bodies: readonly string[]; concurrency: number; seconds: number; warmupSeconds: number; verify: (body: string) => boolean },
): Promise<LoadResult> {
  let next = 0;
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const body = options.bodies[next % options.bodies.length] as string;
        next += 1;
        const reply = await client.post(options.path, body);
        if (!record) continue;
        latencies.push(reply.ms);
        // Parsing every answer would load the generator: every 16th is checked, every status is.
        if (reply.status !== 200 || (latencies.length % 16 === 0 && !options.verify(reply.body))) {
          errors += 1;
          if (errorSamples.length < 5) errorSamples.push(`${reply.status} ${reply.body.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const elapsed = (performance.now() - started) / 1000;
    return { requests: latencies.length, errors, errorSamples, seconds: elapsed, perSecond: latencies.length / elapsed, latency: summarize(latencies) };
  };
  if (options.warmupSeconds > 0) await run(options.warmupSeconds, false);
  return run(options.seconds, true);
}

export const isVerdict = (body: string): boolean => {
  try {
    return typeof (JSON.parse(body) as { allowed?: unknown }).allowed === "boolean";
  } catch {
    return false;
  }
};

export const isBatchOf =
  (size: number) =>
  (body: string): boolean => {
    try {
      const results = (JSON.parse(body) as { results?: Array<{ allowed?: unknown }> }).results;
      return Array.isArray(results) && results.length === size && results.every((result) => typeof result.allowed === "boolean");
    } catch {
      return false;
    }
  };
