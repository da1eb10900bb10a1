/**
 * Table: override × user state × role behaviour × share. DESIGN.md "Access semantics" (effective membership,
 * deactivation, Editor / Draft Contributor / Guest, share caps, custom roles) and issue 4's bullets.
 */
import { expect } from "chai";
import { AccessRequestError, check, resolve } from "../../src/access/index.js";
import { at, groupGrant, resource, share, userGrant } from "./fixtures.js";
import { GROUPS, inWorld, PROD, type Row, runRows, UK, US, WORLD } from "./world.js";

const ukEditor = groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(PROD), "scim:okta");
const attachUk: Array<[string, string]> = [[GROUPS.uk.id, UK]];

const withResources = (...extra: ReturnType<typeof resource>[]) => [...WORLD.resources, ...extra];

const membership: Row[] = [
  {
    name: "an exclude override beats an IdP membership",
    given: { memberOf: [GROUPS.uk.id], excludes: [[GROUPS.uk.id, "bob", "left the UK team"]], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: UK },
    allowed: false,
    missing: /no role in this workspace/,
  },
  {
    name: "a pin survives the IdP removing the user",
    given: { memberOf: [], pins: [[GROUPS.uk.id, "bob", "covering during leave"]], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "audience:update", workspaceId: PROD, spaceId: UK },
    allowed: true,
    reasons: ['group "UK Marketing" (scim, pinned by bob: "covering during leave") → Editor @ workspace Acme-Prod, attached to Space UK → audience:update'],
  },
  {
    name: "a pinned IdP member stays an IdP member in the chain's structure, the pin is shown",
    given: { memberOf: [GROUPS.uk.id], pins: [[GROUPS.uk.id, "bob", "keep"]], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "audience:read", workspaceId: PROD, spaceId: UK },
    allowed: true,
    reasons: ['group "UK Marketing" (scim, pinned by bob: "keep") → Editor @ workspace Acme-Prod, attached to Space UK → audience:read'],
  },
  {
    name: "a deactivated user gets nothing, even as organization Owner",
    given: { active: false, grants: [userGrant("organization.owner", at.organization(), "system")] },
    ask: { permission: "organization:read" },
    allowed: false,
    missing: /deactivated or deleted/,
  },
  {
    name: "a deleted user gets nothing",
    given: { deleted: true, memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "source:read", workspaceId: PROD },
    allowed: false,
    missing: /deactivated or deleted/,
  },
];

const roles: Row[] = [
  {
    name: "Editor cannot update an existing source",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "source:update", resource: { type: "source", id: "src-1" } },
    allowed: false,
    missing: /not among the roles held here \(Editor\); roles that grant it: Owner, Admin$/,
  },
  {
    name: "Editor cannot delete an existing destination",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "destination:delete", resource: { type: "destination", id: "dst-1" } },
    allowed: false,
    missing: /Editor/,
  },
  {
    name: "Editor creates sources",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], attachments: attachUk },
    ask: { permission: "source:create", workspaceId: PROD },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod → source:create'],
  },
  {
    name: "Draft Contributor proposes",
    given: { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.draft-contributor", at.workspace(PROD), "scim:okta")], attachments: attachUk },
    ask: { permission: "audience:propose", resource: { type: "audience", id: "a-uk" } },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → Draft Contributor @ workspace Acme-Prod, attached to Space UK → audience:propose'],
  },
  {
    name: "Draft Contributor never publishes, even shared Full Access",
    given: {
      memberOf: [GROUPS.uk.id],
      grants: [groupGrant(GROUPS.uk.id, "workspace.draft-contributor", at.workspace(PROD), "scim:okta")],
      attachments: attachUk,
      resources: withResources(resource("model", "m-shared", PROD, null, [share.user("full")])),
    },
    ask: { permission: "model:publish", resource: { type: "model", id: "m-shared" } },
    allowed: false,
    missing: /shared "Full Access", capped to "Can View" as Draft Contributor, which does not give publish/,
  },
  {
    name: "Viewer shared edit gets view: update denied",
    given: { grants: [userGrant("workspace.viewer", at.workspace(PROD))], resources: withResources(resource("source", "src-2", PROD, null, [share.user("edit")])) },
    ask: { permission: "source:update", resource: { type: "source", id: "src-2" } },
    allowed: false,
    missing: /shared "Can Edit", capped to "Can View" as Viewer/,
  },
  {
    name: "Viewer shared edit gets view: read through the share, capped",
    given: { grants: [userGrant("workspace.viewer", at.workspace(PROD), "manual:root", "gr-v")], resources: withResources(resource("source", "src-2", PROD, null, [share.user("edit")])) },
    ask: { permission: "source:read", resource: { type: "source", id: "src-2" } },
    allowed: true,
    reasons: ["user (manual:root) → Viewer @ workspace Acme-Prod → source:read", 'user → shared source src-2 "Can Edit", capped to "Can View" as Viewer → source:read'],
  },
  {
    name: "Editor shared edit on a source updates that one source",
    given: { memberOf: [GROUPS.uk.id], grants: [ukEditor], resources: withResources(resource("source", "src-2", PROD, null, [share.group("edit", GROUPS.uk.id)])) },
    ask: { permission: "source:update", resource: { type: "source", id: "src-2" } },
    allowed: true,
    reasons: ['group "UK Marketing" (scim) → shared source src-2 "Can Edit" as Editor → source:update'],
  },
];

const guestShares = [share.user("view")];
const guest: Row[] = [
  {
    name: "Guest reads what is shared with them personally",
    given: { grants: [userGrant("workspace.guest", at.workspace(PROD), "invite:inv-1")], resources: withResources(resource("source", "src-g", PROD, null, guestShares)) },
    ask: { permission: "source:read", resource: { type: "source", id: "src-g" } },
    allowed: true,
    reasons: ['user → shared source src-g "Can View" as Guest → source:read'],
  },
  {
    name: "Guest does not get what is shared with the workspace",
    given: { grants: [userGrant("workspace.guest", at.workspace(PROD), "invite:inv-1")], resources: withResources(resource("source", "src-w", PROD, null, [share.workspace("full")])) },
    ask: { permission: "source:read", resource: { type: "source", id: "src-w" } },
    allowed: false,
    missing: /a "Full Access" share to the workspace reaches none of the roles held here/,
  },
  {
    name: "Guest does not get what is shared with a group they are in",
    given: { memberOf: [GROUPS.contractors.id], grants: [userGrant("workspace.guest", at.workspace(PROD), "invite:inv-1")], resources: withResources(resource("model", "m-g", PROD, null, [share.group("edit", GROUPS.contractors.id)])) },
    ask: { permission: "model:read", resource: { type: "model", id: "m-g" } },
    allowed: false,
    missing: /share to the group reaches none/,
  },
  {
    name: "Guest cannot create",
    given: { grants: [userGrant("workspace.guest", at.workspace(PROD), "invite:inv-1")] },
    ask: { permission: "model:create", workspaceId: PROD },
    allowed: false,
    missing: /not among the roles held here \(Guest\)/,
  },
  {
    name: "Guest cannot list users or groups",
    given: { grants: [userGrant("workspace.guest", at.workspace(PROD), "invite:inv-1")] },
    ask: { permission: "members:list", workspaceId: PROD },
    allowed: false,
    missing: /Guest/,
  },
];

const custom: Row[] = [
  {
    name: "a custom role granted on one source acts on that source",
    given: { customRoles: [{ id: "cr-1", name: "Source Maintainer", level: "workspace", permissions: ["source:read", "source:update"] }], grants: [userGrant("custom:cr-1", at.resource(PROD, "src-1"), "manual:root")] },
    ask: { permission: "source:update", resource: { type: "source", id: "src-1" } },
    allowed: true,
    reasons: ["user (manual:root) → Source Maintainer @ source src-1 in workspace Acme-Prod → source:update"],
  },
  {
    name: "a custom role on one source gives nothing on another",
    given: { customRoles: [{ id: "cr-1", name: "Source Maintainer", level: "workspace", permissions: ["source:update"] }], grants: [userGrant("custom:cr-1", at.resource(PROD, "src-1"))], resources: withResources(resource("source", "src-2", PROD, null)) },
    ask: { permission: "source:update", resource: { type: "source", id: "src-2" } },
    allowed: false,
    missing: /no role held here/,
  },
  {
    name: "custom roles give nothing on the free plan (seed 004: paid plans only)",
    given: { plan: "free", customRoles: [{ id: "cr-1", name: "Source Maintainer", level: "workspace", permissions: ["source:update"] }], grants: [userGrant("custom:cr-1", at.resource(PROD, "src-1"))] },
    ask: { permission: "source:update", resource: { type: "source", id: "src-1" } },
    allowed: false,
    missing: /no role in workspace Acme-Prod/,
  },
  {
    name: "a custom role never carries an owner-only permission",
    given: { customRoles: [{ id: "cr-2", name: "Almost Owner", level: "organization", permissions: ["organization:read", "organization:delete"] }], grants: [userGrant("custom:cr-2", at.organization())] },
    ask: { permission: "organization:delete" },
    allowed: false,
    missing: /no organization role held grants it/,
  },
];

describe("access: resolve × check — people, overrides and shares (table)", () => {
  describe("membership overrides and user state", () => runRows(membership));
  describe("Editor, Draft Contributor, Viewer and share caps", () => runRows(roles));
  describe("Guest", () => runRows(guest));
  describe("custom roles", () => runRows(custom));

  describe("what resolve() reports besides decisions", () => {
    it("lists the exclusion and the ignored custom grant, with their reasons", () => {
      const given = inWorld({ plan: "free", memberOf: [GROUPS.uk.id], excludes: [[GROUPS.uk.id, "bob", "left"]], customRoles: [{ id: "cr-1", name: "X", level: "workspace", permissions: [] }], grants: [userGrant("custom:cr-1", at.workspace(PROD), "manual:root", "gr-free")] });
      expect(resolve(given).ignored).to.deep.equal([
        { kind: "override", id: GROUPS.uk.id, reason: 'excluded by bob: "left"' },
        { kind: "grant", id: "gr-free", reason: "custom roles need a paid or enterprise plan; organization is on free" },
      ]);
    });

    it("rejects malformed questions with AccessRequestError (the API's 400)", () => {
      const access = resolve(inWorld({ grants: [userGrant("workspace.admin", at.workspace(PROD))] }));
      expect(() => check(access, { permission: "audience:fly", workspaceId: PROD })).to.throw(AccessRequestError, /unknown permission/);
      expect(() => check(access, { permission: "audience:read", resource: { type: "rocket", id: "r" } })).to.throw(AccessRequestError, /unknown resource type/);
      expect(() => check(access, { permission: "source:read", resource: { type: "audience", id: "a-uk" } })).to.throw(AccessRequestError, /does not apply/);
      expect(() => check(access, { permission: "audience:read", workspaceId: PROD })).to.throw(AccessRequestError, /give a spaceId/);
      expect(() => check(access, { permission: "source:read" })).to.throw(AccessRequestError, /needs a workspaceId/);
    });

    it("denies a resource named under the wrong workspace or Space, and an unregistered one", () => {
      const access = resolve(inWorld({ grants: [userGrant("workspace.admin", at.workspace(PROD))] }));
      expect(check(access, { permission: "audience:read", workspaceId: "w-stage", resource: { type: "audience", id: "a-uk" } }).missing).to.match(/belongs to workspace w-prod/);
      expect(check(access, { permission: "audience:read", spaceId: US, resource: { type: "audience", id: "a-uk" } }).missing).to.match(/belongs to Space s-uk/);
      expect(check(access, { permission: "audience:read", resource: { type: "audience", id: "nope" } }).missing).to.match(/not registered/);
    });
  });
});
