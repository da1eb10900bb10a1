/** Starts bench/access-check/server.ts in a child process and talks to it over its IPC channel. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ProductCheck } from "../../src/access/engine/access-engine.js";
import type { Memory, Request } from "./server.js";
import type { Observer, WatchResult } from "./visibility.js";

export interface ServerProcess extends Observer {
  pid: number;
  port: number;
  credentialCache: boolean;
  call<T>(request: Request): Promise<T>;
  memory(): Promise<Memory>;
  /** VmHWM of the server process: the kernel's own peak RSS (MB). */
  peakRssMb(): number;
  stderrTail(): string[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;

/** `nodeArgs`: e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] to profile the server (NODE_OPTIONS refuses --cpu-prof). */
export async function startServerProcess(env: Record<string, string>, credentialCache: boolean, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const entry = fileURLToPath(new URL("./server.ts", import.meta.url));
  const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["DATABASE_URL", "GATEHOUSE_DATA_DIR", "GATEHOUSE_CONFIG", "PORT"]) delete childEnv[key];
  Object.assign(childEnv, { LOG_LEVEL: "warn", BENCH_CREDENTIAL_CACHE: credentialCache ? "on" : "off" }, env);
  const child = spawn(process.execPath, ["--expose-gc", ...nodeArgs, "--import", "tsx", entry], { cwd: repoRoot, env: childEnv, stdio: ["ignore", "inherit", "pipe", "ipc"] });
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(...chunk.toString().split("\n").filter((line) => line.trim() !== ""));
    if (stderr.length > 200) stderr.splice(0, 100);
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ port: number; pid: number; credentialCache: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before it was ready:\n  ${stderr.slice(-20).join("\n  ")}`)));
    child.on("message", (message: { ready?: boolean; port: number; pid: number; credentialCache: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`server: ${message.error}`));
      else waiter.resolve(message.result);
    });
  });
  child.on("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`server exited (${code ?? signal})`));
    pending.clear();
  });
  const started = await ready;

  function call<T>(request: Request): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, request });
    });
  }

  return {
    ...started,
    call,
    memory: () => call<Memory>({ op: "memory" }),
    decide: (organizationId: string, userId: string, check: ProductCheck) => call<{ allowed: boolean; version: number }>({ op: "decide", organizationId, userId, check }),
    async arm(request) {
      const watchId = await call<number>({ op: "arm", ...request });
      return () => call<WatchResult>({ op: "outcome", watchId });
    },
    peakRssMb() {
      try {
        const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${started.pid}/status`, "utf8"));
        return match ? (Number(match[1]) * 1024) / 1e6 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    stderrTail: () => stderr.slice(-20),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
