/**
 * Request bodies validated against JSON Schemas that an OpenAPI document also embeds (under
 * `components.schemas`), so what is documented and what is accepted cannot drift apart.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ApiError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `pattern` of a text that must hold something besides white space. */
export const NOT_BLANK = "\\S";

/** "title: must NOT have fewer than 1 characters", with the JSON path written as a dotted field name. */
export function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "body" : error.instancePath.slice(1).replaceAll("/", ".");
  if (error.keyword === "additionalProperties") return `${where}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === "format" && error.params.format === "uuid") return `${where}: must be a UUID`;
  if (error.keyword === "pattern" && error.params.pattern === NOT_BLANK) return `${where}: must not be blank`;
  return `${where}: ${error.message ?? "is invalid"}`;
}

export type BodyValidator<Name extends string> = <T>(name: Name, body: unknown) => T;

/**
 * `validate(name, body)`: the body, validated against `schemas[name]`, or a 400 `invalid_request` naming every
 * problem (`details.problems`). `id` namespaces the schemas (one ajv registry per API).
 */
export function createBodyValidator<Name extends string>(schemas: Readonly<Record<Name, object>>, id: string): BodyValidator<Name> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("uuid", UUID);
  ajv.addSchema({ $id: id, components: { schemas } });
  const validators = new Map<Name, ValidateFunction>();

  return <T>(name: Name, body: unknown): T => {
    let validate = validators.get(name);
    if (!validate) {
      validate = ajv.getSchema(`${id}#/components/schemas/${name}`);
      if (!validate) throw new Error(`no schema ${name} in ${id}`);
      validators.set(name, validate);
    }
    if (body === undefined) throw new ApiError(400, "invalid_request", "A JSON body is required");
    if (validate(body)) return body as T;
    const problems = [...new Set((validate.errors ?? []).filter((error) => error.keyword !== "oneOf" && error.keyword !== "not").map(describeSchemaError))];
    const listed = problems.length > 0 ? problems : ["body: is invalid"];
    throw new ApiError(400, "invalid_request", listed.join("; "), { problems: listed });
  };
}
