import { expect } from "chai";
import type { ScimTenant } from "../../support/scim-app.js";
import { useScimApp } from "../../support/scim-app.js";
import { brief, createGroup, createUser, expectScimError, GROUP_SCHEMA, idOf, memberIdsOf, patchBody, seedUsers, snapshot, type Json } from "./scim-helpers.js";

const members = (ids: string[]) => ids.map((value) => ({ value }));
const sorted = (ids: string[]) => [...ids].sort();

/** IDP-TRAFFIC "Where existing servers fail": member changes are deltas, exact, atomic and never lost. */
describe("SCIM group membership PATCH", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let users: string[];

  before(async () => {
    tenant = await ctx.newTenant();
    users = await seedUsers(ctx, tenant.organizationId, "member-", 220);
  });

  async function patchGroup(group: Json, ...operations: Json[]): Promise<void> {
    const before = await tenant.get(`/Groups/${idOf(group)}`).query({ excludedAttributes: "members" }).expect(200);
    const res = await tenant.patch(`/Groups/${idOf(group)}`, patchBody(...operations));
    expect(res.status, brief(res.body)).to.equal(204);
    expect(res.headers.etag).to.match(/^W\/"\d+"$/);
    // The 204's ETag is the version now stored: a client may send it as If-Match next.
    const after = await tenant.get(`/Groups/${idOf(group)}`).query({ excludedAttributes: "members" }).expect(200);
    expect(res.headers.etag).to.equal(after.headers.etag);
    expect(after.body.meta.lastModified >= before.body.meta.lastModified).to.equal(true);
  }

  const u = (i: number): string => users[i] as string;

  it("adds members with add path=members and answers 204", async () => {
    const group = await createGroup(tenant, "Adders");
    await patchGroup(group, { op: "add", path: "members", value: members([u(0), u(1)]) });
    await patchGroup(group, { op: "Add", path: "members", value: members([u(2)]) });
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(0), u(1), u(2)]));
  });

  it("removes only the listed members for Entra legacy Remove path=members value=[…] (the data-loss bug)", async () => {
    const group = await createGroup(tenant, "Entra Legacy", [u(0), u(1), u(2), u(3), u(4)]);
    await patchGroup(group, { op: "Remove", path: "members", value: members([u(1), u(3)]) });
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(0), u(2), u(4)]));
  });

  it("removes one member with members[value eq \"id\"] (Okta, Entra aadOptscim062020)", async () => {
    const group = await createGroup(tenant, "Value Eq", [u(0), u(1), u(2)]);
    await patchGroup(group, { op: "remove", path: `members[value eq "${u(1)}"]` });
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(0), u(2)]));
  });

  it("replaces the whole set with replace path=members", async () => {
    const group = await createGroup(tenant, "Replaced", [u(0), u(1)]);
    await patchGroup(group, { op: "replace", path: "members", value: members([u(1), u(5), u(6)]) });
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(1), u(5), u(6)]));
  });

  it("takes Okta's path-less replace {id, displayName} before a membership update, keeping the members", async () => {
    const group = await createGroup(tenant, "Okta Before", [u(0)]);
    await patchGroup(group, { op: "replace", value: { id: idOf(group), displayName: "Okta After" } });
    await patchGroup(group, { op: "add", path: "members", value: members([u(7)]) });
    const read = await snapshot(tenant, `/Groups/${idOf(group)}`);
    expect(read.displayName).to.equal("Okta After");
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(0), u(7)]));
  });

  it("succeeds without change when adding an existing member or removing an absent one", async () => {
    const group = await createGroup(tenant, "Idempotent", [u(0), u(1)]);
    const before = await snapshot(tenant, `/Groups/${idOf(group)}`);
    await patchGroup(group, { op: "add", path: "members", value: members([u(0)]) });
    await patchGroup(group, { op: "remove", path: "members", value: members([u(9)]) });
    await patchGroup(group, { op: "remove", path: `members[value eq "${u(10)}"]` });
    expect(await snapshot(tenant, `/Groups/${idOf(group)}`)).to.deep.equal(before);
  });

  it("answers 400 for an unknown member id and changes nothing", async () => {
    const group = await createGroup(tenant, "Unknown Member", [u(0)]);
    const before = await snapshot(tenant, `/Groups/${idOf(group)}`);
    for (const value of ["0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11", "not-a-uuid"]) {
      expectScimError(await tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: [{ value: u(1) }, { value }] })), 400, "invalidValue");
    }
    expect(await snapshot(tenant, `/Groups/${idOf(group)}`)).to.deep.equal(before);
  });

  it("applies several member operations all or nothing: a bad last operation applies none", async () => {
    const group = await createGroup(tenant, "Atomic Members", [u(0), u(1)]);
    const before = await snapshot(tenant, `/Groups/${idOf(group)}`);
    const bad = await tenant.patch(`/Groups/${idOf(group)}`, patchBody(
      { op: "replace", value: { displayName: "Atomic Renamed" } },
      { op: "add", path: "members", value: members([u(2), u(3)]) },
      { op: "remove", path: "members", value: members([u(0)]) },
      { op: "add", path: "members", value: members(["0b0f9d5e-2c1e-4a58-9f57-2f1f3c1d7a11"]) },
    ));
    expectScimError(bad, 400, "invalidValue");
    expectScimError(await tenant.patch(`/Groups/${idOf(group)}`, patchBody(
      { op: "add", path: "members", value: members([u(2)]) },
      { op: "remove", path: 'members[display eq "someone"]' },
    )), 400, "invalidFilter");
    expect(await snapshot(tenant, `/Groups/${idOf(group)}`)).to.deep.equal(before);
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(0), u(1)]));

    await patchGroup(group,
      { op: "add", path: "members", value: members([u(2), u(3)]) },
      { op: "remove", path: "members", value: members([u(0)]) },
      { op: "remove", path: `members[value eq "${u(3)}"]` },
    );
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted([u(1), u(2)]));
  });

  it("loses nothing when 10 PATCHes run in parallel, each adding 20 different users", async () => {
    const group = await createGroup(tenant, "Concurrent");
    const batches = Array.from({ length: 10 }, (_, i) => users.slice(i * 20, i * 20 + 20));
    const responses = await Promise.all(batches.map((batch) => tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: members(batch) }))));
    expect(responses.map((res) => res.status)).to.deep.equal(Array<number>(10).fill(204));
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted(users.slice(0, 200)));
  });

  it("never answers 500 when a user is deleted while other requests change its groups (regression: FK race, deadlock)", async () => {
    const groups = [await createGroup(tenant, "Racing A"), await createGroup(tenant, "Racing B"), await createGroup(tenant, "Racing C")];
    const spare = await createGroup(tenant, "Racing Spare");
    for (let i = 0; i < 20; i += 1) {
      const user = idOf(await createUser(tenant, `racing-${i}@example.com`));
      for (const group of groups) await patchGroup(group, { op: "add", path: "members", value: members([user, u(0)]) });
      const responses = await Promise.all([
        tenant.delete(`/Users/${user}`),
        tenant.patch(`/Groups/${idOf(spare)}`, patchBody({ op: "add", path: "members", value: members([user]) })),
        tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: `Racing ${i}`, members: members([user]) }),
        ...groups.map((group, g) => g % 2 === 0
          ? tenant.put(`/Groups/${idOf(group)}`, { schemas: [GROUP_SCHEMA], displayName: String(group.displayName), members: members([u(0)]) })
          : tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "remove", path: "members", value: members([user]) }))),
      ]);
      for (const res of responses) {
        expect(res.status, brief(res.body)).to.be.oneOf([200, 201, 204, 400]);
        if (res.status === 400) expectScimError(res, 400, "invalidValue");
      }
      for (const group of groups) expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal([u(0)]);
      expect(await memberIdsOf(ctx, idOf(spare))).to.deep.equal([]);
    }
  });

  it("loses nothing when parallel PATCHes add and remove different members", async () => {
    const group = await createGroup(tenant, "Concurrent Mixed", users.slice(0, 100));
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "Remove", path: "members", value: members(users.slice(i * 10, i * 10 + 10)) }))),
      ...Array.from({ length: 5 }, (_, i) => tenant.patch(`/Groups/${idOf(group)}`, patchBody({ op: "add", path: "members", value: members(users.slice(100 + i * 10, 110 + i * 10)) }))),
    ]);
    expect(responses.map((res) => res.status)).to.deep.equal(Array<number>(10).fill(204));
    expect(await memberIdsOf(ctx, idOf(group))).to.deep.equal(sorted(users.slice(50, 150)));
  });
});
