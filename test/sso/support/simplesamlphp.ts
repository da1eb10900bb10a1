/**
 * A real SAML IdP for end-to-end tests: SimpleSAMLphp 1.19 from Debian's package, run with `php -S` on a free
 * 127.0.0.1 port from a temp dir (TEST-IDPS.md). The package's config.php is copied and edited there; users come
 * from an exampleauth UserPass source; the IdP key pair is made with openssl at start. Service providers are
 * registered after start (their URLs carry the Gatehouse connection id); flat-file metadata is read per request.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PACKAGE_DIR = "/usr/share/simplesamlphp";
const PACKAGE_CONFIG = "/etc/simplesamlphp/config.php";
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

export interface SimpleSamlUser {
  username: string;
  password: string;
  attributes: Record<string, string[]>;
}

export interface TrustedServiceProvider {
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  /** PEM: the IdP checks our signed LogoutRequests / LogoutResponses with it (validate.logout). */
  certificate: string;
  /** The IdP refuses an AuthnRequest that is not signed by `certificate` (validate.authnrequest). */
  requireSignedAuthnRequests?: boolean;
  /** The IdP encrypts assertions to `certificate` (assertion.encryption). */
  encryptAssertions?: boolean;
}

export interface SimpleSamlIdp {
  /** e.g. http://127.0.0.1:41234/simplesaml */
  baseUrl: string;
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  metadataXml(): Promise<string>;
  /** Writes saml20-sp-remote.php with these SPs (replacing earlier ones). */
  trust(serviceProviders: TrustedServiceProvider[]): void;
  /** Rewrites the UserPass source (read per request): a person's attributes change at the IdP. */
  setUsers(users: SimpleSamlUser[]): void;
  /** What the PHP server printed (for assertion messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Why the suite cannot run here, or null when php and the simplesamlphp package are installed. */
export function simpleSamlPhpMissing(): string | null {
  try {
    execFileSync("php", ["--version"], { stdio: "ignore" });
  } catch {
    return "php is not installed (apt-get install simplesamlphp php-cli php-xml)";
  }
  if (!existsSync(join(PACKAGE_DIR, "www")) || !existsSync(PACKAGE_CONFIG)) return "the simplesamlphp Debian package is not installed";
  return null;
}

const php = (value: unknown): string => {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(php).join(", ")}]`;
  if (typeof value === "object" && value !== null) return `[${Object.entries(value).map(([k, v]) => `${php(k)} => ${php(v)}`).join(", ")}]`;
  return String(value);
};

const pemBody = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The package's config.php, with the settings TEST-IDPS.md lists appended as overrides (the last assignment wins). */
function writeConfig(dir: string, baseUrl: string): void {
  const original = readFileSync(PACKAGE_CONFIG, "utf8").replace(/^\s*require_once\(['"][^'"]*secrets\.inc\.php['"]\);\s*$/m, "");
  const overrides: Record<string, unknown> = {
    baseurlpath: `${baseUrl}/`,
    "enable.saml20-idp": true,
    "session.cookie.secure": false,
    secretsalt: `gatehouse-test-${process.pid}-${Date.now()}`,
    "auth.adminpassword": `unused-${Date.now()}`,
    "logging.handler": "errorlog",
    "logging.level": 5,
    certdir: join(dir, "cert"),
    metadatadir: join(dir, "metadata"),
    datadir: join(dir, "data"),
    tempdir: join(dir, "tmp"),
    loggingdir: join(dir, "log"),
    "session.phpsession.savepath": join(dir, "sessions"),
    "store.type": "phpsession",
    timezone: "UTC",
    // Where an IdP-initiated logout may finish (ReturnTo): a page of the relying application, off the IdP.
    "trusted.url.domains": ["app.acme.test"],
  };
  const lines = Object.entries(overrides).map(([key, value]) => `$config[${php(key)}] = ${php(value)};`);
  lines.push(`$config['module.enable']['exampleauth'] = true;`);
  writeFileSync(join(dir, "config", "config.php"), `${original.trimEnd()}\n\n// Gatehouse test IdP (TEST-IDPS.md)\n${lines.join("\n")}\n`);
}

function writeAuthSources(dir: string, users: SimpleSamlUser[]): void {
  const source: Record<string, unknown> = { 0: "exampleauth:UserPass" };
  for (const user of users) source[`${user.username}:${user.password}`] = user.attributes;
  const entries = Object.entries(source).map(([key, value]) => (key === "0" ? php(value) : `${php(key)} => ${php(value)}`));
  writeFileSync(join(dir, "config", "authsources.php"), `<?php\n$config = [\n  'admin' => ['core:AdminPassword'],\n  'example-userpass' => [${entries.join(", ")}],\n];\n`);
}

function writeHostedIdp(dir: string): void {
  const idp = {
    host: "__DEFAULT__",
    privatekey: "idp.key",
    certificate: "idp.crt",
    auth: "example-userpass",
    NameIDFormat: EMAIL_FORMAT,
    "simplesaml.nameidattribute": "email",
    "saml20.sign.assertion": true,
    // Logout messages on the Redirect binding are unsigned unless asked for; Gatehouse requires them signed.
    "sign.logout": true,
    "validate.logout": true,
    logouttype: "traditional",
  };
  writeFileSync(join(dir, "metadata", "saml20-idp-hosted.php"), `<?php\n$metadata['__DYNAMIC:1__'] = ${php(idp)};\n`);
}

function writeServiceProviders(dir: string, serviceProviders: TrustedServiceProvider[]): void {
  const entries = serviceProviders.map((sp) => {
    const metadata = {
      AssertionConsumerService: sp.acsUrl,
      SingleLogoutService: sp.sloUrl,
      NameIDFormat: EMAIL_FORMAT,
      certData: pemBody(sp.certificate),
      "validate.logout": true,
      "sign.logout": true,
      "validate.authnrequest": sp.requireSignedAuthnRequests ?? false,
      "assertion.encryption": sp.encryptAssertions ?? false,
    };
    return `$metadata[${php(sp.entityId)}] = ${php(metadata)};`;
  });
  writeFileSync(join(dir, "metadata", "saml20-sp-remote.php"), `<?php\n${entries.join("\n")}\n`);
}

async function waitUntilServing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`php -S exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`SimpleSAMLphp did not answer ${url}:\n${log()}`);
}

export async function startSimpleSamlPhp(users: SimpleSamlUser[]): Promise<SimpleSamlIdp> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-simplesamlphp-"));
  for (const sub of ["config", "metadata", "cert", "data", "tmp", "log", "sessions", "docroot"]) mkdirSync(join(dir, sub));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-subj", "/CN=SimpleSAMLphp test IdP",
    "-keyout", join(dir, "cert", "idp.key"), "-out", join(dir, "cert", "idp.crt"),
  ], { stdio: "ignore" });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = `${origin}/simplesaml`;
  writeConfig(dir, baseUrl);
  writeAuthSources(dir, users);
  writeHostedIdp(dir);
  writeServiceProviders(dir, []);
  symlinkSync(join(PACKAGE_DIR, "www"), join(dir, "docroot", "simplesaml"));

  let output = "";
  // No opcache: it re-reads a changed PHP file only every few seconds, and trust()/setUsers() rewrite metadata files.
  const child = spawn("php", ["-d", "opcache.enable=0", "-S", `127.0.0.1:${port}`, "-t", join(dir, "docroot")], {
    cwd: dir,
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, "config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const metadataUrl = `${baseUrl}/saml2/idp/metadata.php`;
  try {
    await waitUntilServing(metadataUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    baseUrl,
    entityId: metadataUrl,
    ssoUrl: `${baseUrl}/saml2/idp/SSOService.php`,
    sloUrl: `${baseUrl}/saml2/idp/SingleLogoutService.php`,
    async metadataXml() {
      const res = await fetch(metadataUrl);
      if (!res.ok) throw new Error(`metadata: HTTP ${res.status}`);
      return res.text();
    },
    trust: (serviceProviders) => writeServiceProviders(dir, serviceProviders),
    setUsers: (changed) => writeAuthSources(dir, changed),
    log: () => output,
    stop,
  };
}
