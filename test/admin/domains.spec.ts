import { expect } from "chai";
import type { Express } from "express";
import supertest from "supertest";
import { defaultPolicy } from "../../src/access/index.js";
import { createAdminRouter } from "../../src/admin/admin.router.js";
import { buildApp } from "../../src/app.js";
import { createAuditService } from "../../src/audit/audit.service.js";
import { runDomainCommand } from "../../src/cli/domains.command.js";
import type { CliContext } from "../../src/cli/context.js";
import type { Output } from "../../src/cli/output.js";
import { loadConfig } from "../../src/config.js";
import type { TxtResolver } from "../../src/directory/domains.service.js";
import { createLogger } from "../../src/http/logger.js";
import { findVerifiedDomain, listOrganizationDomains } from "../../src/store/domains.repository.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Domain {
  domain: string;
  verified: boolean;
  verifiedAt: string | null;
  verification: { type: string; name: string; value: string };
  defaultRole: { id: string; key: string | null; name: string; level: string } | null;
  defaultWorkspaceId: string | null;
}

/** DNS at the network edge: TXT records (or a failure) per name; anything else has no records. */
class FakeDns {
  records = new Map<string, string[][] | Error>();
  resolve: TxtResolver = async (hostname) => {
    const answer = this.records.get(hostname);
    if (answer instanceof Error) throw answer;
    if (!answer) throw Object.assign(new Error(`queryTxt ENODATA ${hostname}`), { code: "ENODATA" });
    return answer;
  };
}

describe("Admin API: allowed email domains", () => {
  const context = useAdminApp();
  const dns = new FakeDns();
  let app: Express;
  let tenant: AdminTenant;
  let other: AdminTenant;
  let workspace: string;

  before(async () => {
    // The harness's app, with this file's DNS: the Admin API router composed as main.ts does, plus a fake resolver.
    const policy = defaultPolicy();
    const admin = createAdminRouter({
      db: context.db,
      engine: { policy, afterWrite: async () => undefined },
      audit: createAuditService({ db: context.db }),
      credentials: context.directory.credentials,
      resolveTxt: dns.resolve,
    });
    app = buildApp({ config: loadConfig({ ...process.env, LOG_LEVEL: "silent" }), database: context.database, logger: createLogger("silent"), routers: { admin } });
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
    workspace = (await tenant.admin("post", "/workspaces", { title: "Prod" })).body.id as string;
  });

  function call(who: AdminTenant, method: Method, path: string, body?: unknown): supertest.Test {
    const test = supertest(app)[method](`/admin/v1${path}`).set("Authorization", `Bearer ${who.apiKey}`).set("Content-Type", "application/json");
    return body === undefined ? test : test.send(JSON.stringify(body));
  }

  const list = async (who: AdminTenant = tenant): Promise<Domain[]> => {
    const res = await call(who, "get", "/organization/domains");
    expect(res.status, res.text).to.equal(200);
    return res.body.items as Domain[];
  };

  /** Everything a refused request must leave alone. */
  const snapshot = async (who: AdminTenant = tenant) => ({ domains: await list(who), events: await who.events() });

  describe("PUT / GET / DELETE", () => {
    it("adds a domain (201, lower-cased, unverified, with the TXT record to publish), audited; GET lists it", async () => {
      const before = (await tenant.events()).length;
      const res = await call(tenant, "put", "/organization/domains/Acme.TEST", { defaultRole: null });
      expect(res.status, res.text).to.equal(201);
      expect(res.headers.location).to.equal("/admin/v1/organization/domains/acme.test");
      expect(res.body).to.include({ domain: "acme.test", verified: false, verifiedAt: null, defaultRole: null, defaultWorkspaceId: null });
      expect(res.body.verification).to.include({ type: "TXT", name: "acme.test" });
      expect(res.body.verification.value).to.match(/^gatehouse-verification=[0-9a-f]{36}$/);
      expect(await list()).to.deep.equal([res.body]);
      expect((await call(tenant, "get", "/organization/domains/acme.test")).body).to.deep.equal(res.body);
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetType, e.targetId])).to.deep.equal([["organization.domain.add", "domain", "acme.test"]]);
      expect(events[0]?.details).to.deep.include({ before: null, after: res.body });
      expect(await list(other)).to.deep.equal([]);
    });

    it("changes the default role (200): built-in by key, workspace role with its workspace, custom role by id", async () => {
      const viewer = await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "organization.viewer" } });
      expect(viewer.status, viewer.text).to.equal(200);
      expect(viewer.body.defaultRole).to.include({ key: "organization.viewer", level: "organization" });
      expect(viewer.body.verified).to.equal(false);

      const editor = await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "workspace.editor" }, defaultWorkspaceId: workspace });
      expect(editor.status, editor.text).to.equal(200);
      expect(editor.body).to.deep.include({ defaultWorkspaceId: workspace });
      expect(editor.body.defaultRole).to.include({ key: "workspace.editor", level: "workspace" });

      const role = await tenant.admin("post", "/roles", { name: "Reviewers", level: "workspace", permissions: ["workspace:read"] });
      const custom = await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { id: role.body.id }, defaultWorkspaceId: workspace });
      expect(custom.status, custom.text).to.equal(200);
      expect(custom.body.defaultRole).to.deep.include({ id: role.body.id, key: null, name: "Reviewers" });
      const events = (await tenant.events()).filter((e) => e.action === "organization.domain.update");
      expect(events).to.have.length(3);
      expect(events[2]?.details).to.deep.include({ before: editor.body, after: custom.body });
    });

    it("a custom role that is a domain's default role cannot be deleted (409 naming the domain); it can once the default changes", async () => {
      const role = await tenant.admin("post", "/roles", { name: "Newcomers", level: "workspace", permissions: ["workspace:read"] });
      expect(role.status, role.text).to.equal(201);
      expect((await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { id: role.body.id }, defaultWorkspaceId: workspace })).status).to.equal(200);
      const refused = expectApiError(await tenant.admin("delete", `/roles/${role.body.id}`), 409, "conflict");
      expect(refused.message).to.include("acme.test");
      expect(refused.details?.domains).to.deep.equal(["acme.test"]);
      expect((await tenant.admin("get", `/roles/${role.body.id}`)).status).to.equal(200);
      expect((await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: null })).status).to.equal(200);
      expect((await tenant.admin("delete", `/roles/${role.body.id}`)).status).to.equal(204);
    });

    const refusals: Array<[string, string, unknown, number, string]> = [
      ["a workspace role without a workspace", "acme.test", { defaultRole: { key: "workspace.viewer" } }, 400, "invalid_value"],
      ["an organization role with a workspace", "acme.test", { defaultRole: { key: "organization.viewer" }, defaultWorkspaceId: "WORKSPACE" }, 400, "invalid_value"],
      ["no role with a workspace", "acme.test", { defaultRole: null, defaultWorkspaceId: "WORKSPACE" }, 400, "invalid_value"],
      ["the Owner role", "acme.test", { defaultRole: { key: "organization.owner" } }, 400, "invalid_value"],
      ["an unknown role key", "acme.test", { defaultRole: { key: "workspace.superhero" }, defaultWorkspaceId: "WORKSPACE" }, 404, "not_found"],
      ["an unknown workspace", "acme.test", { defaultRole: { key: "workspace.viewer" }, defaultWorkspaceId: "00000000-0000-4000-8000-000000000000" }, 404, "not_found"],
      ["marking it verified", "acme.test", { defaultRole: null, verified: true }, 400, "invalid_request"],
      ["no body fields", "acme.test", {}, 400, "invalid_request"],
      ["a malformed domain", "not_a_domain", { defaultRole: null }, 400, "invalid_value"],
      ["an email address", "bob@acme.test", { defaultRole: null }, 400, "invalid_value"],
      ["a single label", "localhost", { defaultRole: null }, 400, "invalid_value"],
    ];
    for (const [label, domain, body, status, code] of refusals) {
      it(`refuses ${label} (${status}); nothing changed, no event`, async () => {
        const before = await snapshot();
        const payload = JSON.parse(JSON.stringify(body).replace("WORKSPACE", workspace)) as unknown;
        expectApiError(await call(tenant, "put", `/organization/domains/${domain}`, payload), status, code);
        expect(await snapshot()).to.deep.equal(before);
      });
    }

    it("refuses another organization's workspace (404) and a custom role on the free plan (403)", async () => {
      const theirs = (await other.admin("post", "/workspaces", { title: "Theirs" })).body.id as string;
      const before = await snapshot();
      expectApiError(await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "workspace.viewer" }, defaultWorkspaceId: theirs }), 404, "not_found");
      expect(await snapshot()).to.deep.equal(before);

      const role = await other.admin("post", "/roles", { name: "Temp", level: "organization", permissions: ["audit:read"] });
      // The plan cannot go down while the role exists; the role store is written directly to stage the case.
      await context.db.query(`UPDATE organizations SET plan = 'free' WHERE id = $1`, [other.organizationId]);
      const theirsBefore = await snapshot(other);
      const error = expectApiError(await call(other, "put", "/organization/domains/globex.test", { defaultRole: { id: role.body.id } }), 403, "forbidden");
      expect(error.message).to.equal("custom roles need a paid plan");
      expect(await snapshot(other)).to.deep.equal(theirsBefore);
      await context.db.query(`UPDATE organizations SET plan = 'paid' WHERE id = $1`, [other.organizationId]);
    });

    it("DELETE removes it (204, audited); again, or from another organization: 404", async () => {
      await call(tenant, "put", "/organization/domains/old.acme.test", { defaultRole: null });
      expectApiError(await call(other, "delete", "/organization/domains/old.acme.test"), 404, "not_found");
      const before = (await tenant.events()).length;
      expect((await call(tenant, "delete", "/organization/domains/old.acme.test")).status).to.equal(204);
      expect((await list()).map((d) => d.domain)).not.to.include("old.acme.test");
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetId])).to.deep.equal([["organization.domain.remove", "old.acme.test"]]);
      expectApiError(await call(tenant, "delete", "/organization/domains/old.acme.test"), 404, "not_found");
      expectApiError(await call(tenant, "get", "/organization/domains/old.acme.test"), 404, "not_found");
    });
  });

  describe("POST /organization/domains/{domain}/verify", () => {
    it("412 while the TXT record is missing or wrong, naming the record to publish; nothing changed", async () => {
      const before = await snapshot();
      const expected = before.domains.find((d) => d.domain === "acme.test")?.verification.value as string;
      const missing = expectApiError(await call(tenant, "post", "/organization/domains/acme.test/verify"), 412, "precondition_failed");
      expect(missing.message).to.contain(expected);
      expect(missing.details?.record).to.deep.equal({ type: "TXT", name: "acme.test", value: expected });
      dns.records.set("acme.test", [["v=spf1 -all"], ["gatehouse-verification=0123"]]);
      expectApiError(await call(tenant, "post", "/organization/domains/acme.test/verify"), 412, "precondition_failed");
      dns.records.set("acme.test", Object.assign(new Error("queryTxt ESERVFAIL acme.test"), { code: "ESERVFAIL" }));
      const failed = expectApiError(await call(tenant, "post", "/organization/domains/acme.test/verify"), 412, "precondition_failed");
      expect(failed.message).to.contain("try again");
      expect(await snapshot()).to.deep.equal(before);
      expect(await findVerifiedDomain(context.db, "acme.test")).to.equal(null);
    });

    it("verifies once the record is published (even split into chunks), audited once; again: 200, no new event", async () => {
      const expected = (await list()).find((d) => d.domain === "acme.test")?.verification.value as string;
      dns.records.set("acme.test", [["v=spf1 -all"], [expected.slice(0, 10), expected.slice(10)]]);
      const before = (await tenant.events()).length;
      const res = await call(tenant, "post", "/organization/domains/acme.test/verify");
      expect(res.status, res.text).to.equal(200);
      expect(res.body.verified).to.equal(true);
      expect(Number.isNaN(Date.parse(res.body.verifiedAt as string))).to.equal(false);
      const again = await call(tenant, "post", "/organization/domains/acme.test/verify");
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(res.body);
      const events = (await tenant.events()).slice(before);
      expect(events.map((e) => [e.action, e.targetId, (e.details as { method?: string }).method])).to.deep.equal([["organization.domain.verify", "acme.test", "dns"]]);

      // Changing the default role keeps it verified; what sign-in reads follows.
      const put = await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "organization.viewer" } });
      expect(put.body.verified).to.equal(true);
      expect(await findVerifiedDomain(context.db, "ACME.test")).to.deep.equal({
        organizationId: tenant.organizationId,
        domain: "acme.test",
        defaultRoleId: put.body.defaultRole.id,
        defaultWorkspaceId: null,
      });
      expect((await listOrganizationDomains(context.db, tenant.organizationId)).map((d) => [d.domain, d.verified])).to.deep.include(["acme.test", true]);
    });

    it("a workspace default role whose workspace is deleted gives sign-in no role (the domain stays listed)", async () => {
      const doomed = await context.directory.workspaces.create(tenant.organizationId, { title: "Doomed" });
      const put = await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "workspace.viewer" }, defaultWorkspaceId: doomed.id });
      expect(put.status, put.text).to.equal(200);
      expect((await findVerifiedDomain(context.db, "acme.test"))?.defaultRoleId).to.equal(put.body.defaultRole.id);
      await context.directory.workspaces.remove(tenant.organizationId, doomed.id);
      expect(await findVerifiedDomain(context.db, "acme.test")).to.deep.include({ defaultRoleId: null, defaultWorkspaceId: null });
      expect((await list()).find((d) => d.domain === "acme.test")).to.deep.include({ verified: true, defaultWorkspaceId: null });
      await call(tenant, "put", "/organization/domains/acme.test", { defaultRole: { key: "organization.viewer" } });
    });

    it("409 when another organization has verified the domain; the other may still list it unverified", async () => {
      const added = await call(other, "put", "/organization/domains/acme.test", { defaultRole: null });
      expect(added.status, added.text).to.equal(201);
      dns.records.set("acme.test", [[added.body.verification.value as string]]);
      const before = await snapshot(other);
      const error = expectApiError(await call(other, "post", "/organization/domains/acme.test/verify"), 409, "conflict");
      expect(error.message).to.contain("another organization");
      expect(await snapshot(other)).to.deep.equal(before);
      expect((await findVerifiedDomain(context.db, "acme.test"))?.organizationId).to.equal(tenant.organizationId);
    });

    it("404 for a domain the organization has not added", async () => {
      expectApiError(await call(tenant, "post", "/organization/domains/unknown.test/verify"), 404, "not_found");
    });
  });

  describe("gatehouse domain verify (CLI)", () => {
    function cliRun(args: Partial<Parameters<typeof runDomainCommand>[0]>) {
      const lines: string[] = [];
      const out: Output = { line: (text) => lines.push(text), json: (value) => lines.push(JSON.stringify(value)), error: (text) => lines.push(text) };
      const cli = { config: loadConfig({ ...process.env, LOG_LEVEL: "silent" }), database: context.database, directory: context.directory, scimBaseUrl: "", migrated: [] } as CliContext;
      return { lines, done: runDomainCommand({ action: "verify", organizationId: tenant.organizationId, domain: undefined, skipDns: false, json: false, ...args }, cli, out, dns.resolve) };
    }

    it("checks DNS like the API, then verifies with an audit event by the operator (actor type cli)", async () => {
      await call(tenant, "put", "/organization/domains/eu.acme.test", { defaultRole: null });
      const refused = cliRun({ domain: "eu.acme.test" });
      await refused.done.then(
        () => expect.fail("verified without a TXT record"),
        (error: Error) => expect(error.message).to.contain("--skip-dns"),
      );
      expect((await list()).find((d) => d.domain === "eu.acme.test")?.verified).to.equal(false);

      const forced = cliRun({ domain: "EU.acme.test", skipDns: true });
      await forced.done;
      expect(forced.lines.join("\n")).to.contain("now verified");
      expect((await list()).find((d) => d.domain === "eu.acme.test")?.verified).to.equal(true);
      const event = (await tenant.events()).filter((e) => e.action === "organization.domain.verify" && e.targetId === "eu.acme.test");
      expect(event).to.have.length(1);
      expect(event[0]).to.include({ actorType: "cli" });
      expect(event[0]?.details).to.deep.include({ method: "operator" });
    });

    it("reports an unknown domain or organization without changing anything", async () => {
      const before = await snapshot();
      await cliRun({ domain: "nowhere.test" }).done.then(
        () => expect.fail("verified an unknown domain"),
        (error: Error) => expect(error.message).to.contain("not found"),
      );
      await cliRun({ organizationId: "00000000-0000-4000-8000-000000000000", domain: "acme.test" }).done.then(
        () => expect.fail("verified for an unknown organization"),
        (error: Error) => expect(error.message).to.contain("not found"),
      );
      expect(await snapshot()).to.deep.equal(before);
    });
  });
});
