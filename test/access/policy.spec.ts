/** Policy as data (issue 4): schema + cross-reference validation naming the bad spot, frozen built-in roles. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { customRoleProblems, defaultPolicy, loadPolicy, PolicyError } from "../../src/access/index.js";
import { policyFile } from "./fixtures.js";

type Doc = Record<string, unknown> & { roles: { organization: Array<Record<string, unknown>>; workspace: Array<Record<string, unknown>> } };

const defaultDocument = (): Doc => JSON.parse(readFileSync(new URL("../../config/policy.default.json", import.meta.url), "utf8")) as Doc;

function failure(mutate: (doc: Doc) => void): string {
  const doc = defaultDocument();
  mutate(doc);
  try {
    loadPolicy(doc);
  } catch (error) {
    expect(error).to.be.instanceOf(PolicyError);
    return (error as PolicyError).message;
  }
  throw new Error("the policy loaded");
}

describe("access: policy as data", () => {
  it("loads the default policy and both product policies", () => {
    expect(Object.keys(defaultPolicy().roles)).to.have.length(9);
    expect(Object.keys(policyFile("shared-projects").roles)).to.deep.equal(["workspace.admin", "workspace.manager", "workspace.editor", "workspace.viewer", "workspace.guest"]);
    expect(Object.keys(policyFile("two-level").roles)).to.have.length(6);
  });

  it("derives one permission per resource type action, with its scope", () => {
    const policy = defaultPolicy();
    expect(policy.permissions["audience:update"]).to.include({ level: "workspace", resourceType: "audience", action: "update", write: true });
    expect(policy.permissions["source:read"]?.write).to.equal(false);
    expect(policy.resourceTypes.audience?.scope).to.equal("space");
    expect(policy.resourceTypes.source?.scope).to.equal("shared");
  });

  it("keeps built-in roles immutable (seed 004: default roles cannot be modified)", () => {
    const policy = defaultPolicy();
    const editor = policy.roles["workspace.editor"];
    expect(Object.isFrozen(policy)).to.equal(true);
    expect(Object.isFrozen(policy.roles)).to.equal(true);
    expect(Object.isFrozen(editor)).to.equal(true);
    expect(Object.isFrozen(editor?.permissions)).to.equal(true);
    expect(() => (editor?.permissions as string[]).push("source:delete")).to.throw(TypeError);
    expect(() => Object.assign(policy.roles, { "workspace.root": editor })).to.throw(TypeError);
  });

  it("answers lookups of inherited names with nothing", () => {
    const policy = defaultPolicy();
    expect(policy.permissions.constructor).to.equal(undefined);
    expect(policy.roles.toString).to.equal(undefined);
  });

  it("names a schema violation's spot", () => {
    expect(failure((doc) => ((doc.resourceTypes as Record<string, Record<string, unknown>>).source!.scope = "global"))).to.contain("resourceTypes.source.scope: must be equal to one of the allowed values");
    expect(failure((doc) => delete doc.name)).to.contain("(root): must have required property 'name'");
    expect(failure((doc) => (doc.roles.workspace[1]!.colour = "red"))).to.contain('roles.workspace[1]: must NOT have additional properties ("colour")');
  });

  it("names an unknown permission in a role", () => {
    expect(failure((doc) => (doc.roles.workspace[2]!.permissions = ["source:read", "source:fly"]))).to.contain(
      'roles.workspace[2] (Editor).permissions[1]: "source:fly" matches no workspace permission in the catalog',
    );
  });

  it("refuses owner-only permissions outside owner roles", () => {
    expect(failure((doc) => (doc.roles.workspace[1]!.permissions = ["workspace:delete"]))).to.contain('roles.workspace[1] (Admin).permissions[0]: "workspace:delete" is owner-only; only an owner role may hold it');
  });

  it("checks levels, implied roles, seats and share levels", () => {
    expect(failure((doc) => (doc.roles.organization[2]!.permissions = ["source:read"]))).to.contain('"source:read" is a workspace-level permission, not organization-level');
    expect(failure((doc) => (doc.roles.organization[1]!.impliesWorkspaceRole = "workspace.root"))).to.contain('roles.organization[1] (Organization Admin).impliesWorkspaceRole: "workspace.root" is not a workspace role');
    expect(failure((doc) => (doc.roles.workspace[0]!.seat = "gold"))).to.contain('roles.workspace[0] (Owner).seat: "gold" is not in seatClasses');
    expect(failure((doc) => (doc.roles.workspace[3]!.maxShareLevel = "admin"))).to.contain('roles.workspace[3] (Viewer).maxShareLevel: "admin" is not a share level');
    expect(failure((doc) => (doc.roles.organization[0]!.allSpaces = true))).to.contain("roles.organization[0] (Owner).allSpaces: only workspace roles have it");
    expect(failure((doc) => ((doc.shareLevels as Array<{ actions: string[] }>)[0]!.actions = ["fly"]))).to.contain('shareLevels[0].actions[0]: "fly" is not an action of any resource type');
  });

  it("lists every problem at once", () => {
    const message = failure((doc) => {
      doc.roles.workspace[0]!.seat = "gold";
      doc.roles.workspace[2]!.permissions = ["nope:nope"];
    });
    expect(message.split("\n")).to.have.length(3);
  });

  it("validates custom roles against the catalog (seed 004)", () => {
    const policy = defaultPolicy();
    expect(customRoleProblems(policy, { id: "cr-1", name: "Research Contributor", level: "workspace", permissions: ["audience:read", "audience:propose"] })).to.deep.equal([]);
    expect(customRoleProblems(policy, { id: "cr-2", name: "Bad", level: "organization", permissions: ["billing:manage", "organization:delete", "audience:read", "x:y"] })).to.deep.equal([
      'permissions[1]: "organization:delete" is owner-only',
      'permissions[2]: "audience:read" is a workspace-level permission, not organization-level',
      'permissions[3]: "x:y" is not in the permission catalog',
    ]);
  });
});
