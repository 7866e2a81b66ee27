// A Map that forgets its least recently used entry when full: enough for caches of immutable things (prepared statements, compiled schemas).

export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  /** The cached value for a key, computed and stored on first use; a hit makes the entry the most recent. */
  getOrCreate(key: K, create: () => V): V {
    if (this.has(key)) {
      const hit = this.get(key) as V;
      // Maps iterate in insertion order: re-inserting moves the entry to the end, so the first key is the least recent.
      this.delete(key);
      this.set(key, hit);
      return hit;
    }
    const value = create();
    if (this.size >= this.limit) this.delete(this.keys().next().value as K);
    this.set(key, value);
    return value;
  }
}
