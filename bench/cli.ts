/** What every benchmark script's command line shares: --help from the script's header comment, integers, --db. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type OptionSpec = { readonly type: "string" | "boolean"; readonly default?: string | boolean };

/** Prints the script's header comment and its options with their defaults, then exits. */
export function printHelpAndExit(scriptUrl: string, options: Readonly<Record<string, OptionSpec>>): never {
  console.log(readFileSync(fileURLToPath(scriptUrl), "utf8").split("*/")[0]?.replace(/^\/\*\*|^ \* ?/gm, ""));
  const described = Object.entries(options).map(([name, spec]) => `  --${name}${spec.type === "string" ? ` <${spec.default || "…"}>` : ""}`);
  console.log(`Options (defaults shown):\n${described.join("\n")}`);
  process.exit(0);
}

export function integer(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
  return value;
}

export function databaseKind(raw: string | undefined): "postgres" | "pglite" {
  if (raw === "postgres" || raw === "pglite") return raw;
  throw new Error(`--db must be postgres or pglite, got ${raw}`);
}
