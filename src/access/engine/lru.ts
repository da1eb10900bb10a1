/**
 * A bounded map that keeps recently used entries (CLOCK, "second chance"): a hit only marks the entry, so a
 * cache hit costs one Map lookup; when full, the oldest entry is evicted unless it was used since it was last
 * passed over, in which case it moves to the back unmarked.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; used: boolean }>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, used: false });
    // Each pass evicts, unmarks, or passes over the entry just written (never evicted here), so this ends
    // within about 2 × size steps.
    while (this.#entries.size > this.capacity && this.capacity > 0) {
      const oldest = this.#entries.entries().next();
      if (oldest.done) break;
      const [oldestKey, entry] = oldest.value;
      this.#entries.delete(oldestKey);
      if (entry.used || oldestKey === key) this.#entries.set(oldestKey, { value: entry.value, used: false });
    }
    if (this.capacity === 0) this.#entries.clear();
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
