/**
 * A small organization built the way a real one is: people and groups pushed over SCIM, workspaces, Spaces,
 * grants and attachments through the directory services — then asked about over the Access API.
 */
import { expect } from "chai";
import type { AccessTenant, AccessTestContext } from "../support/access-app.js";

export interface World {
  tenant: AccessTenant;
  users: { alice: string; bob: string; carol: string; guest: string };
  groups: { uk: string; us: string };
  prod: string;
  stage: string;
  spaces: { uk: string; us: string };
}

export async function scimUser(tenant: AccessTenant, userName: string): Promise<string> {
  const res = await tenant.scim("post", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id as string;
}

export async function scimGroup(tenant: AccessTenant, displayName: string, members: string[]): Promise<string> {
  const res = await tenant.scim("post", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id as string;
}

/**
 * alice: in UK Marketing (Editor in Acme-Prod, attached to Space UK) and US Marketing (Viewer, attached to US).
 * bob: Admin of Acme-Prod directly. carol: nothing. guest: Guest of Acme-Prod directly.
 */
export async function buildWorld(context: AccessTestContext, name = "Acme"): Promise<World> {
  const tenant = await context.newTenant(name);
  const org = tenant.organizationId;
  const { directory } = context;
  const alice = await scimUser(tenant, "alice@acme.test");
  const bob = await scimUser(tenant, "bob@acme.test");
  const carol = await scimUser(tenant, "carol@acme.test");
  const guest = await scimUser(tenant, "guest@partner.test");
  const uk = await scimGroup(tenant, "UK Marketing", [alice]);
  const us = await scimGroup(tenant, "US Marketing", [alice]);
  const prod = (await directory.workspaces.create(org, { title: "Acme-Prod", spacesEnabled: true })).id;
  const stage = (await directory.workspaces.create(org, { title: "Acme-Stage" })).id;
  const ukSpace = (await directory.spaces.create(org, prod, { name: "UK", dataFilter: "country_code in ('UK')" })).id;
  const usSpace = (await directory.spaces.create(org, prod, { name: "US", dataFilter: "country_code in ('US')" })).id;
  const source = "manual:admin@acme.test";
  await directory.grants.grant(org, { principal: { type: "group", id: uk }, role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: prod }, source });
  await directory.grants.grant(org, { principal: { type: "group", id: us }, role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: prod }, source });
  await directory.grants.grant(org, { principal: { type: "user", id: bob }, role: { key: "workspace.admin" }, scope: { type: "workspace", workspaceId: prod }, source });
  await directory.grants.grant(org, { principal: { type: "user", id: guest }, role: { key: "workspace.guest" }, scope: { type: "workspace", workspaceId: prod }, source });
  await directory.attachments.attach(org, uk, ukSpace);
  await directory.attachments.attach(org, us, usSpace);
  return { tenant, users: { alice, bob, carol, guest }, groups: { uk, us }, prod, stage, spaces: { uk: ukSpace, us: usSpace } };
}

/** Registers a resource through the API and returns the response body. */
export async function register(world: World, type: string, id: string, body: Record<string, unknown>): Promise<{ accessVersion: number }> {
  const res = await world.tenant.put(`/resources/${type}/${id}`, body);
  expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
  return res.body as { accessVersion: number };
}
