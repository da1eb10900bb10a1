import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../store/db.js";
import { findOrganization } from "../store/organizations.repository.js";
import {
  findCredentialByHash,
  insertCredential,
  listCredentials,
  revokeCredential,
  touchCredential,
  type CredentialKind,
  type CredentialRecord,
} from "../store/credentials.repository.js";
import type { CredentialCache } from "./credential-cache.js";
import { DomainError, notFound } from "./domain-error.js";
import { isUuid, requireText } from "./validation.js";

export type { CredentialKind, CredentialRecord };

/** Prefixes make a leaked secret recognisable to secret scanners and to people. */
const PREFIX: Record<CredentialKind, string> = { scim_token: "ghs_", api_key: "gha_" };
const LABEL: Record<CredentialKind, string> = { scim_token: "SCIM token", api_key: "API key" };
const SECRET = /^gh[sa]_[A-Za-z0-9_-]{43}$/;

export interface IssuedCredential {
  credential: CredentialRecord;
  /** The secret itself: shown once, never stored. */
  secret: string;
}

export type VerifyFailure = "malformed" | "unknown" | "revoked" | "expired";
export type VerifyResult = { ok: true; credential: CredentialRecord } | { ok: false; reason: VerifyFailure };

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

export function createCredentialService({
  db,
  now = () => new Date(),
  cache,
}: {
  db: Db;
  now?: () => Date;
  /** Verification cache (credential-cache.ts); without it every verification reads the database. */
  cache?: CredentialCache | undefined;
}) {
  async function issue(kind: CredentialKind, organizationId: string, input: { name?: string; expiresAt?: Date | null } = {}): Promise<IssuedCredential> {
    const name = requireText(input.name ?? "default", "name", 200);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt <= now())) {
      throw new DomainError("invalid_value", "expiresAt must be a future date", { field: "expiresAt" });
    }
    if (!isUuid(organizationId) || !(await findOrganization(db, organizationId))) throw notFound("organization", organizationId);
    // 256 bits from the CSPRNG, base64url: 43 characters.
    const secret = `${PREFIX[kind]}${randomBytes(32).toString("base64url")}`;
    const hint = `${PREFIX[kind]}…${secret.slice(-4)}`;
    const credential = await insertCredential(db, kind, { organizationId, name, hash: hashSecret(secret), hint, expiresAt });
    return { credential, secret };
  }

  /**
   * Checks a presented secret. Lookup is by SHA-256 hash, so the database never compares secrets, and
   * the hash is compared again in constant time. Never logs the secret.
   * With a cache, a credential found before is served from memory (revocation and the like clear the cache by
   * notification); expiry is still checked here on every call, and only found credentials are cached.
   */
  async function verify(kind: CredentialKind, presented: string): Promise<VerifyResult> {
    if (!presented.startsWith(PREFIX[kind]) || !SECRET.test(presented)) return { ok: false, reason: "malformed" };
    const hash = hashSecret(presented);
    const hashHex = cache ? hash.toString("hex") : "";
    let found = cache?.get(kind, hashHex);
    if (!found) {
      const epoch = cache?.epoch() ?? null;
      found = (await findCredentialByHash(db, kind, hash)) ?? undefined;
      if (found && cache) cache.set(kind, hashHex, found, epoch);
    }
    if (!found || !timingSafeEqual(found.hash, hash)) return { ok: false, reason: "unknown" };
    if (found.revokedAt) return { ok: false, reason: "revoked" };
    const at = now();
    if (found.expiresAt && found.expiresAt <= at) return { ok: false, reason: "expired" };
    // last_used_at is kept to the minute: no write on every authenticated request. The cache remembers the
    // touch (before it is awaited, so concurrent requests do not all write), so caching does not stop it.
    if (!found.lastUsedAt || at.getTime() - found.lastUsedAt.getTime() > 60_000) {
      cache?.touched(kind, hashHex, at);
      await touchCredential(db, kind, found.id);
    }
    const { hash: _hash, ...credential } = found;
    return { ok: true, credential };
  }

  async function list(kind: CredentialKind, organizationId: string): Promise<CredentialRecord[]> {
    if (!isUuid(organizationId) || !(await findOrganization(db, organizationId))) throw notFound("organization", organizationId);
    return listCredentials(db, kind, organizationId);
  }

  async function revoke(kind: CredentialKind, organizationId: string, id: string): Promise<CredentialRecord> {
    const revoked = isUuid(id) && isUuid(organizationId) ? await revokeCredential(db, kind, organizationId, id) : null;
    if (!revoked) throw notFound(LABEL[kind], id);
    return revoked;
  }

  return { issue, verify, list, revoke };
}

export type CredentialService = ReturnType<typeof createCredentialService>;
