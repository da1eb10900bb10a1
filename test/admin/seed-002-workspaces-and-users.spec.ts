/**
 * Seed 002 ("Workspaces & users"): workspaces listed with search, sort and paging; the organization's users and
 * a workspace's tab; organization- and workspace-level roles, several at once and additive; one Owner per
 * organization and per workspace who cannot be removed but transfers ownership (protected by a fresh
 * sign-in); the audit log records it. Through the Admin API (an operator key, and a signed-in Owner's session),
 * SCIM and /access/v1/check.
 */
import { expect } from "chai";
import { transferOwnership } from "../../src/directory/ownership.service.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

describe("seed 002: workspaces and users", () => {
  const context = useAdminApp();
  let acme: AdminTenant;
  let branches: Record<string, string>;
  const people: Record<string, string> = {};

  const check = async (userId: string, permission: string, workspaceId?: string) => {
    const res = await acme.access("post", "/check", { userId, permission, ...(workspaceId ? { workspaceId } : {}) });
    expect(res.status, res.text).to.equal(200);
    return res.body.allowed as boolean;
  };
  const grantUser = async (userId: string, key: string, workspaceId?: string) => {
    const scope = workspaceId ? { type: "workspace", workspaceId } : { type: "organization" };
    const res = await acme.admin("post", `/users/${userId}/grants`, { role: { key }, scope });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };

  /** An Admin API call as a person signed in through SSO (their session cookie, CSRF token and our Origin). */
  async function asPerson(userId: string, signedInSecondsAgo = 0) {
    const person = await context.signIn(acme.organizationId, userId, { authenticatedAt: new Date(Date.now() - signedInSecondsAgo * 1000), ip: "203.0.113.9" });
    return (method: "get" | "post", path: string, body?: unknown) => person.admin(method, path, body);
  }
  const owner = async () => (await acme.admin("get", "/ownership")).body as { organization: { owner: { id: string } | null }; workspaces: Array<{ workspaceId: string; owner: { id: string } | null; ownedBy: string }> };

  before(async () => {
    acme = await context.newTenant("Acme Retail");
    for (const name of ["olga", "pete", "rita", "sam"]) people[name] = await acme.scimUser(`${name}@acme.test`);
    branches = {};
    for (const title of ["Leeds Branch", "Bristol Branch", "Head Office", "York Branch", "Bath Branch"]) {
      branches[title] = (await acme.admin("post", "/workspaces", { title })).body.id as string;
    }
  });

  it("workspaces: one per unit, searched and sorted by title or creation date, long lists paginated", async () => {
    const titles = async (query: string) => ((await acme.admin("get", `/workspaces${query}`)).body.items as Array<{ title: string }>).map((w) => w.title);
    expect(await titles("?sort=title")).to.deep.equal(["Bath Branch", "Bristol Branch", "Head Office", "Leeds Branch", "York Branch"]);
    expect(await titles("?sort=created&order=desc")).to.deep.equal(["Bath Branch", "York Branch", "Head Office", "Bristol Branch", "Leeds Branch"]);
    expect(await titles("?q=branch&sort=title&limit=2&offset=2")).to.deep.equal(["Leeds Branch", "York Branch"]);
    const page = (await acme.admin("get", "/workspaces?q=branch&limit=2")).body as { total: number; limit: number };
    expect(page).to.include({ total: 4, limit: 2 });
  });

  it("roles at two levels, several at once and additive: an organization baseline refined per workspace; removing one narrows", async () => {
    const rita = people.rita as string;
    const leeds = branches["Leeds Branch"] as string;
    const york = branches["York Branch"] as string;
    await grantUser(rita, "organization.viewer");
    const editor = await grantUser(rita, "workspace.editor", leeds);
    await grantUser(rita, "workspace.viewer", york);
    expect(await check(rita, "users:read")).to.equal(true);
    expect(await check(rita, "organization:manage")).to.equal(false);
    expect(await check(rita, "model:create", leeds)).to.equal(true);
    expect(await check(rita, "model:create", york)).to.equal(false);
    expect(await check(rita, "workspace:read", branches["Bath Branch"])).to.equal(false);
    expect((await acme.admin("delete", `/grants/${editor}`)).status).to.equal(204);
    expect(await check(rita, "model:create", leeds)).to.equal(false);
    expect(await check(rita, "users:read")).to.equal(true);
  });

  it("users: everyone in the organization, or one workspace's tab with only the people who have access there", async () => {
    const all = (await acme.admin("get", "/users")).body as { items: Array<{ userName: string }>; total: number };
    expect(all.total).to.equal(4);
    await grantUser(people.sam as string, "workspace.viewer", branches["Head Office"]);
    const tab = (await acme.admin("get", `/workspaces/${branches["Head Office"]}/users`)).body as { items: Array<{ userName: string }> };
    expect(tab.items.map((person) => person.userName)).to.deep.equal(["sam@acme.test"]);
  });

  it("one Owner per organization: API keys and non-owners cannot transfer; the Owner can't simply be removed", async () => {
    await transferOwnership(context.db, { organizationId: acme.organizationId, fromUserId: null, toUserId: people.olga as string, actor: { type: "cli", osUser: "ops", reason: "founder" } });
    await context.instance.engine.afterWrite(acme.organizationId);
    expectApiError(await acme.admin("post", "/ownership/transfer", { toUserId: people.pete, confirm: "Acme Retail" }), 403, "forbidden");
    await grantUser(people.pete as string, "organization.admin");
    const byAdmin = await (await asPerson(people.pete as string))("post", "/ownership/transfer", { toUserId: people.pete, confirm: "Acme Retail" });
    expect(expectApiError(byAdmin, 403, "forbidden").details).to.deep.include({ permission: "organization:transfer" });
    const ownerGrant = ((await acme.admin("get", `/users/${people.olga}/grants`)).body.items as Array<{ id: string; role: { key: string } }>).find((g) => g.role.key === "organization.owner");
    expectApiError(await acme.admin("delete", `/grants/${ownerGrant?.id}`), 409, "conflict");
    expect((await owner()).organization.owner?.id).to.equal(people.olga);
  });

  it("the Owner transfers ownership with a password-grade check (a fresh sign-in) and the name typed again; the former Owner stays an Admin; audited", async () => {
    const olga = people.olga as string;
    const stale = await (await asPerson(olga, 3600))("post", "/ownership/transfer", { toUserId: people.pete, confirm: "Acme Retail" });
    expectApiError(stale, 403, "step_up_required");
    const fresh = await asPerson(olga);
    expectApiError(await fresh("post", "/ownership/transfer", { toUserId: people.pete, confirm: "Acme" }), 400, "invalid_value");
    expect((await owner()).organization.owner?.id).to.equal(olga);
    const res = await fresh("post", "/ownership/transfer", { toUserId: people.pete, confirm: "Acme Retail" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.include({ owner: { id: people.pete, userName: "pete@acme.test" }, previousOwnerKeeps: { key: "organization.admin", name: "Organization Admin" } });
    expect(res.body.note).to.match(/olga@acme\.test keeps Organization Admin/);
    expect((await owner()).organization.owner?.id).to.equal(people.pete);
    expect(await check(olga, "organization:manage")).to.equal(true);
    expect(await check(olga, "organization:delete")).to.equal(false);
    const audit = (await acme.admin("get", "/audit?action=ownership.*")).body.items as Array<{ action: string; actor: { type: string; id: string } }>;
    expect(audit.map((event) => [event.action, event.actor.type, event.actor.id])).to.deep.equal([
      ["ownership.transfer", "user", olga],
      ["ownership.break_glass_transfer", "cli", "ops"],
    ]);
  });

  it("one Owner per workspace: the organization Owner names it, the workspace Owner hands it on; each workspace has its own", async () => {
    const leeds = branches["Leeds Branch"] as string;
    const pete = await asPerson(people.pete as string);
    const named = await pete("post", `/workspaces/${leeds}/ownership/transfer`, { toUserId: people.rita, confirm: "Leeds Branch" });
    expect(named.status, named.text).to.equal(200);
    expect(named.body.previousOwner).to.equal(null);
    const rita = await asPerson(people.rita as string);
    expectApiError(await rita("post", `/workspaces/${branches["York Branch"]}/ownership/transfer`, { toUserId: people.sam, confirm: "York Branch" }), 403, "forbidden");
    const handed = await rita("post", `/workspaces/${leeds}/ownership/transfer`, { toUserId: people.sam, confirm: "Leeds Branch" });
    expect(handed.status, handed.text).to.equal(200);
    expect(handed.body.previousOwnerKeeps).to.deep.equal({ key: "workspace.admin", name: "Admin" });
    const view = await owner();
    expect(view.workspaces.find((w) => w.workspaceId === leeds)).to.deep.include({ ownedBy: "workspace", owner: { id: people.sam, userName: "sam@acme.test", active: true } });
    expect(view.workspaces.filter((w) => w.ownedBy === "organization")).to.have.length(4);
    expect(await check(people.sam as string, "workspace:delete", leeds)).to.equal(true);
    expect(await check(people.sam as string, "workspace:delete", branches["York Branch"])).to.equal(false);
  });
});
