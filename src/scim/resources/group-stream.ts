import type { ServerResponse } from "node:http";
import type { Directory } from "../../directory/directory.js";
import { DomainError } from "../../directory/domain-error.js";
import type { GroupRecord } from "../../directory/groups.service.js";
import { SCIM_CONTENT_TYPE } from "../../http/scim-errors.js";
import { projectResource, wantsAttribute, type ProjectionRequest } from "../protocol/projection.js";
import { groupResourceSchema } from "../protocol/schemas.js";
import { groupToScim, memberToScim } from "./groups.mapper.js";

const MEMBER_PAGE = 2000;

/** Resolves backpressure: waits for the socket to drain when its buffer is full. */
function writeThrough(res: ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("client went away while members were streamed"));
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/** Below this a response is gathered and sent whole; above it, streamed in pieces of about this size. */
const FLUSH_BYTES = 64 * 1024;

/**
 * A SCIM response written in pieces but sent in few socket writes: pieces are gathered until they reach
 * FLUSH_BYTES, and a response that never does goes out as one `res.end` with a Content-Length (a group
 * without its members, a small list) — every write is a syscall, and on this kind of machine a costly one.
 */
export interface ScimStream {
  write(chunk: string): Promise<void>;
  end(chunk?: string): void;
}

export function startScimStream(res: ServerResponse, status: number, headers: Record<string, string> = {}): ScimStream {
  const head = { "Content-Type": SCIM_CONTENT_TYPE, ...headers };
  let pending: string[] = [];
  let size = 0;
  let started = false;
  return {
    write(chunk) {
      pending.push(chunk);
      size += chunk.length;
      if (size < FLUSH_BYTES) return Promise.resolve();
      const gathered = pending.join("");
      pending = [];
      size = 0;
      if (!started) res.writeHead(status, head);
      started = true;
      return writeThrough(res, gathered);
    },
    end(chunk = "") {
      pending.push(chunk);
      const rest = pending.join("");
      pending = [];
      if (!started) res.writeHead(status, { ...head, "Content-Length": String(Buffer.byteLength(rest)) });
      res.end(rest);
    },
  };
}

/** Which member sub-attributes the projection keeps (e.g. `attributes=members.value` keeps only value). */
function memberKeys(projection: ProjectionRequest): string[] {
  const sample = { schemas: [], id: "x", displayName: "x", members: [{ value: "v", $ref: "r", display: "d", type: "User" }] };
  const projected = projectResource(sample, groupResourceSchema, projection).members;
  const first = Array.isArray(projected) ? (projected[0] as Record<string, unknown> | undefined) : undefined;
  return first ? Object.keys(first) : [];
}

/**
 * One page of members. A group deleted by a concurrent request after it was read has no members left:
 * its list ends there, because the response has already started and failing now would cut the connection.
 */
async function memberPage(directory: Directory, group: GroupRecord, afterUserId: string | undefined) {
  try {
    return await directory.memberships.list(group.organizationId, group.id, { afterUserId, limit: MEMBER_PAGE });
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return [];
    throw error;
  }
}

/**
 * Writes one group as JSON, its members paged from the database by keyset, a page at a time, so a
 * 100,000-member group never sits in memory whole (and is not loaded at all when not wanted).
 */
export async function writeGroup(out: ScimStream, directory: Directory, group: GroupRecord, baseUrl: string, projection: ProjectionRequest): Promise<void> {
  const body = projectResource(groupToScim(group, baseUrl), groupResourceSchema, projection);
  const json = JSON.stringify(body);
  if (!wantsAttribute(projection, groupResourceSchema, "members")) return out.write(json);
  const keys = memberKeys(projection);
  await out.write(`${json.slice(0, -1)},"members":[`);
  let after: string | undefined;
  let first = true;
  for (;;) {
    const page = await memberPage(directory, group, after);
    if (page.length === 0) break;
    const members = page.map((member) => {
      const full = memberToScim(member, baseUrl);
      return JSON.stringify(Object.fromEntries(keys.map((key) => [key, full[key]])));
    });
    await out.write(`${first ? "" : ","}${members.join(",")}`);
    first = false;
    after = page[page.length - 1]?.userId;
    if (page.length < MEMBER_PAGE) break;
  }
  await out.write("]}");
}
