/** Starts bench/sso-login/fake-op.ts in a child process and talks to it over its IPC channel. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CodeGrant, OpRequest, OpStats } from "./fake-op.js";

export interface OpProcess {
  issuer: string;
  pid: number;
  clientId: string;
  clientSecret: string;
  /** Registers codes in chunks (each ID token is signed there, now: outside any timing). */
  register(grants: readonly CodeGrant[]): Promise<void>;
  stats(): Promise<OpStats>;
  stop(): Promise<void>;
}

export async function startOp(clientId: string, clientSecret: string): Promise<OpProcess> {
  const entry = fileURLToPath(new URL("./fake-op.ts", import.meta.url));
  const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
  const env = { ...process.env, BENCH_OP_CLIENT_ID: clientId, BENCH_OP_CLIENT_SECRET: clientSecret };
  const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: repoRoot, env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ issuer: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("fake OP not ready after 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`fake OP exited with ${code} before it was ready`)));
    child.on("message", (message: { ready?: boolean; issuer: string; pid: number; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`fake OP: ${message.error}`));
      else waiter.resolve(message.result);
    });
  });
  child.on("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`fake OP exited (${code ?? signal})`));
    pending.clear();
  });
  const started = await ready;
  const call = <T>(request: OpRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, request });
    });
  return {
    ...started,
    clientId,
    clientSecret,
    async register(grants) {
      for (let index = 0; index < grants.length; index += 500) await call<number>({ op: "register", grants: grants.slice(index, index + 500) });
    },
    stats: () => call<OpStats>({ op: "stats" }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
