/**
 * In-process cache of bearer-secret verification (SCIM tokens, API keys), so an authenticated request does not
 * cost a database round trip. It is never wrong for longer than a notification takes:
 * - the database NOTIFYs `gatehouse_credentials` whenever a credential's revoked_at, expires_at, token_hash or
 *   organization changes, or a credential is deleted (organization deletion included): every such notification,
 *   from any server instance or the CLI, empties the whole cache;
 * - while notifications are not flowing (`notifications.live` false, or LISTEN not yet in place) nothing is
 *   served from or stored in the cache, and a gap (notifications possibly missed) empties it;
 * - a read from the database that an invalidation overtook is not stored (`epoch`, below);
 * - entries are dropped after `maxAgeMs` anyway, and at most `maxEntries` are kept (oldest evicted first).
 * Only credentials that exist are cached (revoked or expired ones included): an unknown secret is never stored,
 * so guessing secrets cannot fill the cache. Expiry is still checked by the caller on every use.
 */
import type { Notifications } from "../store/notifications.js";
import type { CredentialKind, CredentialRecord } from "../store/credentials.repository.js";

export const CREDENTIALS_CHANNEL = "gatehouse_credentials";

/** A credential as found by its hash, with the hash kept for the constant-time comparison. */
export type CachedCredential = CredentialRecord & { hash: Buffer };

export interface CredentialCache {
  /** The record cached for the secret's SHA-256 (hex), or undefined; always undefined while not live. */
  get(kind: CredentialKind, hashHex: string): CachedCredential | undefined;
  /**
   * Take this BEFORE reading the database and hand it to `set`: if an invalidation came in meanwhile, the read
   * may predate it and is not stored. Null when the cache cannot be used now (then `set` stores nothing).
   */
  epoch(): number | null;
  /** Stores what the database returned for this hash (never call it for an unknown secret). */
  set(kind: CredentialKind, hashHex: string, record: CachedCredential, epoch: number | null): void;
  /** Remembers that last_used_at was just written, so the at-most-once-a-minute touch survives caching. */
  touched(kind: CredentialKind, hashHex: string, at: Date): void;
  /** Drops everything (what a notification or a gap does). */
  clear(): void;
  readonly size: number;
  /** Resolves once the LISTEN is in place (true), or failed (false: the cache then never serves). */
  readonly ready: Promise<boolean>;
}

interface Entry {
  record: CachedCredential;
  storedAt: number;
}

export interface CredentialCacheOptions {
  notifications: Notifications;
  maxEntries?: number;
  maxAgeMs?: number;
  /** Monotonic milliseconds, for entry age; injectable for tests. */
  clock?: () => number;
  log?: (message: string, error?: unknown) => void;
}

export function createCredentialCache({
  notifications,
  maxEntries = 10_000,
  maxAgeMs = 60_000,
  clock = () => performance.now(),
  log = () => {},
}: CredentialCacheOptions): CredentialCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error("maxEntries must be a positive integer");
  const entries = new Map<string, Entry>();
  let generation = 0;
  let listening = false;

  const key = (kind: CredentialKind, hashHex: string) => `${kind}:${hashHex}`;
  const usable = () => listening && notifications.live;

  function clear(): void {
    generation += 1;
    entries.clear();
  }

  notifications.onGap(clear);
  const ready = notifications.listen(CREDENTIALS_CHANNEL, clear).then(
    () => {
      // Whatever was read before the LISTEN was in place may be stale: start empty.
      clear();
      listening = true;
      return true;
    },
    (error: unknown) => {
      log("credential cache: LISTEN failed; credentials are verified against the database only", error);
      return false;
    },
  );

  function fresh(id: string, entry: Entry | undefined): Entry | undefined {
    if (!entry) return undefined;
    if (clock() - entry.storedAt > maxAgeMs) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  }

  return {
    get(kind, hashHex) {
      if (!usable()) return undefined;
      const id = key(kind, hashHex);
      return fresh(id, entries.get(id))?.record;
    },
    epoch: () => (usable() ? generation : null),
    set(kind, hashHex, record, epoch) {
      if (epoch === null || epoch !== generation || !usable()) return;
      const id = key(kind, hashHex);
      entries.delete(id);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      entries.set(id, { record: { ...record }, storedAt: clock() });
    },
    touched(kind, hashHex, at) {
      const id = key(kind, hashHex);
      const entry = fresh(id, entries.get(id));
      if (entry && (!entry.record.lastUsedAt || entry.record.lastUsedAt < at)) entry.record = { ...entry.record, lastUsedAt: at };
    },
    clear,
    get size() {
      return entries.size;
    },
    ready,
  };
}
