import { readFileSync } from "node:fs";
import { expect } from "chai";
import { defaultPolicy, loadPolicy } from "../../src/access/index.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { RoleInput } from "../../src/directory/roles.service.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, randomUUID } from "./helpers.js";

describe("directory: roles", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let counter = 0;

  async function organization(plan: "free" | "paid" | "enterprise" = "paid", on: Directory = directory): Promise<string> {
    counter += 1;
    return (await on.organizations.create({ name: `Roles ${counter} ${randomUUID().slice(0, 6)}`, plan })).id;
  }

  let a: string;
  let b: string;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    a = await organization();
    b = await organization("enterprise");
  });

  const version = async (org: string) =>
    Number((await ctx.db.query<{ v: string }>(`SELECT access_version AS v FROM organizations WHERE id = $1`, [org])).rows[0]?.v);
  const customRoles = (org: string) => countRows(ctx.db, "roles", "organization_id = $1", [org]);
  const row = async (id: string) => (await ctx.db.query(`SELECT name, description, level, permissions, updated_at FROM roles WHERE id = $1`, [id])).rows[0];
  const auditor: RoleInput = { name: "Auditor", level: "workspace", description: "Reads everything", permissions: ["workspace:read", "members:list"] };

  describe("list", () => {
    it("lists the policy's built-in roles with their row ids, then the organization's custom roles only", async () => {
      const org = await organization();
      await directory.roles.create(org, { ...auditor, name: "Zed" });
      await directory.roles.create(org, { name: "Biller", level: "organization", permissions: ["billing:manage"] });
      await directory.roles.create(org, { ...auditor, name: "alpha" });
      await directory.roles.create(b, { ...auditor, name: "Theirs" });
      const roles = await directory.roles.list(org);
      const keys = Object.keys(defaultPolicy().roles);
      expect(roles.slice(0, keys.length).map((role) => role.key)).to.deep.equal(keys);
      expect(roles.slice(0, keys.length).every((role) => role.builtIn && role.organizationId === null)).to.equal(true);
      const editor = roles.find((role) => role.key === "workspace.editor");
      const { rows } = await ctx.db.query<{ id: string }>(`SELECT id FROM roles WHERE built_in AND key = 'workspace.editor'`);
      expect(editor?.id).to.equal(rows[0]?.id);
      expect(roles.slice(keys.length).map((role) => [role.name, role.builtIn])).to.deep.equal([["Biller", false], ["alpha", false], ["Zed", false]]);
    });

    it("is not found for an unknown organization", async () => {
      await expectDomainError(directory.roles.list(randomUUID()), "not_found");
    });
  });

  describe("create", () => {
    it("creates a custom role with its permissions once each, and bumps the access version", async () => {
      const before = await version(a);
      const role = await directory.roles.create(a, { ...auditor, permissions: ["workspace:read", "members:list", "workspace:read"] });
      expect(role).to.deep.include({ organizationId: a, key: null, name: "Auditor", description: "Reads everything", level: "workspace", builtIn: false });
      expect(role.permissions).to.deep.equal(["workspace:read", "members:list"]);
      expect(await directory.roles.get(a, role.id)).to.deep.equal(role);
      expect(await version(a)).to.be.greaterThan(before);
    });

    it("lists every problem of an invalid role at once, and creates nothing", async () => {
      const count = await customRoles(a);
      const error = await expectDomainError(
        directory.roles.create(a, { name: " ", level: "workspace", permissions: ["nope:nope", "billing:manage", "workspace:delete"] }),
        "invalid_value",
      );
      const problems = error.details?.problems as string[];
      expect(problems).to.have.length(4);
      expect(problems[0]).to.match(/^name/);
      expect(problems.slice(1).join("\n")).to.match(/"nope:nope" is not in the permission catalog/).and.match(/organization-level permission/).and.match(/owner-only/);
      expect(await customRoles(a)).to.equal(count);
    });

    const malformed: Array<[string, Partial<Record<keyof RoleInput, unknown>>]> = [
      ["an unknown level", { level: "space" }],
      ["permissions that are not a list", { permissions: "workspace:read" }],
      ["a permission that is not a string", { permissions: [42] }],
      ["a name over 200 characters", { name: "x".repeat(201) }],
    ];
    for (const [name, change] of malformed) {
      it(`refuses ${name}`, async () => {
        const count = await customRoles(a);
        await expectDomainError(directory.roles.create(a, { ...auditor, ...change } as RoleInput), "invalid_value");
        expect(await customRoles(a)).to.equal(count);
      });
    }

    it("refuses a second role of the same name and level, whatever the case; another level may reuse it", async () => {
      const org = await organization();
      await directory.roles.create(org, { ...auditor, name: "Support" });
      const error = await expectDomainError(directory.roles.create(org, { ...auditor, name: "SUPPORT" }), "conflict");
      expect(error.details?.field).to.equal("name");
      expect(await customRoles(org)).to.equal(1);
      expect((await directory.roles.create(org, { name: "support", level: "organization", permissions: [] })).level).to.equal("organization");
    });

    it("refuses on a plan without custom roles, unless the policy allows that plan", async () => {
      const free = await organization("free");
      const error = await expectDomainError(directory.roles.create(free, auditor), "precondition_failed");
      expect(error.message).to.equal("custom roles need a paid plan");
      expect(await customRoles(free)).to.equal(0);

      const json = JSON.parse(readFileSync(new URL("../../config/policy.default.json", import.meta.url), "utf8"));
      const generous = createDirectory({ db: ctx.db, policy: loadPolicy({ ...json, customRoles: { ...json.customRoles, plans: ["free"] } }) });
      expect((await generous.roles.create(free, auditor)).name).to.equal("Auditor");
    });
  });

  describe("update", () => {
    it("changes what it is given, keeps the rest, and bumps the access version", async () => {
      const role = await directory.roles.create(a, { ...auditor, name: "Reviewer" });
      const before = await version(a);
      const renamed = await directory.roles.update(a, role.id, { name: "Senior Reviewer" });
      expect(renamed).to.deep.include({ name: "Senior Reviewer", description: "Reads everything", permissions: role.permissions });
      const narrowed = await directory.roles.update(a, role.id, { permissions: ["workspace:read"], description: "" });
      expect(narrowed).to.deep.include({ name: "Senior Reviewer", description: "", permissions: ["workspace:read"] });
      expect(await version(a)).to.be.greaterThan(before);
    });

    it("refuses, changing nothing: built-in roles, a level change, bad permissions, a taken name, a free plan", async () => {
      const org = await organization();
      const role = await directory.roles.create(org, { ...auditor, name: "Keeper" });
      await directory.roles.create(org, { ...auditor, name: "Taken" });
      const editor = (await directory.roles.list(org)).find((r) => r.key === "workspace.editor");
      const [kept, editorRow, before] = [await row(role.id), await row(editor?.id ?? ""), await version(org)];
      const error = await expectDomainError(directory.roles.update(org, editor?.id ?? "", { name: "Writer" }), "forbidden");
      expect(error.message).to.equal("built-in roles cannot be changed");
      await expectDomainError(directory.roles.update(org, role.id, { level: "organization" }), "invalid_value");
      await expectDomainError(directory.roles.update(org, role.id, { permissions: ["organization:manage"] }), "invalid_value");
      await expectDomainError(directory.roles.update(org, role.id, { name: "taken" }), "conflict");
      await directory.organizations.update(org, { plan: "free" });
      await expectDomainError(directory.roles.update(org, role.id, { name: "Downgraded" }), "precondition_failed");
      expect(await row(role.id)).to.deep.equal(kept);
      expect(await row(editor?.id ?? "")).to.deep.equal(editorRow);
      expect(await version(org)).to.equal(before + 1); // the plan change, nothing else
    });
  });

  describe("remove", () => {
    it("deletes a role no one holds, and bumps the access version", async () => {
      const role = await directory.roles.create(a, { ...auditor, name: "Short-lived" });
      const before = await version(a);
      await directory.roles.remove(a, role.id);
      expect(await countRows(ctx.db, "roles", "id = $1", [role.id])).to.equal(0);
      expect(await version(a)).to.be.greaterThan(before);
      await expectDomainError(directory.roles.remove(a, role.id), "not_found");
    });

    it("refuses while the role is granted, naming who holds it where; deletes it once revoked", async () => {
      const org = await organization();
      const role = await directory.roles.create(org, { ...auditor, name: "Held" });
      const workspace = await directory.workspaces.create(org, { title: "Prod" });
      const group = (await directory.groups.create(org, { displayName: "Ops" })).id;
      const grant = await directory.grants.grant(org, { principal: { type: "group", id: group }, role: { id: role.id }, scope: { type: "workspace", workspaceId: workspace.id }, source: "manual:root" });
      const before = await version(org);
      const error = await expectDomainError(directory.roles.remove(org, role.id), "conflict");
      expect(error.details?.holders).to.deep.equal([
        { grantId: grant.id, principal: { type: "group", id: group }, scope: { type: "workspace", workspaceId: workspace.id }, source: "manual:root" },
      ]);
      expect(await countRows(ctx.db, "roles", "id = $1", [role.id])).to.equal(1);
      expect(await version(org)).to.equal(before);
      await directory.grants.revoke(org, grant.id);
      await directory.roles.remove(org, role.id);
      expect(await customRoles(org)).to.equal(0);
    });

    it("refuses built-in roles as forbidden, and another organization's or an unknown role as not found", async () => {
      const viewer = (await directory.roles.list(a)).find((r) => r.key === "workspace.viewer");
      await expectDomainError(directory.roles.remove(a, viewer?.id ?? ""), "forbidden");
      const theirs = await directory.roles.create(b, { ...auditor, name: "Private" });
      await expectDomainError(directory.roles.remove(a, theirs.id), "not_found");
      await expectDomainError(directory.roles.update(a, theirs.id, { name: "Mine" }), "not_found");
      await expectDomainError(directory.roles.get(a, theirs.id), "not_found");
      await expectDomainError(directory.roles.remove(a, "nope"), "not_found");
      expect(await countRows(ctx.db, "roles", "id = $1", [theirs.id])).to.equal(1);
      expect(await countRows(ctx.db, "roles", "id = $1", [viewer?.id])).to.equal(1);
    });
  });
});
