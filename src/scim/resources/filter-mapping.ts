import type { Criteria, CriteriaValue } from "../../directory/search.js";
import type { AttrPath, FilterNode } from "../protocol/filter/ast.js";
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from "../protocol/schema.js";
import { ScimError } from "../protocol/scim-error.js";

type Kind = "string" | "boolean" | "dateTime";

interface SimpleField {
  field: string;
  kind: Kind;
}

interface CollectionField {
  collection: string;
  /** Sub-attribute → field of the element; "" is the sub-attribute used when none is named (value). */
  subs: Record<string, SimpleField>;
}

/**
 * The attributes a SCIM filter may name for one resource type, and the directory search field each
 * maps to: an allow-list, so an unsupported attribute is `400 invalidFilter`, never an empty result.
 */
export interface FilterVocabulary {
  coreUri: string;
  /** Lower-cased "[uri:]attribute[.sub]" → field. */
  simple: Map<string, SimpleField>;
  /** Lower-cased attribute → collection. */
  collections: Map<string, CollectionField>;
}

const s = (field: string, kind: Kind = "string"): SimpleField => ({ field, kind });

function vocabulary(coreUri: string, simple: Record<string, SimpleField>, collections: Record<string, CollectionField>): FilterVocabulary {
  const lower = <T>(entries: Record<string, T>) => new Map(Object.entries(entries).map(([key, value]) => [key.toLowerCase(), value]));
  return { coreUri, simple: lower(simple), collections: lower(collections) };
}

const valueSubs = { value: s("value"), type: s("type"), display: s("display"), primary: s("primary", "boolean") };
const common = { id: s("id"), externalId: s("externalId"), "meta.created": s("meta.created", "dateTime"), "meta.lastModified": s("meta.lastModified", "dateTime") };

export const USER_FILTERS = vocabulary(
  CORE_USER_SCHEMA,
  {
    ...common,
    ...Object.fromEntries(["userName", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone"].map((n) => [n, s(n)])),
    active: s("active", "boolean"),
    ...Object.fromEntries(["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"].map((n) => [`name.${n}`, s(`name.${n}`)])),
    ...Object.fromEntries(["employeeNumber", "costCenter", "organization", "division", "department"].map((n) => [`${ENTERPRISE_USER_SCHEMA}:${n}`, s(n)])),
    [`${ENTERPRISE_USER_SCHEMA}:manager`]: s("manager.value"),
    [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: s("manager.value"),
    [`${ENTERPRISE_USER_SCHEMA}:manager.displayName`]: s("manager.displayName"),
  },
  {
    emails: { collection: "emails", subs: { "": s("value"), ...valueSubs } },
    phoneNumbers: { collection: "phoneNumbers", subs: { "": s("value"), ...valueSubs } },
    addresses: {
      collection: "addresses",
      subs: { ...Object.fromEntries(["type", "formatted", "streetAddress", "locality", "region", "postalCode", "country"].map((n) => [n, s(n)])), primary: s("primary", "boolean") },
    },
    groups: { collection: "groups", subs: { "": s("value"), value: s("value"), display: s("display") } },
  },
);

export const GROUP_FILTERS = vocabulary(CORE_GROUP_SCHEMA, { ...common, displayName: s("displayName") }, {
  members: { collection: "members", subs: { "": s("value"), value: s("value"), display: s("display") } },
});

function unsupported(path: AttrPath): ScimError {
  const name = `${path.uri ? `${path.uri}:` : ""}${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ""}`;
  return new ScimError(400, "invalidFilter", `Filtering on "${name}" is not supported`);
}

/** Strips a core-schema URI (`urn:…:core:2.0:User:userName` is `userName`); keeps extension URIs. */
function keyOf(vocab: FilterVocabulary, path: AttrPath, withSub = true): string {
  const uri = path.uri && path.uri.toLowerCase() !== vocab.coreUri.toLowerCase() ? `${path.uri}:` : "";
  return `${uri}${path.attribute}${withSub && path.subAttribute ? `.${path.subAttribute}` : ""}`.toLowerCase();
}

/** xsd:dateTime (RFC 7643 §2.3.5) or a bare date, with a four-digit year and hours, minutes, seconds in range. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/i;

/**
 * Date.parse accepts "1" (as 2001) and "2024-02-30" (as 1 March); PostgreSQL rejects both, which would be a
 * 500. Only a well-formed date naming a real calendar day goes to the database.
 */
function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function checkValue(kind: Kind, value: CriteriaValue, op: string, path: AttrPath): void {
  if (value === null) return;
  // PostgreSQL text cannot hold U+0000: such a value can match nothing, and would fail in SQL as a 500.
  if (typeof value === "string" && value.includes("\u0000")) throw new ScimError(400, "invalidFilter", "Filter values cannot contain the NUL character (U+0000)");
  const ok = kind === "boolean" ? typeof value === "boolean" : typeof value === "string" && (kind !== "dateTime" || isDateTime(value));
  if (!ok || (kind === "boolean" && op !== "eq" && op !== "ne")) {
    throw new ScimError(400, "invalidFilter", `"${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ""} ${op} ${JSON.stringify(value)}" compares a ${kind} attribute with the wrong kind of value`);
  }
}

function leaf(target: SimpleField, node: Extract<FilterNode, { kind: "compare" | "present" }>): Criteria {
  if (node.kind === "present") return { kind: "present", field: target.field };
  // Entra sends some values unquoted (`externalId eq 12345`): a number for a string attribute is its text.
  const value = target.kind !== "boolean" && typeof node.value === "number" ? String(node.value) : node.value;
  checkValue(target.kind, value, node.op, node.path);
  return { kind: "compare", field: target.field, op: node.op, value };
}

function mapElement(collection: CollectionField, node: FilterNode, path: AttrPath): Criteria {
  switch (node.kind) {
    case "and":
    case "or":
      return { kind: node.kind, left: mapElement(collection, node.left, path), right: mapElement(collection, node.right, path) };
    case "not":
      return { kind: "not", criteria: mapElement(collection, node.filter, path) };
    case "valuePath":
      throw new ScimError(400, "invalidFilter", "Value filters cannot be nested");
    default: {
      // Inside [ ] paths are relative to one element: `emails[type eq "work"]` names the sub-attribute `type`.
      const sub = node.path.uri || node.path.subAttribute ? undefined : subOf(collection, node.path.attribute);
      if (!sub) throw unsupported({ ...path, subAttribute: node.path.attribute });
      return leaf(sub, node);
    }
  }
}

function subOf(collection: CollectionField, name: string | undefined): SimpleField | undefined {
  const wanted = (name ?? "").toLowerCase();
  return Object.entries(collection.subs).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** Maps a parsed SCIM filter onto directory search criteria, refusing anything outside the vocabulary. */
export function filterToCriteria(vocab: FilterVocabulary, node: FilterNode): Criteria {
  switch (node.kind) {
    case "and":
    case "or":
      return { kind: node.kind, left: filterToCriteria(vocab, node.left), right: filterToCriteria(vocab, node.right) };
    case "not":
      return { kind: "not", criteria: filterToCriteria(vocab, node.filter) };
    case "valuePath": {
      const collection = vocab.collections.get(keyOf(vocab, node.path, false));
      if (!collection) throw unsupported(node.path);
      return { kind: "some", collection: collection.collection, criteria: mapElement(collection, node.filter, node.path) };
    }
    default: {
      const simple = vocab.simple.get(keyOf(vocab, node.path));
      if (simple) return leaf(simple, node);
      const collection = vocab.collections.get(keyOf(vocab, node.path, false));
      const sub = collection ? subOf(collection, node.path.subAttribute) : undefined;
      if (!collection || !sub) throw unsupported(node.path);
      // RFC 7644 §3.4.2.2: `emails co "x"` and `emails.value co "x"` match when any element matches.
      return { kind: "some", collection: collection.collection, criteria: leaf(sub, node) };
    }
  }
}

/** sortBy (RFC 7644 §3.4.2.3): a single-valued attribute of the vocabulary. */
export function sortField(vocab: FilterVocabulary, sortBy: string, parse: (text: string) => AttrPath): string {
  const simple = vocab.simple.get(keyOf(vocab, parse(sortBy)));
  if (!simple) throw new ScimError(400, "invalidValue", `Sorting by "${sortBy}" is not supported`);
  return simple.field;
}
