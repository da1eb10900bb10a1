import type { Catalog, CollectionSpec, FieldSpec } from "./criteria.js";

const f = (sql: string, type: FieldSpec["type"]): FieldSpec => ({ sql, type });

function valueCollection(table: string): CollectionSpec {
  return {
    from: (alias) => `SELECT 1 FROM ${table} el WHERE el.user_id = ${alias}.id`,
    fields: { value: f("el.value", "citext"), type: f("el.type", "citext"), display: f("el.display", "citext"), primary: f("el.is_primary", "boolean") },
  };
}

/** The user fields a search may filter or sort on, and the SQL behind each. */
export const USER_CATALOG: Catalog = {
  alias: "u",
  fields: {
    id: f("u.id", "uuid"),
    externalId: f("u.external_id", "text"),
    userName: f("u.user_name", "citext"),
    active: f("u.active", "boolean"),
    displayName: f("u.display_name", "citext"),
    nickName: f("u.nick_name", "citext"),
    profileUrl: f("u.profile_url", "citext"),
    title: f("u.title", "citext"),
    userType: f("u.user_type", "citext"),
    preferredLanguage: f("u.preferred_language", "citext"),
    locale: f("u.locale", "citext"),
    timezone: f("u.timezone", "citext"),
    "name.formatted": f("u.name_formatted", "citext"),
    "name.familyName": f("u.name_family", "citext"),
    "name.givenName": f("u.name_given", "citext"),
    "name.middleName": f("u.name_middle", "citext"),
    "name.honorificPrefix": f("u.name_honorific_prefix", "citext"),
    "name.honorificSuffix": f("u.name_honorific_suffix", "citext"),
    employeeNumber: f("u.employee_number", "citext"),
    costCenter: f("u.cost_center", "citext"),
    organization: f("u.enterprise_organization", "citext"),
    division: f("u.division", "citext"),
    department: f("u.department", "citext"),
    "manager.value": f("u.manager_value", "text"),
    "manager.displayName": f("u.manager_display_name", "citext"),
    "meta.created": f("u.created_at", "timestamp"),
    "meta.lastModified": f("u.updated_at", "timestamp"),
  },
  collections: {
    emails: valueCollection("user_emails"),
    phoneNumbers: valueCollection("user_phone_numbers"),
    addresses: {
      from: (alias) => `SELECT 1 FROM user_addresses el WHERE el.user_id = ${alias}.id`,
      fields: {
        type: f("el.type", "citext"),
        formatted: f("el.formatted", "citext"),
        streetAddress: f("el.street_address", "citext"),
        locality: f("el.locality", "citext"),
        region: f("el.region", "citext"),
        postalCode: f("el.postal_code", "citext"),
        country: f("el.country", "citext"),
        primary: f("el.is_primary", "boolean"),
      },
    },
    groups: {
      from: (alias) => `SELECT 1 FROM group_members el JOIN groups g ON g.id = el.group_id WHERE el.user_id = ${alias}.id`,
      fields: { value: f("el.group_id", "uuid"), display: f("g.display_name", "citext") },
    },
  },
};

export const GROUP_CATALOG: Catalog = {
  alias: "g",
  fields: {
    id: f("g.id", "uuid"),
    externalId: f("g.external_id", "text"),
    displayName: f("g.display_name", "citext"),
    "meta.created": f("g.created_at", "timestamp"),
    "meta.lastModified": f("g.updated_at", "timestamp"),
  },
  collections: {
    members: {
      from: (alias) => `SELECT 1 FROM group_members el JOIN users mu ON mu.id = el.user_id WHERE el.group_id = ${alias}.id`,
      // A member is displayed as its displayName, or its userName when it has none (groups.mapper): filter on the same.
      fields: { value: f("el.user_id", "uuid"), display: f("COALESCE(mu.display_name, mu.user_name)", "citext") },
    },
  },
};
