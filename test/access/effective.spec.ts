/** The effective-access view resolve() returns (issue 4: organization roles; per workspace roles, visible Spaces with data filters, permissions). */
import { expect } from "chai";
import { type EffectiveAccess, renderReason, resolve, type WorkspaceAccess } from "../../src/access/index.js";
import { at, groupGrant, userGrant } from "./fixtures.js";
import { GROUPS, inWorld, PROD, STAGE, UK, US } from "./world.js";

const workspaceOf = (access: EffectiveAccess, id: string): WorkspaceAccess => {
  const found = access.workspaces.find((entry) => entry.workspaceId === id);
  if (!found) throw new Error(`no access to ${id}`);
  return found;
};

describe("access: the effective view", () => {
  const regional = resolve(
    inWorld({
      memberOf: [GROUPS.uk.id, GROUPS.us.id],
      grants: [groupGrant(GROUPS.uk.id, "workspace.editor", at.workspace(PROD), "scim:okta"), groupGrant(GROUPS.us.id, "workspace.viewer", at.workspace(PROD), "scim:okta")],
      attachments: [[GROUPS.uk.id, UK], [GROUPS.us.id, US]],
    }),
  );

  it("lists the visible Spaces with their data filters and reasons", () => {
    const prod = workspaceOf(regional, PROD);
    expect(prod.spaces.map((space) => [space.name, space.dataFilter, space.reasons.map(renderReason)])).to.deep.equal([
      ["UK", "country_code in ('UK')", ['group "UK Marketing" (scim) → Editor @ workspace Acme-Prod, attached to Space UK']],
      ["US", "country_code in ('US')", ['group "US Marketing" (scim) → Viewer @ workspace Acme-Prod, attached to Space US']],
    ]);
  });

  it("keeps Space-scoped permissions per Space and shared ones workspace-wide", () => {
    const prod = workspaceOf(regional, PROD);
    const [uk, us] = prod.spaces;
    expect(Object.keys(uk?.permissions ?? {})).to.include.members(["audience:update", "sync:publish"]);
    expect(Object.keys(us?.permissions ?? {})).to.deep.equal(["audience:read", "sync:read"]);
    expect(Object.keys(prod.permissions)).to.include.members(["source:read", "source:create", "model:update", "members:list"]);
    expect(Object.keys(prod.permissions).filter((key) => key.startsWith("audience:") || key.startsWith("sync:"))).to.deep.equal([]);
    expect(prod.everySpace).to.deep.equal({});
  });

  it("orders roles as the policy does and counts the costliest seat", () => {
    const prod = workspaceOf(regional, PROD);
    expect(prod.roles.map((held) => held.role.name)).to.deep.equal(["Editor", "Viewer"]);
    expect(prod.seat).to.equal("author");
    expect(regional.organization.seat).to.equal(null);
  });

  it("gives an Organization Admin every workspace, every Space, and says so", () => {
    const admin = resolve(inWorld({ grants: [userGrant("organization.admin", at.organization(), "manual:root")] }));
    expect(admin.organization.roles.map((held) => held.role.name)).to.deep.equal(["Organization Admin"]);
    expect(admin.workspaces.map((entry) => entry.title)).to.deep.equal(["Acme-Prod", "Acme-Stage"]);
    const prod = workspaceOf(admin, PROD);
    expect(prod.spaces.map((space) => space.reasons.map(renderReason))).to.deep.equal([
      ["user (manual:root) → Organization Admin @ organization ⇒ Admin @ workspace Acme-Prod, all Spaces"],
      ["user (manual:root) → Organization Admin @ organization ⇒ Admin @ workspace Acme-Prod, all Spaces"],
    ]);
    expect(Object.keys(prod.everySpace)).to.include("audience:delete");
    const stage = workspaceOf(admin, STAGE);
    expect(stage.spaces).to.deep.equal([]);
    expect(Object.keys(stage.permissions)).to.include("audience:delete");
  });

  it("reports effective groups with how the user is in each", () => {
    const access = resolve(inWorld({ memberOf: [GROUPS.uk.id], pins: [[GROUPS.us.id, "bob", "cover"]] }));
    expect(access.groups).to.deep.equal([
      { groupId: GROUPS.uk.id, displayName: "UK Marketing", origin: "scim", membership: "idp" },
      { groupId: GROUPS.us.id, displayName: "US Marketing", origin: "scim", membership: "pin", pin: { author: "bob", reason: "cover" } },
    ]);
  });

  it("gives a deactivated user an empty view", () => {
    const access = resolve(inWorld({ active: false, memberOf: [GROUPS.uk.id], grants: [userGrant("organization.owner", at.organization())] }));
    expect(access.active).to.equal(false);
    expect(access.groups).to.deep.equal([]);
    expect(access.workspaces).to.deep.equal([]);
    expect(access.organization.roles).to.deep.equal([]);
    expect(access.ignored).to.deep.equal([{ kind: "user", id: "u-alice", reason: "user is deactivated" }]);
  });

  it("returns frozen data", () => {
    const prod = workspaceOf(regional, PROD);
    expect(Object.isFrozen(regional)).to.equal(true);
    expect(Object.isFrozen(prod.permissions)).to.equal(true);
    expect(Object.isFrozen(prod.spaces[0]?.reasons)).to.equal(true);
    expect(() => {
      (prod.permissions as Record<string, unknown>)["source:delete"] = [];
    }).to.throw(TypeError);
  });
});
