/**
 * PostgreSQL LISTEN/NOTIFY for cache invalidation across server instances (DESIGN.md, Architecture).
 * One dedicated connection listens for the whole process; it is not a pool connection, so a busy pool never
 * delays a notification. When that connection drops, notifications may be missed: `live` turns false and
 * every gap handler runs (caches must drop what they hold and stop caching until the connection is back).
 * On PGlite (one process, one database) notifications come straight from the embedded instance.
 */
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
import type { Database } from "./data-source.js";

export type NotificationHandler = (payload: string) => void;

export interface Notifications {
  /** Whether notifications are flowing now; while false, nothing may be served from a cache. */
  readonly live: boolean;
  listen(channel: string, handler: NotificationHandler): Promise<void>;
  /** Runs `handler` whenever notifications may have been missed (connection lost, and again when back). */
  onGap(handler: () => void): void;
  close(): Promise<void>;
}

/** How the embedded database and the server's URL are reached; set by openDatabase. */
export const listenTargets = new WeakMap<Database, { url: string } | { pglite: PGlite }>();

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

class Dispatcher {
  readonly handlers = new Map<string, NotificationHandler[]>();
  readonly gapHandlers: (() => void)[] = [];

  add(channel: string, handler: NotificationHandler): boolean {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
    const list = this.handlers.get(channel);
    if (list) list.push(handler);
    else this.handlers.set(channel, [handler]);
    return list === undefined;
  }

  dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  gap(): void {
    for (const handler of this.gapHandlers) handler();
  }
}

function pgliteNotifications(pglite: PGlite): Notifications {
  const dispatcher = new Dispatcher();
  const stops: (() => Promise<void>)[] = [];
  return {
    live: true,
    async listen(channel, handler) {
      if (dispatcher.add(channel, handler)) stops.push(await pglite.listen(channel, (payload) => dispatcher.dispatch(channel, payload)));
    },
    onGap: (handler) => void dispatcher.gapHandlers.push(handler),
    async close() {
      if (pglite.closed) return;
      for (const stop of stops.splice(0)) await stop();
    },
  };
}

function postgresNotifications(url: string, log: (message: string, error?: unknown) => void): Notifications {
  const dispatcher = new Dispatcher();
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retryMs = 100;
  let connecting: Promise<void> | null = null;

  const lost = (error?: unknown) => {
    if (closed) return;
    if (live) log("notification connection lost; caches bypassed until it is back", error);
    live = false;
    dispatcher.gap();
    client?.removeAllListeners();
    void client?.end().catch(() => undefined);
    client = null;
    setTimeout(() => void connect().catch(() => undefined), retryMs).unref();
    retryMs = Math.min(retryMs * 2, 5_000);
  };

  async function open(): Promise<void> {
    const next = new pg.Client({ connectionString: url, application_name: "gatehouse-listener", keepAlive: true });
    next.on("notification", (message) => dispatcher.dispatch(message.channel, message.payload ?? ""));
    next.on("error", lost);
    next.on("end", () => (client === next ? lost() : undefined));
    await next.connect();
    for (const channel of dispatcher.handlers.keys()) await next.query(`LISTEN ${channel}`);
    if (closed) return void (await next.end());
    client = next;
    live = true;
    retryMs = 100;
    // Whatever was sent while nobody listened is lost: start from the database again.
    dispatcher.gap();
  }

  function connect(): Promise<void> {
    connecting ??= open()
      .catch((error: unknown) => lost(error))
      .finally(() => (connecting = null));
    return connecting;
  }

  return {
    get live() {
      return live;
    },
    async listen(channel, handler) {
      const first = dispatcher.add(channel, handler);
      if (client && first) await client.query(`LISTEN ${channel}`);
      else if (!client) await connect();
    },
    onGap: (handler) => void dispatcher.gapHandlers.push(handler),
    async close() {
      closed = true;
      live = false;
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}

/** The process's listener for `database`. */
export function createNotifications(database: Database, log: (message: string, error?: unknown) => void = () => {}): Notifications {
  const target = listenTargets.get(database);
  if (!target) throw new Error("database opened without a notification target");
  return "pglite" in target ? pgliteNotifications(target.pglite) : postgresNotifications(target.url, log);
}
