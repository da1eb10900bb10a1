import { expect } from "chai";
import { useScimApp } from "../../support/scim-app.js";
import { createGroup, createUser, expectScimError, filtered, GROUP_SCHEMA, idOf, list, memberIdsOf, patchBody, snapshot, userBody, type Json } from "./scim-helpers.js";

interface AuditRow {
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

/** IDP-TRAFFIC "Deprovisioning" and the Lifecycle and Audit bullets. */
describe("SCIM user lifecycle and the audit trail", () => {
  const ctx = useScimApp();

  it("keeps a deactivated user readable, findable and in its groups (Entra does not re-send memberships)", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "leaver@example.com");
    const groups = [await createGroup(tenant, "G1", [idOf(user)]), await createGroup(tenant, "G2", [idOf(user)])];
    await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "active", value: false })).expect(200);
    const read = await snapshot(tenant, `/Users/${idOf(user)}`);
    expect(read.active).to.equal(false);
    expect(((read.groups as Json[]) ?? []).map((group) => group.display)).to.deep.equal(["G1", "G2"]);
    for (const group of groups) expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal([idOf(user)]);
    expect((await list(tenant, filtered("Users", "active eq false"))).Resources.map(idOf)).to.deep.equal([idOf(user)]);
    await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", value: { active: true } })).expect(200);
    for (const group of groups) expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal([idOf(user)]);
  });

  it("removes a deleted user from every group, and each group's ETag changes", async () => {
    const tenant = await ctx.newTenant();
    const user = await createUser(tenant, "deleted@example.com");
    const other = await createUser(tenant, "stays@example.com");
    const groups = [await createGroup(tenant, "D1", [idOf(user), idOf(other)]), await createGroup(tenant, "D2", [idOf(user)])];
    const before = await Promise.all(groups.map((group) => snapshot(tenant, `/Groups/${idOf(group)}`)));
    await tenant.delete(`/Users/${idOf(user)}`).expect(204);
    expect(await memberIdsOf(ctx, idOf(groups[0] as Json))).to.deep.equal([idOf(other)]);
    expect(await memberIdsOf(ctx, idOf(groups[1] as Json))).to.deep.equal([]);
    for (const [i, group] of groups.entries()) {
      const after = await tenant.get(`/Groups/${idOf(group)}`).expect(200);
      expect(((after.body.members as Json[]) ?? []).map((member) => member.value)).not.to.include(idOf(user));
      expect(after.headers.etag).not.to.equal(((before[i] as Json).meta as Json).version);
    }
    expect((await list(tenant, filtered("Groups", `members.value eq "${idOf(user)}"`))).totalResults).to.equal(0);
  });

  describe("audit events", () => {
    async function auditOf(organizationId: string): Promise<AuditRow[]> {
      const { rows } = await ctx.db.query<AuditRow>(
        `SELECT actor_type, actor_id, action, target_type, target_id, request_id, details FROM audit_events WHERE organization_id = $1 ORDER BY id`,
        [organizationId],
      );
      return rows;
    }

    it("records every SCIM write with the token as actor, its name, the action and the target", async () => {
      const tenant = await ctx.newTenant("Audited");
      const token = (await ctx.directory.credentials.list("scim_token", tenant.organizationId))[0];
      const user = await createUser(tenant, "audited@example.com", { password: "S3cr3t-pw" });
      await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "Audited" })).expect(200);
      await tenant.put(`/Users/${idOf(user)}`, userBody("audited@example.com", { title: "T" })).expect(200);
      const group = await createGroup(tenant, "Audited Group");
      await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: idOf(user) }] })).expect(204);
      await tenant.put(`/Groups/${idOf(group)}`, { schemas: [GROUP_SCHEMA], displayName: "Audited Group 2" }).expect(200);
      await tenant.delete(`/Groups/${idOf(group)}`).expect(204);
      await tenant.delete(`/Users/${idOf(user)}`).expect(204);

      const rows = await auditOf(tenant.organizationId);
      expect(rows.map((row) => [row.action, row.target_type, row.target_id])).to.deep.equal([
        ["scim.user.created", "User", idOf(user)],
        ["scim.user.patched", "User", idOf(user)],
        ["scim.user.replaced", "User", idOf(user)],
        ["scim.group.created", "Group", idOf(group)],
        ["scim.group.patched", "Group", idOf(group)],
        ["scim.group.replaced", "Group", idOf(group)],
        ["scim.group.deleted", "Group", idOf(group)],
        ["scim.user.deleted", "User", idOf(user)],
      ]);
      for (const row of rows) {
        expect(row.actor_type).to.equal("scim_token");
        expect(row.actor_id).to.equal(token?.id);
        expect(row.details.tokenName).to.equal("test");
        expect(row.request_id).to.be.a("string").and.not.equal("");
      }
      expect(rows[1]?.details.changed).to.deep.equal(["displayName"]);
      // The before/after of identity attributes is kept, so an admin can see what the IdP changed.
      expect(rows[1]?.details.values).to.deep.equal({ displayName: { before: null, after: "Audited" } });
      expect(rows[4]?.details).to.deep.include({ added: 1, removed: 0 });
      expect(JSON.stringify(rows)).not.to.include("S3cr3t");
    });

    it("records nothing for a failed or a no-op write", async () => {
      const tenant = await ctx.newTenant("Quiet");
      const user = await createUser(tenant, "quiet@example.com", { displayName: "Q" });
      const group = await createGroup(tenant, "Quiet Group", [idOf(user)]);
      const before = (await auditOf(tenant.organizationId)).length;
      expectScimError(await tenant.post("/Users", userBody("QUIET@example.com", { password: "S3cr3t" })), 409, "uniqueness");
      expectScimError(await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "X" }, { op: "remove", path: "userName" })), 400, "invalidValue");
      expectScimError(await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: "0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11" }] })), 400, "invalidValue");
      await tenant.patch(`/Users/${idOf(user)}`, patchBody({ op: "replace", path: "displayName", value: "Q" })).expect(200);
      await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: idOf(user) }] })).expect(204);
      expect((await auditOf(tenant.organizationId)).length).to.equal(before);
    });
  });
});
