import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { buildPolicy, type PolicyDocument, type Problems } from "./policy.build.js";
import type { Policy } from "./policy.types.js";

export type * from "./policy.types.js";
export { customRole, customRoleProblems } from "./custom-roles.js";

/** A policy file that cannot be used; the message names every bad spot ("roles.workspace[2] (Editor).permissions[3]: …"). */
export class PolicyError extends Error {
  override readonly name = "PolicyError";

  constructor(
    readonly problems: readonly string[],
    label = "policy",
  ) {
    super(`invalid ${label}:\n  ${problems.join("\n  ")}`);
  }
}

// Relative to this module, so the same path works from src/access/ (tsx) and dist/access/ (build).
const SCHEMA_URL = new URL("../../config/policy.schema.json", import.meta.url);
const DEFAULT_URL = new URL("../../config/policy.default.json", import.meta.url);

function readJson(file: string | URL, label: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyError([`cannot read ${String(file)}: ${(error as Error).message}`], label);
  }
}

/** "/roles/workspace/2/permissions/3" → "roles.workspace[2].permissions[3]". */
function spot(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replaceAll("~1", "/").replaceAll("~0", "~")}`))
    .join("")
    .replace(/^\./, "");
  const extra = error.keyword === "additionalProperties" ? ` ("${String(error.params.additionalProperty)}")` : "";
  return `${path || "(root)"}: ${error.message ?? "is invalid"}${extra}`;
}

function schemaProblems(json: unknown): Problems {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(readJson(SCHEMA_URL, "policy schema") as object);
  if (validate(json)) return [];
  return [...new Set((validate.errors ?? []).map(spot))];
}

/**
 * Validates a policy document (JSON Schema first, then cross-references) and returns it frozen:
 * built-in roles are immutable (seed 004, "Default roles … cannot be deleted or modified").
 */
export function loadPolicy(json: unknown, label = "policy"): Policy {
  const shape = schemaProblems(json);
  if (shape.length > 0) throw new PolicyError(shape, label);
  const problems: Problems = [];
  const policy = buildPolicy(json as PolicyDocument, problems);
  if (problems.length > 0) throw new PolicyError(problems, label);
  return policy;
}

/** Reads and validates a product's policy file (what GATEHOUSE_POLICY points at). */
export function loadPolicyFile(file: string | URL): Policy {
  const label = `policy file ${String(file)}`;
  return loadPolicy(readJson(file, label), label);
}

/** The policy of DESIGN.md, from config/policy.default.json. */
export function defaultPolicy(): Policy {
  return loadPolicyFile(DEFAULT_URL);
}
