/** config/policies/two-level.json reproducing seed 002 (organization- and workspace-level roles, additive, one Owner), example by example. */
import { expect } from "chai";
import { check, type CheckRequest, resolve } from "../../src/access/index.js";
import { at, type FactsInput, facts, group, groupGrant, policyFile, summary, userGrant, workspace } from "./fixtures.js";

const POLICY = policyFile("two-level");
const BRANCH = "w-branch";
const HEAD = "w-head";
const MARKETING = group("g-marketing", "Marketing");

const build = (given: FactsInput) => facts(POLICY, { workspaces: [workspace(BRANCH, "Leeds Branch", false), workspace(HEAD, "Head Office", false)], groups: [MARKETING], ...given });
const ask = (given: FactsInput, request: CheckRequest) => summary(check(build(given), request));
const can = (given: FactsInput, permission: string, workspaceId?: string): boolean => check(build(given), workspaceId === undefined ? { permission } : { permission, workspaceId }).allowed;
const grants = (...list: FactsInput["grants"] & object): FactsInput => ({ grants: list });

describe("seed 002 — organization- and workspace-level roles, one Owner each", () => {
  it("Roles work at two levels, and a single user can hold several roles at once, at either level", () => {
    const given = grants(userGrant("organization.admin", at.organization()), userGrant("workspace.campaign-manager", at.workspace(BRANCH)));
    const branch = resolve(build(given)).workspaces.find((entry) => entry.workspaceId === BRANCH);
    expect(branch?.roles.map((held) => held.role.name)).to.deep.equal(["Admin", "Campaign Manager"]);
    expect(resolve(build(given)).organization.roles.map((held) => held.role.name)).to.deep.equal(["Admin"]);
  });

  it("Someone might be an Admin for the whole organization while also having a more specialised role in one particular workspace", () => {
    const given = grants(userGrant("organization.admin", at.organization(), "manual:root", "gr-1"), userGrant("workspace.reporting", at.workspace(BRANCH), "invite:inv-2", "gr-2"));
    expect(ask(given, { permission: "alert-rule:create", workspaceId: BRANCH }).reasons).to.deep.equal([
      "user (manual:root) → Admin @ organization ⇒ Admin @ workspace Leeds Branch → alert-rule:create",
      "user (invite:inv-2) → Reporting @ workspace Leeds Branch → alert-rule:create",
    ]);
  });

  it("Because roles are additive, granting an extra role widens access and removing one narrows it", () => {
    const reporting = userGrant("workspace.reporting", at.workspace(BRANCH));
    const campaigns = userGrant("workspace.campaign-manager", at.workspace(BRANCH));
    expect(can(grants(reporting), "campaign:update", BRANCH)).to.equal(false);
    expect(can(grants(reporting, campaigns), "campaign:update", BRANCH)).to.equal(true);
    expect(can(grants(reporting, campaigns), "survey:read", BRANCH)).to.equal(true);
    expect(can(grants(campaigns), "survey:read", BRANCH)).to.equal(false);
  });

  it("Because each workspace is isolated, a regional manager can be limited to their own branch while head office sees everything", () => {
    const regional = grants(userGrant("workspace.reporting", at.workspace(BRANCH)));
    expect(can(regional, "survey:read", BRANCH)).to.equal(true);
    expect(ask(regional, { permission: "survey:read", workspaceId: HEAD }).missing).to.match(/^survey:read in workspace Head Office: no role in this workspace/);
    const headOffice = { memberOf: [MARKETING.id], grants: [groupGrant(MARKETING.id, "organization.admin", at.organization(), "scim:okta")] };
    expect(can(headOffice, "survey:read", BRANCH) && can(headOffice, "survey:read", HEAD)).to.equal(true);
  });

  it("Reporting: view survey data, view and edit charts and comments, view queue items, see active campaigns, create (but not delete) alert rules", () => {
    const reporting = grants(userGrant("workspace.reporting", at.workspace(BRANCH)));
    const yes = ["survey:read", "chart:update", "comment:update", "queue-item:read", "campaign:read", "alert-rule:create"];
    expect(yes.filter((permission) => !can(reporting, permission, BRANCH))).to.deep.equal([]);
    expect(["alert-rule:delete", "campaign:update", "customer-segment:update"].filter((permission) => can(reporting, permission, BRANCH))).to.deep.equal([]);
  });

  it("Campaign Manager: manage campaign statistics and settings and customer-segment settings, view survey statistics (read-only), create (but not delete) alert rules", () => {
    const manager = grants(userGrant("workspace.campaign-manager", at.workspace(BRANCH)));
    const yes = ["campaign:manage-statistics", "campaign:update", "customer-segment:update", "survey:read-statistics", "alert-rule:create"];
    expect(yes.filter((permission) => !can(manager, permission, BRANCH))).to.deep.equal([]);
    expect(["alert-rule:delete", "survey:read", "chart:update"].filter((permission) => can(manager, permission, BRANCH))).to.deep.equal([]);
  });

  it("Every organization has one owner with full control, including billing and the ability to delete the organization", () => {
    const owner = grants(userGrant("organization.owner", at.organization(), "system"));
    expect(["billing:manage", "organization:delete", "organization:transfer"].filter((permission) => !can(owner, permission))).to.deep.equal([]);
    expect(ask(owner, { permission: "organization:delete" }).reasons).to.deep.equal(["user (system) → Owner @ organization → organization:delete"]);
  });

  it("Admin: broad access to all features and settings except the Owner-only actions", () => {
    const admin = grants(userGrant("organization.admin", at.organization()));
    expect(["admin-panel:access", "organization:settings", "organization:manage-users"].filter((permission) => !can(admin, permission))).to.deep.equal([]);
    expect(["billing:manage", "organization:delete", "organization:edit", "organization:transfer"].filter((permission) => can(admin, permission))).to.deep.equal([]);
    expect(ask(admin, { permission: "organization:transfer" }).missing).to.match(/roles that grant it: Owner$/);
  });

  it("The workspace Owner can edit and delete the workspace, move it to another organization, and transfer ownership; a workspace Admin cannot", () => {
    const ownerOnly = ["workspace:edit", "workspace:delete", "workspace:move", "workspace:transfer"];
    expect(ownerOnly.filter((permission) => !can(grants(userGrant("workspace.owner", at.workspace(BRANCH))), permission, BRANCH))).to.deep.equal([]);
    expect(ownerOnly.filter((permission) => can(grants(userGrant("workspace.admin", at.workspace(BRANCH))), permission, BRANCH))).to.deep.equal([]);
  });

  it("Owner-only actions stay with the Owner even for an organization Admin (who is Admin, not Owner, in every workspace)", () => {
    expect(can(grants(userGrant("organization.admin", at.organization())), "workspace:delete", BRANCH)).to.equal(false);
  });
});
