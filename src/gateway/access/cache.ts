/**
 * A small time-bounded cache with single flight: answers from Kubernetes (token and access
 * reviews) are kept for a short time so one request does not cost a review per field, and
 * concurrent askers of the same question share one review. Bounded in entries so a flood of
 * distinct (bad) tokens cannot grow it without limit. Failures are not cached: the next ask retries.
 */
export interface TtlCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Wall-clock milliseconds (revocation is a real-time promise, whatever the simulated clock does). */
  readonly now?: (() => number) | undefined;
}

interface Entry<V> {
  readonly value: Promise<V>;
  expires: number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly opts: TtlCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The cached answer for `key`, or `load()`'s (shared by concurrent callers while it runs). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.entries.delete(key);
    // The entry lives from the moment the answer arrives, not from the question.
    const entry: Entry<V> = { value: load(), expires: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    entry.value.then(
      () => {
        entry.expires = this.now() + this.opts.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry.value;
  }

  /** Forgets everything (e.g. after an RBAC change). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
