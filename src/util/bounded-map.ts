// A Map that forgets its oldest entry when full: enough for caches of immutable things (prepared statements, compiled schemas).

export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  /** The cached value for a key, computed and stored on first use. */
  getOrCreate(key: K, create: () => V): V {
    if (this.has(key)) return this.get(key) as V;
    const value = create();
    if (this.size >= this.limit) this.delete(this.keys().next().value as K);
    this.set(key, value);
    return value;
  }
}
