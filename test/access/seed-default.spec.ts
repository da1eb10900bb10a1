/** config/policy.default.json reproducing seeds 000 (workspace management), 001 (Spaces) and 004 (custom roles), example by example. */
import { expect } from "chai";
import { check, type CheckRequest, customRoleProblems, renderReason, resolve } from "../../src/access/index.js";
import { at, type FactsInput, groupGrant, summary, userGrant } from "./fixtures.js";
import { GROUPS, inWorld, POLICY, PROD, STAGE, UK, US } from "./world.js";

const ask = (given: FactsInput, request: CheckRequest) => summary(check(inWorld(given), request));
const allowed = (given: FactsInput, request: CheckRequest): boolean => check(inWorld(given), request).allowed;
const role = (key: string, scope = at.workspace(PROD)) => ({ grants: [userGrant(key, scope)] });
const ukEditor = { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(PROD), "scim:okta")], attachments: [[GROUPS.uk.id, UK]] as Array<[string, string]> };

describe("seed 000 — workspace management: organizations, workspaces, user groups, roles", () => {
  it("Users can belong to multiple groups and inherit the combined permissions from all of their assigned groups", () => {
    const given: FactsInput = { memberOf: [GROUPS.uk.id, GROUPS.it.id], grants: [groupGrant(GROUPS.uk.id, "workspace.viewer", at.workspace(PROD)), groupGrant(GROUPS.it.id, "workspace.editor", at.workspace(STAGE))] };
    expect(allowed(given, { permission: "source:read", workspaceId: PROD })).to.equal(true);
    expect(allowed(given, { permission: "source:create", workspaceId: STAGE })).to.equal(true);
    expect(allowed(given, { permission: "source:create", workspaceId: PROD })).to.equal(false);
  });

  it("A workspace is a fully isolated partition: nothing is shared across workspace boundaries", () => {
    expect(ask(ukEditor, { permission: "source:read", workspaceId: STAGE })).to.include({ allowed: false });
  });

  it("Admin — full grants across the workspace", () => {
    for (const permission of ["source:update", "destination:delete", "members:manage", "spaces:manage"]) expect(allowed(role("workspace.admin"), { permission, workspaceId: PROD }), permission).to.equal(true);
    expect(allowed(role("workspace.admin"), { permission: "sync:delete", workspaceId: PROD, spaceId: US })).to.equal(true);
  });

  it("Editor — can create and configure resources, but cannot delete or update existing source and destination configurations", () => {
    const editor = role("workspace.editor");
    expect(allowed(editor, { permission: "source:create", workspaceId: PROD })).to.equal(true);
    expect(allowed(editor, { permission: "model:update", resource: { type: "model", id: "m-1" } })).to.equal(true);
    for (const permission of ["source:update", "source:delete"]) expect(allowed(editor, { permission, resource: { type: "source", id: "src-1" } }), permission).to.equal(false);
    for (const permission of ["destination:update", "destination:delete"]) expect(allowed(editor, { permission, resource: { type: "destination", id: "dst-1" } }), permission).to.equal(false);
  });

  it("Viewer — read-only access across the workspace", () => {
    const viewer = { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.viewer", at.workspace(PROD))], attachments: [[GROUPS.uk.id, UK]] as Array<[string, string]> };
    const access = resolve(inWorld(viewer));
    const prod = access.workspaces[0];
    const held = [...Object.keys(prod?.permissions ?? {}), ...Object.keys(prod?.spaces[0]?.permissions ?? {})];
    expect(held.every((permission) => permission.endsWith(":read") || permission === "members:list"), held.join()).to.equal(true);
  });

  it("Draft Contributor — can create and propose changes, but cannot publish; all changes require approval", () => {
    const dc = { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.draft-contributor", at.workspace(PROD))], attachments: [[GROUPS.uk.id, UK]] as Array<[string, string]> };
    expect(allowed(dc, { permission: "audience:create", workspaceId: PROD, spaceId: UK })).to.equal(true);
    expect(allowed(dc, { permission: "model:propose", resource: { type: "model", id: "m-1" } })).to.equal(true);
    for (const permission of ["model:publish", "model:update"]) expect(allowed(dc, { permission, resource: { type: "model", id: "m-1" } }), permission).to.equal(false);
    expect(ask(dc, { permission: "audience:publish", resource: { type: "audience", id: "a-uk" } }).missing).to.match(/not among the roles held here \(Draft Contributor\)/);
  });

  it("Custom roles — granular, per-resource control for individual sources, destinations and parent models", () => {
    const given: FactsInput = {
      ...ukEditor,
      customRoles: [{ id: "cr-dst", name: "Destination Owner", level: "workspace", permissions: ["destination:update", "destination:delete"] }],
      grants: [...ukEditor.grants, groupGrant(GROUPS.uk.id, "custom:cr-dst", at.resource(PROD, "dst-1"), "manual:root", "gr-custom")],
    };
    expect(ask(given, { permission: "destination:delete", resource: { type: "destination", id: "dst-1" } }).reasons).to.deep.equal([
      'group "UK Marketing" (scim) → Destination Owner @ destination dst-1 in workspace Acme-Prod → destination:delete',
    ]);
  });
});

describe("seed 001 — Spaces", () => {
  const central = { memberOf: [GROUPS.admins.id], grants: [groupGrant(GROUPS.admins.id, "workspace.viewer", at.workspace(PROD))], attachments: [[GROUPS.admins.id, UK], [GROUPS.admins.id, US]] as Array<[string, string]> };

  it("Sources, destinations, schema and models are shared across all Spaces", () => {
    for (const [type, id] of [["source", "src-1"], ["destination", "dst-1"], ["model", "m-1"]] as const) expect(allowed(ukEditor, { permission: `${type}:read`, resource: { type, id } }), type).to.equal(true);
  });

  it("Audiences and syncs are scoped to a specific Space", () => {
    expect(allowed(ukEditor, { permission: "audience:read", resource: { type: "audience", id: "a-uk" } })).to.equal(true);
    expect(allowed(ukEditor, { permission: "sync:read", resource: { type: "sync", id: "y-us" } })).to.equal(false);
  });

  it("Workspace admins retain cross-Space visibility and can review, troubleshoot, and audit resources across all Spaces", () => {
    const access = resolve(inWorld(role("workspace.admin")));
    expect(access.workspaces[0]?.spaces.map((space) => space.name)).to.deep.equal(["UK", "US"]);
  });

  it("Space-scoped users cannot view or modify audiences or syncs owned by other Spaces — even if the underlying data models are shared", () => {
    expect(ask(ukEditor, { permission: "audience:update", resource: { type: "audience", id: "a-us" } }).missing).to.match(/no role reaches Space US/);
    expect(allowed(ukEditor, { permission: "model:read", resource: { type: "model", id: "m-1" } })).to.equal(true);
  });

  it("Only users who belong to a user group attached to a Space can see or edit that Space's audiences and syncs", () => {
    expect(allowed(role("workspace.editor"), { permission: "audience:read", workspaceId: PROD, spaceId: UK })).to.equal(false);
    expect(allowed(ukEditor, { permission: "audience:read", workspaceId: PROD, spaceId: UK })).to.equal(true);
  });

  it("Teams with access to multiple Spaces can review and audit local audiences and syncs across Spaces", () => {
    expect(allowed(central, { permission: "audience:read", resource: { type: "audience", id: "a-uk" } })).to.equal(true);
    expect(allowed(central, { permission: "sync:read", resource: { type: "sync", id: "y-us" } })).to.equal(true);
    expect(allowed(central, { permission: "sync:update", resource: { type: "sync", id: "y-us" } })).to.equal(false);
  });

  it("Enforce Space-level filters so each team only works with its own data: the Space comes with its filter", () => {
    const spaces = resolve(inWorld(ukEditor)).workspaces[0]?.spaces ?? [];
    expect(spaces.map((space) => [space.name, space.dataFilter])).to.deep.equal([["UK", "country_code in ('UK')"]]);
    expect(spaces[0]?.reasons.map(renderReason)).to.deep.equal(['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod, attached to Space UK']);
  });

  it("Spaces are enabled per workspace (early access): without them audiences follow the workspace role", () => {
    const stageEditor = { memberOf: [GROUPS.uk.id], grants: [groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(STAGE))] };
    expect(allowed(stageEditor, { permission: "audience:update", resource: { type: "audience", id: "a-stage" } })).to.equal(true);
  });
});

describe("seed 004 — custom organization and workspace roles", () => {
  const billing = { id: "cr-billing", name: "Finance", level: "organization" as const, permissions: ["billing:manage", "integrations:manage"] };

  it("Select the permissions you want to assign: Manage, Integrations, or Billing", () => {
    const given: FactsInput = { customRoles: [billing], grants: [userGrant("custom:cr-billing", at.organization(), "manual:root")] };
    expect(ask(given, { permission: "billing:manage" }).reasons).to.deep.equal(["user (manual:root) → Finance @ organization → billing:manage"]);
    expect(allowed(given, { permission: "users:manage" })).to.equal(false);
  });

  it("Custom roles are available on paid plans only", () => {
    const given = (plan: "free" | "paid"): FactsInput => ({ plan, customRoles: [billing], grants: [userGrant("custom:cr-billing", at.organization())] });
    expect(allowed(given("paid"), { permission: "billing:manage" })).to.equal(true);
    expect(allowed(given("free"), { permission: "billing:manage" })).to.equal(false);
  });

  it("Default roles cannot be deleted or modified", () => {
    expect(Object.isFrozen(POLICY.roles["workspace.viewer"])).to.equal(true);
    expect(customRoleProblems(POLICY, { id: "workspace.viewer", name: "Viewer", level: "workspace", permissions: [] })).to.deep.equal(['id: "workspace.viewer" is a built-in role']);
  });

  it("Organization roles and workspace roles are managed separately, but both apply to a user at the same time", () => {
    const given: FactsInput = { ...ukEditor, customRoles: [billing], grants: [...ukEditor.grants, userGrant("custom:cr-billing", at.organization())] };
    expect(allowed(given, { permission: "integrations:manage" })).to.equal(true);
    expect(allowed(given, { permission: "audience:update", workspaceId: PROD, spaceId: UK })).to.equal(true);
  });
});
