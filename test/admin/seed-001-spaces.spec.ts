/**
 * Seed 001 ("Spaces"): Spaces partition one workspace; audiences and syncs belong to one Space, sources,
 * destinations and models are shared; access to a Space is through user groups attached from either side;
 * workspace admins see every Space. Reproduced through the Admin API, SCIM and /access/v1.
 */
import { expect } from "chai";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

describe("seed 001: Spaces", () => {
  const context = useAdminApp();
  let acme: AdminTenant;
  let prod: string;
  let uk: string;
  let us: string;
  let ukMarketing: string;
  let usMarketing: string;
  const people: Record<string, string> = {};

  const check = async (userId: string, permission: string, where: Record<string, unknown>) => {
    const res = await acme.access("post", "/check", { userId, permission, ...where });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const on = (type: string, id: string) => ({ resource: { type, id } });
  const register = async (type: string, id: string, spaceId: string | null) => {
    const res = await acme.access("put", `/resources/${type}/${id}`, { workspaceId: prod, spaceId });
    expect(res.status, res.text).to.be.oneOf([200, 201]);
  };
  const grant = async (groupId: string, key: string) => {
    const res = await acme.admin("post", `/groups/${groupId}/grants`, { role: { key }, scope: { type: "workspace", workspaceId: prod } });
    expect(res.status, res.text).to.equal(201);
  };

  before(async () => {
    acme = await context.newTenant("Acme");
    for (const name of ["uma", "ulf", "vic", "gil", "ada"]) people[name] = await acme.scimUser(`${name}@acme.test`);
    prod = (await acme.admin("post", "/workspaces", { title: "Production" })).body.id as string;
  });

  it("Spaces exist only where they are enabled for the workspace", async () => {
    const refused = expectApiError(await acme.admin("post", `/workspaces/${prod}/spaces`, { name: "UK" }), 412, "precondition_failed");
    expect(refused.message).to.match(/not enabled/);
    expect((await acme.admin("get", `/workspaces/${prod}/spaces`)).body.total).to.equal(0);
    expect((await acme.admin("patch", `/workspaces/${prod}`, { spacesEnabled: true })).status).to.equal(200);
    const created = await acme.admin("post", `/workspaces/${prod}/spaces`, { name: "UK", description: "UK brand team", dataFilter: "country_code in ('UK')" });
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.deep.include({ name: "UK", description: "UK brand team", dataFilter: "country_code in ('UK')" });
    uk = created.body.id as string;
    us = (await acme.admin("post", `/workspaces/${prod}/spaces`, { name: "US", dataFilter: "country_code in ('US')" })).body.id as string;
    expectApiError(await acme.admin("post", `/workspaces/${prod}/spaces`, { name: "uk" }), 409, "conflict");
  });

  it("user groups are attached to a Space from the Space's side or the group's side, and both views agree", async () => {
    ukMarketing = await acme.scimGroup("UK Marketing", [people.uma as string, people.ulf as string]);
    usMarketing = await acme.scimGroup("US Marketing", [people.vic as string]);
    expect((await acme.admin("put", `/spaces/${uk}/groups/${ukMarketing}`)).status).to.equal(201);
    expect((await acme.admin("put", `/groups/${usMarketing}/spaces/${us}`)).status).to.equal(201);
    const fromSpace = (await acme.admin("get", `/spaces/${uk}/groups`)).body.items as Array<{ groupId: string; spaceId: string }>;
    const fromGroup = (await acme.admin("get", `/groups/${ukMarketing}/spaces`)).body.items as Array<{ groupId: string; spaceId: string }>;
    expect(fromSpace.map((a) => [a.groupId, a.spaceId])).to.deep.equal([[ukMarketing, uk]]);
    expect(fromGroup).to.deep.equal(fromSpace);
    expect(((await acme.admin("get", `/spaces/${us}/groups`)).body.items as Array<{ groupId: string }>).map((a) => a.groupId)).to.deep.equal([usMarketing]);
    await grant(ukMarketing, "workspace.editor");
    await grant(usMarketing, "workspace.editor");
    await register("audience", "uk-winback", uk);
    await register("sync", "uk-winback-sync", uk);
    await register("audience", "us-prospects", us);
    await register("model", "customers", null);
    await register("source", "warehouse", null);
  });

  it("audiences and syncs are visible and editable only in their own Space", async () => {
    const uma = people.uma as string;
    expect(await check(uma, "audience:update", on("audience", "uk-winback"))).to.equal(true);
    expect(await check(uma, "sync:update", on("sync", "uk-winback-sync"))).to.equal(true);
    expect(await check(uma, "audience:read", on("audience", "us-prospects"))).to.equal(false);
    expect(await check(uma, "audience:update", on("audience", "us-prospects"))).to.equal(false);
    expect(await check(uma, "audience:create", { workspaceId: prod, spaceId: uk })).to.equal(true);
    expect(await check(uma, "audience:create", { workspaceId: prod, spaceId: us })).to.equal(false);
  });

  it("sources, destinations, schema and models are shared across all Spaces", async () => {
    for (const person of [people.uma, people.vic] as string[]) {
      expect(await check(person, "model:read", on("model", "customers"))).to.equal(true);
      expect(await check(person, "source:read", on("source", "warehouse"))).to.equal(true);
    }
  });

  it("workspace admins keep cross-Space visibility; a central team attached to several Spaces works in each", async () => {
    const admins = await acme.scimGroup("Global Admins", [people.ada as string]);
    await grant(admins, "workspace.admin");
    for (const id of ["uk-winback", "us-prospects"]) expect(await check(people.ada as string, "audience:delete", on("audience", id))).to.equal(true);
    const central = await acme.scimGroup("Central CRM", [people.gil as string]);
    await grant(central, "workspace.viewer");
    expect(await check(people.gil as string, "audience:read", on("audience", "uk-winback"))).to.equal(false);
    for (const space of [uk, us]) expect((await acme.admin("put", `/spaces/${space}/groups/${central}`)).status).to.equal(201);
    for (const id of ["uk-winback", "us-prospects"]) expect(await check(people.gil as string, "audience:read", on("audience", id))).to.equal(true);
    expect(await check(people.gil as string, "audience:update", on("audience", "us-prospects"))).to.equal(false);
  });

  it("a person in an Editor group attached to UK and a Viewer group attached to US is Editor in UK and Viewer in US, never Editor in US", async () => {
    const ulf = people.ulf as string;
    const usReaders = await acme.scimGroup("US Readers", [ulf]);
    await grant(usReaders, "workspace.viewer");
    expect((await acme.admin("put", `/groups/${usReaders}/spaces/${us}`)).status).to.equal(201);
    expect(await check(ulf, "audience:update", on("audience", "uk-winback"))).to.equal(true);
    expect(await check(ulf, "audience:read", on("audience", "us-prospects"))).to.equal(true);
    expect(await check(ulf, "audience:update", on("audience", "us-prospects"))).to.equal(false);
    const effective = await acme.access("get", `/users/${ulf}/effective`);
    const spaces = (effective.body.workspaces[0].spaces as Array<{ name: string; dataFilter: string | null }>).map((s) => [s.name, s.dataFilter]);
    expect(spaces).to.deep.equal([["UK", "country_code in ('UK')"], ["US", "country_code in ('US')"]]);
  });

  it("group membership is managed separately (here by the identity provider): leaving UK Marketing ends the UK access; detaching the group too", async () => {
    const uma = people.uma as string;
    const removed = await acme.scim("patch", `/Groups/${ukMarketing}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "remove", path: `members[value eq "${uma}"]` }],
    });
    expect(removed.status).to.be.oneOf([200, 204]);
    expect(await check(uma, "audience:read", on("audience", "uk-winback"))).to.equal(false);
    expect(await check(people.ulf as string, "audience:update", on("audience", "uk-winback"))).to.equal(true);
    expect((await acme.admin("delete", `/groups/${ukMarketing}/spaces/${uk}`)).status).to.equal(204);
    expect(await check(people.ulf as string, "audience:update", on("audience", "uk-winback"))).to.equal(false);
    expect((await acme.admin("get", `/spaces/${uk}/groups`)).body.items.map((a: { groupId: string }) => a.groupId)).not.to.include(ukMarketing);
  });
});
