/**
 * A small browser for end-to-end sign-in tests through supertest: keeps the cookies Gatehouse sets (and
 * forgets cleared ones), sends them back, and follows nothing by itself — each test asserts each redirect.
 */
import type { Express } from "express";
import supertest from "supertest";

export interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

export function parseSetCookies(res: supertest.Response): SetCookie[] {
  const raw = res.headers["set-cookie"] as unknown;
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === "string" ? [raw] : [];
  return lines.map((line) => {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: Express) {}

  private remember(res: supertest.Response): supertest.Response {
    for (const cookie of parseSetCookies(res)) {
      const expired = cookie.attributes.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()) || cookie.value === "";
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return res;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** A path, or a full URL on the server (only its path and query are used). */
  private pathOf(target: string | URL): string {
    const url = new URL(target, "https://gatehouse.test");
    return `${url.pathname}${url.search}`;
  }

  async get(target: string | URL, headers: Record<string, string> = {}): Promise<supertest.Response> {
    return this.remember(await supertest(this.app).get(this.pathOf(target)).set({ Cookie: this.cookieHeader(), ...headers }));
  }

  async postForm(target: string | URL, form: Record<string, string>, headers: Record<string, string> = {}): Promise<supertest.Response> {
    return this.remember(
      await supertest(this.app)
        .post(this.pathOf(target))
        .set({ Cookie: this.cookieHeader(), "Content-Type": "application/x-www-form-urlencoded", ...headers })
        .send(new URLSearchParams(form).toString()),
    );
  }

  async postJson(target: string | URL, body: unknown, headers: Record<string, string> = {}): Promise<supertest.Response> {
    return this.remember(
      await supertest(this.app)
        .post(this.pathOf(target))
        .set({ Cookie: this.cookieHeader(), "Content-Type": "application/json", ...headers })
        .send(JSON.stringify(body)),
    );
  }
}
