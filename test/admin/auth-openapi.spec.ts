import { expect } from "chai";
import supertest from "supertest";
import { defaultPolicy } from "../../src/access/index.js";
import { createAuthorizer } from "../../src/admin/authorize.js";
import { generateServiceProviderKeyPair } from "../../src/sso/saml/certificates.js";
import type { Plan } from "../../src/directory/organizations.service.js";
import { expectApiError, useAdminApp, type AdminTenant } from "./admin-app.js";

type Method = "get" | "post" | "put" | "patch" | "delete";
const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const CHALLENGE = 'Bearer realm="Gatehouse API"';

describe("Admin API: authentication, authorisation, the OpenAPI document", () => {
  const context = useAdminApp();
  let tenant: AdminTenant;
  let sso: { saml: string };
  let ids: { workspace: string; space: string; group: string; user: string; role: string; grant: string };
  let inviteId: string;

  before(async () => {
    tenant = await context.newTenant("Acme");
    const workspace = (await tenant.admin("post", "/workspaces", { title: "Prod", spacesEnabled: true })).body.id as string;
    const space = (await tenant.admin("post", `/workspaces/${workspace}/spaces`, { name: "UK" })).body.id as string;
    const group = await tenant.scimGroup("Marketing");
    const role = ((await tenant.admin("get", "/roles")).body.items as Array<{ id: string; key: string | null }>).find((item) => item.key === "workspace.viewer")?.id as string;
    const grant = (await tenant.admin("post", `/groups/${group}/grants`, { role: { key: "workspace.editor" }, scope: { type: "workspace", workspaceId: workspace } })).body.id as string;
    ids = { workspace, space, group, user: await tenant.scimUser("sample@acme.test"), role, grant };
    inviteId = (await tenant.admin("post", "/invites", { email: "sample-get@acme.test", roles: [{ key: "organization.viewer" }] })).body.id as string;
    const certificate = (await generateServiceProviderKeyPair("idp.sample.test")).certificate;
    const saml = await tenant.admin("post", "/sso/connections", { protocol: "saml", name: "Sample SAML", settings: { idpEntityId: "https://idp.sample.test", ssoUrl: "https://idp.sample.test/sso", idpCertificates: [certificate] } });
    expect(saml.status, saml.text).to.equal(201);
    sso = { saml: saml.body.id as string };
  });

  /** One request per documented operation, keyed "<method> <OpenAPI path>". */
  function samples(): Record<string, { method: Method; url: string; body?: unknown }> {
    const { workspace, space, group, user, role, grant } = ids;
    return {
      "get /workspaces": { method: "get", url: "/workspaces" },
      "post /workspaces": { method: "post", url: "/workspaces", body: { title: "Sample" } },
      "get /workspaces/{id}": { method: "get", url: `/workspaces/${workspace}` },
      "patch /workspaces/{id}": { method: "patch", url: `/workspaces/${workspace}`, body: { title: "Prod" } },
      "delete /workspaces/{id}": { method: "delete", url: `/workspaces/${workspace}` },
      "get /workspaces/{id}/spaces": { method: "get", url: `/workspaces/${workspace}/spaces` },
      "post /workspaces/{id}/spaces": { method: "post", url: `/workspaces/${workspace}/spaces`, body: { name: "Sample" } },
      "get /spaces/{id}": { method: "get", url: `/spaces/${space}` },
      "patch /spaces/{id}": { method: "patch", url: `/spaces/${space}`, body: { description: "d" } },
      "delete /spaces/{id}": { method: "delete", url: `/spaces/${UNKNOWN}` },
      "get /spaces/{id}/groups": { method: "get", url: `/spaces/${space}/groups` },
      "put /spaces/{id}/groups/{groupId}": { method: "put", url: `/spaces/${space}/groups/${group}`, body: {} },
      "delete /spaces/{id}/groups/{groupId}": { method: "delete", url: `/spaces/${space}/groups/${UNKNOWN}` },
      "get /groups/{id}/spaces": { method: "get", url: `/groups/${group}/spaces` },
      "put /groups/{id}/spaces/{spaceId}": { method: "put", url: `/groups/${group}/spaces/${space}`, body: {} },
      "delete /groups/{id}/spaces/{spaceId}": { method: "delete", url: `/groups/${UNKNOWN}/spaces/${space}` },
      "get /groups": { method: "get", url: "/groups" },
      "post /groups": { method: "post", url: "/groups", body: { displayName: "Sample" } },
      "get /groups/{id}": { method: "get", url: `/groups/${group}` },
      "patch /groups/{id}": { method: "patch", url: `/groups/${group}`, body: { displayName: "Renamed" } },
      "delete /groups/{id}": { method: "delete", url: `/groups/${UNKNOWN}` },
      "get /groups/{id}/members": { method: "get", url: `/groups/${group}/members` },
      "put /groups/{id}/members/{userId}": { method: "put", url: `/groups/${group}/members/${user}` },
      "delete /groups/{id}/members/{userId}": { method: "delete", url: `/groups/${UNKNOWN}/members/${user}` },
      "get /groups/{id}/grants": { method: "get", url: `/groups/${group}/grants` },
      "post /groups/{id}/grants": { method: "post", url: `/groups/${group}/grants`, body: { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: workspace } } },
      "get /users/{id}/grants": { method: "get", url: `/users/${user}/grants` },
      "post /users/{id}/grants": { method: "post", url: `/users/${user}/grants`, body: { role: { key: "workspace.viewer" }, scope: { type: "workspace", workspaceId: workspace } } },
      "get /grants/{id}": { method: "get", url: `/grants/${grant}` },
      "delete /grants/{id}": { method: "delete", url: `/grants/${UNKNOWN}` },
      "get /roles": { method: "get", url: "/roles" },
      "post /roles": { method: "post", url: "/roles", body: { name: "Sample", level: "workspace", permissions: ["workspace:read"] } },
      "get /roles/{id}": { method: "get", url: `/roles/${role}` },
      "patch /roles/{id}": { method: "patch", url: `/roles/${role}`, body: { name: "Renamed" } },
      "delete /roles/{id}": { method: "delete", url: `/roles/${UNKNOWN}` },
      "get /groups/{id}/overrides": { method: "get", url: `/groups/${group}/overrides` },
      "get /users/{id}/overrides": { method: "get", url: `/users/${user}/overrides` },
      "put /groups/{id}/overrides/{userId}": { method: "put", url: `/groups/${group}/overrides/${user}`, body: { kind: "pin", reason: "sample" } },
      "delete /groups/{id}/overrides/{userId}": { method: "delete", url: `/groups/${UNKNOWN}/overrides/${user}` },
      "get /users": { method: "get", url: "/users?q=sample" },
      "get /users/{id}": { method: "get", url: `/users/${user}` },
      "delete /users/{id}": { method: "delete", url: `/users/${UNKNOWN}` },
      "post /users/{id}/roles": { method: "post", url: `/users/${user}/roles`, body: { role: { key: "workspace.viewer" }, workspaceId: workspace } },
      "delete /users/{id}/roles/{grantId}": { method: "delete", url: `/users/${user}/roles/${UNKNOWN}` },
      "get /workspaces/{id}/users": { method: "get", url: `/workspaces/${workspace}/users` },
      "delete /workspaces/{id}/users/{userId}": { method: "delete", url: `/workspaces/${workspace}/users/${UNKNOWN}` },
      "get /invites": { method: "get", url: "/invites?status=pending" },
      "post /invites": { method: "post", url: "/invites", body: { email: "sample-invite@acme.test", roles: [{ key: "organization.viewer" }] } },
      "get /invites/{id}": { method: "get", url: `/invites/${inviteId}` },
      "delete /invites/{id}": { method: "delete", url: `/invites/${UNKNOWN}` },
      "get /organization": { method: "get", url: "/organization" },
      "patch /organization": { method: "patch", url: "/organization", body: { jitProvisioning: true } },
      "get /organization/domains": { method: "get", url: "/organization/domains" },
      // In this order: the PUT adds the domain the GET and the verification (412: nothing published) then find.
      "put /organization/domains/{domain}": { method: "put", url: "/organization/domains/sample.test", body: { defaultRole: null } },
      "get /organization/domains/{domain}": { method: "get", url: "/organization/domains/sample.test" },
      "post /organization/domains/{domain}/verify": { method: "post", url: "/organization/domains/sample.test/verify" },
      "delete /organization/domains/{domain}": { method: "delete", url: "/organization/domains/unknown.test" },
      "get /audit": { method: "get", url: "/audit" },
      "get /audit/export": { method: "get", url: "/audit/export" },
      "get /sso/connections": { method: "get", url: "/sso/connections" },
      "post /sso/connections": {
        method: "post",
        url: "/sso/connections",
        body: { protocol: "oidc", name: "Sample OIDC", settings: { issuer: "https://oidc.sample.test", clientId: "gatehouse" }, clientSecret: "sample-secret" },
      },
      "get /sso/connections/{id}": { method: "get", url: `/sso/connections/${sso.saml}` },
      "patch /sso/connections/{id}": { method: "patch", url: `/sso/connections/${sso.saml}`, body: { enabled: true } },
      "delete /sso/connections/{id}": { method: "delete", url: `/sso/connections/${UNKNOWN}` },
      "get /sso/connections/{id}/sp-metadata": { method: "get", url: `/sso/connections/${sso.saml}/sp-metadata` },
      // A SAML connection: 409 from the handler, without a network round trip to an issuer.
      "post /sso/connections/{id}/test": { method: "post", url: `/sso/connections/${sso.saml}/test`, body: {} },
      "post /sso/connections/{id}/metadata": { method: "post", url: `/sso/connections/${sso.saml}/metadata`, body: { url: "ftp://idp.sample.test/metadata" } },
      "get /sso/connections/{id}/group-mappings": { method: "get", url: `/sso/connections/${sso.saml}/group-mappings` },
      "put /sso/connections/{id}/group-mappings": { method: "put", url: `/sso/connections/${sso.saml}/group-mappings`, body: { items: [] } },
      "get /users/{id}/sessions": { method: "get", url: `/users/${user}/sessions` },
      "delete /users/{id}/sessions": { method: "delete", url: `/users/${user}/sessions` },
      "delete /users/{id}/sessions/{sessionId}": { method: "delete", url: `/users/${user}/sessions/${UNKNOWN}` },
      "get /ownership": { method: "get", url: "/ownership" },
      "post /ownership/transfer": { method: "post", url: "/ownership/transfer", body: { toUserId: user, confirm: "Acme" } },
      "post /workspaces/{id}/ownership/transfer": { method: "post", url: `/workspaces/${workspace}/ownership/transfer`, body: { toUserId: user, confirm: "Prod" } },
      "get /seats": { method: "get", url: "/seats" },
      "get /workspaces/{id}/seats": { method: "get", url: `/workspaces/${workspace}/seats` },
    };
  }

  function call(method: Method, url: string, authorization: string | null, body?: unknown): supertest.Test {
    let test = supertest(context.app)[method](`/admin/v1${url}`);
    if (authorization !== null) test = test.set("Authorization", authorization);
    return body === undefined ? test : test.set("Content-Type", "application/json").send(JSON.stringify(body));
  }

  it("401 with a Bearer challenge on every operation without a valid key; nothing written", async () => {
    const before = await tenant.events();
    for (const [name, sample] of Object.entries(samples())) {
      const missing = await call(sample.method, sample.url, null, sample.body);
      expectApiError(missing, 401, "unauthorized");
      expect(missing.headers["www-authenticate"], name).to.equal(CHALLENGE);
      const wrong = await call(sample.method, sample.url, "Bearer gh_key_not-a-real-one", sample.body);
      expectApiError(wrong, 401, "unauthorized");
      // A SCIM token is not an API key.
      expectApiError(await call(sample.method, sample.url, "Basic dXNlcjpwYXNz", sample.body), 401, "unauthorized");
    }
    expect(await tenant.events()).to.deep.equal(before);
    expect((await tenant.admin("get", "/workspaces")).body.total).to.equal(1);
  });

  it("a revoked key is refused (as soon as the instance hears of it)", async () => {
    const issued = await context.directory.credentials.issue("api_key", tenant.organizationId, { name: "short-lived" });
    expect((await call("get", "/workspaces", `Bearer ${issued.secret}`)).status).to.equal(200);
    await context.directory.credentials.revoke("api_key", tenant.organizationId, issued.credential.id);
    // Revoked through another process's services: this instance's credential cache learns it by NOTIFY.
    let res = await call("get", "/workspaces", `Bearer ${issued.secret}`);
    for (let waited = 0; res.status === 200 && waited < 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res = await call("get", "/workspaces", `Bearer ${issued.secret}`);
    }
    expectApiError(res, 401, "unauthorized");
    expect(res.body.error.message).to.contain("revoked");
  });

  it("GET /admin/v1/openapi.json is public OpenAPI 3.1; every route is documented and every documented route exists", async () => {
    const res = await supertest(context.app).get("/admin/v1/openapi.json");
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal("3.1.0");
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).filter((key) => key !== "parameters").map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).to.deep.equal(Object.keys(samples()).sort());
    for (const [name, sample] of Object.entries(samples())) {
      const answer = await tenant.admin(sample.method, sample.url, sample.body);
      // The delete samples name unknown ids (404 from the handler, not from routing): only 405 would say "no route".
      const noRoute = name.startsWith("delete ") ? [405] : [404, 405];
      expect(answer.status, `${name}: ${answer.text}`).not.to.be.oneOf(noRoute);
      expect(answer.status, `${name}: ${answer.text}`).to.be.below(500);
      if (answer.status === 404) expect(answer.body.error.message, name).not.to.match(/^No route/);
    }
    // The request schemas are the ones ajv validates with.
    expect(res.body.components.schemas.WorkspaceCreate.required).to.deep.equal(["title"]);
  });

  it("unknown admin routes are 404 in the API's error format", async () => {
    expectApiError(await tenant.admin("get", "/nothing-here"), 404, "not_found");
  });

  describe("requirePermission: the access engine's check() over the key's synthetic facts", () => {
    const policy = defaultPolicy();
    const principal = { organizationId: UNKNOWN, keyId: "11111111-1111-4111-8111-111111111111", keyName: "k" };
    const workspace = { id: "22222222-2222-4222-8222-222222222222", title: "Prod", spacesEnabled: true };

    async function decide(permission: string, plan: Plan = "free", where?: typeof workspace): Promise<unknown> {
      const authorizer = createAuthorizer({ policy, organizations: { get: async () => ({ plan }) as never } });
      const res = { locals: { apiKeyPrincipal: principal } } as never;
      try {
        await authorizer.authorize(res, permission, where);
        return "allowed";
      } catch (error) {
        return error;
      }
    }

    it("an operator key holds every Organization Admin permission, at organization and workspace level", async () => {
      for (const permission of ["organization:read", "organization:manage", "workspaces:manage", "roles:manage", "users:manage"]) {
        expect(await decide(permission), permission).to.equal("allowed");
      }
      for (const permission of ["workspace:read", "workspace:manage", "spaces:manage", "members:manage"]) {
        expect(await decide(permission, "paid", workspace), permission).to.equal("allowed");
      }
    });

    it("owner-only permissions are refused with 403 naming the permission and what would allow it", async () => {
      for (const [permission, where] of [["organization:transfer", undefined], ["organization:delete", undefined], ["workspace:delete", workspace], ["workspace:transfer", workspace]] as const) {
        const error = (await decide(permission, "enterprise", where)) as { status: number; code: string; message: string; details: unknown };
        expect(error.status, permission).to.equal(403);
        expect(error.code).to.equal("forbidden");
        expect(error.details).to.deep.equal({ permission });
        expect(error.message).to.contain(permission).and.contain("Owner");
      }
    });
  });
});
