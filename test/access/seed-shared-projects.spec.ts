/** config/policies/shared-projects.json reproducing seed 003 (workspace roles, share caps, Guests, seats), example by example. */
import { expect } from "chai";
import { check, type CheckRequest, resolve } from "../../src/access/index.js";
import { at, type FactsInput, facts, group, groupGrant, policyFile, resource, share, summary, userGrant, workspace } from "./fixtures.js";

const POLICY = policyFile("shared-projects");
const WS = "w-data";
const ANALYSTS = group("g-analysts", "Analysts");

const RESOURCES = [
  resource("project", "p-private", WS, null, [], "u-bob"),
  resource("project", "p-workspace", WS, null, [share.workspace("edit")], "u-bob"),
  resource("project", "p-edit", WS, null, [share.user("edit")], "u-bob"),
  resource("project", "p-full", WS, null, [share.user("full")], "u-bob"),
  resource("project", "p-group", WS, null, [share.group("full", ANALYSTS.id)], "u-bob"),
  resource("project", "p-mine", WS, null, [], "u-alice"),
  resource("component", "c-workspace", WS, null, [share.workspace("view")], "u-bob"),
];

const as = (key: string, extra: FactsInput = {}): FactsInput => ({ grants: [userGrant(key, at.workspace(WS), "manual:root", "gr-role")], ...extra });
const build = (given: FactsInput) => facts(POLICY, { workspaces: [workspace(WS, "Data Team", false)], groups: [ANALYSTS], resources: RESOURCES, ...given });
const ask = (given: FactsInput, request: CheckRequest) => summary(check(build(given), request));
const can = (given: FactsInput, permission: string, id?: string): boolean =>
  check(build(given), id === undefined ? { permission, workspaceId: WS } : { permission, resource: { type: permission.split(":")[0] ?? "", id } }).allowed;

describe("seed 003 — workspace roles Admin / Manager / Editor / Viewer / Guest", () => {
  it("Every user in a workspace is assigned one of the following roles: Admin, Manager, Editor, Viewer or Guest", () => {
    expect(Object.values(POLICY.roles).map((role) => role.name)).to.deep.equal(["Admin", "Manager", "Editor", "Viewer", "Guest"]);
  });

  it("View all Projects, Components, and Collections: Admin and Manager", () => {
    expect(["workspace.admin", "workspace.manager", "workspace.editor", "workspace.viewer", "workspace.guest"].map((key) => can(as(key), "project:read", "p-private"))).to.deep.equal([true, true, false, false, false]);
  });

  it("Access workspace settings to manage users, groups, and billing: Admin only", () => {
    expect(["workspace.admin", "workspace.manager", "workspace.editor"].map((key) => can(as(key), "workspace:settings"))).to.deep.equal([true, false, false]);
  });

  it("Grant themselves Full Access to projects and components; use endorsed statuses: Admin and Manager", () => {
    expect(can(as("workspace.manager"), "project:grant-self-full", "p-private")).to.equal(true);
    expect(can(as("workspace.manager"), "status:endorse")).to.equal(true);
    expect(can(as("workspace.editor"), "project:grant-self-full", "p-workspace")).to.equal(false);
  });

  it("Create and duplicate projects, components, and collections: Admin, Manager, Editor", () => {
    expect(["workspace.admin", "workspace.manager", "workspace.editor", "workspace.viewer", "workspace.guest"].map((key) => can(as(key), "project:create"))).to.deep.equal([true, true, true, false, false]);
  });

  it("Access projects shared with workspace: Editor edits a project shared with the workspace as Can Edit", () => {
    expect(ask(as("workspace.editor"), { permission: "project:update", resource: { type: "project", id: "p-workspace" } }).reasons).to.deep.equal([
      'workspace Data Team → shared project p-workspace "Can Edit" as Editor → project:update',
    ]);
  });

  it("¹Users with the Viewer role can only be granted up to Can View access", () => {
    const viewer = as("workspace.viewer");
    expect(ask(viewer, { permission: "project:read", resource: { type: "project", id: "p-edit" } }).reasons).to.deep.equal(['user → shared project p-edit "Can Edit", capped to "Can View" as Viewer → project:read']);
    expect(ask(viewer, { permission: "project:update", resource: { type: "project", id: "p-edit" } }).missing).to.match(/shared "Can Edit", capped to "Can View" as Viewer, which does not give update/);
    expect(can(viewer, "project:update", "p-workspace")).to.equal(false);
    expect(can(viewer, "project:read", "p-workspace")).to.equal(true);
  });

  it("If a Viewer is invited to a project with Can Edit or Full Access permissions, they will be downgraded to Can View, unless an Admin promotes them to Editor", () => {
    expect(can(as("workspace.viewer"), "project:delete", "p-full")).to.equal(false);
    expect(can(as("workspace.editor"), "project:delete", "p-full")).to.equal(true);
  });

  it("Guests can be granted up to Full Access permissions on projects and components", () => {
    expect(ask(as("workspace.guest"), { permission: "project:delete", resource: { type: "project", id: "p-full" } }).reasons).to.deep.equal(['user → shared project p-full "Full Access" as Guest → project:delete']);
  });

  it("Guests do not receive access to resources or assets that are shared with the workspace", () => {
    expect(can(as("workspace.guest"), "project:read", "p-workspace")).to.equal(false);
    expect(can(as("workspace.guest"), "component:read", "c-workspace")).to.equal(false);
  });

  it("Guests can access only projects and components shared with them as individuals (not through a group)", () => {
    const guestInGroup = as("workspace.guest", { memberOf: [ANALYSTS.id] });
    expect(can(guestInGroup, "project:read", "p-group")).to.equal(false);
    expect(can(as("workspace.editor", { memberOf: [ANALYSTS.id] }), "project:read", "p-group")).to.equal(true);
  });

  it("Guests cannot view users or groups in workspace settings", () => {
    expect(can(as("workspace.guest"), "members:list")).to.equal(false);
    expect(can(as("workspace.viewer"), "members:list")).to.equal(true);
  });

  it("Guests cannot create new projects or components in the workspace", () => {
    expect(can(as("workspace.guest"), "project:create")).to.equal(false);
    expect(can(as("workspace.guest"), "component:create")).to.equal(false);
  });

  it("When an existing user is invited to a project, they keep their existing workspace role", () => {
    const access = resolve(build(as("workspace.viewer")));
    expect(access.workspaces[0]?.roles.map((held) => held.role.name)).to.deep.equal(["Viewer"]);
  });

  it("A project's creator holds Full Access on it (ownerShareLevel), within their role's cap", () => {
    expect(ask(as("workspace.editor"), { permission: "project:delete", resource: { type: "project", id: "p-mine" } }).reasons).to.deep.equal(['owner → shared project p-mine "Full Access" as Editor → project:delete']);
  });

  it("Admin or Editor are Paid Author Seats; Viewer is a Viewer Seat", () => {
    const seat = (key: string) => resolve(build(as(key))).workspaces[0]?.seat;
    expect(["workspace.admin", "workspace.manager", "workspace.editor", "workspace.viewer", "workspace.guest"].map(seat)).to.deep.equal(["author", "author", "author", "viewer", "free"]);
  });

  it("Roles reach a user through a group as well (directory sync)", () => {
    const given: FactsInput = { memberOf: [ANALYSTS.id], grants: [groupGrant(ANALYSTS.id, "workspace.manager", at.workspace(WS), "scim:okta")] };
    expect(ask(given, { permission: "project:read", resource: { type: "project", id: "p-private" } }).reasons).to.deep.equal(['group "Analysts" (scim) → Manager @ workspace Data Team → project:read']);
  });
});
