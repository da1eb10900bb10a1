/**
 * The SSO benchmark's organization, written through the services before the server starts (PGlite admits one
 * process at a time): a verified domain (so JIT is allowed and OIDC links returning SAML people by email), a few
 * groups with workspace and organization grants (so the effective access a session lookup resolves is not
 * empty), a SAML connection to the in-process test IdP and an OIDC connection to the fake OP. Also who the
 * people are and which groups each one's claim names.
 */
import { defaultPolicy } from "../../src/access/index.js";
import { installPolicyRoles } from "../../src/access/engine/policy-roles.js";
import { createDirectory } from "../../src/directory/directory.js";
import { createConnectionService } from "../../src/sso/connections.service.js";
import { createSecretBox } from "../../src/sso/secret-box.js";
import type { SamlServiceProvider } from "../../src/sso/saml/settings.js";
import type { Db } from "../../src/store/db.js";
import { loadServerSecret } from "../../src/store/secrets.repository.js";
import type { TestIdp } from "../../test/sso/support/saml-idp.js";

export const DOMAIN = "bench.test";
export const GROUP_COUNT = 8;
export const WORKSPACE_COUNT = 4;

export interface Person {
  index: number;
  email: string;
  oidcSubject: string;
  /** The group names the IdPs claim for this person (three of the eight). */
  groups: string[];
}

export interface Organization {
  organizationId: string;
  samlConnectionId: string;
  oidcConnectionId: string;
  sp: SamlServiceProvider;
  oidcRedirectUri: string;
  /** Group name → id. */
  groupIds: Map<string, string>;
  people: Person[];
}

export const groupName = (index: number): string => `bench-group-${index}`;

export function person(index: number): Person {
  const groups = [index % GROUP_COUNT, (index + 3) % GROUP_COUNT, (index + 5) % GROUP_COUNT].map(groupName);
  return { index, email: `person-${index}@${DOMAIN}`, oidcSubject: `oidc-subject-${index}`, groups };
}

export async function createOrganization(db: Db, options: { publicBaseUrl: string; idp: TestIdp; opIssuer: string; clientId: string; clientSecret: string; people: number }): Promise<Organization> {
  const policy = defaultPolicy();
  await installPolicyRoles(db, policy);
  const directory = createDirectory({ db, policy });
  const organization = await directory.organizations.create({ name: "SSO bench", plan: "paid" });
  const organizationId = organization.id;
  await db.query(`INSERT INTO organization_domains (organization_id, domain, verified) VALUES ($1, $2, true)`, [organizationId, DOMAIN]);

  const workspaces = [];
  for (let index = 0; index < WORKSPACE_COUNT; index += 1) workspaces.push(await directory.workspaces.create(organizationId, { title: `Bench workspace ${index}` }));
  const groupIds = new Map<string, string>();
  const roles = ["workspace.viewer", "workspace.editor", "workspace.admin"];
  for (let index = 0; index < GROUP_COUNT; index += 1) {
    const group = await directory.groups.create(organizationId, { displayName: groupName(index) });
    groupIds.set(group.displayName, group.id);
    const grant = (role: string, scope: { type: "organization" } | { type: "workspace"; workspaceId: string }) =>
      directory.grants.grant(organizationId, { principal: { type: "group", id: group.id }, role: { key: role }, scope, source: "manual:bench" });
    // Each group: a role in two workspaces; one group is also organization viewer.
    for (const offset of [0, 1]) {
      const workspace = workspaces[(index + offset) % WORKSPACE_COUNT];
      if (workspace) await grant(roles[(index + offset) % roles.length] as string, { type: "workspace", workspaceId: workspace.id });
    }
    if (index === 0) await grant("organization.viewer", { type: "organization" });
  }

  const connections = createConnectionService({ db, secretBox: createSecretBox(await loadServerSecret(db, "connection_secrets")), publicBaseUrl: options.publicBaseUrl, allowInsecureIdpRequests: true });
  const saml = await connections.create(organizationId, {
    protocol: "saml",
    name: "Bench SAML",
    settings: { ...options.idp.settings(), attributes: { email: "email", givenName: null, familyName: null, displayName: null, groups: "groups" } },
  });
  const oidc = await connections.create(organizationId, {
    protocol: "oidc",
    name: "Bench OIDC",
    settings: { issuer: options.opIssuer, clientId: options.clientId, scopes: ["openid", "email", "profile"], groupsClaim: "groups" },
    clientSecret: options.clientSecret,
  });
  return {
    organizationId,
    samlConnectionId: saml.id,
    oidcConnectionId: oidc.id,
    sp: connections.serviceProvider(saml),
    oidcRedirectUri: `${options.publicBaseUrl}/auth/oidc/${oidc.id}/callback`,
    groupIds,
    people: Array.from({ length: options.people }, (_, index) => person(index)),
  };
}

export interface Counts {
  users: number;
  sessions: number;
  identities: number;
  claimMemberships: number;
  signInEvents: number;
  failedEvents: number;
}

/** What the database holds for the organization after the run. */
export async function countRows(db: Db, organizationId: string): Promise<Counts> {
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql, [organizationId])).rows[0]?.n ?? Number.NaN);
  return {
    users: await count(`SELECT count(*) AS n FROM users WHERE organization_id = $1`),
    sessions: await count(`SELECT count(*) AS n FROM sessions WHERE organization_id = $1`),
    identities: await count(`SELECT count(*) AS n FROM user_identities WHERE organization_id = $1`),
    claimMemberships: await count(`SELECT count(*) AS n FROM claim_memberships WHERE organization_id = $1`),
    signInEvents: await count(`SELECT count(*) AS n FROM audit_events WHERE organization_id = $1 AND action = 'auth.sign_in'`),
    failedEvents: await count(`SELECT count(*) AS n FROM audit_events WHERE organization_id = $1 AND action = 'auth.sign_in_failed'`),
  };
}
