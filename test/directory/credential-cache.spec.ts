import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { createCredentialCache } from "../../src/directory/credential-cache.js";
import { createCredentialService, type CredentialService } from "../../src/directory/credentials.service.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { Db } from "../../src/store/db.js";
import { createNotifications, type Notifications } from "../../src/store/notifications.js";
import { useCleanDatabase } from "../support/database.js";
import { newOrganization } from "./helpers.js";

const HOUR = 60 * 60 * 1000;
const onPostgres = Boolean(process.env.DATABASE_URL);

/** A Db that records every statement sent through it (transactions included). */
function countingDb(inner: Db): { db: Db; statements: string[]; reset(): void } {
  const statements: string[] = [];
  const wrap = (db: Db): Db => ({
    query<Row>(sql: string, params?: readonly unknown[]) {
      statements.push(sql.trim().split(/\s+/)[0]?.toUpperCase() ?? "");
      return db.query<Row>(sql, params);
    },
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
  });
  return { db: wrap(inner), statements, reset: () => void statements.splice(0) };
}

/** Polls `check` until it holds or `ms` have passed; says whether it held. */
async function within(ms: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
}

/** Real notifications whose `live` can be forced false, as when the listener connection is down. */
function switchable(real: Notifications): Notifications & { down: boolean } {
  return {
    down: false,
    get live() {
      return !this.down && real.live;
    },
    listen: (channel, handler) => real.listen(channel, handler),
    onGap: (handler) => real.onGap(handler),
    close: () => real.close(),
  };
}

describe("directory: credential verification cache", () => {
  const ctx = useCleanDatabase();
  let notifications: Notifications;
  let directory: Directory;
  let org: string;

  before(async () => {
    notifications = createNotifications(ctx.database);
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Cache");
  });

  after(async () => {
    await notifications?.close();
  });

  /** A credentials service with its own cache, over a Db that counts statements. */
  async function cached(options: { now?: () => Date; notifications?: Notifications; maxEntries?: number; maxAgeMs?: number; clock?: () => number } = {}) {
    const counted = countingDb(ctx.db);
    const { maxEntries, maxAgeMs, clock } = options;
    const cache = createCredentialCache({ notifications: options.notifications ?? notifications, maxEntries, maxAgeMs, clock });
    expect(await cache.ready, "LISTEN in place").to.equal(true);
    const credentials = createCredentialService({ db: counted.db, now: options.now, cache });
    return { credentials, cache, ...counted };
  }

  async function refusedWithin(credentials: CredentialService, secret: string, reason: string, ms = 1_000): Promise<void> {
    let last = "";
    const refused = await within(ms, async () => {
      const result = await credentials.verify("api_key", secret);
      last = result.ok ? "ok" : result.reason;
      return last === reason;
    });
    expect(refused, `refused as ${reason} within ${ms} ms (last: ${last})`).to.equal(true);
  }

  it("serves a verified credential from the cache: no query after the first verification", async () => {
    const { credentials, cache, statements, reset } = await cached();
    const { credential, secret } = await directory.credentials.issue("api_key", org, { name: "Hot" });
    const first = await credentials.verify("api_key", secret);
    expect(first.ok && first.credential.id).to.equal(credential.id);
    expect(statements).to.deep.equal(["SELECT", "UPDATE"]); // the lookup, and the first last_used_at
    reset();
    for (let i = 0; i < 50; i += 1) {
      const again = await credentials.verify("api_key", secret);
      expect(again.ok && again.credential.id).to.equal(credential.id);
      expect(again).to.not.have.nested.property("credential.hash");
    }
    expect(statements, "statements for 50 cached verifications").to.deep.equal([]);
    expect(cache.size).to.equal(1);
  });

  it("keeps SCIM tokens and API keys apart in the cache", async () => {
    const { credentials } = await cached();
    const key = await directory.credentials.issue("api_key", org);
    const token = await directory.credentials.issue("scim_token", org);
    expect((await credentials.verify("api_key", key.secret)).ok).to.equal(true);
    expect((await credentials.verify("scim_token", token.secret)).ok).to.equal(true);
    expect(await credentials.verify("scim_token", `ghs_${key.secret.slice(4)}`)).to.deep.equal({ ok: false, reason: "unknown" });
    expect(await credentials.verify("scim_token", key.secret)).to.deep.equal({ ok: false, reason: "malformed" });
  });

  it("refuses within 1 s a credential revoked through another service without a cache (another instance, the CLI)", async () => {
    const { credentials, statements, reset } = await cached();
    const elsewhere = createCredentialService({ db: ctx.db });
    const { credential, secret } = await elsewhere.issue("api_key", org, { name: "Revoked elsewhere" });
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    reset();
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(statements, "served from the cache before the revocation").to.deep.equal([]);
    await elsewhere.revoke("api_key", org, credential.id);
    await refusedWithin(credentials, secret, "revoked");
  });

  it("refuses within 1 s a credential whose organization was deleted elsewhere (cascade)", async () => {
    const { credentials } = await cached();
    const doomed = await newOrganization(directory, "Doomed");
    const { secret } = await directory.credentials.issue("api_key", doomed);
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    await directory.organizations.remove(doomed);
    await refusedWithin(credentials, secret, "unknown");
  });

  it("refuses a cached credential as expired once its expiry passes, without asking the database", async () => {
    let clock = new Date();
    const { credentials, statements, reset } = await cached({ now: () => clock });
    const { secret } = await credentials.issue("api_key", org, { name: "Expiring", expiresAt: new Date(clock.getTime() + HOUR) });
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    reset();
    clock = new Date(clock.getTime() + HOUR - 1_000);
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    clock = new Date(clock.getTime() + 2_000);
    expect(await credentials.verify("api_key", secret)).to.deep.equal({ ok: false, reason: "expired" });
    expect(statements.filter((s) => s === "SELECT"), "served from the cache").to.deep.equal([]);
  });

  it("hits the database on every verification while notifications are not live, and caches again once they are", async () => {
    const gate = switchable(notifications);
    const { credentials, cache, statements, reset } = await cached({ notifications: gate });
    const { secret } = await directory.credentials.issue("api_key", org, { name: "Not live" });
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(cache.size).to.equal(1);
    gate.down = true;
    reset();
    for (let i = 0; i < 3; i += 1) expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(statements.filter((s) => s === "SELECT"), "one lookup per verification").to.have.length(3);
    gate.down = false;
    reset();
    await credentials.verify("api_key", secret);
    await credentials.verify("api_key", secret);
    expect(statements.filter((s) => s === "SELECT")).to.have.length(0);
  });

  (onPostgres ? it : it.skip)("drops the cache and bypasses it when the listener connection is lost, until it is back (PostgreSQL)", async function () {
    this.timeout(20_000);
    const own = createNotifications(ctx.database);
    try {
      const { credentials, cache, statements, reset } = await cached({ notifications: own });
      const { secret } = await directory.credentials.issue("api_key", org, { name: "Listener lost" });
      await credentials.verify("api_key", secret);
      expect(cache.size).to.equal(1);
      await ctx.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'gatehouse-listener' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(await within(5_000, () => !own.live), "the listener noticed").to.equal(true);
      expect(cache.size, "a gap empties the cache").to.equal(0);
      reset();
      await credentials.verify("api_key", secret);
      if (!own.live) expect(statements.filter((s) => s === "SELECT")).to.have.length(1);
      expect(await within(10_000, () => own.live), "the listener reconnected").to.equal(true);
      await credentials.verify("api_key", secret);
      reset();
      await credentials.verify("api_key", secret);
      expect(statements, "cached again").to.deep.equal([]);
    } finally {
      await own.close();
    }
  });

  it("does not cache unknown secrets", async () => {
    const { credentials, cache, statements, reset } = await cached();
    const guessed = `gha_${randomBytes(32).toString("base64url")}`;
    for (let i = 0; i < 20; i += 1) {
      expect(await credentials.verify("api_key", `gha_${randomBytes(32).toString("base64url")}`)).to.deep.equal({ ok: false, reason: "unknown" });
    }
    expect(cache.size).to.equal(0);
    reset();
    await credentials.verify("api_key", guessed);
    await credentials.verify("api_key", guessed);
    expect(statements.filter((s) => s === "SELECT"), "each guess asks the database").to.have.length(2);
    expect(cache.size).to.equal(0);
  });

  it("still advances last_used_at once a minute has passed, though the credential is served from the cache", async () => {
    let clock = new Date();
    const { credentials, statements, reset } = await cached({ now: () => clock });
    const { credential, secret } = await directory.credentials.issue("api_key", org, { name: "Touched" });
    const lastUsed = async () => {
      const { rows } = await ctx.db.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM api_keys WHERE id = $1`, [credential.id]);
      return rows[0]?.last_used_at ? new Date(rows[0].last_used_at) : null;
    };
    await credentials.verify("api_key", secret);
    expect(await lastUsed()).to.be.instanceOf(Date);
    // The database guards the touch with its own clock: put the stored time two minutes back, as if they had
    // passed (last_used_at is not a column whose change notifies, so the cache keeps its entry).
    await ctx.db.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [credential.id]);
    const backdated = (await lastUsed()) as Date;
    reset();
    clock = new Date(clock.getTime() + 30_000);
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(statements, "within the minute: no query at all").to.deep.equal([]);
    clock = new Date(clock.getTime() + 31_000);
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(statements, "after the minute: only the touch").to.deep.equal(["UPDATE"]);
    expect(((await lastUsed()) as Date).getTime()).to.be.greaterThan(backdated.getTime());
    reset();
    clock = new Date(clock.getTime() + 10_000);
    await credentials.verify("api_key", secret);
    expect(statements, "touched once per minute").to.deep.equal([]);
  });

  it("keeps at most maxEntries, evicting the oldest, and drops entries older than maxAgeMs", async () => {
    let ms = 0;
    const { credentials, cache, statements, reset } = await cached({ maxEntries: 2, maxAgeMs: 1_000, clock: () => ms });
    const secrets = await Promise.all([1, 2, 3].map(async () => (await directory.credentials.issue("api_key", org)).secret));
    for (const secret of secrets) await credentials.verify("api_key", secret);
    expect(cache.size).to.equal(2);
    reset();
    await credentials.verify("api_key", secrets[2] as string);
    await credentials.verify("api_key", secrets[1] as string);
    expect(statements.filter((s) => s === "SELECT"), "the two newest are cached").to.have.length(0);
    await credentials.verify("api_key", secrets[0] as string);
    expect(statements.filter((s) => s === "SELECT"), "the oldest was evicted").to.have.length(1);
    reset();
    ms += 1_001;
    await credentials.verify("api_key", secrets[0] as string);
    expect(statements.filter((s) => s === "SELECT"), "too old").to.have.length(1);
  });

  it("does not store a read that an invalidation overtook", async () => {
    const cache = createCredentialCache({ notifications });
    expect(await cache.ready).to.equal(true);
    const racing: Db = {
      async query<Row>(sql: string, params?: readonly unknown[]) {
        const outcome = await ctx.db.query<Row>(sql, params);
        // A notification arriving while the lookup was on its way back.
        if (sql.trimStart().startsWith("SELECT")) cache.clear();
        return outcome;
      },
      transaction: (work) => ctx.db.transaction(work),
    };
    const credentials = createCredentialService({ db: racing, cache });
    const { secret } = await directory.credentials.issue("api_key", org);
    expect((await credentials.verify("api_key", secret)).ok).to.equal(true);
    expect(cache.size).to.equal(0);
  });
});
