import { expect } from "chai";
import type { DomainErrorCode } from "../../src/directory/domain-error.js";
import { acceptPendingInvites, createDirectory, type Directory } from "../../src/directory/directory.js";
import { upsertResource } from "../../src/store/access.repository.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, randomUUID } from "./helpers.js";

describe("directory: invites and acceptPendingInvites", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let counter = 0;

  async function world() {
    counter += 1;
    const org = (await directory.organizations.create({ name: `Invites ${counter} ${randomUUID().slice(0, 6)}`, plan: "paid" })).id;
    const workspace = (await directory.workspaces.create(org, { title: "Prod" })).id;
    const { resource } = await upsertResource(ctx.db, {
      organizationId: org, type: "model", externalId: `m-${counter}`, workspaceId: workspace, spaceId: null, ownerUserId: null, shares: [],
    });
    const custom = (await directory.roles.create(org, { name: "Auditor", level: "workspace", permissions: ["workspace:read"] })).id;
    return { org, workspace, resource: resource.id, resourceRef: `m-${counter}`, custom };
  }

  const userGrants = async (org: string, user: string) =>
    (await directory.grants.list(org, { principal: { type: "user", id: user } })).map((g) => [g.role.key ?? g.role.id, g.scope.type, g.source]);
  const sharingOf = async (resource: string) =>
    (await ctx.db.query<{ sharing: unknown }>(`SELECT sharing FROM resources WHERE id = $1`, [resource])).rows[0]?.sharing;
  const by = "api_key:test";

  before(() => {
    directory = createDirectory({ db: ctx.db });
  });

  it("an organization invite gives its roles at the first sign-in (any case of the address), source invite:<id>; once only", async () => {
    const w = await world();
    const invite = await directory.invites.create(w.org, { email: " Ana@Example.COM ", roles: [{ key: "organization.viewer" }], createdBy: by });
    expect(invite).to.include({ email: "ana@example.com", status: "pending", workspace: null, resource: null });
    const ana = (await directory.users.create(w.org, { userName: "ana@example.com" })).id;
    const accepted = await ctx.db.transaction((tx) => acceptPendingInvites(tx, { organizationId: w.org, userId: ana, email: "ANA@example.com" }));
    expect(accepted.map((a) => [a.inviteId, a.grants.map((g) => g.role.key), a.guest, a.shared])).to.deep.equal([[invite.id, ["organization.viewer"], false, null]]);
    expect(await userGrants(w.org, ana)).to.deep.equal([["organization.viewer", "organization", `invite:${invite.id}`]]);
    expect(await directory.invites.get(w.org, invite.id)).to.include({ status: "accepted", acceptedUserId: ana });
    // The next sign-in finds nothing pending.
    expect(await acceptPendingInvites(ctx.db, { organizationId: w.org, userId: ana, email: "ana@example.com" })).to.deep.equal([]);
    expect(await countRows(ctx.db, "grants", "user_id = $1", [ana])).to.equal(1);
  });

  it("a workspace invite gives several workspace roles there (custom ones too, on a paid plan)", async () => {
    const w = await world();
    const invite = await directory.invites.create(w.org, { email: "bo@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.viewer" }, { id: w.custom }], createdBy: by });
    const bo = (await directory.users.create(w.org, { userName: "bo@example.com" })).id;
    await directory.invites.acceptPending({ organizationId: w.org, userId: bo, email: "bo@example.com" });
    expect((await userGrants(w.org, bo)).sort()).to.deep.equal(
      [["workspace.viewer", "workspace", `invite:${invite.id}`], [w.custom, "workspace", `invite:${invite.id}`]].sort(),
    );
  });

  it("a new person invited to one resource: shared at the invite's level and made workspace Guest", async () => {
    const w = await world();
    const invite = await directory.invites.create(w.org, { email: "cy@example.com", resource: { type: "model", id: w.resourceRef, level: "edit" }, roles: [], createdBy: by });
    expect(invite.workspace?.id).to.equal(w.workspace);
    expect(invite.resource).to.deep.equal({ id: w.resource, type: "model", externalId: w.resourceRef, level: "edit" });
    const cy = (await directory.users.create(w.org, { userName: "cy@example.com" })).id;
    const [accepted] = await directory.invites.acceptPending({ organizationId: w.org, userId: cy, email: "cy@example.com" });
    expect(accepted).to.deep.include({ guest: true, shared: { resourceId: w.resource, level: "edit" } });
    expect(await userGrants(w.org, cy)).to.deep.equal([["workspace.guest", "workspace", `invite:${invite.id}`]]);
    expect(await sharingOf(w.resource)).to.deep.equal([{ principal: { type: "user", id: cy }, level: "edit" }]);
  });

  it("no Guest for someone who already has a workspace role: through a group, or an organization role that implies one; a higher share is kept", async () => {
    const w = await world();
    const dee = (await directory.users.create(w.org, { userName: "dee@example.com" })).id;
    const eli = (await directory.users.create(w.org, { userName: "eli@example.com" })).id;
    const group = (await directory.groups.create(w.org, { displayName: "Analysts" })).id;
    await directory.memberships.add(w.org, group, [dee]);
    await directory.grants.grant(w.org, { principal: { type: "group", id: group }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: w.workspace }, source: "manual:x" });
    await directory.grants.grant(w.org, { principal: { type: "user", id: eli }, role: { key: "organization.admin" }, scope: { type: "organization" }, source: "manual:x" });
    await upsertResource(ctx.db, {
      organizationId: w.org, type: "model", externalId: w.resourceRef, workspaceId: w.workspace, spaceId: null, ownerUserId: null,
      shares: [{ principal: { type: "user", id: eli }, level: "full" }],
    });
    for (const email of ["dee@example.com", "eli@example.com"]) {
      await directory.invites.create(w.org, { email, resource: { type: "model", id: w.resourceRef, level: "edit" }, roles: [], createdBy: by });
    }
    const [forDee] = await directory.invites.acceptPending({ organizationId: w.org, userId: dee, email: "dee@example.com" });
    const [forEli] = await directory.invites.acceptPending({ organizationId: w.org, userId: eli, email: "eli@example.com" });
    expect([forDee?.guest, forEli?.guest]).to.deep.equal([false, false]);
    expect(await countRows(ctx.db, "grants", "organization_id = $1 AND source LIKE 'invite:%'", [w.org])).to.equal(0);
    expect(await sharingOf(w.resource)).to.have.deep.members([
      { principal: { type: "user", id: eli }, level: "full" },
      { principal: { type: "user", id: dee }, level: "edit" },
    ]);
  });

  it("group roles count as the person's effective membership: a sign-in claim counts, an excluded IdP membership does not", async () => {
    const w = await world();
    const fin = (await directory.users.create(w.org, { userName: "fin@example.com" })).id;
    const gil = (await directory.users.create(w.org, { userName: "gil@example.com" })).id;
    const group = (await directory.groups.create(w.org, { displayName: "Editors" })).id;
    await directory.grants.grant(w.org, { principal: { type: "group", id: group }, role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: w.workspace }, source: "manual:x" });
    await ctx.db.query(`INSERT INTO claim_memberships (organization_id, group_id, user_id, source) VALUES ($1, $2, $3, 'sso:okta')`, [w.org, group, fin]);
    await directory.memberships.add(w.org, group, [gil]);
    await directory.overrides.set(w.org, { groupId: group, userId: gil, kind: "exclude", reason: "contractor", author: "api_key:x" });
    for (const email of ["fin@example.com", "gil@example.com"]) {
      await directory.invites.create(w.org, { email, resource: { type: "model", id: w.resourceRef, level: "view" }, roles: [], createdBy: by });
    }
    const [forFin] = await directory.invites.acceptPending({ organizationId: w.org, userId: fin, email: "fin@example.com" });
    const [forGil] = await directory.invites.acceptPending({ organizationId: w.org, userId: gil, email: "gil@example.com" });
    expect([forFin?.guest, forGil?.guest]).to.deep.equal([false, true]);
  });

  it("expired and revoked invites are never taken; another organization's invite for the same address is not either", async () => {
    const w = await world();
    const other = await world();
    const expiring = await directory.invites.create(w.org, { email: "fay@example.com", roles: [{ key: "organization.viewer" }], expiresInDays: 1, createdBy: by });
    const revoked = await directory.invites.create(w.org, { email: "fay@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.viewer" }], createdBy: by });
    await directory.invites.revoke(w.org, revoked.id);
    await directory.invites.create(other.org, { email: "fay@example.com", roles: [{ key: "organization.viewer" }], createdBy: by });
    const fay = (await directory.users.create(w.org, { userName: "fay@example.com" })).id;
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await acceptPendingInvites(ctx.db, { organizationId: w.org, userId: fay, email: "fay@example.com" }, { now: later })).to.deep.equal([]);
    expect(await countRows(ctx.db, "grants", "user_id = $1", [fay])).to.equal(0);
    const statuses = (await directory.invites.list(w.org)).items.map((i) => [i.id, i.status]);
    expect(statuses).to.have.deep.members([[expiring.id, "pending"], [revoked.id, "revoked"]]);
    await expectDomainError(directory.invites.revoke(w.org, revoked.id), "conflict");
  });

  it("refuses what cannot be given, and nothing is stored", async () => {
    const w = await world();
    const other = await world();
    const cases: Array<[Parameters<Directory["invites"]["create"]>[1], DomainErrorCode]> = [
      [{ email: "not-an-address", roles: [{ key: "organization.viewer" }], createdBy: by }, "invalid_value"],
      [{ email: "a@example.com", roles: [], createdBy: by }, "invalid_value"],
      [{ email: "a@example.com", workspaceId: w.workspace, roles: [{ key: "organization.viewer" }], createdBy: by }, "invalid_value"],
      [{ email: "a@example.com", roles: [{ key: "workspace.editor" }], createdBy: by }, "invalid_value"],
      [{ email: "a@example.com", roles: [{ key: "organization.owner" }], createdBy: by }, "forbidden"],
      [{ email: "a@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.owner" }], createdBy: by }, "forbidden"],
      [{ email: "a@example.com", workspaceId: other.workspace, roles: [{ key: "workspace.viewer" }], createdBy: by }, "not_found"],
      [{ email: "a@example.com", workspaceId: w.workspace, roles: [{ id: other.custom }], createdBy: by }, "not_found"],
      [{ email: "a@example.com", workspaceId: w.workspace, roles: [{ key: "no.such.role" }], createdBy: by }, "not_found"],
      [{ email: "a@example.com", roles: [], resource: { type: "model", id: "nope", level: "view" }, createdBy: by }, "not_found"],
      [{ email: "a@example.com", roles: [], resource: { type: "model", id: w.resourceRef, level: "owner" }, createdBy: by }, "invalid_value"],
      [{ email: "a@example.com", roles: [{ key: "organization.viewer" }], expiresInDays: 400, createdBy: by }, "invalid_value"],
    ];
    for (const [body, code] of cases) await expectDomainError(directory.invites.create(w.org, body), code);
    await directory.organizations.update(w.org, { plan: "free" });
    await expectDomainError(directory.invites.create(w.org, { email: "a@example.com", workspaceId: w.workspace, roles: [{ id: w.custom }], createdBy: by }), "precondition_failed");
    expect(await countRows(ctx.db, "invites", "organization_id = $1", [w.org])).to.equal(0);
  });

  it("a second pending invite for the same address and place is a conflict; a custom role deleted later leaves the invite", async () => {
    const w = await world();
    const invite = await directory.invites.create(w.org, { email: "gus@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.viewer" }, { id: w.custom }], createdBy: by });
    const conflict = await expectDomainError(directory.invites.create(w.org, { email: "GUS@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.editor" }], createdBy: by }), "conflict");
    expect(conflict.details).to.deep.equal({ inviteId: invite.id });
    await directory.roles.remove(w.org, w.custom);
    expect((await directory.invites.get(w.org, invite.id)).roles.map((r) => r.key)).to.deep.equal(["workspace.viewer"]);
  });

  it("a custom role the plan no longer allows is skipped at sign-in, and said so; the rest is given", async () => {
    const w = await world();
    const invite = await directory.invites.create(w.org, { email: "hal@example.com", workspaceId: w.workspace, roles: [{ key: "workspace.viewer" }, { id: w.custom }], createdBy: by });
    await directory.organizations.update(w.org, { plan: "free" });
    const hal = (await directory.users.create(w.org, { userName: "hal@example.com" })).id;
    const [accepted] = await directory.invites.acceptPending({ organizationId: w.org, userId: hal, email: "hal@example.com" });
    expect(accepted?.skipped.map((s) => s.roleId)).to.deep.equal([w.custom]);
    expect(await userGrants(w.org, hal)).to.deep.equal([["workspace.viewer", "workspace", `invite:${invite.id}`]]);
  });
});
