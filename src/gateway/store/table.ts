/**
 * A copy-on-write map cut into buckets, so that snapshots are cheap and never see later changes:
 * taking a snapshot shares the current buckets; the first write to a bucket after that copies only
 * that bucket (about size/buckets entries), not the whole map. With 50k BundleDeployments and 1024
 * buckets a write after a snapshot copies ~50 entries instead of 50k.
 */
const DEFAULT_BUCKETS = 1024;

function bucketOf(key: string, buckets: number): number {
  // FNV-1a over UTF-16 code units: fast, well spread for keys like `namespace/name`.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

/** An immutable view of a {@link CowMap} at one moment. */
export class FrozenMap<V> {
  constructor(
    private readonly buckets: readonly (ReadonlyMap<string, V> | undefined)[],
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key, this.buckets.length)]?.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const b of this.buckets) if (b) yield* b.entries();
  }

  *keys(): IterableIterator<string> {
    for (const b of this.buckets) if (b) yield* b.keys();
  }

  *values(): IterableIterator<V> {
    for (const b of this.buckets) if (b) yield* b.values();
  }
}

export class CowMap<V> {
  private buckets: (Map<string, V> | undefined)[];
  /** Buckets this map may write in place: copied since the last freeze. */
  private owned: Uint8Array;
  /** The bucket array itself is shared with a FrozenMap. */
  private shared = false;
  private count = 0;
  private frozenView: FrozenMap<V> | undefined;

  constructor(readonly bucketCount = DEFAULT_BUCKETS) {
    this.buckets = new Array<Map<string, V> | undefined>(bucketCount).fill(undefined);
    this.owned = new Uint8Array(bucketCount);
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key, this.bucketCount)]?.get(key);
  }

  set(key: string, value: V): void {
    const b = this.writable(bucketOf(key, this.bucketCount));
    const before = b.size;
    b.set(key, value);
    this.count += b.size - before;
  }

  delete(key: string): boolean {
    const i = bucketOf(key, this.bucketCount);
    if (!this.buckets[i]?.has(key)) return false;
    this.writable(i).delete(key);
    this.count--;
    return true;
  }

  *keys(): IterableIterator<string> {
    for (const b of this.buckets) if (b) yield* b.keys();
  }

  /** An immutable view of the current content. Repeated calls without writes return the same view. */
  freeze(): FrozenMap<V> {
    if (!this.frozenView) {
      this.frozenView = new FrozenMap(this.buckets, this.count);
      this.shared = true;
    }
    return this.frozenView;
  }

  private writable(i: number): Map<string, V> {
    this.frozenView = undefined;
    if (this.shared) {
      this.buckets = this.buckets.slice();
      this.owned = new Uint8Array(this.bucketCount);
      this.shared = false;
    }
    let b = this.buckets[i];
    if (!b) {
      b = new Map();
      this.buckets[i] = b;
      this.owned[i] = 1;
    } else if (!this.owned[i]) {
      b = new Map(b);
      this.buckets[i] = b;
      this.owned[i] = 1;
    }
    return b;
  }
}

/** Items with a string `key`, kept sorted by it. */
export interface Keyed {
  readonly key: string;
}

/** Index of `key` in a sorted array, or `-(insertion point) - 1`. */
function search(arr: readonly Keyed[], key: string): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = arr[mid]!.key;
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Inserts or replaces `item` in a sorted array, in place. Appending in key order is O(1). */
function putSorted<T extends Keyed>(arr: T[], item: T): void {
  const last = arr[arr.length - 1];
  if (!last || last.key < item.key) {
    arr.push(item);
    return;
  }
  const i = search(arr, item.key);
  if (i >= 0) arr[i] = item;
  else arr.splice(-i - 1, 0, item);
}

/**
 * A named index: index key → records under it, sorted by record key. Arrays handed to a snapshot
 * are frozen and never change again; the first write under an index key after a snapshot copies
 * that one array, later writes before the next snapshot change the copy in place (so an initial
 * list of 50k objects, which arrives in key order, appends instead of copying).
 */
export class CowIndex<T extends Keyed> {
  private readonly map = new CowMap<T[]>();
  /** Index keys whose arrays were made since the last freeze and are not yet shared. */
  private readonly owned = new Set<string>();
  /** Index keys in `key + '/'` order, kept until a key appears or disappears. */
  private keyOrder: readonly string[] | undefined;

  /**
   * The index keys sorted by `key + '/'`. For the namespace index this is the order in which
   * concatenating the arrays yields record-key order (`/` cannot occur in a namespace).
   */
  sortedKeys(): readonly string[] {
    if (!this.keyOrder) {
      const decorated = [...this.map.keys()].map((k) => `${k}/`).sort();
      this.keyOrder = Object.freeze(decorated.map((k) => k.slice(0, -1)));
    }
    return this.keyOrder;
  }

  get(indexKey: string): readonly T[] | undefined {
    return this.map.get(indexKey);
  }

  add(indexKey: string | undefined, item: T): void {
    if (indexKey === undefined) return;
    putSorted(this.writable(indexKey), item);
  }

  remove(indexKey: string | undefined, key: string): void {
    if (indexKey === undefined) return;
    const current = this.map.get(indexKey);
    if (!current) return;
    const i = search(current, key);
    if (i < 0) return;
    if (current.length === 1) {
      this.map.delete(indexKey);
      this.owned.delete(indexKey);
      this.keyOrder = undefined;
      return;
    }
    this.writable(indexKey).splice(i, 1);
  }

  freeze(): FrozenMap<readonly T[]> {
    for (const k of this.owned) {
      const arr = this.map.get(k);
      if (arr) Object.freeze(arr);
    }
    this.owned.clear();
    return this.map.freeze();
  }

  private writable(indexKey: string): T[] {
    let arr = this.map.get(indexKey);
    if (arr && this.owned.has(indexKey)) return arr;
    // Array.from, not slice: V8's slice of a frozen array takes a slow path (~40x slower).
    if (!arr) this.keyOrder = undefined;
    arr = arr ? Array.from(arr) : [];
    this.map.set(indexKey, arr);
    this.owned.add(indexKey);
    return arr;
  }
}
