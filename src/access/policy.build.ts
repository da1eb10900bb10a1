import type { Level, PermissionDef, Policy, ResourceTypeDef, Role, ShareLevelDef, ShareRecipient, Table } from "./policy.types.js";

/** The policy file once its JSON Schema (config/policy.schema.json) has accepted it. */
export interface PolicyDocument {
  name: string;
  description?: string;
  permissions: Record<string, { level: Level; description?: string; ownerOnly?: boolean; write?: boolean }>;
  resourceTypes: Record<string, { scope: "shared" | "space"; description?: string; actions: string[] }>;
  readActions: string[];
  shareLevels: Array<{ key: string; name: string; actions: string[] }>;
  ownerShareLevel: string | null;
  seatClasses: string[];
  customRoles: Policy["customRoles"];
  roles: Record<Level, RoleDocument[]>;
}

export interface RoleDocument {
  key: string;
  name: string;
  description?: string;
  permissions: string[];
  seat: string;
  owner?: boolean;
  allSpaces?: boolean;
  impliesWorkspaceRole?: string;
  maxShareLevel?: string | null;
  shareRecipients?: ShareRecipient[];
}

const ALL_RECIPIENTS: readonly ShareRecipient[] = ["user", "group", "workspace"];

/** Collects "where: what is wrong" lines so one failed load names every bad spot at once. */
export type Problems = string[];

export function table<T>(entries: Iterable<readonly [string, T]>): Table<T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) record[key] = value;
  return Object.freeze(record);
}

function buildCatalog(doc: PolicyDocument, problems: Problems): Table<PermissionDef> {
  const entries: Array<[string, PermissionDef]> = Object.entries(doc.permissions).map(([key, def]) => [
    key,
    Object.freeze({ key, level: def.level, resourceType: null, action: null, ownerOnly: def.ownerOnly ?? false, write: def.write ?? true, description: def.description ?? "" }),
  ]);
  for (const [type, def] of Object.entries(doc.resourceTypes)) {
    for (const action of def.actions) {
      const key = `${type}:${action}`;
      if (key in doc.permissions) problems.push(`permissions.${key}: clashes with action "${action}" of resource type "${type}"`);
      const write = !doc.readActions.includes(action);
      entries.push([key, Object.freeze({ key, level: "workspace", resourceType: type, action, ownerOnly: false, write, description: `${action} ${type}` })]);
    }
  }
  return table(entries);
}

function buildResourceTypes(doc: PolicyDocument): Table<ResourceTypeDef> {
  return table(
    Object.entries(doc.resourceTypes).map(([key, def]) => [
      key,
      Object.freeze({ key, scope: def.scope, actions: Object.freeze([...def.actions]), description: def.description ?? "" }),
    ]),
  );
}

function buildShareLevels(doc: PolicyDocument, problems: Problems): Table<ShareLevelDef> {
  const actions = new Set(Object.values(doc.resourceTypes).flatMap((type) => type.actions));
  const seen = new Set<string>();
  doc.shareLevels.forEach((level, index) => {
    if (seen.has(level.key)) problems.push(`shareLevels[${index}].key: "${level.key}" is defined twice`);
    seen.add(level.key);
    level.actions.forEach((action, at) => {
      if (!actions.has(action)) problems.push(`shareLevels[${index}].actions[${at}]: "${action}" is not an action of any resource type`);
    });
  });
  return table(doc.shareLevels.map((level, rank) => [level.key, Object.freeze({ key: level.key, name: level.name, rank, actions: Object.freeze([...level.actions]) })]));
}

/** "*", "source:*", "*:read" or a plain permission, matched against permissions of the role's level. */
function matches(pattern: string, key: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(":*")) return key.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith("*:")) return key.endsWith(pattern.slice(1));
  return pattern === key;
}

function expandPermissions(role: RoleDocument, level: Level, where: string, catalog: Table<PermissionDef>, problems: Problems): string[] {
  const granted = new Set<string>();
  role.permissions.forEach((pattern, index) => {
    const spot = `${where}.permissions[${index}]`;
    const exact = catalog[pattern];
    if (exact && exact.level !== level) problems.push(`${spot}: "${pattern}" is a ${exact.level}-level permission, not ${level}-level`);
    if (exact?.ownerOnly && !role.owner) problems.push(`${spot}: "${pattern}" is owner-only; only an owner role may hold it`);
    const hits = Object.values(catalog).filter((def) => def.level === level && matches(pattern, def.key) && (role.owner || !def.ownerOnly));
    if (!exact && hits.length === 0) problems.push(`${spot}: "${pattern}" matches no ${level} permission in the catalog`);
    for (const def of hits) granted.add(def.key);
  });
  return [...granted].sort();
}

function checkLevelFlags(role: RoleDocument, level: Level, where: string, problems: Problems): void {
  if (level === "workspace" && role.impliesWorkspaceRole !== undefined) problems.push(`${where}.impliesWorkspaceRole: only organization roles imply workspace roles`);
  if (level === "organization") {
    for (const flag of ["allSpaces", "maxShareLevel", "shareRecipients"] as const) {
      if (role[flag] !== undefined) problems.push(`${where}.${flag}: only workspace roles have it`);
    }
  }
}

function buildRole(role: RoleDocument, level: Level, where: string, catalog: Table<PermissionDef>, problems: Problems): Role {
  checkLevelFlags(role, level, where, problems);
  return Object.freeze({
    id: role.key,
    builtIn: true,
    name: role.name,
    level,
    permissions: Object.freeze(expandPermissions(role, level, where, catalog, problems)),
    seat: role.seat,
    owner: role.owner ?? false,
    allSpaces: role.allSpaces ?? false,
    impliesWorkspaceRole: role.impliesWorkspaceRole ?? null,
    maxShareLevel: level === "workspace" ? (role.maxShareLevel ?? null) : null,
    shareRecipients: Object.freeze(level === "workspace" ? [...(role.shareRecipients ?? ALL_RECIPIENTS)] : []),
  });
}

function buildRoles(doc: PolicyDocument, catalog: Table<PermissionDef>, problems: Problems): Table<Role> {
  const roles: Array<[string, Role]> = [];
  for (const level of ["organization", "workspace"] as const) {
    doc.roles[level].forEach((role, index) => {
      const where = `roles.${level}[${index}] (${role.name})`;
      if (roles.some(([key]) => key === role.key)) problems.push(`${where}.key: "${role.key}" is defined twice`);
      roles.push([role.key, buildRole(role, level, where, catalog, problems)]);
    });
  }
  return table(roles);
}

function checkReferences(policy: Policy, doc: PolicyDocument, problems: Problems): void {
  const levelKnown = (key: string | null): boolean => key === null || key in policy.shareLevels;
  if (!levelKnown(doc.ownerShareLevel)) problems.push(`ownerShareLevel: "${doc.ownerShareLevel}" is not a share level`);
  if (!levelKnown(doc.customRoles.maxShareLevel)) problems.push(`customRoles.maxShareLevel: "${doc.customRoles.maxShareLevel}" is not a share level`);
  for (const seat of [doc.customRoles.writeSeat, doc.customRoles.readSeat]) {
    if (!doc.seatClasses.includes(seat)) problems.push(`customRoles: seat "${seat}" is not in seatClasses`);
  }
  for (const level of ["organization", "workspace"] as const) {
    doc.roles[level].forEach((role, index) => {
      const where = `roles.${level}[${index}] (${role.name})`;
      if (!doc.seatClasses.includes(role.seat)) problems.push(`${where}.seat: "${role.seat}" is not in seatClasses`);
      if (role.maxShareLevel && !levelKnown(role.maxShareLevel)) problems.push(`${where}.maxShareLevel: "${role.maxShareLevel}" is not a share level`);
      const implied = role.impliesWorkspaceRole === undefined ? undefined : policy.roles[role.impliesWorkspaceRole];
      if (role.impliesWorkspaceRole !== undefined && implied?.level !== "workspace") {
        problems.push(`${where}.impliesWorkspaceRole: "${role.impliesWorkspaceRole}" is not a workspace role of this policy`);
      }
    });
  }
}

/** Turns a schema-valid document into a frozen Policy, or lists every inconsistency. */
export function buildPolicy(doc: PolicyDocument, problems: Problems): Policy {
  const permissions = buildCatalog(doc, problems);
  const policy: Policy = Object.freeze({
    name: doc.name,
    description: doc.description ?? "",
    permissions,
    resourceTypes: buildResourceTypes(doc),
    shareLevels: buildShareLevels(doc, problems),
    ownerShareLevel: doc.ownerShareLevel,
    seatClasses: Object.freeze([...doc.seatClasses]),
    customRoles: Object.freeze({ ...doc.customRoles, plans: Object.freeze([...doc.customRoles.plans]) }),
    roles: buildRoles(doc, permissions, problems),
  });
  checkReferences(policy, doc, problems);
  return policy;
}
