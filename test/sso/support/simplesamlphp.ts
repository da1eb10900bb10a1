/**
 * A real SAML IdP for end-to-end tests: SimpleSAMLphp 1.19 from Debian's package, run with `php -S` on a free
 * 127.0.0.1 port from a temp dir (TEST-IDPS.md). The package's config.php is copied and edited there; users come
 * from an exampleauth UserPass source; the IdP key pair is made with openssl at start. Service providers are
 * registered after start (their URLs carry the Gatehouse connection id); flat-file metadata is read per request.
 * `IdpBrowser` is the browser's IdP side: real HTTP with a cookie jar, following redirects only inside the IdP.
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

// --- the browser's IdP side ------------------------------------------------------------------------------------

export interface PostedForm {
  action: string;
  fields: Record<string, string>;
}

const decodeEntities = (value: string): string =>
  value.replace(/&(#x[0-9a-f]+|#[0-9]+|quot|amp|lt|gt|apos);/gi, (_all, entity: string) => {
    const named: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" };
    if (entity[0] !== "#") return named[entity.toLowerCase()] as string;
    return String.fromCodePoint(entity[1]?.toLowerCase() === "x" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
  });

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, "i").exec(tag);
  return match ? decodeEntities(match[2] ?? match[3] ?? "") : undefined;
};

/** The first POST form of a page and its named inputs (hidden, text and password alike). */
export function readForm(html: string, pageUrl: string): PostedForm | null {
  const form = /<form\b[^>]*>[\s\S]*?<\/form>/i.exec(html)?.[0];
  if (!form) return null;
  const open = /<form\b[^>]*>/i.exec(form)?.[0] ?? "";
  const fields: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, "name");
    if (name !== undefined) fields[name] = attribute(input, "value") ?? "";
  }
  return { action: new URL(attribute(open, "action") ?? pageUrl, pageUrl).href, fields };
}

export interface IdpPage {
  url: string;
  status: number;
  text: string;
}

/** Real HTTP to the IdP with a cookie jar. Redirects are followed while they stay at the IdP's origin. */
export class IdpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly idpOrigin: string) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || value === "deleted" || /expires=[^;]*19[0-9]{2}/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([n, v]) => `${n}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    this.remember(res);
    return res;
  }

  /**
   * Goes to `url` (GET, or POST with a form) and follows redirects at the IdP. Stops at a page, or at a redirect
   * leaving the IdP — returned as `{ status: 3xx, url: <the location> }` so the test sends it to Gatehouse.
   */
  async visit(url: string, form?: Record<string, string>): Promise<IdpPage> {
    let res = await this.request(url, form ? { method: "POST", body: new URLSearchParams(form), headers: { "Content-Type": "application/x-www-form-urlencoded" } } : {});
    let current = url;
    for (let hops = 0; hops < 20; hops += 1) {
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, status: res.status, text: await res.text() };
      await res.arrayBuffer();
      const next = new URL(location, current).href;
      if (new URL(next).origin !== this.idpOrigin) return { url: next, status: res.status, text: "" };
      current = next;
      res = await this.request(next);
    }
    throw new Error(`too many redirects at the IdP from ${url}`);
  }

  /**
   * From the IdP's SSO URL to the form that posts the SAMLResponse to the SP: signs in on the UserPass form when
   * the IdP asks (no IdP session yet), else the IdP answers at once.
   */
  async signIn(ssoUrl: string, username: string, password: string): Promise<PostedForm> {
    let page = await this.visit(ssoUrl);
    let form = readForm(page.text, page.url);
    if (form && "AuthState" in form.fields && !("SAMLResponse" in form.fields)) {
      page = await this.visit(form.action, { ...form.fields, username, password });
      form = readForm(page.text, page.url);
    }
    if (!form || !("SAMLResponse" in form.fields)) throw new Error(`the IdP did not answer with a SAMLResponse form (HTTP ${page.status} at ${page.url}):\n${page.text.slice(0, 2000)}`);
    return form;
  }
}
