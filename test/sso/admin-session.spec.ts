/**
 * Organization admins use the Admin API with their sign-in session (issue 6): authorised by their own effective
 * access, every write needing the session's CSRF token and a same-origin Origin, and ownership transfer needing
 * a sign-in within the last five minutes (step-up).
 */
import { expect } from "chai";
import supertest from "supertest";
import { useAdminApp, expectApiError, PUBLIC_URL, type AdminTenant } from "../admin/admin-app.js";
import { transferOwnership } from "../../src/directory/ownership.service.js";
import { truncateAll } from "../support/database.js";

describe("SSO: the Admin API with a session", function () {
  this.timeout(30_000);
  const context = useAdminApp();
  let tenant: AdminTenant;

  beforeEach(async () => {
    await truncateAll(context.database);
    tenant = await context.newTenant("Acme");
  });

  /** A session for a SCIM-provisioned person, as a sign-in would issue it; returns the cookie and CSRF token. */
  async function signedIn(userName: string, authenticatedAt = new Date()): Promise<{ userId: string; cookie: string; csrf: string }> {
    const userId = await tenant.scimUser(userName);
    const { cookie, csrfToken } = await context.signIn(tenant.organizationId, userId, { authenticatedAt });
    return { userId, cookie, csrf: csrfToken };
  }

  const asPerson = (cookie: string) => ({
    get: (path: string) => supertest(context.app).get(`/admin/v1${path}`).set("Cookie", cookie),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      supertest(context.app).post(`/admin/v1${path}`).set({ Cookie: cookie, "Content-Type": "application/json", ...headers }).send(JSON.stringify(body)),
  });

  async function grantOrganizationRole(userId: string, key: string): Promise<void> {
    const res = await tenant.admin("post", `/users/${userId}/grants`, { role: { key }, scope: { type: "organization" } });
    expect(res.status, res.text).to.equal(201);
  }

  it("lets an Organization Admin read and write with the session, the write needing the CSRF token and Origin", async () => {
    const admin = await signedIn("ada@acme.test");
    await grantOrganizationRole(admin.userId, "organization.admin");
    const person = asPerson(admin.cookie);
    expect((await person.get("/workspaces")).status).to.equal(200);

    expectApiError(await person.post("/workspaces", { title: "Prod" }), 403, "csrf_failed");
    expectApiError(await person.post("/workspaces", { title: "Prod" }, { Origin: "https://evil.example", "X-CSRF-Token": admin.csrf }), 403, "csrf_failed");
    expectApiError(await person.post("/workspaces", { title: "Prod" }, { Origin: PUBLIC_URL, "X-CSRF-Token": "forged" }), 403, "csrf_failed");
    expect((await tenant.admin("get", "/workspaces")).body.total).to.equal(0);

    const created = await person.post("/workspaces", { title: "Prod" }, { Origin: PUBLIC_URL, "X-CSRF-Token": admin.csrf });
    expect(created.status, created.text).to.equal(201);
    const event = (await tenant.events()).find((e) => e.action.startsWith("workspace.") && e.targetId === created.body.id);
    expect(event?.actorType).to.equal("user");
    expect(event?.actorId).to.equal(admin.userId);
  });

  it("refuses a person without the permission, naming it", async () => {
    const viewer = await signedIn("val@acme.test");
    const person = asPerson(viewer.cookie);
    const error = expectApiError(await person.post("/workspaces", { title: "Prod" }, { Origin: PUBLIC_URL, "X-CSRF-Token": viewer.csrf }), 403, "forbidden");
    expect(error.details?.permission).to.be.a("string");
    expect((await tenant.admin("get", "/workspaces")).body.total).to.equal(0);
  });

  it("answers 401 to a request with neither a key nor a live session", async () => {
    const res = await supertest(context.app).get("/admin/v1/workspaces").set("Cookie", "__Host-gatehouse_session=unknown");
    expectApiError(res, 401, "unauthorized");
  });

  it("lets the Owner transfer ownership only with a sign-in from the last five minutes (step-up)", async () => {
    const owner = await signedIn("olivia@acme.test", new Date(Date.now() - 10 * 60_000));
    const heir = await tenant.scimUser("hank@acme.test");
    await transferOwnership(context.db, { organizationId: tenant.organizationId, fromUserId: null, toUserId: owner.userId, confirm: "Acme", actor: { type: "cli", osUser: "test", reason: "first owner" } });
    const person = asPerson(owner.cookie);
    const headers = { Origin: PUBLIC_URL, "X-CSRF-Token": owner.csrf };
    const stale = expectApiError(await person.post("/ownership/transfer", { toUserId: heir, confirm: "Acme" }, headers), 403, "step_up_required");
    expect(String(stale.details?.stepUpUrl)).to.match(/^\/auth\/step-up/);
    expect((await tenant.admin("get", "/ownership")).body.organization.owner.id).to.equal(owner.userId);

    await context.db.query(`UPDATE sessions SET authenticated_at = now() WHERE user_id = $1`, [owner.userId]);
    const done = await person.post("/ownership/transfer", { toUserId: heir, confirm: "Acme" }, headers);
    expect(done.status, done.text).to.equal(200);
    expect((await tenant.admin("get", "/ownership")).body.organization.owner.id).to.equal(heir);
  });
});
