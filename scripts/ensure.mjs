// Makes a fresh clone runnable: installs dependencies when they are missing or older than the lockfile,
// and compiles when dist/ is missing or older than the sources. Progress goes to stderr so that
// `gatehouse … --json` keeps stdout for its JSON.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), stat.mtimeMs);
}

function run(args, quiet) {
  if (!quiet) process.stderr.write(`gatehouse: npm ${args.join(" ")}\n`);
  const result = spawnSync(npm, args, { cwd: root, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) {
    process.stderr.write(`gatehouse: "npm ${args.join(" ")}" failed (exit ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}

export function needsInstall() {
  const marker = join(root, "node_modules", ".package-lock.json");
  return !existsSync(marker) || mtime(join(root, "package-lock.json")) > mtime(marker);
}

export function needsBuild() {
  const stamp = mtime(join(root, "dist", ".build-stamp"));
  const sources = ["src", "config", "tsconfig.json", "tsconfig.build.json", "package-lock.json"].map((p) => newest(join(root, p)));
  return stamp === 0 || Math.max(...sources) > stamp;
}

export async function ensureReady({ build = true, quiet = false } = {}) {
  if (needsInstall()) run(existsSync(join(root, "package-lock.json")) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"], quiet);
  if (build && needsBuild()) {
    run(["run", "--silent", "build"], quiet);
    writeFileSync(join(root, "dist", ".build-stamp"), new Date().toISOString());
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureReady({ build: !process.argv.includes("--no-build") });
}
