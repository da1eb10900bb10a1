import { expect } from "chai";
import { createAuditService } from "../../src/audit/audit.service.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { byCreation, countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: organizations", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;

  before(() => {
    directory = createDirectory({ db: ctx.db });
  });

  describe("create", () => {
    it("trims the name, defaults the plan to free, and can be read back", async () => {
      const created = await directory.organizations.create({ name: "  Acme Corp  " });
      expect(created.name).to.equal("Acme Corp");
      expect(created.plan).to.equal("free");
      expect(created.isDemo).to.equal(false);
      expect(created).to.include({ sessionIdleMinutes: 480, sessionAbsoluteMinutes: 10080, jitProvisioning: true, auditRetentionDays: null });
      expect(created.featureFlags).to.deep.equal({});
      const read = await directory.organizations.get(created.id);
      expect(read).to.deep.equal(created);
    });

    it("keeps a chosen plan", async () => {
      const created = await directory.organizations.create({ name: "Globex", plan: "enterprise" });
      expect(created.plan).to.equal("enterprise");
    });

    const invalid: Array<[string, Parameters<Directory["organizations"]["create"]>[0], string]> = [
      ["an unknown plan", { name: "Bad Plan Inc", plan: "platinum" as "free" }, "plan"],
      ["an empty name", { name: "" }, "name"],
      ["a blank name", { name: "   \t " }, "name"],
      ["a name that is not text", { name: 42 as unknown as string }, "name"],
    ];
    for (const [label, input, field] of invalid) {
      it(`refuses ${label} with invalid_value and creates nothing`, async () => {
        const before = await countRows(ctx.db, "organizations");
        const error = await expectDomainError(directory.organizations.create(input), "invalid_value");
        expect(error.details?.field).to.equal(field);
        expect(await countRows(ctx.db, "organizations")).to.equal(before);
      });
    }
  });

  describe("update", () => {
    it("changes only the given fields", async () => {
      const id = await newOrganization(directory);
      const original = await directory.organizations.get(id);
      const updated = await directory.organizations.update(id, { plan: "paid" });
      expect(updated.plan).to.equal("paid");
      expect(updated.name).to.equal(original.name);
      const renamed = await directory.organizations.update(id, { name: " Renamed " });
      expect(renamed.name).to.equal("Renamed");
      expect(renamed.plan).to.equal("paid");
    });

    it("refuses an invalid plan without changing the organization", async () => {
      const id = await newOrganization(directory);
      await expectDomainError(directory.organizations.update(id, { plan: "gold" as "free" }), "invalid_value");
      expect((await directory.organizations.get(id)).plan).to.equal("free");
    });

    it("merges feature flags (null removes one) and keeps session idle within the absolute lifetime", async () => {
      const id = await newOrganization(directory);
      await directory.organizations.update(id, { featureFlags: { "spaces.beta": true, legacy_export: false } });
      const merged = await directory.organizations.update(id, { featureFlags: { legacy_export: null, audit_export: true } });
      expect(merged.featureFlags).to.deep.equal({ "spaces.beta": true, audit_export: true });
      const before = await directory.organizations.get(id);
      const error = await expectDomainError(directory.organizations.update(id, { sessionIdleMinutes: 600, sessionAbsoluteMinutes: 300 }), "invalid_value");
      expect(error.details?.field).to.equal("sessionIdleMinutes");
      await expectDomainError(directory.organizations.update(id, { featureFlags: { "Bad Key": true } }), "invalid_value");
      await expectDomainError(directory.organizations.update(id, { auditRetentionDays: 0 }), "invalid_value");
      expect(await directory.organizations.get(id)).to.deep.equal(before);
    });
  });

  describe("ensureDemo", () => {
    it("creates the demo organization once; the second call returns the same one with created: false", async () => {
      const first = await directory.organizations.ensureDemo("Demo");
      const second = await directory.organizations.ensureDemo("Demo again");
      expect(first.created).to.equal(true);
      expect(second.created).to.equal(false);
      expect(second.organization.id).to.equal(first.organization.id);
      expect(second.organization.isDemo).to.equal(true);
      expect(await countRows(ctx.db, "organizations", "is_demo")).to.equal(1);
    });

    it("creates exactly one demo organization when three callers race", async () => {
      await ctx.db.query(`DELETE FROM organizations WHERE is_demo`);
      const results = await Promise.all([1, 2, 3].map((n) => directory.organizations.ensureDemo(`Demo ${n}`)));
      expect(results.filter((result) => result.created)).to.have.length(1);
      expect(new Set(results.map((result) => result.organization.id)).size).to.equal(1);
      expect(await countRows(ctx.db, "organizations", "is_demo")).to.equal(1);
    });
  });

  describe("remove", () => {
    it("deletes the organization and everything in it, but keeps its audit trail", async () => {
      const id = await newOrganization(directory);
      const otherId = await newOrganization(directory, "Bystander");
      const workspace = await directory.workspaces.create(id, { title: "Main", spacesEnabled: true });
      await directory.spaces.create(id, workspace.id, { name: "UK" });
      const user = await directory.users.create(id, { userName: "ann@acme.test", emails: [{ value: "ann@acme.test", type: "work", display: null, primary: true }] });
      await directory.groups.create(id, { displayName: "Admins", memberIds: [user.id] });
      await directory.credentials.issue("scim_token", id, { name: "Okta" });
      const bystander = await directory.users.create(otherId, { userName: "ann@acme.test" });
      const audit = createAuditService({ db: ctx.db });
      await audit.record({ organizationId: id, actorType: "admin", actorId: "root", action: "organization.created" });

      await directory.organizations.remove(id);

      await expectDomainError(directory.organizations.get(id), "not_found");
      for (const table of ["workspaces", "spaces", "users", "user_emails", "groups", "group_members", "scim_tokens"]) {
        expect(await countRows(ctx.db, table, "organization_id = $1", [id]), table).to.equal(0);
      }
      const trail = await audit.list(id);
      expect(trail.map((event) => event.action)).to.deep.equal(["organization.created"]);
      expect((await directory.users.get(otherId, bystander.id)).userName).to.equal("ann@acme.test");
    });

    it("deletes an organization that has a custom role granted to a user", async () => {
      const id = await newOrganization(directory);
      const user = await directory.users.create(id, { userName: "granted@acme.test" });
      const { rows } = await ctx.db.query<{ id: string }>(
        `INSERT INTO roles (organization_id, name, level, built_in) VALUES ($1, 'Auditor', 'organization', false) RETURNING id`,
        [id],
      );
      await ctx.db.query(
        `INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'manual:admin')`,
        [id, user.id, rows[0]?.id],
      );

      await directory.organizations.remove(id);

      await expectDomainError(directory.organizations.get(id), "not_found");
      expect(await countRows(ctx.db, "roles", "organization_id = $1", [id])).to.equal(0);
      expect(await countRows(ctx.db, "grants", "organization_id = $1", [id])).to.equal(0);
    });
  });

  describe("unknown ids", () => {
    for (const id of [randomUUID(), "not-a-uuid", "", "'; DROP TABLE organizations; --"]) {
      it(`answers not_found for ${JSON.stringify(id)} on get, update and remove`, async () => {
        await expectDomainError(directory.organizations.get(id), "not_found");
        await expectDomainError(directory.organizations.update(id, { plan: "paid" }), "not_found");
        await expectDomainError(directory.organizations.remove(id), "not_found");
      });
    }
  });

  it("lists every organization oldest first", async () => {
    const created = [await directory.organizations.create({ name: "List A" }), await directory.organizations.create({ name: "List B" })];
    const ids = (await directory.organizations.list()).map((organization) => organization.id);
    const [first, second] = byCreation(created).map((organization) => organization.id);
    expect(ids.indexOf(first as string)).to.be.greaterThan(-1).and.lessThan(ids.indexOf(second as string));
  });
});
