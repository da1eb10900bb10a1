/**
 * Replays the published identity-provider requests kept in ./fixtures: each fixture names its source
 * page, the request as the IdP sends it, and the statuses the IdP accepts. `{{name}}` placeholders are
 * filled from the test's variables; a string that is only a placeholder takes the variable's JSON value.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { Response } from "supertest";
import type { ScimTenant } from "../support/scim-app.js";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export interface ReplayRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ReplayStep {
  name: string;
  request: ReplayRequest;
  expect: { status: number[]; maxMilliseconds?: number };
}

export interface Fixture extends ReplayStep {
  source: string;
}

export type Vars = Record<string, unknown>;

export function loadFixture<T = Fixture>(name: string): T {
  const fixture = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as T & { source?: unknown };
  if (typeof fixture.source !== "string") throw new Error(`fixture ${name} must cite its source`);
  return fixture;
}

function lookup(vars: Vars, name: string): unknown {
  if (!(name in vars)) throw new Error(`fixture placeholder {{${name}}} has no value`);
  return vars[name];
}

export function fill(value: unknown, vars: Vars): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{(\w+)\}\}$/.exec(value);
    if (whole?.[1] !== undefined) return lookup(vars, whole[1]);
    return value.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => String(lookup(vars, name)));
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, vars));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, vars)]));
  return value;
}

/** Fixtures keep query strings as the IdP writes them (`filter=userName eq "x"`); escape what HTTP forbids. */
function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g, (char) => encodeURIComponent(char));
}

/** Sends the step's request as the tenant and checks the status is one the IdP accepts. */
export async function replay(tenant: ScimTenant, step: ReplayStep, vars: Vars = {}): Promise<Response> {
  const request = fill(step.request, vars) as ReplayRequest;
  const path = encodePath(request.path);
  let test = request.method === "GET" ? tenant.get(path)
    : request.method === "DELETE" ? tenant.delete(path)
    : request.method === "POST" ? tenant.post(path, request.body)
    : request.method === "PUT" ? tenant.put(path, request.body)
    : tenant.patch(path, request.body);
  for (const [header, value] of Object.entries(request.headers ?? {})) test = test.set(header, value);
  const started = Date.now();
  const response = await test;
  const elapsed = Date.now() - started;
  expect(step.expect.status, `${step.name}: got ${response.status} ${response.text}`).to.include(response.status);
  if (step.expect.maxMilliseconds !== undefined) expect(elapsed, `${step.name}: response time`).to.be.at.most(step.expect.maxMilliseconds);
  return response;
}

/** Loads a single-request fixture and replays it. */
export function replayFixture(tenant: ScimTenant, name: string, vars: Vars = {}): Promise<Response> {
  return replay(tenant, loadFixture(name), vars);
}

/** A user created the plain way, for tests whose subject is something else (a group, a manager). */
export async function createUser(tenant: ScimTenant, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await tenant.post("/Users", { schemas: [USER_SCHEMA], userName, ...extra }).expect(201);
  return response.body.id as string;
}

export async function createGroup(tenant: ScimTenant, displayName: string, memberIds: string[] = []): Promise<string> {
  const members = memberIds.map((value) => ({ value }));
  const response = await tenant.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName, members }).expect(201);
  return response.body.id as string;
}

/** The group's member ids as a follow-up GET reports them, sorted. */
export async function memberIdsOf(tenant: ScimTenant, groupId: string): Promise<string[]> {
  const response = await tenant.get(`/Groups/${groupId}`).expect(200);
  const members = (response.body.members ?? []) as Array<{ value: string }>;
  return members.map((member) => member.value).sort();
}

/** The user as a follow-up GET reports it. */
export async function readUser(tenant: ScimTenant, userId: string) {
  const response = await tenant.get(`/Users/${userId}`).expect(200);
  return response.body;
}

/** Checks an RFC 7644 §3.12 error body: the Error schema, `status` as a string, a detail. */
export function expectScimError(response: Response, status: number, scimType?: string): void {
  expect(response.status).to.equal(status);
  expect(response.headers["content-type"]).to.match(/^application\/scim\+json/);
  expect(response.body.schemas).to.include(ERROR_SCHEMA);
  expect(response.body.status).to.equal(String(status));
  expect(response.body.detail).to.be.a("string").and.not.equal("");
  if (scimType !== undefined) expect(response.body.scimType).to.equal(scimType);
}

export const sorted = (ids: string[]): string[] => [...ids].sort();
