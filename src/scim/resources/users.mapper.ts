import type { Address, MultiValue, UserInput, UserRecord } from "../../directory/users.service.js";
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from "../protocol/schema.js";
import { ScimError } from "../protocol/scim-error.js";
import { compact, invalidValue, isObject, pick, readArray, readBoolean, readObject, readString, rejectUnstorable } from "./attributes.js";

/** Core attributes Gatehouse keeps as given without modelling them in columns (RFC 7643 §4.1.2). */
const KEPT_CORE = ["ims", "photos", "entitlements", "roles", "x509Certificates"];
/** Accepted on input and never stored: readOnly (RFC 7643 §3.1, §4.1.2 groups) or not ours to keep (password). */
const IGNORED = ["id", "meta", "schemas", "groups", "password"];
const MODELLED = [
  "userName", "externalId", "active", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
  "locale", "timezone", "name", "emails", "phoneNumbers", "addresses",
];
const KNOWN = new Set([...KEPT_CORE, ...IGNORED, ...MODELLED].map((name) => name.toLowerCase()));

function readMultiValues(body: Record<string, unknown>, name: string): MultiValue[] {
  return readArray(body, name).map((entry, i) => {
    if (!isObject(entry)) throw invalidValue(`${name}[${i}] must be an object`);
    const value = readString(entry, "value", `${name}[${i}].value`);
    if (value === null) throw invalidValue(`${name}[${i}].value is required`);
    return { value, type: readString(entry, "type", `${name}[${i}].type`), display: readString(entry, "display", `${name}[${i}].display`), primary: readBoolean(entry, "primary", `${name}[${i}].primary`) ?? false };
  });
}

function readAddresses(body: Record<string, unknown>): Address[] {
  return readArray(body, "addresses").map((entry, i) => {
    if (!isObject(entry)) throw invalidValue(`addresses[${i}] must be an object`);
    const text = (name: string) => readString(entry, name, `addresses[${i}].${name}`);
    return {
      type: text("type"), formatted: text("formatted"), streetAddress: text("streetAddress"), locality: text("locality"),
      region: text("region"), postalCode: text("postalCode"), country: text("country"), primary: readBoolean(entry, "primary", `addresses[${i}].primary`) ?? false,
    };
  });
}

/** Entra sends the manager as a bare id string; RFC 7643 §4.3 as `{ value, displayName }`. */
function readManager(enterprise: Record<string, unknown>): { value: string; displayName: string | null } | null {
  const manager = pick(enterprise, "manager");
  if (manager === undefined || manager === null || manager === "") return null;
  if (typeof manager === "string") return { value: manager, displayName: null };
  if (!isObject(manager)) throw invalidValue("manager must be an object or an id");
  const value = readString(manager, "value", "manager.value");
  return value ? { value, displayName: readString(manager, "displayName", "manager.displayName") } : null;
}

function readEnterprise(body: Record<string, unknown>): UserInput["enterprise"] {
  const enterprise = readObject(body, ENTERPRISE_USER_SCHEMA) ?? {};
  const text = (name: string) => readString(enterprise, name, `${ENTERPRISE_USER_SCHEMA}:${name}`);
  return {
    employeeNumber: text("employeeNumber"), costCenter: text("costCenter"), organization: text("organization"),
    division: text("division"), department: text("department"), manager: readManager(enterprise),
  };
}

/**
 * What we keep without modelling: unmodelled core attributes, attributes we don't know, and objects under
 * any extension URN other than the enterprise one (a custom extension such as Entra's must round-trip).
 */
function readExtraAttributes(body: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase() || KNOWN.has(key.toLowerCase())) continue;
    if (key.startsWith("urn:") && value !== null && !isObject(value)) throw invalidValue(`${key} must be an object`);
    extra[key] = value;
  }
  for (const name of KEPT_CORE) {
    const value = pick(body, name);
    if (value !== undefined) extra[name] = value;
  }
  return extra;
}

function requireSchemas(body: Record<string, unknown>): void {
  const schemas = pick(body, "schemas");
  if (schemas === undefined) return;
  if (!Array.isArray(schemas) || schemas.some((schema) => typeof schema !== "string")) throw new ScimError(400, "invalidSyntax", "schemas must be an array of schema URNs");
  if (!schemas.some((schema) => String(schema).toLowerCase() === CORE_USER_SCHEMA.toLowerCase())) {
    throw new ScimError(400, "invalidSyntax", `schemas must include ${CORE_USER_SCHEMA}`);
  }
}

/** A SCIM User body (POST, PUT, or a patched representation) → directory input. */
export function userInputFromScim(body: unknown): UserInput {
  if (!isObject(body)) throw new ScimError(400, "invalidSyntax", "The request body must be a JSON object");
  rejectUnstorable(body);
  requireSchemas(body);
  const userName = readString(body, "userName");
  if (!userName || userName.trim() === "") throw invalidValue("userName is required");
  const name = readObject(body, "name") ?? {};
  const nameText = (key: string) => readString(name, key, `name.${key}`);
  const text = (key: string) => readString(body, key);
  return {
    userName,
    externalId: text("externalId"),
    active: readBoolean(body, "active") ?? true,
    displayName: text("displayName"), nickName: text("nickName"), profileUrl: text("profileUrl"), title: text("title"),
    userType: text("userType"), preferredLanguage: text("preferredLanguage"), locale: text("locale"), timezone: text("timezone"),
    name: {
      formatted: nameText("formatted"), familyName: nameText("familyName"), givenName: nameText("givenName"),
      middleName: nameText("middleName"), honorificPrefix: nameText("honorificPrefix"), honorificSuffix: nameText("honorificSuffix"),
    },
    emails: readMultiValues(body, "emails"),
    phoneNumbers: readMultiValues(body, "phoneNumbers"),
    addresses: readAddresses(body),
    enterprise: readEnterprise(body),
    extraAttributes: readExtraAttributes(body),
  };
}

export interface UserLinks {
  /** `https://host/scim/v2`. */
  baseUrl: string;
  groups?: Array<{ groupId: string; displayName: string }>;
}

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

const multiValue = (entry: MultiValue) => compact({ value: entry.value, type: entry.type, display: entry.display, primary: entry.primary || undefined });

/** Directory record → the full SCIM representation (before attribute projection). */
export function userToScim(user: UserRecord, links: UserLinks): Record<string, unknown> {
  const enterprise = compact({
    employeeNumber: user.enterprise.employeeNumber, costCenter: user.enterprise.costCenter, organization: user.enterprise.organization,
    division: user.enterprise.division, department: user.enterprise.department,
    manager: user.enterprise.manager ? compact({ value: user.enterprise.manager.value, $ref: `${links.baseUrl}/Users/${user.enterprise.manager.value}`, displayName: user.enterprise.manager.displayName }) : null,
  });
  const extensionUrns = Object.keys(user.extraAttributes).filter((key) => key.startsWith("urn:"));
  const hasEnterprise = Object.keys(enterprise).length > 0;
  return {
    schemas: [CORE_USER_SCHEMA, ...(hasEnterprise ? [ENTERPRISE_USER_SCHEMA] : []), ...extensionUrns],
    id: user.id,
    ...compact({
      externalId: user.externalId, userName: user.userName, name: compact({ ...user.name }), displayName: user.displayName, nickName: user.nickName,
      profileUrl: user.profileUrl, title: user.title, userType: user.userType, preferredLanguage: user.preferredLanguage, locale: user.locale, timezone: user.timezone,
    }),
    active: user.active,
    ...compact({
      emails: user.emails.map(multiValue),
      phoneNumbers: user.phoneNumbers.map(multiValue),
      addresses: user.addresses.map((a) => compact({ ...a, primary: a.primary || undefined })),
      groups: links.groups?.map((group) => ({ value: group.groupId, $ref: `${links.baseUrl}/Groups/${group.groupId}`, display: group.displayName, type: "direct" })),
    }),
    ...user.extraAttributes,
    ...(hasEnterprise ? { [ENTERPRISE_USER_SCHEMA]: enterprise } : {}),
    meta: {
      resourceType: "User",
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location: `${links.baseUrl}/Users/${user.id}`,
      version: etagOf(user.version),
    },
  };
}
