import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateServiceProviderKeyPair } from "../../src/sso/saml/certificates.js";
import { startOidcProvider, type TestOidcProvider } from "../sso/support/oidc-op.js";
import type supertest from "supertest";
import { expectApiError, PUBLIC_URL, useAdminApp, type AdminTenant } from "./admin-app.js";
import { restrictedAdminApi } from "./restricted-admin-app.js";
import { fetchIdpMetadata } from "../../src/admin/idp-metadata-fetch.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const IDP = { entityId: "https://idp.acme.test/saml", ssoUrl: "https://idp.acme.test/sso", sloUrl: "https://idp.acme.test/slo" };
const OIDC_SECRET = "oidc-client-secret-that-must-never-show";

const certificateBody = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");

/** IdP metadata as an IdP publishes it: one EntityDescriptor, Redirect-binding SSO and SLO, a signing certificate. */
function idpMetadata(certificate: string, entityId = IDP.entityId): string {
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${IDP.sloUrl}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${IDP.ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

/** A connection as the Admin API shows it. */
interface Connection {
  id: string;
  protocol: "saml" | "oidc";
  name: string;
  enabled: boolean;
  settings: { idpCertificates?: string[]; [key: string]: unknown };
  serviceProvider: { entityId: string; acsUrl: string; metadataUrl: string; certificate: string };
  oidc?: { redirectUri: string; clientSecretSet: boolean };
  loginUrl: string;
}

/** A 400 from the body schema (invalid_request) or from the connection service's own checks (invalid_value). */
function expectBadRequest(res: supertest.Response): { message: string } {
  expect(res.status, res.text).to.equal(400);
  const error = expectApiError(res, 400, res.body.error?.code as string);
  expect(error.code).to.be.oneOf(["invalid_request", "invalid_value"]);
  return error;
}

describe("Admin API: SSO connections (issue 6)", function () {
  this.timeout(60_000);
  const context = useAdminApp();
  let tenant: AdminTenant;
  let other: AdminTenant;
  let idpCertificate: string;
  let secondCertificate: string;

  before(async () => {
    [idpCertificate, secondCertificate] = (await Promise.all([generateServiceProviderKeyPair("idp.acme.test"), generateServiceProviderKeyPair("idp2.acme.test")])).map((pair) => pair.certificate) as [string, string];
  });

  beforeEach(async () => {
    tenant = await context.newTenant("Acme");
    other = await context.newTenant("Globex");
  });

  const samlSettings = (overrides: Record<string, unknown> = {}) => ({ idpEntityId: IDP.entityId, ssoUrl: IDP.ssoUrl, idpCertificates: [idpCertificate], ...overrides });
  const oidcBody = (overrides: Record<string, unknown> = {}) => ({
    protocol: "oidc",
    name: "Okta OIDC",
    settings: { issuer: "https://acme.okta.test", clientId: "gatehouse" },
    clientSecret: OIDC_SECRET,
    ...overrides,
  });
  async function createSaml(who: AdminTenant = tenant, name = "Okta SAML"): Promise<Connection> {
    const res = await who.admin("post", "/sso/connections", { protocol: "saml", name, settings: samlSettings() });
    expect(res.status, res.text).to.equal(201);
    return res.body;
  }
  async function createOidc(who: AdminTenant = tenant): Promise<Connection> {
    const res = await who.admin("post", "/sso/connections", oidcBody());
    expect(res.status, res.text).to.equal(201);
    return res.body;
  }
  /** What an admin sees of the organization's connections (and the audit log), to check "nothing changed". */
  async function state(who: AdminTenant = tenant) {
    return { connections: (await who.admin("get", "/sso/connections")).body, events: (await who.events()).length };
  }
  const ssoEvents = async (who: AdminTenant = tenant) => (await who.events()).filter((event) => event.action.startsWith("sso."));

  it("creates a SAML connection: its own SP key pair, and the URLs the IdP admin needs; no private key shown or audited", async () => {
    const created = await createSaml();
    expect(created.protocol).to.equal("saml");
    expect(created.enabled).to.equal(true);
    expect(created.settings).to.include({ idpEntityId: IDP.entityId, ssoUrl: IDP.ssoUrl });
    expect(created.serviceProvider.acsUrl).to.equal(`${PUBLIC_URL}/auth/saml/${created.id}/acs`);
    expect(created.serviceProvider.metadataUrl).to.equal(`${PUBLIC_URL}/auth/saml/${created.id}/metadata`);
    expect(created.serviceProvider.certificate).to.contain("BEGIN CERTIFICATE");
    expect(created.loginUrl).to.equal(`${PUBLIC_URL}/auth/login/${created.id}`);
    expect(JSON.stringify(created)).not.to.contain("PRIVATE KEY");

    const listed = await tenant.admin("get", "/sso/connections");
    expect(listed.body.total).to.equal(1);
    expect(listed.body.items[0]).to.deep.equal(created);
    expect((await tenant.admin("get", `/sso/connections/${created.id}`)).body).to.deep.equal(created);

    const [event, ...more] = await ssoEvents();
    expect(more).to.deep.equal([]);
    expect(event).to.include({ action: "sso.connection.create", actorType: "api_key", actorId: tenant.keyId, targetType: "sso_connection", targetId: created.id });
    expect(event?.details.before).to.equal(null);
    expect((event?.details.after as { name: string }).name).to.equal("Okta SAML");
    expect(JSON.stringify(event)).not.to.contain("PRIVATE KEY");
  });

  it("GET /sp-metadata is the SP metadata XML an IdP imports: entity id, ACS, certificate", async () => {
    const created = await createSaml();
    const res = await tenant.admin("get", `/sso/connections/${created.id}/sp-metadata`);
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/samlmetadata\+xml/);
    expect(res.text).to.contain(`entityID="${created.serviceProvider.entityId}"`);
    expect(res.text).to.contain(`Location="${created.serviceProvider.acsUrl}"`);
    expect(res.text.replace(/\s+/g, "")).to.contain(certificateBody(created.serviceProvider.certificate));
    expect(res.text).not.to.contain("PRIVATE KEY");
  });

  it("creates a SAML connection from the IdP's metadata XML; explicit settings win over the metadata's", async () => {
    const res = await tenant.admin("post", "/sso/connections", { protocol: "saml", name: "From metadata", metadataXml: idpMetadata(idpCertificate), settings: { allowIdpInitiated: true } });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.settings).to.include({ idpEntityId: IDP.entityId, ssoUrl: IDP.ssoUrl, sloUrl: IDP.sloUrl, nameIdFormat: "email", allowIdpInitiated: true });
    expect(res.body.settings.idpCertificates).to.have.length(1);
  });

  it("creates an OIDC connection: the client secret is stored encrypted and never shown, listed or audited", async () => {
    const created = await createOidc();
    expect(created.oidc).to.deep.equal({ redirectUri: `${PUBLIC_URL}/auth/oidc/${created.id}/callback`, clientSecretSet: true });
    expect(created.settings).to.include({ issuer: "https://acme.okta.test", clientId: "gatehouse" });
    const replaced = await tenant.admin("patch", `/sso/connections/${created.id}`, { clientSecret: `${OIDC_SECRET}-2` });
    expect(replaced.status, replaced.text).to.equal(200);

    const everything = JSON.stringify([created, replaced.body, (await tenant.admin("get", "/sso/connections")).body, await tenant.events()]);
    expect(everything).not.to.contain(OIDC_SECRET);
    expect(everything).not.to.contain("clientSecret\":\"");
    const { rows } = await context.db.query<{ secret_ciphertext: Buffer; settings: unknown }>(`SELECT secret_ciphertext, settings FROM sso_connections WHERE id = $1`, [created.id]);
    expect(rows[0]?.secret_ciphertext.toString("latin1")).not.to.contain(OIDC_SECRET);
    expect(JSON.stringify(rows[0]?.settings)).not.to.contain(OIDC_SECRET);
    expect((await ssoEvents()).map((event) => event.action)).to.deep.equal(["sso.connection.create", "sso.connection.update"]);
  });

  it("PATCH renames, disables and changes settings (merged over the current ones); audited with before and after", async () => {
    const created = await createSaml();
    const res = await tenant.admin("patch", `/sso/connections/${created.id}`, { name: "Okta (prod)", enabled: false, settings: { idpCertificates: [idpCertificate, secondCertificate] } });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ name: "Okta (prod)", enabled: false });
    expect(res.body.settings.idpEntityId).to.equal(IDP.entityId);
    expect(res.body.settings.idpCertificates).to.have.length(2);
    expect((await tenant.admin("get", `/sso/connections/${created.id}`)).body).to.deep.equal(res.body);
    const event = (await ssoEvents()).at(-1);
    expect(event?.action).to.equal("sso.connection.update");
    expect(event?.details.before).to.deep.include({ name: "Okta SAML", enabled: true });
    expect(event?.details.after).to.deep.include({ name: "Okta (prod)", enabled: false });
    expect(JSON.stringify(event)).not.to.contain("PRIVATE KEY");
  });

  it("DELETE removes the connection, audited with what it was", async () => {
    const created = await createSaml();
    expect((await tenant.admin("delete", `/sso/connections/${created.id}`)).status).to.equal(204);
    expectApiError(await tenant.admin("get", `/sso/connections/${created.id}`), 404, "not_found");
    expect((await tenant.admin("get", "/sso/connections")).body.total).to.equal(0);
    const event = (await ssoEvents()).at(-1);
    expect(event).to.include({ action: "sso.connection.delete", targetId: created.id });
    expect(event?.details.after).to.equal(null);
    expect((event?.details.before as { name: string }).name).to.equal("Okta SAML");
  });

  it("400 for malformed or inconsistent bodies, each problem named; nothing created, nothing audited", async () => {
    const before = await state();
    const bad: Array<[unknown, RegExp]> = [
      [{ protocol: "saml", settings: samlSettings() }, /name/],
      [{ protocol: "ldap", name: "X", settings: {} }, /protocol/],
      [oidcBody({ clientSecret: undefined }), /clientSecret/],
      [{ protocol: "saml", name: "X" }, /settings or metadataXml/],
      [{ protocol: "saml", name: "X", settings: samlSettings(), clientSecret: "s" }, /clientSecret/],
      [oidcBody({ metadataXml: idpMetadata(idpCertificate) }), /metadataXml/],
      [{ protocol: "saml", name: "X", settings: samlSettings({ ssoUrl: "not a url", idpCertificates: ["nope"] }) }, /ssoUrl.*idpCertificates|idpCertificates.*ssoUrl/],
      [{ protocol: "saml", name: "X", metadataXml: "<not-metadata/>" }, /IDPSSODescriptor/],
      [{ protocol: "saml", name: "X", metadataXml: `<!DOCTYPE x [<!ENTITY e "e">]>${idpMetadata(idpCertificate)}` }, /DOCTYPE/],
      [oidcBody({ settings: { issuer: "http://acme.okta.test", clientId: "x" } }), /issuer/],
      [{ protocol: "saml", name: "X", settings: samlSettings(), extra: 1 }, /extra/],
    ];
    for (const [body, message] of bad) {
      const error = expectBadRequest(await tenant.admin("post", "/sso/connections", body));
      expect(error.message, JSON.stringify(body).slice(0, 120)).to.match(message);
    }
    expect(await state()).to.deep.equal(before);
  });

  it("400 for a bad PATCH (unknown field, protocol, invalid settings, the other protocol's field); the connection is unchanged", async () => {
    const saml = await createSaml();
    const oidc = await createOidc();
    const before = await state();
    for (const [id, body] of [
      [saml.id, {}],
      [saml.id, { protocol: "oidc" }],
      [saml.id, { settings: { ssoUrl: "ftp://idp.acme.test" } }],
      [saml.id, { clientSecret: "s" }],
      [saml.id, { name: "" }],
      [oidc.id, { metadataXml: idpMetadata(idpCertificate) }],
      [oidc.id, { settings: { scopes: ["email"] } }],
    ] as const) {
      expectBadRequest(await tenant.admin("patch", `/sso/connections/${id}`, body));
    }
    expect(await state()).to.deep.equal(before);
  });

  it("409 for a name another connection has (create and rename); nothing changed", async () => {
    const first = await createSaml();
    await createOidc();
    const before = await state();
    expectApiError(await tenant.admin("post", "/sso/connections", { protocol: "saml", name: "Okta SAML", settings: samlSettings() }), 409, "conflict");
    expectApiError(await tenant.admin("patch", `/sso/connections/${first.id}`, { name: "Okta OIDC" }), 409, "conflict");
    expect(await state()).to.deep.equal(before);
    // Names are per organization.
    await createSaml(other);
  });

  it("409 for the other protocol's operations: SP metadata of an OIDC connection, a discovery test or metadata import on SAML", async () => {
    const saml = await createSaml();
    const oidc = await createOidc();
    const before = await state();
    expectApiError(await tenant.admin("get", `/sso/connections/${oidc.id}/sp-metadata`), 409, "conflict");
    expectApiError(await tenant.admin("post", `/sso/connections/${saml.id}/test`), 409, "conflict");
    expectApiError(await tenant.admin("post", `/sso/connections/${oidc.id}/metadata`, { url: "https://idp.acme.test/metadata" }), 409, "conflict");
    expect(await state()).to.deep.equal(before);
  });

  it("404 for unknown ids and for another organization's connection, on every route; nothing changed on either side", async () => {
    const theirs = await createSaml(other, "Theirs");
    const mine = await createSaml();
    const before = [await state(), await state(other)];
    for (const id of [UNKNOWN, "not-a-uuid", theirs.id]) {
      expectApiError(await tenant.admin("get", `/sso/connections/${id}`), 404, "not_found");
      expectApiError(await tenant.admin("patch", `/sso/connections/${id}`, { name: "Mine now" }), 404, "not_found");
      expectApiError(await tenant.admin("delete", `/sso/connections/${id}`), 404, "not_found");
      expectApiError(await tenant.admin("get", `/sso/connections/${id}/sp-metadata`), 404, "not_found");
      expectApiError(await tenant.admin("post", `/sso/connections/${id}/test`), 404, "not_found");
      expectApiError(await tenant.admin("get", `/sso/connections/${id}/group-mappings`), 404, "not_found");
      expectApiError(await tenant.admin("put", `/sso/connections/${id}/group-mappings`, { items: [] }), 404, "not_found");
      expectApiError(await tenant.admin("post", `/sso/connections/${id}/metadata`, { url: "https://idp.acme.test/metadata" }), 404, "not_found");
    }
    expect([await state(), await state(other)]).to.deep.equal(before);
    expect((await tenant.admin("get", "/sso/connections")).body.items.map((c: { id: string }) => c.id)).to.deep.equal([mine.id]);
  });

  it("403 naming sso:manage for a key whose role lacks it; nothing changed", async () => {
    // The same Admin API over a policy whose Organization Admin may not manage SSO.
    const restricted = restrictedAdminApi(context, ["sso:manage"]);
    const call = (method: "get" | "post" | "patch" | "delete" | "put", path: string, body?: unknown) => restricted(tenant.apiKey, method, path, body);
    const created = await createSaml();
    const before = await state();
    for (const res of [
      await call("get", "/sso/connections"),
      await call("post", "/sso/connections", { protocol: "saml", name: "Refused", settings: samlSettings() }),
      await call("patch", `/sso/connections/${created.id}`, { enabled: false }),
      await call("delete", `/sso/connections/${created.id}`),
      await call("put", `/sso/connections/${created.id}/group-mappings`, { items: [] }),
    ]) {
      expect(expectApiError(res, 403, "forbidden").details).to.deep.equal({ permission: "sso:manage" });
    }
    expect(await state()).to.deep.equal(before);
  });

  describe("claim mappings", () => {
    it("PUT replaces the mappings (groups-claim value → user group); GET lists them; audited before/after", async () => {
      const connection = await createSaml();
      const engineers = await tenant.scimGroup("Engineers");
      const admins = (await tenant.admin("post", "/groups", { displayName: "Admins" })).body.id as string;
      const first = await tenant.admin("put", `/sso/connections/${connection.id}/group-mappings`, {
        items: [
          { claimValue: "eng", groupId: engineers },
          { claimValue: "okta-admins", groupId: admins },
        ],
      });
      expect(first.status, first.text).to.equal(200);
      expect(first.body.items).to.deep.equal([
        { claimValue: "eng", groupId: engineers, groupName: "Engineers" },
        { claimValue: "okta-admins", groupId: admins, groupName: "Admins" },
      ]);
      const second = await tenant.admin("put", `/sso/connections/${connection.id}/group-mappings`, { items: [{ claimValue: "eng", groupId: admins }] });
      expect(second.body).to.deep.equal({ items: [{ claimValue: "eng", groupId: admins, groupName: "Admins" }], total: 1 });
      expect((await tenant.admin("get", `/sso/connections/${connection.id}/group-mappings`)).body).to.deep.equal(second.body);

      const events = (await ssoEvents()).filter((event) => event.action === "sso.connection.group_mappings");
      expect(events).to.have.length(2);
      expect(events[1]?.details.before).to.deep.equal(first.body.items);
      expect(events[1]?.details.after).to.deep.equal(second.body.items);
      expect((await tenant.admin("put", `/sso/connections/${connection.id}/group-mappings`, { items: [] })).body.total).to.equal(0);
    });

    it("400 for a malformed mapping or a group the organization does not have (another organization's included); the mappings are unchanged", async () => {
      const connection = await createSaml();
      const group = await tenant.scimGroup("Engineers");
      const theirs = await other.scimGroup("Their group");
      await tenant.admin("put", `/sso/connections/${connection.id}/group-mappings`, { items: [{ claimValue: "eng", groupId: group }] });
      const before = await state();
      for (const body of [
        { items: [{ claimValue: "", groupId: group }] },
        { items: [{ claimValue: "eng", groupId: "not-a-uuid" }] },
        { items: [{ claimValue: "eng" }] },
        [{ claimValue: "eng", groupId: group }],
        { items: [{ claimValue: "eng", groupId: group }, { claimValue: "x", groupId: UNKNOWN }] },
        { items: [{ claimValue: "x", groupId: theirs }] },
      ]) {
        const res = await tenant.admin("put", `/sso/connections/${connection.id}/group-mappings`, body);
        expectApiError(res, 400, "invalid_request");
      }
      expect(await state()).to.deep.equal(before);
      expect((await tenant.admin("get", `/sso/connections/${connection.id}/group-mappings`)).body.items).to.deep.equal([{ claimValue: "eng", groupId: group, groupName: "Engineers" }]);
    });
  });

  describe("POST /test: OIDC discovery against the issuer", () => {
    let op: TestOidcProvider;
    before(async () => {
      op = await startOidcProvider({ clients: [{ clientId: "gatehouse", clientSecret: OIDC_SECRET, redirectUri: `${PUBLIC_URL}/auth/oidc/any/callback` }] });
    });
    after(() => op?.close());

    it("reports ok for a reachable issuer, and the reason for one that is not; nothing audited", async () => {
      const good = (await tenant.admin("post", "/sso/connections", oidcBody({ name: "Local", settings: { issuer: op.issuer, clientId: "gatehouse" } }))).body;
      const ok = await tenant.admin("post", `/sso/connections/${good.id}/test`);
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body).to.deep.equal({ ok: true });

      // A pinned issuer that answers with another issuer's metadata (or nothing at all) fails discovery.
      const wrong = (await tenant.admin("post", "/sso/connections", oidcBody({ name: "Wrong", settings: { issuer: `${op.issuer}/elsewhere`, clientId: "gatehouse" } }))).body;
      const failed = await tenant.admin("post", `/sso/connections/${wrong.id}/test`);
      expect(failed.status, failed.text).to.equal(200);
      expect(failed.body.ok).to.equal(false);
      expect(failed.body.reason).to.equal("discovery_failed");
      expect(failed.body.message).to.be.a("string").and.not.contain(OIDC_SECRET);
      expect((await ssoEvents()).map((event) => event.action)).to.deep.equal(["sso.connection.create", "sso.connection.create"]);
    });
  });

  describe("POST /metadata: IdP metadata imported from a URL", () => {
    let server: Server;
    let base: string;
    const pages = new Map<string, { status: number; body: string; type?: string; location?: string }>();

    before(async () => {
      server = createServer((req, res) => {
        const page = pages.get(req.url ?? "");
        if (!page) return void res.writeHead(404).end();
        res.writeHead(page.status, { "Content-Type": page.type ?? "application/samlmetadata+xml", ...(page.location ? { Location: page.location } : {}) }).end(page.body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("downloads the metadata and imports it over the connection's settings; audited", async () => {
      const connection = await createSaml();
      pages.set("/rotated", { status: 200, body: idpMetadata(secondCertificate, "https://idp.acme.test/saml2") });
      const res = await tenant.admin("post", `/sso/connections/${connection.id}/metadata`, { url: `${base}/rotated` });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.settings.idpEntityId).to.equal("https://idp.acme.test/saml2");
      expect(res.body.settings.idpCertificates).to.have.length(1);
      expect(res.body.settings.idpCertificates[0]).not.to.equal(connection.settings.idpCertificates?.[0]);
      expect((await ssoEvents()).at(-1)?.action).to.equal("sso.connection.metadata_import");
    });

    it("400 for a URL that is not https-or-allowed, answers with an error, redirects, is too large or is not metadata; nothing changed", async () => {
      const connection = await createSaml();
      pages.set("/missing-idp", { status: 200, body: "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>" });
      pages.set("/redirect", { status: 302, body: "", location: `${base}/rotated` });
      pages.set("/huge", { status: 200, body: `<x>${"a".repeat(1_100_000)}</x>` });
      pages.set("/broken", { status: 500, body: "secret internals" });
      const before = await state();
      for (const [url, message] of [
        ["ftp://idp.acme.test/metadata", /https/],
        ["not a url", /absolute URL/],
        [`${base.replace("http://", "http://user:pw@")}/rotated`, /credentials/],
        [`${base}/broken`, /HTTP 500/],
        [`${base}/nowhere`, /HTTP 404/],
        [`${base}/redirect`, /could not be downloaded/],
        [`${base}/huge`, /larger than/],
        [`${base}/missing-idp`, /IDPSSODescriptor/],
        ["http://127.0.0.1:1/metadata", /could not be downloaded/],
      ] as const) {
        const error = expectBadRequest(await tenant.admin("post", `/sso/connections/${connection.id}/metadata`, { url }));
        expect(error.message, url).to.match(message);
        expect(error.message).not.to.contain("secret internals");
      }
      expect(await state()).to.deep.equal(before);
    });

    it("without insecure IdP requests, a host in the server's own networks is refused before any request", async () => {
      let requested = 0;
      const spy: typeof fetch = async () => {
        requested += 1;
        return new Response(idpMetadata(idpCertificate));
      };
      for (const url of ["https://127.0.0.1/metadata", "https://localhost/metadata", "https://[::1]/metadata", "https://10.1.2.3/m", "https://169.254.169.254/latest", "https://[::ffff:192.168.0.1]/m"]) {
        const error = await fetchIdpMetadata(url, { allowInsecure: false, fetch: spy }).then(
          () => null,
          (refused: { status?: number; message?: string }) => refused,
        );
        expect(error?.status, url).to.equal(400);
        expect(error?.message, url).to.match(/loopback, private or link-local/);
      }
      expect(await fetchIdpMetadata(`${base}/rotated`, { allowInsecure: false, fetch: spy }).catch((refused: Error) => refused.message)).to.match(/https/);
      expect(requested).to.equal(0);
    });
  });
});
