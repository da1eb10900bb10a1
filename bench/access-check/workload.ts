/**
 * The questions the benchmark asks: random users × a mix of permissions — 45 % on a registered resource
 * (by the product's (type, id)), 35 % at workspace or Space level, 20 % at organization level. Workspaces
 * are drawn from all 100, so most workspace questions are denials (a user holds roles in ~20 of them).
 */
import type { ProductCheck } from "../../src/access/engine/access-engine.js";
import type { CheckRequest } from "../../src/access/check.js";
import { createRandom } from "../scim-load/stats.js";
import { RESOURCE_TYPES, type Dataset } from "./dataset.js";

export type Random = ReturnType<typeof createRandom>;

export interface Question {
  userId: string;
  check: ProductCheck;
}

const ACTIONS: Record<string, readonly string[]> = {
  audience: ["read", "read", "update", "delete", "publish"],
  sync: ["read", "read", "update", "delete", "publish"],
  model: ["read", "read", "update", "delete", "propose"],
  source: ["read", "read", "update", "delete"],
  destination: ["read", "read", "update", "delete"],
};
const WORKSPACE_PERMISSIONS = ["workspace:read", "members:list", "workspace:manage", "source:create", "model:create", "destination:read"];
const SPACE_PERMISSIONS = ["audience:create", "audience:read", "sync:read", "sync:publish"];
const ORGANIZATION_PERMISSIONS = ["users:read", "organization:read", "organization:manage", "workspaces:manage", "audit:read"];

const pick = <T>(rand: Random, items: readonly T[]): T => items[rand.int(items.length)] as T;

export function resourceRef(index: number): { type: string; id: string } {
  const type = RESOURCE_TYPES[index % RESOURCE_TYPES.length] as string;
  return { type, id: `${type}-${index}` };
}

/** A check without a resource (what pure check() can answer from an EffectiveAccess alone). */
export function structuralCheck(rand: Random, data: Dataset): CheckRequest {
  const roll = rand.int(100);
  if (roll < 35) return { permission: pick(rand, ORGANIZATION_PERMISSIONS) };
  if (roll < 70) return { permission: pick(rand, WORKSPACE_PERMISSIONS), workspaceId: pick(rand, data.workspaceIds) };
  const space = pick(rand, data.spaces);
  return { permission: pick(rand, SPACE_PERMISSIONS), workspaceId: space.workspaceId, spaceId: space.id };
}

export function randomCheck(rand: Random, data: Dataset): ProductCheck {
  if (rand.int(100) >= 45) return structuralCheck(rand, data);
  const resource = resourceRef(rand.int(data.resources));
  return { permission: `${resource.type}:${pick(rand, ACTIONS[resource.type] ?? ["read"])}`, resource };
}

export function randomQuestion(rand: Random, data: Dataset, users: readonly string[] = data.userIds): Question {
  return { userId: pick(rand, users), check: randomCheck(rand, data) };
}

/** Request bodies for POST /access/v1/check, built up front so the load generator only sends. */
export function singleBodies(data: Dataset, count: number, seed: number): string[] {
  const rand = createRandom(seed);
  return Array.from({ length: count }, () => {
    const { userId, check } = randomQuestion(rand, data);
    return JSON.stringify({ userId, ...check });
  });
}

export function batchBodies(data: Dataset, count: number, size: number, seed: number): string[] {
  const rand = createRandom(seed);
  return Array.from({ length: count }, () => JSON.stringify({ userId: pick(rand, data.userIds), checks: Array.from({ length: size }, () => randomCheck(rand, data)) }));
}
