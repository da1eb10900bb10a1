/**
 * The browser's IdP side in end-to-end sign-in tests: real HTTP to an IdP with a cookie jar, following redirects
 * only while they stay at the IdP (a redirect to Gatehouse is handed back to the test, which sends it through
 * supertest), and reading the IdP's HTML forms (the UserPass login, the auto-posting SAMLResponse form).
 */
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
