import { expect } from "chai";
import { loadUserFacts, type UserFacts } from "../../src/store/access.repository.js";
import { loadSeatFacts } from "../../src/store/seats.repository.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

interface Holder {
  userId: string;
  userName: string;
  role: { id: string; name: string; level: string; builtIn: boolean };
  workspace?: { id: string; title: string };
}
interface SeatCount {
  counts: Record<string, number>;
  seats: Record<string, Holder[]>;
}

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const names = (count: SeatCount) => Object.fromEntries(Object.entries(count.seats).map(([seat, holders]) => [seat, holders.map((h) => h.userName.split("@")[0])]));

describe("Admin API: seats", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  const users: Record<string, string> = {};
  let prod: string;
  let dev: string;
  let viewersGrant: string;

  const grant = async (kind: "users" | "groups", id: string, role: { key: string } | { id: string }, scope: Record<string, string>) => {
    const res = await tenant.admin("post", `/${kind}/${id}/grants`, { role, scope });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };
  const seats = async () => {
    const res = await tenant.admin("get", "/seats");
    expect(res.status, res.text).to.equal(200);
    return res.body as { seatClasses: string[]; organization: SeatCount; workspaces: Array<SeatCount & { workspaceId: string; title: string }> };
  };

  before(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    for (const name of ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ian", "joe"]) users[name] = await tenant.scimUser(`${name}@acme.test`);
    const u = users as Record<string, string> & { ann: string };
    prod = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
    dev = (await tenant.admin("post", "/workspaces", { title: "Dev" })).body.id as string;
    const editors = await tenant.scimGroup("Editors", [u.ben as string]);
    const viewers = await tenant.scimGroup("Viewers", [u.ben as string, u.cat as string, u.dan as string]);
    await grant("users", u.ann, { key: "organization.admin" }, { type: "organization" });
    await grant("groups", editors, { key: "workspace.editor" }, { type: "workspace", workspaceId: prod });
    viewersGrant = await grant("groups", viewers, { key: "workspace.viewer" }, { type: "workspace", workspaceId: prod });
    await grant("users", u.cat as string, { key: "workspace.guest" }, { type: "workspace", workspaceId: dev });
    // dan: pinned into Editors, excluded from Viewers (overrides win over the IdP).
    expect((await tenant.admin("put", `/groups/${editors}/overrides/${u.dan}`, { kind: "pin", reason: "covering for ben" })).status).to.equal(201);
    expect((await tenant.admin("put", `/groups/${viewers}/overrides/${u.dan}`, { kind: "exclude", reason: "editor now" })).status).to.equal(201);
    await grant("users", u.eve as string, { key: "workspace.editor" }, { type: "workspace", workspaceId: dev });
    const patch = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] };
    expect((await tenant.scim("patch", `/Users/${u.eve}`, patch)).status).to.equal(200);
    const writer = (await tenant.admin("post", "/roles", { name: "Source Creator", level: "workspace", permissions: ["workspace:read", "source:create"] })).body.id as string;
    const reader = (await tenant.admin("post", "/roles", { name: "Model Reader", level: "workspace", permissions: ["workspace:read", "model:read"] })).body.id as string;
    await grant("users", u.fay as string, { id: writer }, { type: "workspace", workspaceId: dev });
    await grant("users", u.gus as string, { id: reader }, { type: "workspace", workspaceId: dev });
    await grant("users", u.hal as string, { key: "organization.viewer" }, { type: "organization" });
    await grant("users", u.joe as string, { key: "workspace.guest" }, { type: "workspace", workspaceId: dev });
  });

  it("GET /seats counts each active person once per scope, in their costliest class, with the role that put them there", async () => {
    const report = await seats();
    expect(report.seatClasses).to.deep.equal(["author", "viewer", "free"]);
    expect(names(report.organization)).to.deep.equal({ author: ["ann", "ben", "dan", "fay"], viewer: ["cat", "gus", "hal"], free: ["joe"] });
    expect(report.organization.counts).to.deep.equal({ author: 4, viewer: 3, free: 1 });
    const org = Object.fromEntries(Object.values(report.organization.seats).flat().map((h) => [h.userName.split("@")[0], h]));
    expect(org.ann).to.deep.include({ userId: users.ann, role: { id: org.ann?.role.id, name: "Organization Admin", level: "organization", builtIn: true } });
    expect(org.ann?.workspace).to.equal(undefined);
    expect(org.ben?.role.name).to.equal("Editor");
    expect(org.ben?.workspace).to.deep.equal({ id: prod, title: "Prod" });
    expect(org.fay?.role).to.deep.include({ name: "Source Creator", builtIn: false });
    expect(org.gus?.role).to.deep.include({ name: "Model Reader", builtIn: false });

    const byTitle = Object.fromEntries(report.workspaces.map((ws) => [ws.title, ws]));
    expect(report.workspaces.map((ws) => ws.title)).to.deep.equal(["Dev", "Prod"]);
    expect(names(byTitle.Prod as SeatCount)).to.deep.equal({ author: ["ann", "ben", "dan"], viewer: ["cat"], free: [] });
    expect(names(byTitle.Dev as SeatCount)).to.deep.equal({ author: ["ann", "fay"], viewer: ["gus"], free: ["cat", "joe"] });
    expect(byTitle.Prod?.seats.author?.[0]?.role.name, "Organization Admin is Admin in every workspace").to.equal("Admin");
  });

  it("GET /workspaces/{id}/seats is that workspace's part of the report; an unknown or foreign workspace is 404", async () => {
    const res = await tenant.admin("get", `/workspaces/${prod}/seats`);
    expect(res.status, res.text).to.equal(200);
    const whole = (await seats()).workspaces.find((ws) => ws.workspaceId === prod);
    expect(res.body).to.deep.equal({ seatClasses: ["author", "viewer", "free"], ...whole });
    expectApiError(await tenant.admin("get", `/workspaces/${UNKNOWN}/seats`), 404, "not_found");
    const foreign = (await other.admin("post", "/workspaces", { title: "Globex Prod" })).body.id as string;
    expectApiError(await tenant.admin("get", `/workspaces/${foreign}/seats`), 404, "not_found");
    expect((await other.admin("get", "/seats")).body.organization.counts).to.deep.equal({ author: 0, viewer: 0, free: 0 });
  });

  it("the report follows changes at once: a revoked group grant frees its seats; a reactivated person counts again", async () => {
    expect((await tenant.admin("delete", `/grants/${viewersGrant}`)).status).to.equal(204);
    const patch = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: true }] };
    expect((await tenant.scim("patch", `/Users/${users.eve}`, patch)).status).to.equal(200);
    const report = await seats();
    expect(names(report.organization)).to.deep.equal({ author: ["ann", "ben", "dan", "eve", "fay"], viewer: ["gus", "hal"], free: ["cat", "joe"] });
    expect(names(report.workspaces.find((ws) => ws.title === "Prod") as SeatCount)).to.deep.equal({ author: ["ann", "ben", "dan"], viewer: [], free: [] });
  });

  it("the organization-wide loader gives each candidate the facts a check loads for them (loadUserFacts), so both resolve alike", async () => {
    const sorted = (facts: UserFacts) => ({
      user: facts.user,
      memberOf: [...facts.memberOf].sort(),
      overrides: [...facts.overrides].sort((a, b) => a.groupId.localeCompare(b.groupId)),
      groups: [...facts.groups].sort((a, b) => a.id.localeCompare(b.id)),
      grants: [...facts.grants].sort((a, b) => a.id.localeCompare(b.id)),
      attachments: [...facts.attachments].sort((a, b) => `${a.groupId}${a.spaceId}`.localeCompare(`${b.groupId}${b.spaceId}`)),
    });
    // A membership from a sign-in claim (the SSO pipeline writes these) counts like the IdP's own.
    const editors = (await context.db.query<{ id: string }>(`SELECT id FROM groups WHERE organization_id = $1 AND display_name = 'Editors'`, [tenant.organizationId])).rows[0]?.id;
    await context.db.query(`INSERT INTO claim_memberships (organization_id, group_id, user_id, source) VALUES ($1, $2, $3, 'sso:okta')`, [tenant.organizationId, editors, users.ian]);
    expect(names((await seats()).organization).author).to.include("ian");
    const bulk = await loadSeatFacts(context.db, tenant.organizationId);
    expect(bulk.length).to.be.greaterThan(5);
    for (const { person, facts } of bulk) {
      const single = await loadUserFacts(context.db, tenant.organizationId, person.id);
      expect(sorted(facts), person.userName).to.deep.equal(sorted(single as UserFacts));
    }
  });

  it("seats endpoints take GET only", async () => {
    expectApiError(await tenant.admin("post", "/seats", {}), 405, "method_not_allowed");
    expectApiError(await tenant.admin("delete", `/workspaces/${prod}/seats`), 405, "method_not_allowed");
  });
});
