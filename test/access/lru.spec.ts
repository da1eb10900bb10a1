import { expect } from "chai";
import { LruCache } from "../../src/access/engine/lru.js";

describe("the engine's bounded cache (CLOCK)", () => {
  it("never holds more than its capacity, and keeps what was just written", () => {
    const cache = new LruCache<number, string>(3);
    for (let i = 0; i < 100; i += 1) {
      cache.set(i, `v${i}`);
      expect(cache.size).to.be.at.most(3);
      expect(cache.get(i)).to.equal(`v${i}`);
    }
  });

  it("evicts entries nobody read before entries in use", () => {
    const cache = new LruCache<string, number>(3);
    cache.set("hot", 1);
    cache.set("a", 2);
    cache.set("b", 3);
    for (const key of ["c", "d", "e", "f"]) {
      expect(cache.get("hot")).to.equal(1);
      cache.set(key, 0);
    }
    expect(cache.get("hot")).to.equal(1);
    expect(cache.get("a")).to.equal(undefined);
    expect(cache.get("b")).to.equal(undefined);
  });

  it("replaces a key's value in place of adding a second entry, and forgets on delete and clear", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("k", 1);
    cache.set("k", 2);
    expect(cache.size).to.equal(1);
    expect(cache.get("k")).to.equal(2);
    cache.delete("k");
    expect(cache.get("k")).to.equal(undefined);
    cache.set("x", 1);
    cache.clear();
    expect(cache.size).to.equal(0);
  });
});
