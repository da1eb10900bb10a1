import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A scratch directory removed after the suite. */
export function useTempDir(prefix: string): { path: string } {
  const holder = { path: "" };
  before(() => {
    holder.path = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => rmSync(holder.path, { recursive: true, force: true }));
  return holder;
}

/** Environment for a child process: no inherited DATABASE_URL unless given, quiet logs. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn", DATABASE_URL: undefined, TEST_SUMMARY_FILE: undefined };
  for (const [key, value] of Object.entries(overrides)) env[key] = value;
  return env;
}

/** Runs the real CLI (src/cli/main.ts through tsx) to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot, "src/cli/main.ts"), ...args], { cwd: projectRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningServer {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts the real server (src/main.ts through tsx) on a free port and waits until it listens. */
export function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot, "src/main.ts")], {
      cwd: projectRoot,
      env: { ...env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
    });
    let stdout = "";
    let stderr = "";
    // A failed assertion must not leave a server running after the test run.
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    const exited = new Promise<number | null>((done) =>
      child.on("exit", (code) => {
        process.off("exit", killOnExit);
        done(code);
      }),
    );
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = stdout.split("\n").map(parseJsonLine).find((line) => line?.msg === "Gatehouse listening");
      if (!listening) return;
      clearTimeout(timer);
      resolve({
        child,
        port: Number(listening.port),
        stdout: () => stdout,
        stop: (signal = "SIGTERM") => {
          child.kill(signal);
          return exited;
        },
      });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stdout}\n${stderr}`));
    });
  });
}

function parseJsonLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
