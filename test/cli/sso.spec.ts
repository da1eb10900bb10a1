import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateServiceProviderKeyPair } from "../../src/sso/saml/certificates.js";
import { openDatabase } from "../../src/store/data-source.js";
import { createDb } from "../../src/store/db.js";
import { useCleanDatabase } from "../support/database.js";
import { childEnv, runCli, useTempDir, type ProcessResult } from "../support/processes.js";

const PUBLIC_URL = "https://id.example.test";
const SECRET = "cli-oidc-secret-never-on-screen";

interface Connection {
  id: string;
  protocol: string;
  name: string;
  settings: Record<string, unknown>;
  loginUrl: string;
  serviceProvider?: { acsUrl: string; metadataUrl: string };
  oidc?: { redirectUri: string; clientSecretSet: boolean };
}

/**
 * `gatehouse sso …` in a child process, on the test run's PostgreSQL database when DATABASE_URL is set,
 * otherwise on an embedded database in a scratch directory.
 */
describe("gatehouse sso (CLI, issue 6)", function () {
  this.timeout(240_000);
  const ctx = useCleanDatabase();
  const scratch = useTempDir("gatehouse-cli-sso-");
  let env: NodeJS.ProcessEnv;
  let organizationId: string;
  const file = (name: string) => join(scratch.path, name);
  const cli = (...args: string[]): Promise<ProcessResult> => runCli(args, env);
  const json = <T>(result: ProcessResult): T => {
    expect(result.code, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as T;
  };
  const list = async () => json<Connection[]>(await cli("sso", "list", organizationId, "--json"));

  /** The audit events the CLI wrote (the embedded database is opened once the CLI has exited). */
  async function auditEvents(): Promise<Array<{ actor_type: string; actor_id: string | null; action: string; target_id: string; details: Record<string, unknown> }>> {
    const database = process.env.DATABASE_URL ? ctx.database : await openDatabase({ dataDir: join(scratch.path, "pglite") });
    try {
      const { rows } = await createDb(database.dataSource).query<{ actor_type: string; actor_id: string | null; action: string; target_id: string; details: Record<string, unknown> }>(
        `SELECT actor_type, actor_id, action, target_id, details FROM audit_events WHERE organization_id = $1 AND action LIKE 'sso.%' ORDER BY id`,
        [organizationId],
      );
      return rows;
    } finally {
      if (database !== ctx.database) await database.dataSource.destroy();
    }
  }

  before(async () => {
    env = childEnv({ DATABASE_URL: process.env.DATABASE_URL, GATEHOUSE_DATA_DIR: join(scratch.path, "pglite"), PUBLIC_URL });
    const { certificate } = await generateServiceProviderKeyPair("idp.acme.test");
    const body = certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
    writeFileSync(file("idp.pem"), certificate);
    writeFileSync(file("secret.txt"), `${SECRET}\n`);
    writeFileSync(
      file("metadata.xml"),
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.acme.test/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`,
    );
    organizationId = json<{ organizationId: string }>(await cli("org", "create", "Acme", "--json")).organizationId;
  });

  let samlId: string;

  it("add-saml --metadata-file prints what the IdP admin pastes: login URL, ACS URL, SP entity ID and metadata URL", async () => {
    const result = await cli("sso", "add-saml", organizationId, "--name", "Okta SAML", "--metadata-file", file("metadata.xml"));
    expect(result.code, result.stderr).to.equal(0);
    samlId = /: ([0-9a-f-]{36})$/m.exec(result.stdout)?.[1] ?? "";
    expect(samlId).to.match(/^[0-9a-f-]{36}$/);
    expect(result.stdout).to.contain(`Login URL:`).and.contain(`${PUBLIC_URL}/auth/login/${samlId}`);
    expect(result.stdout).to.contain(`${PUBLIC_URL}/auth/saml/${samlId}/acs`);
    expect(result.stdout).to.match(new RegExp(`SP metadata URL: +${PUBLIC_URL}/auth/saml/${samlId}/metadata`));
    expect(result.stdout).not.to.contain("PRIVATE KEY");
  });

  it("add-saml with entered values (--entity-id, --sso-url, --certificate-file) and --json", async () => {
    const created = json<Connection>(
      await cli("sso", "add-saml", organizationId, "--name", "Entered", "--entity-id", "https://idp2.acme.test", "--sso-url", "https://idp2.acme.test/sso", "--certificate-file", file("idp.pem"), "--json"),
    );
    expect(created.protocol).to.equal("saml");
    expect(created.settings).to.include({ idpEntityId: "https://idp2.acme.test", ssoUrl: "https://idp2.acme.test/sso" });
    expect(created.serviceProvider?.acsUrl).to.equal(`${PUBLIC_URL}/auth/saml/${created.id}/acs`);
  });

  it("add-oidc reads the client secret from a file and never prints it; prints the redirect URI", async () => {
    const result = await cli("sso", "add-oidc", organizationId, "--name", "Okta OIDC", "--issuer", "https://acme.okta.test", "--client-id", "gatehouse", "--client-secret-file", file("secret.txt"));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`Redirect URI: +${PUBLIC_URL}/auth/oidc/[0-9a-f-]{36}/callback`));
    expect(result.stdout + result.stderr).not.to.contain(SECRET);
    const listed = await list();
    expect(listed.map((c) => c.name).sort()).to.deep.equal(["Entered", "Okta OIDC", "Okta SAML"]);
    expect(listed.find((c) => c.protocol === "oidc")?.oidc?.clientSecretSet).to.equal(true);
    expect(JSON.stringify(listed)).not.to.contain(SECRET);
    const table = await cli("sso", "list", organizationId);
    expect(table.stdout).to.contain("Okta OIDC").and.contain(`${PUBLIC_URL}/auth/login/`);
  });

  it("refuses the secret on the command line and other bad usage with exit code 2; nothing created", async () => {
    const before = (await list()).length;
    for (const args of [
      ["sso", "add-oidc", organizationId, "--name", "X", "--issuer", "https://acme.okta.test", "--client-id", "c", "--client-secret", SECRET],
      ["sso", "add-oidc", organizationId, "--name", "X", "--issuer", "https://acme.okta.test", "--client-id", "c"],
      ["sso", "add-saml", organizationId, "--name", "X", "--entity-id", "https://idp.acme.test"],
      ["sso", "remove", organizationId],
    ]) {
      const result = await cli(...args);
      expect(result.code, args.join(" ")).to.equal(2);
      expect(result.stderr).to.match(/Usage: gatehouse/);
      expect(result.stderr).not.to.contain(SECRET);
    }
    expect((await list()).length).to.equal(before);
  });

  it("exit code 1 with a message naming the problem: unknown organization or connection, bad settings, unreadable file; nothing created", async () => {
    const before = (await list()).length;
    const cases: Array<[string[], RegExp]> = [
      [["sso", "list", "00000000-0000-4000-8000-000000000000"], /organization .* not found/],
      [["sso", "add-saml", organizationId, "--name", "Bad", "--entity-id", "https://idp.acme.test", "--sso-url", "ftp://idp.acme.test", "--certificate-file", file("idp.pem")], /ssoUrl/],
      [["sso", "add-oidc", organizationId, "--name", "X", "--issuer", "https://acme.okta.test", "--client-id", "c", "--client-secret-file", file("missing.txt")], /--client-secret-file: cannot read/],
      [["sso", "remove", organizationId, "00000000-0000-4000-8000-000000000000"], /not found/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(1);
      expect(result.stderr).to.match(message);
    }
    expect((await list()).length).to.equal(before);
  });

  it("remove deletes the connection; every change is audited with actor type cli and without secrets", async () => {
    const result = await cli("sso", "remove", organizationId, samlId);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("removed");
    expect((await list()).map((c) => c.id)).not.to.contain(samlId);
    const events = await auditEvents();
    expect(events.map((event) => event.action)).to.deep.equal(["sso.connection.create", "sso.connection.create", "sso.connection.create", "sso.connection.delete"]);
    for (const event of events) expect(event.actor_type).to.equal("cli");
    expect(events.at(-1)?.target_id).to.equal(samlId);
    const text = JSON.stringify(events);
    expect(text).not.to.contain(SECRET);
    expect(text).not.to.contain("PRIVATE KEY");
  });
});
