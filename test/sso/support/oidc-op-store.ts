/**
 * oidc-provider storage for one test OP: a Map per provider (the built-in dev adapter is a 1,000-entry LRU
 * that could evict a client in a long suite), with the lookups oidc-provider needs (session uid, grant id)
 * and a way to register clients after start, when a connection's callback URL is only known once it exists.
 */
import type { Adapter, AdapterPayload, ClientMetadata } from "oidc-provider";

const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

interface Entry {
  model: string;
  payload: AdapterPayload;
  expiresAt: number;
}

export interface OidcOpStore {
  factory(model: string): Adapter;
  addClient(metadata: ClientMetadata): void;
}

export function createOidcOpStore(): OidcOpStore {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry !== undefined && entry.expiresAt <= Date.now()) entries.delete(key);
    return entry !== undefined && entry.expiresAt > Date.now() ? entry : undefined;
  };
  const findWhere = (model: string, field: "uid" | "userCode", value: string): AdapterPayload | undefined =>
    [...entries.keys()].map(live).find((entry) => entry?.model === model && entry.payload[field] === value)?.payload;

  const factory = (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      entries.set(`${model}:${id}`, { model, payload, expiresAt });
    },
    async find(id) {
      return live(`${model}:${id}`)?.payload;
    },
    async findByUid(uid) {
      return findWhere(model, "uid", uid);
    },
    async findByUserCode(userCode) {
      return findWhere(model, "userCode", userCode);
    },
    async consume(id) {
      const entry = live(`${model}:${id}`);
      if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      entries.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId) {
      // Only tokens belong to a grant; an Interaction also carries a grantId and must survive a logout.
      for (const [key, entry] of entries) {
        if (GRANTABLE.has(entry.model) && entry.payload.grantId === grantId) entries.delete(key);
      }
    },
  });

  return {
    factory,
    addClient(metadata) {
      entries.set(`Client:${metadata.client_id}`, { model: "Client", payload: { ...metadata }, expiresAt: Number.POSITIVE_INFINITY });
    },
  };
}
