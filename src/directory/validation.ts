import { DomainError } from "./domain-error.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** Trims and checks a required, human-entered text field. */
export function requireText(value: unknown, field: string, maxLength = 256): string {
  if (typeof value !== "string") throw new DomainError("invalid_value", `${field} must be a string`, { field });
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new DomainError("invalid_value", `${field} must not be empty`, { field });
  if (trimmed.length > maxLength) {
    throw new DomainError("invalid_value", `${field} must be at most ${maxLength} characters`, { field });
  }
  return trimmed;
}

/** Like requireText, but absent (undefined/null/empty) is allowed and becomes null. */
export function optionalText(value: unknown, field: string, maxLength = 2048): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" && value.trim() === "") return null;
  return requireText(value, field, maxLength);
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** Clamps paging input: limit 1..maxLimit, offset >= 0. Non-integers are a client error. */
export function normalisePage(input: { limit?: number; offset?: number }, defaultLimit = 50, maxLimit = 500): PageRequest {
  const limit = input.limit ?? defaultLimit;
  const offset = input.offset ?? 0;
  if (!Number.isInteger(limit) || !Number.isInteger(offset) || offset < 0 || limit < 0) {
    throw new DomainError("invalid_value", "limit and offset must be non-negative integers");
  }
  return { limit: Math.min(limit, maxLimit), offset };
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
