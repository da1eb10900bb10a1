import { classifyDatabaseError, type Db } from "../store/db.js";
import {
  deleteUser,
  findUserByUserName,
  findUsers,
  insertUser,
  replaceUser,
  setUserActive,
  USER_DOCUMENT,
  userFromDocument,
  type Address,
  type MultiValue,
  type UserData,
  type UserRecord,
} from "../store/users.repository.js";
import type { AuditEventInput } from "../store/audit.repository.js";
import { USER_CATALOG } from "../store/catalogs.js";
import { listGroupsOfUsers, lockGroupsOfUser } from "../store/memberships.repository.js";
import { searchIds, type SearchRequest, type SearchResult } from "../store/search.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, normalisePage, optionalText, requireText, type Page } from "./validation.js";

export type { Address, MultiValue, UserData, UserRecord };

/** What callers give: only userName is required; everything absent becomes empty. */
export type UserInput = Partial<Omit<UserData, "name" | "enterprise">> & {
  userName: string;
  name?: Partial<UserData["name"]>;
  enterprise?: Partial<UserData["enterprise"]>;
};

const UNIQUE_FIELDS: Record<string, string> = {
  users_user_name_per_org: "userName",
  users_external_id_per_org: "externalId",
};

function onlyOnePrimary<T extends { primary: boolean }>(values: T[], field: string): T[] {
  if (values.filter((value) => value.primary).length > 1) {
    throw new DomainError("invalid_value", `only one of ${field} may be primary`, { field });
  }
  return values;
}

function parseMultiValues(values: MultiValue[] | undefined, field: string): MultiValue[] {
  const parsed = (values ?? []).map((entry) => ({
    value: requireText(entry.value, `${field}.value`, 2048),
    type: optionalText(entry.type, `${field}.type`, 64),
    display: optionalText(entry.display, `${field}.display`, 2048),
    primary: entry.primary === true,
  }));
  return onlyOnePrimary(parsed, field);
}

function parseAddresses(values: Address[] | undefined): Address[] {
  const parsed = (values ?? []).map((a) => ({
    type: optionalText(a.type, "addresses.type", 64),
    formatted: optionalText(a.formatted, "addresses.formatted"),
    streetAddress: optionalText(a.streetAddress, "addresses.streetAddress"),
    locality: optionalText(a.locality, "addresses.locality"),
    region: optionalText(a.region, "addresses.region"),
    postalCode: optionalText(a.postalCode, "addresses.postalCode"),
    country: optionalText(a.country, "addresses.country"),
    primary: a.primary === true,
  }));
  return onlyOnePrimary(parsed, "addresses");
}

/** Normalises caller input into the full record shape, rejecting what cannot be stored. */
export function parseUserInput(input: UserInput): UserData {
  const name = input.name ?? {};
  const enterprise = input.enterprise ?? {};
  const manager = enterprise.manager ? { value: requireText(enterprise.manager.value, "manager.value"), displayName: optionalText(enterprise.manager.displayName, "manager.displayName") } : null;
  if (input.active !== undefined && typeof input.active !== "boolean") throw new DomainError("invalid_value", "active must be a boolean", { field: "active" });
  const scalar = (field: keyof UserInput) => optionalText(input[field], field);
  return {
    userName: requireText(input.userName, "userName", 256),
    externalId: optionalText(input.externalId, "externalId", 512),
    active: input.active ?? true,
    displayName: scalar("displayName"),
    nickName: scalar("nickName"),
    profileUrl: scalar("profileUrl"),
    title: scalar("title"),
    userType: scalar("userType"),
    preferredLanguage: scalar("preferredLanguage"),
    locale: scalar("locale"),
    timezone: scalar("timezone"),
    name: {
      formatted: optionalText(name.formatted, "name.formatted"),
      familyName: optionalText(name.familyName, "name.familyName"),
      givenName: optionalText(name.givenName, "name.givenName"),
      middleName: optionalText(name.middleName, "name.middleName"),
      honorificPrefix: optionalText(name.honorificPrefix, "name.honorificPrefix"),
      honorificSuffix: optionalText(name.honorificSuffix, "name.honorificSuffix"),
    },
    emails: parseMultiValues(input.emails, "emails"),
    phoneNumbers: parseMultiValues(input.phoneNumbers, "phoneNumbers"),
    addresses: parseAddresses(input.addresses),
    enterprise: {
      employeeNumber: optionalText(enterprise.employeeNumber, "employeeNumber"),
      costCenter: optionalText(enterprise.costCenter, "costCenter"),
      organization: optionalText(enterprise.organization, "organization"),
      division: optionalText(enterprise.division, "division"),
      department: optionalText(enterprise.department, "department"),
      manager,
    },
    extraAttributes: input.extraAttributes ?? {},
  };
}

/** Turns a uniqueness violation into a conflict naming the field, so callers can say "userName taken". */
async function withUniqueness<T>(organizationId: string, data: UserData, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const failure = classifyDatabaseError(error);
    const field = failure ? UNIQUE_FIELDS[failure.constraint] : undefined;
    if (field) {
      const value = field === "userName" ? data.userName : data.externalId;
      throw new DomainError("conflict", `${field} "${value}" is already taken in this organization`, { field });
    }
    if (failure?.kind === "foreign_key_violation") throw notFound("organization", organizationId);
    throw error;
  }
}

export function createUserService({ db }: { db: Db }) {
  /** With `lock`, holds the user's row until the caller's transaction ends (read-modify-write). */
  async function get(organizationId: string, id: string, options: { lock?: boolean } = {}): Promise<UserRecord> {
    const [user] = isUuid(id) ? await findUsers(db, organizationId, [id], options) : [];
    if (!user) throw notFound("user", id);
    return user;
  }

  /** One statement, so atomic by itself; `audit` (targetId aside: the new user's) commits with it. */
  async function create(organizationId: string, input: UserInput, options: { audit?: AuditEventInput } = {}): Promise<UserRecord> {
    const data = parseUserInput(input);
    return withUniqueness(organizationId, data, () => insertUser(db, organizationId, data, options));
  }

  /**
   * Replaces the user's attributes. `expectedVersion` (an If-Match ETag, or the version the caller read) guards
   * against lost updates: a user changed since is `precondition_failed`. `audit` commits with the change;
   * `childrenUnchanged` (see replaceUser) makes it one statement, without a transaction.
   */
  async function replace(
    organizationId: string,
    id: string,
    input: UserInput,
    expectedVersion?: number,
    options: { audit?: AuditEventInput; childrenUnchanged?: boolean } = {},
  ): Promise<UserRecord> {
    const data = parseUserInput(input);
    if (!isUuid(id)) throw notFound("user", id);
    const write = async (target: Db) => {
      const updated = await replaceUser(target, organizationId, id, data, expectedVersion, options);
      if (updated) return updated;
      const [current] = await findUsers(target, organizationId, [id]);
      if (!current) throw notFound("user", id);
      throw new DomainError("precondition_failed", `user ${id} has changed (version ${current.version})`, { version: current.version });
    };
    return withUniqueness(organizationId, data, () => (options.childrenUnchanged ? write(db) : db.transaction(write)));
  }

  async function setActive(organizationId: string, id: string, active: boolean): Promise<void> {
    if (!isUuid(id) || !(await setUserActive(db, organizationId, id, active))) throw notFound("user", id);
  }

  /**
   * Deletes the user; memberships, overrides, grants and sessions go with it (foreign keys). `check` runs
   * on the locked row before the delete (an If-Match test, say) and may throw to stop it.
   */
  async function remove(organizationId: string, id: string, check?: (user: UserRecord) => void): Promise<UserRecord> {
    if (!isUuid(id)) throw notFound("user", id);
    return db.transaction(async (tx) => {
      await lockGroupsOfUser(tx, organizationId, id);
      const [user] = await findUsers(tx, organizationId, [id], { lock: true });
      if (!user) throw notFound("user", id);
      check?.(user);
      await deleteUser(tx, organizationId, id);
      return user;
    });
  }

  async function findByUserName(organizationId: string, userName: string): Promise<UserRecord | null> {
    return findUserByUserName(db, organizationId, userName);
  }

  async function list(organizationId: string, page: { limit?: number; offset?: number } = {}): Promise<Page<UserRecord>> {
    const parsed = normalisePage(page);
    const { items, total } = await search(organizationId, { page: { kind: "index", ...parsed } });
    return { items, total, ...parsed };
  }

  /** One page of users matching `request`, in the requested order, with the total across pages. */
  async function search(organizationId: string, request: SearchRequest): Promise<Omit<SearchResult, "ids" | "rows" | "represented"> & { items: UserRecord[] }> {
    // The page's rows come with their representation: one statement (an IdP's userName lookup is one round trip).
    const { ids, rows, represented, ...page } = await searchIds<{ doc: Record<string, unknown> }>(db, "users", USER_CATALOG, organizationId, request, `${USER_DOCUMENT} AS doc`);
    if (represented) return { ...page, items: rows.map(userFromDocument) };
    const byId = new Map((await findUsers(db, organizationId, ids)).map((user) => [user.id, user]));
    // A user deleted between the two queries is simply absent from the page.
    return { ...page, items: ids.map((id) => byId.get(id)).filter((user): user is UserRecord => user !== undefined) };
  }

  return {
    get,
    create,
    replace,
    setActive,
    remove,
    findByUserName,
    list,
    search,
    groupsOf: (organizationId: string, userIds: string[]) => listGroupsOfUsers(db, organizationId, userIds),
  };
}

export type UserService = ReturnType<typeof createUserService>;
