import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { DomainError, type DomainErrorCode } from "../../src/directory/domain-error.js";
import type { Directory } from "../../src/directory/directory.js";
import type { Db } from "../../src/store/db.js";

/** Awaits `work`, asserts it failed with a DomainError of `code`, and returns the error for further checks. */
export async function expectDomainError(work: Promise<unknown>, code: DomainErrorCode): Promise<DomainError> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a DomainError "${code}", but nothing was thrown`).to.not.equal(undefined);
  expect(caught).to.be.instanceOf(DomainError);
  const domainError = caught as DomainError;
  expect(domainError.code, domainError.message).to.equal(code);
  return domainError;
}

/** Awaits `work` and returns the database error it failed with (SQLSTATE in `code`), failing if it succeeded. */
export async function expectDatabaseError(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected the database to refuse the statement").to.not.equal(undefined);
  const driverError = ((caught as { driverError?: unknown }).driverError ?? caught) as { code?: string; message?: string };
  return { code: driverError.code, message: String(driverError.message ?? caught) };
}

/** Rows in `table` matching an optional WHERE clause. */
export async function countRows(db: Db, table: string, where = "true", params: readonly unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params);
  return Number(rows[0]?.n ?? 0);
}

/** A fresh organization with a unique name, for tests that need their own tenant. */
export async function newOrganization(directory: Directory, label = "Org"): Promise<string> {
  const organization = await directory.organizations.create({ name: `${label} ${randomUUID().slice(0, 8)}` });
  return organization.id;
}

export { randomUUID };

/**
 * `items` in the order the lists promise: oldest first, and in creation order among rows that share a
 * timestamp (PGlite's clock has millisecond resolution). Pass items in the order they were created.
 */
export function byCreation<T extends { id: string; createdAt: Date }>(items: readonly T[]): T[] {
  // Array.prototype.sort is stable: items created in the same millisecond keep the order they were created in.
  return [...items].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
