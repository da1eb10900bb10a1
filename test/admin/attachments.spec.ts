import { expect } from "chai";
import supertest from "supertest";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface Attachment {
  groupId: string;
  spaceId: string;
  groupName: string;
  spaceName: string;
}

describe("Admin API: Space attachments, from the Space's side and from the group's", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let prod: string;
  let uk: string;
  let us: string;
  let alice: string;
  let marketing: string;
  let sales: string;
  let foreignGroup: string;
  let foreignSpace: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod", spacesEnabled: true })).body.id as string;
    uk = (await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "UK" })).body.id as string;
    us = (await tenant.admin("post", `/workspaces/${prod}/spaces`, { name: "US" })).body.id as string;
    alice = await tenant.scimUser("alice@acme.test");
    marketing = await tenant.scimGroup("Marketing", [alice]);
    sales = await tenant.scimGroup("Sales");
    await context.directory.grants.grant(tenant.organizationId, {
      principal: { type: "group", id: marketing },
      role: { key: "workspace.editor" },
      scope: { type: "workspace", workspaceId: prod },
      source: "manual:test",
    });
    foreignGroup = await other.scimGroup("Globex Team");
    const foreignWorkspace = (await other.admin("post", "/workspaces", { title: "Globex Prod", spacesEnabled: true })).body.id as string;
    foreignSpace = (await other.admin("post", `/workspaces/${foreignWorkspace}/spaces`, { name: "EU" })).body.id as string;
  });

  const pairs = (items: Attachment[]) => items.map((item) => `${item.groupId}→${item.spaceId}`).sort();

  /** Every Space's view and every group's view list the same attachments. */
  async function expectViewsAgree(): Promise<string[]> {
    const bySpace: Attachment[] = [];
    for (const space of [uk, us]) bySpace.push(...((await tenant.admin("get", `/spaces/${space}/groups`)).body.items as Attachment[]));
    const byGroup: Attachment[] = [];
    for (const group of [marketing, sales]) byGroup.push(...((await tenant.admin("get", `/groups/${group}/spaces`)).body.items as Attachment[]));
    expect(pairs(bySpace)).to.deep.equal(pairs(byGroup));
    return pairs(bySpace);
  }

  it("attaching from the Space's side: 201, one event, seen from both sides; again (either side) 200 and no event", async () => {
    const before = (await tenant.events()).length;
    const res = await tenant.admin("put", `/spaces/${uk}/groups/${marketing}`);
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ groupId: marketing, groupName: "Marketing", spaceId: uk, spaceName: "UK", workspaceId: prod });
    expect(await expectViewsAgree()).to.deep.equal([`${marketing}→${uk}`]);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.actorType, e.actorId, e.action, e.targetType, e.targetId])).to.deep.equal([["api_key", tenant.keyId, "space.group.attach", "space", uk]]);
    expect(events[0]?.details).to.deep.include({ groupId: marketing, before: null, after: res.body });

    expect((await tenant.admin("put", `/spaces/${uk}/groups/${marketing}`)).status).to.equal(200);
    const again = await tenant.admin("put", `/groups/${marketing.toUpperCase()}/spaces/${uk}`);
    expect(again.status, again.text).to.equal(200);
    expect(again.body).to.deep.equal(res.body);
    expect((await tenant.events()).length).to.equal(before + 1);
  });

  it("attaching from the group's side is the same attachment, seen from the Space's side", async () => {
    const res = await tenant.admin("put", `/groups/${sales}/spaces/${us}`);
    expect(res.status, res.text).to.equal(201);
    expect((await tenant.admin("get", `/spaces/${us}/groups`)).body.items).to.deep.equal([res.body]);
    expect(await expectViewsAgree()).to.have.length(2);
  });

  it("detaching from either side removes it from both views, with one event; detaching again is 404 with no event", async () => {
    expect((await tenant.admin("put", `/spaces/${us}/groups/${marketing}`)).status).to.equal(201);
    const before = (await tenant.events()).length;
    const res = await tenant.admin("delete", `/groups/${marketing}/spaces/${us}`);
    expect(res.status, res.text).to.equal(204);
    expect(await expectViewsAgree()).not.to.include(`${marketing}→${us}`);
    const events = (await tenant.events()).slice(before);
    expect(events.map((e) => [e.action, e.targetId, e.details.groupId])).to.deep.equal([["space.group.detach", us, marketing]]);
    expect(events[0]?.details.after).to.equal(null);
    expect(events[0]?.details.before).to.include({ groupId: marketing, spaceId: us });

    expectApiError(await tenant.admin("delete", `/spaces/${us}/groups/${marketing}`), 404, "not_found");
    expect((await tenant.events()).length).to.equal(before + 1);
  });

  it("404 for unknown or malformed ids and for another organization's group or Space, on both sides; nothing changed", async () => {
    const agreed = await expectViewsAgree();
    const before = await tenant.events();
    const refused: Array<[string, string]> = [
      ["put", `/spaces/${uk}/groups/${UNKNOWN}`],
      ["put", `/spaces/${UNKNOWN}/groups/${sales}`],
      ["put", `/spaces/not-a-uuid/groups/${sales}`],
      ["put", `/spaces/${uk}/groups/${foreignGroup}`],
      ["put", `/spaces/${foreignSpace}/groups/${sales}`],
      ["put", `/groups/${foreignGroup}/spaces/${uk}`],
      ["put", `/groups/${sales}/spaces/${foreignSpace}`],
      ["delete", `/groups/${UNKNOWN}/spaces/${uk}`],
      ["get", `/spaces/${UNKNOWN}/groups`],
      ["get", `/groups/${UNKNOWN}/spaces`],
      ["get", `/groups/${foreignGroup}/spaces`],
      ["get", `/spaces/${foreignSpace}/groups`],
    ];
    for (const [method, path] of refused) {
      expectApiError(await tenant.admin(method as "put" | "delete" | "get", path), 404, "not_found");
    }
    // The other organization cannot read or change this one's attachments either.
    expectApiError(await other.admin("get", `/spaces/${uk}/groups`), 404, "not_found");
    expectApiError(await other.admin("delete", `/spaces/${uk}/groups/${marketing}`), 404, "not_found");
    expectApiError(await other.admin("put", `/groups/${marketing}/spaces/${us}`), 404, "not_found");
    expect(await expectViewsAgree()).to.deep.equal(agreed);
    expect(await tenant.events()).to.deep.equal(before);
    expect((await other.admin("get", `/groups/${foreignGroup}/spaces`)).body.items).to.deep.equal([]);
  });

  it("a change is visible to an Access API check on the same instance at once", async () => {
    const check = async () => {
      const res = await tenant.access("post", "/check", { userId: alice, permission: "audience:read", workspaceId: prod, spaceId: us });
      expect(res.status, res.text).to.equal(200);
      return res.body.allowed as boolean;
    };
    const told = context.instance.afterWrites;
    // Warm this instance's cache first, so the next answers need the engine to learn the new version.
    expect(await check()).to.equal(false);
    expect(await check()).to.equal(false);
    const count = told.length;
    expect((await tenant.admin("put", `/groups/${marketing}/spaces/${us}`)).status).to.equal(201);
    // The engine was told before the response left (the NOTIFY alone may arrive after the next check).
    expect(told.slice(count)).to.deep.equal([tenant.organizationId]);
    expect(await check()).to.equal(true);
    expect((await tenant.admin("delete", `/spaces/${us}/groups/${marketing}`)).status).to.equal(204);
    expect(told.slice(count)).to.deep.equal([tenant.organizationId, tenant.organizationId]);
    expect(await check()).to.equal(false);
  });

  it("a refused write (404, 405, 403) does not call the engine", async () => {
    const count = context.instance.afterWrites.length;
    await tenant.admin("put", `/spaces/${uk}/groups/${UNKNOWN}`);
    await tenant.admin("post", `/spaces/${uk}/groups/${sales}`, {});
    await tenant.admin("delete", `/workspaces/${prod}`);
    expect(context.instance.afterWrites.length).to.equal(count);
  });

  it("405 with Allow on both sides", async () => {
    const one = await tenant.admin("post", `/spaces/${uk}/groups/${sales}`, {});
    expectApiError(one, 405, "method_not_allowed");
    expect(one.headers.allow).to.equal("PUT, DELETE");
    const list = await tenant.admin("post", `/groups/${sales}/spaces`, {});
    expectApiError(list, 405, "method_not_allowed");
    expect(list.headers.allow).to.equal("GET");
  });

  // fetch() and superagent send "Content-Length: 0" and no Content-Type for a body-less PUT.
  it("PUT with no body and no Content-Type attaches (an empty body is no body)", async () => {
    const res = await supertest(context.app).put(`/admin/v1/spaces/${uk}/groups/${sales}`).set("Authorization", `Bearer ${tenant.apiKey}`);
    expect(res.status, res.text).to.be.oneOf([200, 201]);
  });
});
