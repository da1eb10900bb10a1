#!/usr/bin/env node
// `npx gatehouse …`: builds on first use (a fresh clone has no dist/), then runs the compiled CLI.
import { ensureReady } from "../scripts/ensure.mjs";

await ensureReady({ build: true, quiet: true });
const { runCli } = await import("../dist/cli/main.js");
process.exitCode = await runCli(process.argv.slice(2));
