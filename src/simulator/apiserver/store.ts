/**
 * The emulator's storage: one map per group/resource, one resourceVersion counter shared by all
 * kinds (as etcd's revision is), and a bounded per-resource event history that serves watches
 * from a resourceVersion and `continue` tokens at a past snapshot. Stored objects are never
 * changed in place: a write stores a new object, so readers and watch fan-out share them freely.
 */
import type { KubeObject } from '../../apis/kube.js';
import { keyOf } from '../../apis/kube.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: EventType;
  readonly rv: number;
  readonly object: KubeObject;
  /** The object before this event (MODIFIED and DELETED), for selector transitions and snapshots. */
  readonly prev: KubeObject | undefined;
  /** Serialized forms, per output format, computed once and shared by all watchers. */
  readonly lines: Map<string, string>;
}

export interface StoreWatcher {
  onEvent(ev: StoreEvent): void;
}

export class ResourceStorage {
  readonly items = new Map<string, KubeObject>();
  readonly watchers = new Set<StoreWatcher>();
  private history: StoreEvent[] = [];
  /** Events with rv ≤ this have been dropped from the history. */
  evictedRv = 0;
  private sortedKeys: string[] | undefined;

  constructor(private readonly historySize: number) {}

  record(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historySize) {
      // Drop in batches so eviction stays amortised O(1) per event.
      const drop = Math.max(1, this.history.length - this.historySize + Math.floor(this.historySize / 10));
      const dropped = this.history.splice(0, Math.min(drop, this.history.length));
      this.evictedRv = dropped[dropped.length - 1]!.rv;
    }
    if (ev.type !== 'MODIFIED' && this.sortedKeys) {
      // Keep the sorted key list current with one binary search and splice, not a re-sort.
      const key = keyOf(ev.object);
      const keys = this.sortedKeys;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      if (ev.type === 'ADDED' && keys[lo] !== key) keys.splice(lo, 0, key);
      else if (ev.type === 'DELETED' && keys[lo] === key) keys.splice(lo, 1);
    }
    for (const w of this.watchers) w.onEvent(ev);
  }

  /** Events after `rv`, or undefined when some of them were already evicted. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.evictedRv) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** Keys in list order (namespace, then name), cached until the key set changes. */
  keys(): string[] {
    this.sortedKeys ??= [...this.items.keys()].sort(compareKeys);
    return this.sortedKeys;
  }

  /**
   * The objects as they were at `rv`, in key order, or undefined when that state can no longer be
   * rebuilt from the history. Used for `continue` tokens, which page one consistent snapshot.
   */
  snapshotAt(rv: number): Map<string, KubeObject> | undefined {
    const since = this.eventsSince(rv);
    if (!since) return undefined;
    if (since.length === 0) return this.items;
    const snap = new Map(this.items);
    for (let i = since.length - 1; i >= 0; i--) {
      const ev = since[i]!;
      const key = keyOf(ev.object);
      if (ev.type === 'ADDED') snap.delete(key);
      else if (ev.prev) snap.set(key, ev.prev);
    }
    return snap;
  }
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Store {
  /**
   * Every emulator starts a new history from the bottom, as a new etcd does: a client of a previous
   * emulator on the same address resumes from a version this one has not issued, and is told so
   * (504 "Too large resource version"), or meets objects with new uids.
   */
  private rv = 0;
  private readonly storages = new Map<string, ResourceStorage>();

  constructor(readonly historySize: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  nextResourceVersion(): number {
    return ++this.rv;
  }

  storage(key: string): ResourceStorage {
    let s = this.storages.get(key);
    if (!s) this.storages.set(key, (s = new ResourceStorage(this.historySize)));
    return s;
  }

  dropStorage(key: string): void {
    const s = this.storages.get(key);
    if (s) s.items.clear();
    this.storages.delete(key);
  }

  allStorages(): IterableIterator<[string, ResourceStorage]> {
    return this.storages.entries();
  }

  /** Stores `object` (which already carries `rv`) and fans the event out. */
  put(
    storage: ResourceStorage,
    type: 'ADDED' | 'MODIFIED',
    object: KubeObject,
    prev: KubeObject | undefined,
    rv: number,
  ): void {
    storage.items.set(keyOf(object), object);
    storage.record({ type, rv, object, prev, lines: new Map() });
  }

  remove(storage: ResourceStorage, object: KubeObject, prev: KubeObject, rv: number): void {
    storage.items.delete(keyOf(object));
    storage.record({ type: 'DELETED', rv, object, prev, lines: new Map() });
  }
}
