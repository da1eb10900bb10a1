/**
 * A protocol-neutral query over one kind of record, compiled here into parameterised SQL through a
 * per-record catalog of fields. Callers (the SCIM filter mapper) decide which names exist; this module
 * only ever emits column expressions from its own catalog and `$n` placeholders for values.
 */
export type Comparison = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type CriteriaValue = string | number | boolean | null;

export type Criteria =
  | { kind: "compare"; field: string; op: Comparison; value: CriteriaValue }
  | { kind: "present"; field: string }
  | { kind: "and" | "or"; left: Criteria; right: Criteria }
  | { kind: "not"; criteria: Criteria }
  /** Some element of a multi-valued collection (emails, members…) satisfies `criteria` (fields of the element). */
  | { kind: "some"; collection: string; criteria: Criteria };

export type FieldType = "text" | "citext" | "boolean" | "timestamp" | "uuid";

export interface FieldSpec {
  /** SQL expression over the record's alias. */
  sql: string;
  type: FieldType;
}

export interface CollectionSpec {
  /** SQL that opens an EXISTS subquery for one record; the element alias is `el`. */
  from: (recordAlias: string) => string;
  fields: Record<string, FieldSpec>;
}

export interface Catalog {
  alias: string;
  fields: Record<string, FieldSpec>;
  collections: Record<string, CollectionSpec>;
}

export class CriteriaError extends Error {
  override readonly name = "CriteriaError";
}

/** Collects parameter values and hands out their placeholders. */
export class SqlParams {
  readonly values: unknown[];

  constructor(initial: unknown[] = []) {
    this.values = [...initial];
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function compileCompare(spec: FieldSpec, op: Comparison, value: CriteriaValue, params: SqlParams): string {
  if (value === null) {
    if (op === "eq") return `${spec.sql} IS NULL`;
    if (op === "ne") return `${spec.sql} IS NOT NULL`;
    throw new CriteriaError(`${op} cannot compare with null`);
  }
  if (spec.type === "boolean") {
    if (typeof value !== "boolean" || (op !== "eq" && op !== "ne")) throw new CriteriaError("a boolean attribute takes only eq or ne with true or false");
    return op === "eq" ? `${spec.sql} = ${params.add(value)}` : `${spec.sql} IS DISTINCT FROM ${params.add(value)}`;
  }
  if (typeof value !== "string") throw new CriteriaError("this attribute compares with strings only");
  if (spec.type === "timestamp") {
    if (Number.isNaN(Date.parse(value))) throw new CriteriaError(`"${value}" is not a dateTime`);
    if (["co", "sw", "ew"].includes(op)) throw new CriteriaError(`${op} does not apply to dateTime attributes`);
  }
  const ci = spec.type === "citext";
  const column = ci ? `lower(${spec.sql})` : spec.type === "uuid" ? `${spec.sql}::text` : spec.sql;
  const param = (text: string) => (ci ? `lower(${params.add(text)})` : params.add(text));
  const typed = spec.type === "timestamp" ? (text: string) => `${params.add(text)}::timestamptz` : param;
  // SCIM serves dateTimes with millisecond precision (meta.lastModified); PostgreSQL keeps microseconds, so a
  // client filtering on the exact value it was served would never match it: compare at the served precision.
  const target = spec.type === "timestamp" ? `date_trunc('milliseconds', ${spec.sql})` : column;
  switch (op) {
    case "eq":
      return `${target} = ${typed(value)}`;
    case "ne":
      return `(${target} IS NULL OR ${target} <> ${typed(value)})`;
    case "co":
      return `${column} LIKE '%' || ${param(escapeLike(value))} || '%'`;
    case "sw":
      return `${column} LIKE ${param(escapeLike(value))} || '%'`;
    case "ew":
      return `${column} LIKE '%' || ${param(escapeLike(value))}`;
    default: {
      const sqlOp = { gt: ">", ge: ">=", lt: "<", le: "<=" }[op];
      return `${target} ${sqlOp} ${typed(value)}`;
    }
  }
}

function compilePresent(spec: FieldSpec): string {
  return spec.type === "text" || spec.type === "citext" ? `(${spec.sql} IS NOT NULL AND ${spec.sql} <> '')` : `${spec.sql} IS NOT NULL`;
}

function compileIn(fields: Record<string, FieldSpec>, collections: Record<string, CollectionSpec>, alias: string, criteria: Criteria, params: SqlParams, depth: number): string {
  if (depth > 64) throw new CriteriaError("filter is nested too deeply");
  const field = (name: string) => {
    const spec = fields[name];
    if (!spec) throw new CriteriaError(`unknown field ${name}`);
    return spec;
  };
  switch (criteria.kind) {
    case "compare":
      return compileCompare(field(criteria.field), criteria.op, criteria.value, params);
    case "present":
      return compilePresent(field(criteria.field));
    case "and":
    case "or":
      return `(${compileIn(fields, collections, alias, criteria.left, params, depth + 1)} ${criteria.kind.toUpperCase()} ${compileIn(fields, collections, alias, criteria.right, params, depth + 1)})`;
    case "not":
      // NOT over a NULL comparison would be NULL (false); COALESCE keeps "not" total, as RFC 7644 reads it.
      return `NOT COALESCE(${compileIn(fields, collections, alias, criteria.criteria, params, depth + 1)}, false)`;
    case "some": {
      const collection = collections[criteria.collection];
      if (!collection) throw new CriteriaError(`unknown collection ${criteria.collection}`);
      return `EXISTS (${collection.from(alias)} AND ${compileIn(collection.fields, {}, "el", criteria.criteria, params, depth + 1)})`;
    }
  }
}

/** Compiles criteria to a boolean SQL expression; values are appended to `params`. */
export function compileCriteria(catalog: Catalog, criteria: Criteria, params: SqlParams): string {
  return compileIn(catalog.fields, catalog.collections, catalog.alias, criteria, params, 0);
}

/** A sort key that is never NULL, so keyset cursors can compare it. */
export function sortExpression(spec: FieldSpec): string {
  switch (spec.type) {
    case "citext":
      return `COALESCE(lower(${spec.sql}), '') COLLATE "C"`;
    case "text":
      return `COALESCE(${spec.sql}, '') COLLATE "C"`;
    case "uuid":
      return `${spec.sql}::text`;
    case "boolean":
      return `COALESCE(${spec.sql}, false)::int::text`;
    case "timestamp":
      return `to_char(${spec.sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  }
}
