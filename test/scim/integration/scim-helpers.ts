/**
 * Small helpers shared by the SCIM integration specs: request bodies, the assertions every response
 * shares (SCIM content type, RFC 7644 §3.12 error bodies) and direct reads of the database for
 * "nothing changed" checks.
 */
import { expect } from "chai";
import type { Response } from "supertest";
import type { ScimTenant, ScimTestContext } from "../../support/scim-app.js";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export type Json = Record<string, unknown>;
export interface ListBody {
  totalResults: number;
  itemsPerPage: number;
  startIndex?: number;
  nextCursor?: string;
  previousCursor?: string;
  Resources: Json[];
}

export function expectScimJson(res: Response): void {
  expect(res.headers["content-type"], "content-type").to.match(/^application\/scim\+json/);
}

/** An RFC 7644 §3.12 error: SCIM content type, Error schema, `status` as a string, the scimType if given. */
/** A response body for an assertion message, cut short: a failing list assertion must not print 1,000 users. */
export const brief = (body: unknown): string => JSON.stringify(body).slice(0, 400);

export function expectScimError(res: Response, status: number, scimType?: string): void {
  expect(res.status, brief(res.body)).to.equal(status);
  expectScimJson(res);
  expect(res.body.schemas).to.deep.equal([ERROR_SCHEMA]);
  expect(res.body.status).to.equal(String(status));
  expect(res.body.detail).to.be.a("string");
  if (scimType === undefined) expect(res.body).not.to.have.property("scimType");
  else expect(res.body.scimType).to.equal(scimType);
}

export function userBody(userName: string, extra: Json = {}): Json {
  return { schemas: [USER_SCHEMA], userName, ...extra };
}

export async function createUser(tenant: ScimTenant, userName: string, extra: Json = {}): Promise<Json> {
  const res = await tenant.post("/Users", userBody(userName, extra));
  expect(res.status, brief(res.body)).to.equal(201);
  return res.body as Json;
}

export async function createGroup(tenant: ScimTenant, displayName: string, memberIds: string[] = []): Promise<Json> {
  const res = await tenant.post("/Groups", { schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })) });
  expect(res.status, brief(res.body)).to.equal(201);
  return res.body as Json;
}

export function patchBody(...operations: Json[]): Json {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

/** `?filter=…` with the filter URL-encoded, plus any further query text. */
export function filtered(resource: string, filter: string, more = ""): string {
  return `/${resource}?filter=${encodeURIComponent(filter)}${more}`;
}

export async function list(tenant: ScimTenant, path: string): Promise<ListBody> {
  const res = await tenant.get(path);
  expect(res.status, brief(res.body)).to.equal(200);
  expectScimJson(res);
  return res.body as ListBody;
}

export async function userNamesFor(tenant: ScimTenant, filter: string): Promise<string[]> {
  const body = await list(tenant, filtered("Users", filter, "&count=1000"));
  return body.Resources.map((user) => String(user.userName)).sort();
}

/** The ids of a group's members, read straight from the database. */
export async function memberIdsOf(ctx: ScimTestContext, groupId: string): Promise<string[]> {
  const { rows } = await ctx.db.query<{ user_id: string }>(`SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id`, [groupId]);
  return rows.map((row) => row.user_id);
}

/** Inserts users straight into the database (fast seeding for size tests); returns their ids. */
export async function seedUsers(ctx: ScimTestContext, organizationId: string, prefix: string, count: number): Promise<string[]> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO users (organization_id, user_name) SELECT $1, $2 || lpad(g::text, 6, '0') FROM generate_series(1, $3::int) g RETURNING id`,
    [organizationId, prefix, count],
  );
  return rows.map((row) => row.id);
}

/** A resource as GET returns it, for before/after comparisons. */
export async function snapshot(tenant: ScimTenant, path: string): Promise<Json> {
  const res = await tenant.get(path);
  expect(res.status, brief(res.body)).to.equal(200);
  return res.body as Json;
}

export const idOf = (resource: Json): string => String(resource.id);
