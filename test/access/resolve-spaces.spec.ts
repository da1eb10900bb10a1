/**
 * Table: organization × workspace × Space × source. DESIGN.md "Access semantics" (Spaces, additive roles,
 * organization roles) and issue 4's Resolution bullets, each row asserting the decision and its reasons.
 */
import { at, groupGrant, userGrant } from "./fixtures.js";
import { GROUPS, PROD, type Row, runRows, STAGE, STAGE_EU, UK, US } from "./world.js";

const ukEditor = groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(PROD), "scim:okta");
const usViewer = groupGrant(GROUPS.us.id, "workspace.viewer", at.workspace(PROD), "manual:root");
const twoRegions = { memberOf: [GROUPS.uk.id, GROUPS.us.id], grants: [ukEditor, usViewer], attachments: [[GROUPS.uk.id, UK], [GROUPS.us.id, US]] as Array<[string, string]> };

const spaces: Row[] = [
  {
    name: "group A Editor attached to UK ⇒ Editor in UK",
    given: twoRegions,
    ask: { permission: "audience:update", workspaceId: PROD, spaceId: UK },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod, attached to Space UK → audience:update'],
  },
  {
    name: "group B Viewer attached to US ⇒ never Editor in US",
    given: twoRegions,
    ask: { permission: "audience:update", workspaceId: PROD, spaceId: US },
    allowed: false,
    missing: /^audience:update in Space US of workspace Acme-Prod: not among the roles held here \(Viewer\); roles that grant it: Owner, Admin, Editor$/,
  },
  {
    name: "group B Viewer attached to US ⇒ Viewer in US",
    given: twoRegions,
    ask: { permission: "sync:read", resource: { type: "sync", id: "y-us" } },
    allowed: true,
    reasons: ['group "US Marketing" (scim) → Viewer @ workspace Acme-Prod, attached to Space US → sync:read'],
  },
  {
    name: "Editor in UK cannot touch a US audience by id",
    given: twoRegions,
    ask: { permission: "audience:delete", resource: { type: "audience", id: "a-us" } },
    allowed: false,
    missing: /not among the roles held here \(Viewer\)/,
  },
  {
    name: "shared types follow the workspace role everywhere: sources read through both groups",
    given: twoRegions,
    ask: { permission: "source:read", resource: { type: "source", id: "src-1" } },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod → source:read', 'group "US Marketing" (scim) → Viewer @ workspace Acme-Prod → source:read'],
  },
  {
    name: "shared types: a UK-only Editor edits models workspace-wide",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: [[GROUPS.uk.id, UK]] },
    ask: { permission: "model:update", resource: { type: "model", id: "m-1" } },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod → model:update'],
  },
  {
    name: "a UK-only Editor sees nothing of Space US",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: [[GROUPS.uk.id, UK]] },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: US },
    allowed: false,
    missing: /no role reaches this Space/,
  },
  {
    name: "a group with a role but no attachment reaches no Space",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor] },
    ask: { permission: "audience:read", resource: { type: "audience", id: "a-uk" } },
    allowed: false,
    missing: /no role reaches Space UK of workspace Acme-Prod/,
  },
  {
    name: "a group attached to a Space but granted no role gets nothing there",
    given: { memberOf: [GROUPS.contractors.id], attachments: [[GROUPS.contractors.id, UK]] },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: UK },
    allowed: false,
    missing: /no role in this workspace/,
  },
  {
    name: "workspace Admin sees every Space",
    given: { grants: [userGrant("workspace.admin", at.workspace(PROD), "invite:inv-7")] },
    ask: { permission: "audience:delete", resource: { type: "audience", id: "a-us" } },
    allowed: true,
    reasons: ["user (invite:inv-7) → Admin @ workspace Acme-Prod, all Spaces → audience:delete"],
  },
  {
    name: "workspace Owner (through a group) sees every Space",
    given: { memberOf: [GROUPS.admins.id], grants: [groupGrant(GROUPS.admins.id, "workspace.owner", at.workspace(PROD), "system")] },
    ask: { permission: "sync:publish", workspaceId: PROD, spaceId: US },
    allowed: true,
    reasons: ['group "Global Admins" (manual) → Owner @ workspace Acme-Prod, all Spaces → sync:publish'],
  },
  {
    name: "an audience in no Space is reached only by roles spanning every Space",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: [[GROUPS.uk.id, UK]] },
    ask: { permission: "audience:read", resource: { type: "audience", id: "a-orphan" } },
    allowed: false,
    missing: /in no Space/,
  },
  {
    name: "a Space grant reaches that one Space",
    given: { grants: [userGrant("workspace.editor", at.space(PROD, US), "manual:carol")] },
    ask: { permission: "audience:update", workspaceId: PROD, spaceId: US },
    allowed: true,
    reasons: ["user (manual:carol) → Editor @ Space US of workspace Acme-Prod → audience:update"],
  },
  {
    name: "a Space grant does not reach the other Space",
    given: { grants: [userGrant("workspace.editor", at.space(PROD, US), "manual:carol")] },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: UK },
    allowed: false,
    missing: /no role reaches this Space/,
  },
  {
    name: "a direct workspace grant gives shared types but no Space (seed 001: Spaces are reached through groups)",
    given: { grants: [userGrant("workspace.editor", at.workspace(PROD), "sso:okta-saml")] },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: UK },
    allowed: false,
    missing: /no role reaches this Space/,
  },
  {
    name: "Spaces off: Space-scoped types follow the workspace role",
    given: { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(STAGE), "scim:okta")] },
    ask: { permission: "audience:update", resource: { type: "audience", id: "a-stage" } },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Editor @ workspace Acme-Stage → audience:update'],
  },
  {
    name: "Spaces off: a Space grant is dormant, it never widens to the workspace",
    given: { grants: [userGrant("workspace.editor", at.space(STAGE, STAGE_EU))] },
    ask: { permission: "audience:read", workspaceId: STAGE },
    allowed: false,
    missing: /no role in this workspace/,
  },
];

const organization: Row[] = [
  {
    name: "Organization Admin is Admin in every workspace and Space",
    given: { memberOf: [GROUPS.it.id], grants: [groupGrant(GROUPS.it.id, "organization.admin", at.organization(), "scim:okta")] },
    ask: { permission: "audience:update", workspaceId: PROD, spaceId: UK },
    allowed: true,
    reasons: ['group "IT" (scim) → Organization Admin @ organization ⇒ Admin @ workspace Acme-Prod, all Spaces → audience:update'],
  },
  {
    name: "Organization Admin is Admin in a workspace without Spaces too",
    given: { memberOf: [GROUPS.it.id], grants: [groupGrant(GROUPS.it.id, "organization.admin", at.organization(), "scim:okta")] },
    ask: { permission: "members:manage", workspaceId: STAGE },
    allowed: true,
    reasons: ['group "IT" (scim) → Organization Admin @ organization ⇒ Admin @ workspace Acme-Stage → members:manage'],
  },
  {
    name: "Organization Admin cannot delete the organization (owner-only)",
    given: { memberOf: [GROUPS.it.id], grants: [groupGrant(GROUPS.it.id, "organization.admin", at.organization(), "scim:okta")] },
    ask: { permission: "organization:delete" },
    allowed: false,
    missing: /^organization:delete at organization level: .*roles that grant it: Owner$/,
  },
  {
    name: "organization Owner deletes the organization",
    given: { grants: [userGrant("organization.owner", at.organization(), "system")] },
    ask: { permission: "organization:delete" },
    allowed: true,
    reasons: ["user (system) → Owner @ organization → organization:delete"],
  },
  {
    name: "workspace Admin cannot delete the workspace (owner-only)",
    given: { grants: [userGrant("workspace.admin", at.workspace(PROD))] },
    ask: { permission: "workspace:delete", workspaceId: PROD },
    allowed: false,
    missing: /roles that grant it: Owner$/,
  },
  {
    name: "Organization Viewer reads users but has no workspace role",
    given: { grants: [userGrant("organization.viewer", at.organization(), "sso:entra-oidc")] },
    ask: { permission: "source:read", workspaceId: PROD },
    allowed: false,
    missing: /no role in this workspace/,
  },
  {
    name: "organization and workspace roles apply at the same time",
    given: { memberOf: [GROUPS.uk.id], grants: [userGrant("organization.viewer", at.organization(), "sso:entra-oidc"), ukEditor], attachments: [[GROUPS.uk.id, UK]] },
    ask: { permission: "users:read" },
    allowed: true,
    reasons: ["user (sso:entra-oidc) → Organization Viewer @ organization → users:read"],
  },
  {
    name: "roles from several groups and direct grants add up",
    given: { memberOf: [GROUPS.uk.id, GROUPS.us.id], grants: [ukEditor, usViewer, userGrant("workspace.viewer", at.workspace(PROD), "invite:inv-3", "gr-9999")], attachments: [[GROUPS.uk.id, UK], [GROUPS.us.id, US]] },
    ask: { permission: "destination:read", resource: { type: "destination", id: "dst-1" } },
    allowed: true,
    reasons: [
      'group "UK Marketing" (scim) → Editor @ workspace Acme-Prod → destination:read',
      'group "US Marketing" (scim) → Viewer @ workspace Acme-Prod → destination:read',
      "user (invite:inv-3) → Viewer @ workspace Acme-Prod → destination:read",
    ],
  },
];

describe("access: resolve × check — Spaces and levels (table)", () => {
  describe("organization × workspace × Space", () => runRows(spaces));
  describe("organization roles, sources, additivity", () => runRows(organization));
});
