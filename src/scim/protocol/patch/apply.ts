/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a SCIM JSON representation: core attributes at the top
 * level, extension attributes under their schema URN. Works on a copy and throws on the first bad
 * operation, so a failed PATCH leaves nothing half-applied ("the operations are applied atomically").
 */
import type { ResourceSchema } from "../schema.js";
import { computeNext } from "./compute.js";
import { badRequest, deleteKey, isPlainObject, isUnassigned, jsonEqual, readKey, writeKey, type JsonObject } from "./json.js";
import { enforceSinglePrimary, type OpEffects } from "./multi-valued.js";
import { checkTransition } from "./mutability.js";
import type { PatchOpName, PatchOperation } from "./operation.js";
import { coreScope, resolvePath, resolveValueKey, type AttributeTarget, type SchemaScope, type Target } from "./target.js";

/**
 * Keys of a path-less value the server maintains and ignores when a client restates them: `schemas`
 * follows from which attributes are present (RFC 7643 §3), and `meta` "SHALL be ignored when provided by
 * clients" (RFC 7643 §3.1). An explicit `path` to either is still a mutability error.
 */
const SERVER_MANAGED = ["schemas", "meta"];

interface Step {
  document: JsonObject;
  schema: ResourceSchema;
  op: PatchOpName;
  effects: OpEffects;
}

export function applyPatch(resource: Record<string, unknown>, ops: PatchOperation[], schema: ResourceSchema): Record<string, unknown> {
  const document = structuredClone(resource);
  for (const operation of ops) {
    const step: Step = { document, schema, op: operation.op, effects: { primaryOwners: new WeakSet() } };
    if (operation.path !== undefined) applyToTarget(step, resolvePath(operation.path, schema), operation.value);
    // RFC 7644 §3.5.2.2: a remove without "path" fails with noTarget.
    else if (operation.op === "remove") throw badRequest("noTarget", "A remove operation needs a path");
    else applyToSchema(step, coreScope(schema), operation.value);
  }
  return document;
}

function applyToTarget(step: Step, target: Target, value: unknown): void {
  if (target.kind === "attribute") applyToAttribute(step, target, value);
  // A null extension object is an unassigned one (RFC 7643 §2.5).
  else if (step.op === "remove" || value === null) removeSchema(step, target.scope);
  else applyToSchema(step, target.scope, value);
}

/**
 * A path-less add/replace, or a schema URN as path: each key of the value is an attribute path of its
 * own (RFC 7644 §3.5.2.1; Entra aadOptscim062020 sends dotted and URN-qualified keys).
 */
function applyToSchema(step: Step, scope: SchemaScope, value: unknown): void {
  if (!isPlainObject(value)) throw badRequest("invalidValue", `A ${step.op} without a path needs an object of attributes as value`);
  for (const [key, item] of Object.entries(value)) {
    if (scope.extension === undefined && SERVER_MANAGED.includes(key.toLowerCase())) continue;
    applyToTarget(step, resolveValueKey(key, step.schema, scope), item);
  }
}

function applyToAttribute(step: Step, target: AttributeTarget, value: unknown): void {
  if (step.op !== "remove" && value === undefined) throw badRequest("invalidValue", `The ${step.op} of "${target.where}" needs a value`);
  const { attribute } = target;
  const container = readContainer(step.document, target.scope);
  const current = container === undefined ? undefined : readKey(container, attribute.name);
  let next = computeNext({ op: step.op, target, value, effects: step.effects }, current);
  if (attribute.multiValued && Array.isArray(next)) next = enforceSinglePrimary(attribute, next, step.effects);
  checkTransition(attribute, current, next, target.where);
  if (jsonEqual(current, next)) return;
  writeAttribute(step.document, target.scope, attribute.name, next);
}

function readContainer(document: JsonObject, scope: SchemaScope): JsonObject | undefined {
  if (scope.extension === undefined) return document;
  const container = readKey(document, scope.schema.id);
  return isPlainObject(container) ? container : undefined;
}

function writeAttribute(document: JsonObject, scope: SchemaScope, name: string, next: unknown): void {
  if (scope.extension === undefined) {
    writeKey(document, name, next);
    return;
  }
  const container = { ...readContainer(document, scope) };
  writeKey(container, name, next);
  writeKey(document, scope.schema.id, container);
  // RFC 7643 §3: `schemas` names the extensions whose attributes the resource carries.
  listSchema(document, scope.schema.id, !isUnassigned(container) || scope.extension.required);
}

function listSchema(document: JsonObject, id: string, present: boolean): void {
  const schemas = readKey(document, "schemas");
  if (!Array.isArray(schemas)) return;
  const isId = (item: unknown): boolean => typeof item === "string" && item.toLowerCase() === id.toLowerCase();
  if (schemas.some(isId) === present) return;
  writeKey(document, "schemas", present ? [...schemas, id] : schemas.filter((item) => !isId(item)));
}

/** `remove path=urn:…:extension`: every attribute of the extension, each under its own mutability. */
function removeSchema(step: Step, scope: SchemaScope): void {
  if (scope.extension === undefined) throw badRequest("invalidPath", "The core schema cannot be removed");
  const container = readContainer(step.document, scope);
  if (container === undefined) return;
  for (const attribute of scope.schema.attributes) {
    checkTransition(attribute, readKey(container, attribute.name), undefined, `${scope.schema.id}:${attribute.name}`);
  }
  deleteKey(step.document, scope.schema.id);
  listSchema(step.document, scope.schema.id, scope.extension.required);
}
