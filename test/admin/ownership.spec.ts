import { expect } from "chai";
import { createGrantService } from "../../src/directory/grants.service.js";
import { transferOwnership, type TransferInput } from "../../src/directory/ownership.service.js";
import { DomainError } from "../../src/directory/domain-error.js";
import { Ownership1795400700000 } from "../../src/store/migrations/1795400700000-ownership.js";
import type { QueryRunner } from "typeorm";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

interface OwnershipView {
  organization: { owner: { id: string; userName: string; active: boolean } | null };
  workspaces: Array<{ workspaceId: string; title: string; owner: { id: string } | null; ownedBy: string }>;
}

describe("Admin API: ownership (one Owner per organization and per workspace, changed only by transfer)", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let alice: string;
  let bob: string;
  let carol: string;
  let dave: string;
  let prod: string;
  let stranger: string;

  const ownership = async (who = tenant) => {
    const res = await who.admin("get", "/ownership");
    expect(res.status, res.text).to.equal(200);
    return res.body as OwnershipView;
  };
  /** Runs a transfer as a service call, then lets this instance's engine learn the new version (as the route does). */
  const settled = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      await context.instance.engine.afterWrite(tenant.organizationId);
    }
  };
  const breakGlass = (toUserId: string, workspaceId: string | null = null, organizationId = tenant.organizationId) =>
    settled(transferOwnership(context.db, { organizationId, workspaceId, fromUserId: null, toUserId, actor: { type: "cli", osUser: "ops", reason: "first Owner" } }));
  const personal = (input: Partial<TransferInput> & { fromUserId: string; toUserId: string }) =>
    settled(transferOwnership(context.db, { organizationId: tenant.organizationId, confirm: "Acme", actor: { type: "user", userId: input.fromUserId }, ...input }));
  const allowed = async (userId: string, permission: string, workspaceId?: string) => {
    const res = await tenant.access("post", "/check", { userId, permission, ...(workspaceId ? { workspaceId } : {}) });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const refusal = async (work: Promise<unknown>, code: DomainError["code"]) => {
    const error = await work.then(() => null, (caught: unknown) => caught);
    expect(error, "expected a refusal").to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal(code);
    return error as DomainError;
  };
  const userGrants = async (userId: string) => (await tenant.admin("get", `/users/${userId}/grants`)).body.items as Array<{ id: string; role: { key: string }; source: string }>;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    alice = await tenant.scimUser("alice@acme.test");
    bob = await tenant.scimUser("bob@acme.test");
    carol = await tenant.scimUser("carol@acme.test");
    dave = await tenant.scimUser("dave@acme.test");
    expect((await tenant.scim("patch", `/Users/${carol}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] })).status).to.equal(200);
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    stranger = await other.scimUser("eve@globex.test");
  });

  it("an organization starts with no Owner; the break-glass transfer names the first, audited as the CLI's", async () => {
    expect((await ownership()).organization.owner).to.equal(null);
    const result = await breakGlass(alice);
    expect(result).to.deep.include({ owner: { id: alice, userName: "alice@acme.test" }, previousOwner: null, previousOwnerKeeps: null });
    const view = await ownership();
    expect(view.organization.owner).to.deep.equal({ id: alice, userName: "alice@acme.test", active: true });
    expect(view.workspaces).to.deep.equal([{ workspaceId: prod, title: "Prod", owner: view.organization.owner, ownedBy: "organization" }]);
    const event = (await tenant.events()).at(-1);
    expect(event).to.deep.include({ actorType: "cli", actorId: "ops", action: "ownership.break_glass_transfer", targetType: "organization", targetId: tenant.organizationId });
    expect(event?.details).to.deep.include({ breakGlass: true, reason: "first Owner", osUser: "ops", before: { owner: null } });
    expect(await allowed(alice, "organization:transfer")).to.equal(true);
    expect((await ownership(other)).organization.owner, "another organization is untouched").to.equal(null);
  });

  it("POST /ownership/transfer and /workspaces/{id}/ownership/transfer refuse an API key with 403 naming the owner-only permission; nothing changes", async () => {
    const before = (await tenant.events()).length;
    const org = expectApiError(await tenant.admin("post", "/ownership/transfer", { toUserId: bob, confirm: "Acme" }), 403, "forbidden");
    expect(org.details).to.deep.equal({ permission: "organization:transfer" });
    // Prod has no Owner of its own yet: naming one is the organization Owner's (organization:transfer).
    const ws = expectApiError(await tenant.admin("post", `/workspaces/${prod}/ownership/transfer`, { toUserId: bob, confirm: "Prod" }), 403, "forbidden");
    expect(ws.details).to.deep.equal({ permission: "organization:transfer" });
    expect((await ownership()).organization.owner?.id).to.equal(alice);
    expect((await tenant.events()).length).to.equal(before);
  });

  it("another organization's workspace is 404 to the route and to the service, whoever asks", async () => {
    const foreign = (await other.admin("post", "/workspaces", { title: "Globex Prod" })).body.id as string;
    expectApiError(await tenant.admin("post", `/workspaces/${foreign}/ownership/transfer`, { toUserId: bob, confirm: "Globex Prod" }), 404, "not_found");
    await refusal(breakGlass(bob, foreign), "not_found");
    await refusal(breakGlass(stranger), "not_found");
    expect((await ownership(other)).workspaces).to.deep.equal([{ workspaceId: foreign, title: "Globex Prod", owner: null, ownedBy: "none" }]);
  });

  it("a person's transfer needs the current Owner, a fresh confirmation and an active member of the organization; every refusal changes nothing", async () => {
    const before = (await tenant.events()).length;
    expect((await refusal(personal({ fromUserId: alice, toUserId: bob, confirm: "acme" }), "invalid_value")).details).to.deep.equal({ field: "confirm" });
    await refusal(personal({ fromUserId: bob, toUserId: dave }), "forbidden");
    await refusal(personal({ fromUserId: alice, toUserId: carol }), "conflict");
    await refusal(personal({ fromUserId: alice, toUserId: alice }), "conflict");
    await refusal(personal({ fromUserId: alice, toUserId: stranger }), "not_found");
    await refusal(personal({ fromUserId: alice, toUserId: "00000000-0000-4000-8000-000000000000" }), "not_found");
    expect((await ownership()).organization.owner?.id).to.equal(alice);
    expect((await tenant.events()).length).to.equal(before);
  });

  it("the Owner transfers to an active member: one Owner after it, the former Owner keeps Organization Admin (and not the owner-only actions)", async () => {
    const result = await personal({ fromUserId: alice, toUserId: bob });
    expect(result).to.deep.include({ owner: { id: bob, userName: "bob@acme.test" }, previousOwner: { id: alice, userName: "alice@acme.test" } });
    expect(result.previousOwnerKeeps).to.deep.equal({ key: "organization.admin", name: "Organization Admin" });
    expect((await ownership()).organization.owner?.id).to.equal(bob);
    const event = (await tenant.events()).at(-1);
    expect(event).to.deep.include({ actorType: "user", actorId: alice, action: "ownership.transfer", targetType: "organization" });
    expect(event?.details).to.deep.include({ previousOwnerKeeps: "organization.admin" });
    expect(await allowed(bob, "organization:transfer")).to.equal(true);
    expect(await allowed(alice, "organization:transfer")).to.equal(false);
    expect(await allowed(alice, "organization:manage")).to.equal(true);
    const { rows } = await context.db.query(`SELECT count(*)::int AS n FROM grants WHERE organization_id = $1 AND owner_of IS NOT NULL`, [tenant.organizationId]);
    expect(rows[0]).to.deep.equal({ n: 1 });
  });

  it("an unowned workspace is in the organization Owner's hands: they name its Owner (confirming the title), who may delete it", async () => {
    await refusal(personal({ fromUserId: alice, toUserId: dave, workspaceId: prod, confirm: "Prod" }), "forbidden");
    const result = await personal({ fromUserId: bob, toUserId: dave, workspaceId: prod, confirm: "Prod" });
    expect(result.scope).to.deep.equal({ type: "workspace", workspaceId: prod, title: "Prod" });
    expect(result.previousOwner).to.equal(null);
    const view = await ownership();
    expect(view.workspaces).to.deep.equal([{ workspaceId: prod, title: "Prod", owner: { id: dave, userName: "dave@acme.test", active: true }, ownedBy: "workspace" }]);
    expect(await allowed(dave, "workspace:delete", prod)).to.equal(true);
    expect(await allowed(dave, "organization:transfer")).to.equal(false);
    const keyRefused = expectApiError(await tenant.admin("post", `/workspaces/${prod}/ownership/transfer`, { toUserId: bob, confirm: "Prod" }), 403, "forbidden");
    expect(keyRefused.details).to.deep.equal({ permission: "workspace:transfer" });
    // Now the workspace's own Owner transfers it; the organization Owner no longer can.
    await refusal(personal({ fromUserId: bob, toUserId: alice, workspaceId: prod, confirm: "Prod" }), "forbidden");
    const moved = await personal({ fromUserId: dave, toUserId: alice, workspaceId: prod, confirm: "Prod" });
    expect(moved.previousOwnerKeeps).to.deep.equal({ key: "workspace.admin", name: "Admin" });
    expect(await allowed(dave, "workspace:delete", prod)).to.equal(false);
    expect(await allowed(dave, "workspace:manage", prod)).to.equal(true);
  });

  it("ordinary grants never grant or revoke an Owner role: 409 'ownership changes only by transfer', nothing changed", async () => {
    const before = (await tenant.events()).length;
    const granted = expectApiError(await tenant.admin("post", `/users/${dave}/grants`, { role: { key: "organization.owner" }, scope: { type: "organization" } }), 409, "conflict");
    expect(granted.message).to.equal("ownership changes only by transfer");
    expectApiError(await tenant.admin("post", `/users/${dave}/grants`, { role: { key: "workspace.owner" }, scope: { type: "workspace", workspaceId: prod } }), 409, "conflict");
    const ownerGrant = (await userGrants(bob)).find((grant) => grant.role.key === "organization.owner");
    expect(ownerGrant?.source).to.equal("system");
    expectApiError(await tenant.admin("delete", `/grants/${ownerGrant?.id}`), 409, "conflict");
    expect((await ownership()).organization.owner?.id).to.equal(bob);
    expect((await tenant.events()).length).to.equal(before);
  });

  it("a reconcile neither removes an Owner grant of its source nor adds one", async () => {
    const grants = createGrantService({ db: context.db, policy: () => context.instance.engine.policy });
    expect(await grants.reconcile(tenant.organizationId, "system", [])).to.deep.include({ added: 0 });
    expect((await ownership()).organization.owner?.id).to.equal(bob);
    await refusal(grants.reconcile(tenant.organizationId, "system", [{ principal: { type: "user", id: dave }, role: { key: "organization.owner" }, scope: { type: "organization" } }]), "conflict");
  });

  it("the database itself keeps one Owner per scope and refuses to delete one outside a transfer", async () => {
    const role = (await context.db.query<{ id: string }>(`SELECT id FROM roles WHERE built_in AND key = 'organization.owner'`)).rows[0]?.id;
    const second = context.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('gatehouse.ownership', 'transfer', true)`);
      await tx.query(`INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'system')`, [tenant.organizationId, dave, role]);
    });
    expect(await second.then(() => null, (error: { code?: string }) => error.code)).to.equal("23505");
    const outside = context.db.query(`INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'system')`, [tenant.organizationId, dave, role]);
    expect(await outside.then(() => null, (error: { code?: string }) => error.code)).to.equal("23514");
    const removal = context.db.query(`DELETE FROM grants WHERE organization_id = $1 AND owner_of IS NOT NULL`, [tenant.organizationId]);
    expect(await removal.then(() => null, (error: { code?: string }) => error.code)).to.equal("23514");
    expect((await ownership()).organization.owner?.id).to.equal(bob);
  });

  it("SCIM deactivating the Owner keeps the ownership (and ends their access); deleting the Owner leaves a loud owner_lost event, then break-glass names a new one", async () => {
    const patch = (active: boolean) => tenant.scim("patch", `/Users/${bob}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: active }] });
    expect((await patch(false)).status).to.equal(200);
    expect((await ownership()).organization.owner).to.deep.equal({ id: bob, userName: "bob@acme.test", active: false });
    expect(await allowed(bob, "organization:transfer")).to.equal(false);
    expect((await patch(true)).status).to.equal(200);

    expect((await tenant.scim("delete", `/Users/${bob}`)).status).to.equal(204);
    expect((await ownership()).organization.owner).to.equal(null);
    const lost = (await tenant.events()).filter((event) => event.action === "ownership.owner_lost");
    expect(lost.map((event) => [event.actorType, event.targetType, event.targetId])).to.deep.equal([["system", "organization", tenant.organizationId]]);
    expect(lost[0]?.details).to.deep.include({ severity: "critical", formerOwnerUserId: bob });
    await breakGlass(dave);
    expect((await ownership()).organization.owner?.id).to.equal(dave);
  });

  it("deleting a workspace takes its Owner grant with it, without an owner_lost event", async () => {
    const staging = (await tenant.admin("post", "/workspaces", { title: "Staging" })).body.id as string;
    await breakGlass(alice, staging);
    await context.db.query(`DELETE FROM workspaces WHERE id = $1`, [staging]);
    expect((await tenant.events()).filter((event) => event.action === "ownership.owner_lost")).to.have.length(1);
    expect((await ownership()).workspaces.map((w) => w.workspaceId)).to.deep.equal([prod]);
  });

  it("the migration makes existing Owner grants one Owner per scope (the oldest user grant, now source system) and the rest Admin", async () => {
    const legacy = await context.newTenant("Legacy");
    const [ann, ben, cal] = [await legacy.scimUser("ann@legacy.test"), await legacy.scimUser("ben@legacy.test"), await legacy.scimUser("cal@legacy.test")];
    const team = await legacy.scimGroup("Founders");
    const site = (await legacy.admin("post", "/workspaces", { title: "Site" })).body.id as string;
    const rolled = new Error("roll back: the shared database keeps its schema");
    const outcome = context.db.transaction(async (tx) => {
      const runner = { query: (sql: string) => tx.query(sql) } as unknown as QueryRunner;
      const migration = new Ownership1795400700000();
      await migration.down(runner);
      const role = async (key: string) => (await tx.query<{ id: string }>(`SELECT id FROM roles WHERE built_in AND key = $1`, [key])).rows[0]?.id;
      const insert = (principal: { user?: string; group?: string }, key: Promise<string | undefined>, workspace: string | null, source: string, age: string) =>
        key.then((roleId) =>
          tx.query(
            `INSERT INTO grants (organization_id, user_id, group_id, role_id, scope_type, workspace_id, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now() - $8::interval)`,
            [legacy.organizationId, principal.user ?? null, principal.group ?? null, roleId, workspace ? "workspace" : "organization", workspace, source, age],
          ),
        );
      await insert({ user: ann }, role("organization.owner"), null, "manual:old", "3 days");
      await insert({ user: ben }, role("organization.owner"), null, "manual:old", "2 days");
      await insert({ user: ben }, role("organization.admin"), null, "manual:old", "1 day");
      await insert({ group: team }, role("organization.owner"), null, "scim:idp", "1 day");
      await insert({ user: cal }, role("workspace.owner"), site, "manual:old", "1 day");
      await migration.up(runner);
      const { rows } = await tx.query<{ who: string; key: string; source: string; owner_of: string | null }>(
        `SELECT coalesce(u.user_name, gr.display_name) AS who, r.key, g.source, g.owner_of FROM grants g JOIN roles r ON r.id = g.role_id
           LEFT JOIN users u ON u.id = g.user_id LEFT JOIN groups gr ON gr.id = g.group_id WHERE g.organization_id = $1 ORDER BY lower(coalesce(u.user_name, gr.display_name)), r.key`,
        [legacy.organizationId],
      );
      expect(rows).to.deep.equal([
        { who: "ann@legacy.test", key: "organization.owner", source: "system", owner_of: legacy.organizationId },
        { who: "ben@legacy.test", key: "organization.admin", source: "manual:old", owner_of: null },
        { who: "cal@legacy.test", key: "workspace.owner", source: "system", owner_of: site },
        { who: "Founders", key: "organization.admin", source: "scim:idp", owner_of: null },
      ]);
      throw rolled;
    });
    expect(await outcome.then(() => null, (error: unknown) => error)).to.equal(rolled);
    expect((await ownership(legacy)).organization.owner).to.equal(null);
  });
});
