/**
 * The SSO benchmark's load generator: node:http over keep-alive sockets (one per worker, as the other benches),
 * and a runner that works through a list at a fixed concurrency, never with two items of the same person in
 * flight (a person's second sign-in must not race their first, just-in-time one).
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

export interface Client {
  request(method: "GET" | "POST", path: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
  close(): void;
}

export function createClient(port: number, sockets: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  return {
    request(method, path, headers = {}, body) {
      const started = performance.now();
      return new Promise((resolve) => {
        const done = (status: number, replyHeaders: http.IncomingHttpHeaders, text: string) => resolve({ status, headers: replyHeaders, body: text, ms: performance.now() - started });
        const req = http.request({ host: "127.0.0.1", port, path, method, agent, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => done(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString("utf8")));
          res.on("error", (error) => done(0, {}, String(error)));
        });
        req.setTimeout(60_000, () => req.destroy(new Error("request timed out after 60 s")));
        req.on("error", (error) => done(0, {}, String(error)));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The value of one cookie among a reply's Set-Cookie lines (undefined: not set). */
export function setCookie(reply: Reply, name: string): string | undefined {
  for (const line of reply.headers["set-cookie"] ?? []) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Runs `task` over `items` with `concurrency` workers. An item whose key is in flight waits for a later turn
 * (the next free item is taken instead); order is otherwise kept.
 */
export async function runAll<T, R>(items: readonly T[], concurrency: number, keyOf: (item: T) => unknown, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const waiting: number[] = items.map((_, index) => index);
  const busy = new Set<unknown>();
  const sleepers: Array<() => void> = [];
  const takeNext = (): number | undefined => {
    for (let position = 0; position < waiting.length && position < 10_000; position += 1) {
      const index = waiting[position] as number;
      if (!busy.has(keyOf(items[index] as T))) {
        waiting.splice(position, 1);
        return index;
      }
    }
    return undefined;
  };
  const worker = async (): Promise<void> => {
    while (waiting.length > 0) {
      const index = takeNext();
      if (index === undefined) {
        await new Promise<void>((resolve) => sleepers.push(resolve));
        continue;
      }
      const item = items[index] as T;
      const key = keyOf(item);
      busy.add(key);
      try {
        results[index] = await task(item);
      } finally {
        busy.delete(key);
        for (const resume of sleepers.splice(0)) resume();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, items.length)) }, worker));
  return results;
}
