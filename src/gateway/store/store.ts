/**
 * The in-memory read model: compact records per kind, the named indexes of the Snapshot contract,
 * immutable snapshots, a typed change feed and sync state. Fed by kube/ reflectors through the
 * WatchSink interface (apply + relist sessions); read by fleet/ through snapshots.
 *
 * Consistency: every change is applied in one synchronous step (record table and every index), so
 * no snapshot can see half of it. Snapshots share structure with the live tables (copy-on-write per
 * bucket and per index key), and `snapshot()` returns the same object until something changes.
 *
 * Why this file is over 400 lines: the record tables, every index, snapshots and the change feed
 * form one consistency unit. They share private structures (KindTable, FrozenKind) that must change
 * in one synchronous step; splitting them would expose those structures to other modules.
 */
import type { KubeObject } from '../../apis/kube.js';
import { keyOf } from '../../apis/kube.js';
import type { Clock } from '../../shared/clock.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ChangeType, RelistSession, WatchKind, WatchSink } from '../kube/types.js';
import { WATCH_KINDS } from '../kube/types.js';
import { sameExceptVersion, toRecord } from './build.js';
import { Interner } from './intern.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterRecord,
  FleetRecord,
  RecordKind,
  RecordOf,
  Snapshot,
} from './records.js';
import type { FrozenMap } from './table.js';
import { CowIndex, CowMap } from './table.js';

/** One applied change, as delivered on the change feed. */
export interface ChangeEvent<K extends RecordKind = RecordKind> {
  readonly kind: K;
  readonly type: ChangeType;
  /** `namespace/name`, or `name` for cluster-scoped kinds. */
  readonly key: string;
  /** The record before the change; absent for ADDED. */
  readonly before?: RecordOf<K> | undefined;
  /** The record after the change; absent for DELETED. */
  readonly after?: RecordOf<K> | undefined;
  /**
   * The object's resourceVersion in the event (for a synthetic DELETED found by relist: the list's
   * resourceVersion). Cursors for subscriptions derive from it.
   */
  readonly resourceVersion: string;
  /** When the gateway applied it (gateway clock, ms since epoch). */
  readonly observedAt: number;
  /** True when found by a relist rather than reported by a watch (e.g. deletes missed while down). */
  readonly viaRelist: boolean;
  /** The store revision this change produced. */
  readonly revision: number;
}

/**
 * A change-feed subscriber. Called synchronously, in order, inside the store's apply: it must be
 * fast and must not throw (errors are caught and logged). Anything slow (serialising, sending to a
 * client) belongs in the subscriber's own bounded queue.
 */
export type ChangeListener = (event: ChangeEvent) => void;

export interface KindSyncState {
  /** The first complete list of every watched scope of this kind has been applied. */
  readonly synced: boolean;
  readonly objects: number;
  /** Gateway clock ms of the last change applied to this kind. */
  readonly lastEventAt: number | undefined;
}

export interface StoreOptions {
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  readonly interner?: Interner | undefined;
}

export interface Store extends WatchSink {
  /** Applies one watch event. ADDED/MODIFIED are normalised by whether the key is already known. */
  apply(
    kind: WatchKind,
    type: ChangeType,
    obj: KubeObject,
    meta?: { readonly viaRelist: boolean; readonly adopt?: boolean },
  ): void;
  beginRelist(kind: WatchKind, namespace: string | undefined): RelistSession;
  /** A whole relist at once: upsert `objects`, delete what else is in the scope. */
  replaceAll(
    kind: WatchKind,
    namespace: string | undefined,
    objects: readonly KubeObject[],
    resourceVersion: string,
  ): void;
  /** Marks a kind synced (every scope listed once) or not. Set by the watch wiring. */
  markSynced(kind: WatchKind, synced?: boolean): void;
  /** The current consistent view. Cheap: the same object until something changes. */
  snapshot(): Snapshot;
  subscribe(listener: ChangeListener): () => void;
  /** Called when a watch found the API server's history replaced, before its relist applies. */
  onHistoryReplaced(listener: (kind: WatchKind) => void): () => void;
  syncState(): Readonly<Record<RecordKind, KindSyncState>>;
  readonly revision: number;
  /**
   * Resolves once the store holds `key` at `resourceVersion` or later (or the object is gone), for
   * read-your-writes after a mutation. The API only promises opaque resourceVersions, so equality
   * is the test; when both are integers (etcd's and the emulator's are) a larger stored one also
   * counts, for writes already overtaken by a newer change. Rejects with TIMEOUT after `timeoutMs`.
   */
  waitForVersion<K extends RecordKind>(
    kind: K,
    key: string,
    resourceVersion: string,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<RecordOf<K> | undefined>;
  /**
   * Resolves once a deletion of `key` (the object with `uid`) is visible: the key is gone, holds
   * another uid (deleted and re-created), or (with `resourceVersion`) reached that version, as a
   * finalizer-held object does when its deletionTimestamp is set. Resolves at once when that is
   * already so. Rejects with TIMEOUT after `timeoutMs`.
   */
  waitForDeletion(
    kind: RecordKind,
    key: string,
    uid: string,
    opts?: { timeoutMs?: number; resourceVersion?: string },
  ): Promise<void>;
  knownUid(kind: WatchKind, key: string): string | undefined;
  readonly interner: Interner;
}

interface IndexDef {
  readonly name: string;
  readonly of: (r: FleetRecord) => string | undefined;
}

const byNamespace: IndexDef = { name: 'ns', of: (r) => r.namespace };

/** The named indexes per kind, behind the Snapshot methods (records.ts). */
const INDEXES: Readonly<Record<RecordKind, readonly IndexDef[]>> = {
  GitRepo: [byNamespace],
  HelmOp: [byNamespace],
  Bundle: [
    byNamespace,
    // docs/fleet/links.md §3.1: a GitRepo's bundles carry `repo-name` in the GitRepo's namespace.
    {
      name: 'gitrepo',
      of: (r) =>
        (r as BundleRecord).repoName ? `${r.namespace}/${(r as BundleRecord).repoName}` : undefined,
    },
    {
      name: 'helmop',
      of: (r) =>
        (r as BundleRecord).helmOpName ? `${r.namespace}/${(r as BundleRecord).helmOpName}` : undefined,
    },
  ],
  BundleDeployment: [
    // The namespace of a BD is its cluster's `status.namespace`.
    byNamespace,
    {
      name: 'bundle',
      of: (r) =>
        `${(r as BundleDeploymentRecord).bundleNamespace}/${(r as BundleDeploymentRecord).bundleName}`,
    },
    {
      name: 'gitrepo',
      of: (r) => {
        const bd = r as BundleDeploymentRecord;
        return bd.repoName ? `${bd.bundleNamespace}/${bd.repoName}` : undefined;
      },
    },
    {
      name: 'helmop',
      of: (r) => {
        const bd = r as BundleDeploymentRecord;
        return bd.helmOpName ? `${bd.bundleNamespace}/${bd.helmOpName}` : undefined;
      },
    },
  ],
  Cluster: [
    byNamespace,
    { name: 'clusterNs', of: (r) => (r as ClusterRecord).clusterNamespace || undefined },
  ],
  ClusterGroup: [byNamespace],
  BundleNamespaceMapping: [byNamespace],
  GitRepoRestriction: [byNamespace],
  Namespace: [byNamespace],
};

/** Kinds whose namespaces are workspaces. BundleDeployments live in per-cluster namespaces instead. */
const WORKSPACE_KINDS: readonly RecordKind[] = [
  'GitRepo',
  'HelmOp',
  'Bundle',
  'Cluster',
  'ClusterGroup',
  'BundleNamespaceMapping',
];

class KindTable {
  readonly records = new CowMap<FleetRecord>();
  readonly indexes = new Map<string, { def: IndexDef; index: CowIndex<FleetRecord> }>();
  synced = false;
  lastEventAt: number | undefined;
  frozen: FrozenKind | undefined;

  constructor(defs: readonly IndexDef[]) {
    for (const def of defs) this.indexes.set(def.name, { def, index: new CowIndex() });
  }

  put(before: FleetRecord | undefined, after: FleetRecord): void {
    this.frozen = undefined;
    this.records.set(after.key, after);
    for (const { def, index } of this.indexes.values()) {
      const oldKey = before ? def.of(before) : undefined;
      const newKey = def.of(after);
      if (oldKey !== undefined && oldKey !== newKey) index.remove(oldKey, before!.key);
      index.add(newKey, after);
    }
  }

  remove(before: FleetRecord): void {
    this.frozen = undefined;
    this.records.delete(before.key);
    for (const { def, index } of this.indexes.values()) index.remove(def.of(before), before.key);
  }

  freeze(): FrozenKind {
    if (!this.frozen) {
      const indexes = new Map<string, FrozenMap<readonly FleetRecord[]>>();
      for (const [name, { index }] of this.indexes) indexes.set(name, index.freeze());
      const nsIndex = this.indexes.get('ns')!.index;
      this.frozen = new FrozenKind(this.records.freeze(), indexes, () => nsIndex.sortedKeys());
    }
    return this.frozen;
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** One kind inside one snapshot. */
class FrozenKind {
  private all: readonly FleetRecord[] | undefined;

  private readonly namespaceOrder: readonly string[];

  constructor(
    readonly records: FrozenMap<FleetRecord>,
    readonly indexes: ReadonlyMap<string, FrozenMap<readonly FleetRecord[]>>,
    sortedNamespaces: () => readonly string[],
  ) {
    // Taken now: the live index may gain or lose namespaces after this snapshot.
    this.namespaceOrder = sortedNamespaces();
  }

  lookup(index: string, key: string): readonly FleetRecord[] {
    return this.indexes.get(index)?.get(key) ?? NONE;
  }

  /**
   * Every record sorted by key, built once per snapshot. Keys are `ns/name` and `/` cannot occur in
   * a namespace, so sorting namespaces by `ns + '/'` and concatenating gives key order.
   */
  list(): readonly FleetRecord[] {
    if (!this.all) {
      const ns = this.indexes.get('ns')!;
      const names = this.namespaceOrder;
      const out: FleetRecord[] = [];
      for (const n of names) for (const r of ns.get(n)!) out.push(r);
      this.all = Object.freeze(out);
    }
    return this.all;
  }
}

class StoreSnapshot implements Snapshot {
  private workspaceList: readonly string[] | undefined;

  constructor(
    readonly revision: number,
    readonly takenAt: number,
    private readonly kinds: ReadonlyMap<RecordKind, FrozenKind>,
  ) {}

  private k(kind: RecordKind): FrozenKind {
    return this.kinds.get(kind)!;
  }

  get<K extends RecordKind>(kind: K, key: string): RecordOf<K> | undefined {
    return this.k(kind).records.get(key) as RecordOf<K> | undefined;
  }

  list<K extends RecordKind>(kind: K, namespace?: string): readonly RecordOf<K>[] {
    const k = this.k(kind);
    return (namespace === undefined ? k.list() : k.lookup('ns', namespace)) as readonly RecordOf<K>[];
  }

  deploymentsOfBundle(bundleNamespace: string, bundleName: string): readonly BundleDeploymentRecord[] {
    return this.k('BundleDeployment').lookup(
      'bundle',
      `${bundleNamespace}/${bundleName}`,
    ) as readonly BundleDeploymentRecord[];
  }

  deploymentsOfGitRepo(namespace: string, name: string): readonly BundleDeploymentRecord[] {
    return this.k('BundleDeployment').lookup(
      'gitrepo',
      `${namespace}/${name}`,
    ) as readonly BundleDeploymentRecord[];
  }

  deploymentsOfHelmOp(namespace: string, name: string): readonly BundleDeploymentRecord[] {
    return this.k('BundleDeployment').lookup(
      'helmop',
      `${namespace}/${name}`,
    ) as readonly BundleDeploymentRecord[];
  }

  deploymentsInNamespace(clusterNamespace: string): readonly BundleDeploymentRecord[] {
    return this.k('BundleDeployment').lookup('ns', clusterNamespace) as readonly BundleDeploymentRecord[];
  }

  bundlesOfGitRepo(namespace: string, name: string): readonly BundleRecord[] {
    return this.k('Bundle').lookup('gitrepo', `${namespace}/${name}`) as readonly BundleRecord[];
  }

  bundlesOfHelmOp(namespace: string, name: string): readonly BundleRecord[] {
    return this.k('Bundle').lookup('helmop', `${namespace}/${name}`) as readonly BundleRecord[];
  }

  clusterByClusterNamespace(clusterNamespace: string): ClusterRecord | undefined {
    // Should be unique; if two clusters claim one namespace, the first by key wins, stably.
    return this.k('Cluster').lookup('clusterNs', clusterNamespace)[0] as ClusterRecord | undefined;
  }

  workspaces(): readonly string[] {
    if (!this.workspaceList) {
      const set = new Set<string>();
      for (const kind of WORKSPACE_KINDS)
        for (const ns of this.k(kind).indexes.get('ns')!.keys()) set.add(ns);
      this.workspaceList = Object.freeze([...set].sort());
    }
    return this.workspaceList;
  }
}

interface Waiter {
  /** Whether the record now held for the key (undefined: none) is what the waiter waits for. */
  readonly accepts: (r: FleetRecord | undefined) => boolean;
  readonly resolve: (r: FleetRecord | undefined) => void;
}

function versionReached(stored: string, wanted: string): boolean {
  if (stored === wanted) return true;
  if (/^\d+$/.test(stored) && /^\d+$/.test(wanted)) return BigInt(stored) >= BigInt(wanted);
  return false;
}

export function createStore(opts: StoreOptions): Store {
  const { clock, logger } = opts;
  const interner = opts.interner ?? new Interner();
  const tables = new Map<RecordKind, KindTable>();
  for (const kind of WATCH_KINDS) tables.set(kind, new KindTable(INDEXES[kind]));
  const listeners = new Set<ChangeListener>();
  const waiters = new Map<string, Set<Waiter>>();
  let revision = 0;
  let last: StoreSnapshot | undefined;

  const table = (kind: RecordKind) => tables.get(kind)!;

  function emit(event: ChangeEvent): void {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch (err) {
        logger?.error({ err, kind: event.kind, key: event.key }, 'change-feed subscriber threw');
      }
    }
  }

  function settle(kind: RecordKind, key: string, record: FleetRecord | undefined): void {
    const set = waiters.get(`${kind}\0${key}`);
    if (!set) return;
    for (const w of [...set]) if (w.accepts(record)) w.resolve(record);
  }

  function upsert(kind: WatchKind, obj: KubeObject, viaRelist: boolean, adopt: boolean): void {
    const t = table(kind);
    const key = keyOf(obj);
    let before = t.records.get(key);
    const rv = obj.metadata.resourceVersion ?? '';
    const uid = obj.metadata.uid ?? '';
    if (before && uid !== '' && before.uid !== '' && before.uid !== uid) {
      // The same name, another object: the one we held is gone (deleted and re-created while we
      // did not watch, or a replaced server). Report it as such, never as an update.
      remove(kind, key, rv, viaRelist);
      before = undefined;
    }
    // A relist re-reports objects unchanged since the watch saw them: nothing to do.
    if (before && viaRelist && before.resourceVersion === rv && rv !== '') return;
    const after = toRecord(interner, kind, obj, before?.key, adopt);
    const now = clock.now();
    t.put(before, after);
    t.lastEventAt = now;
    revision++;
    last = undefined;
    if (!before || !sameExceptVersion(before, after)) {
      emit({
        kind,
        type: before ? 'MODIFIED' : 'ADDED',
        key: after.key,
        before,
        after,
        resourceVersion: rv,
        observedAt: now,
        viaRelist,
        revision,
      });
    }
    settle(kind, after.key, after);
  }

  function remove(kind: WatchKind, key: string, resourceVersion: string, viaRelist: boolean): void {
    const t = table(kind);
    const before = t.records.get(key);
    if (!before) return;
    const now = clock.now();
    t.remove(before);
    t.lastEventAt = now;
    revision++;
    last = undefined;
    emit({ kind, type: 'DELETED', key, before, resourceVersion, observedAt: now, viaRelist, revision });
    settle(kind, key, undefined);
  }

  const historyListeners = new Set<(kind: WatchKind) => void>();
  const store: Store = {
    interner,
    get revision() {
      return revision;
    },

    apply(kind, type, obj, meta) {
      const viaRelist = meta?.viaRelist ?? false;
      if (type === 'DELETED') remove(kind, keyOf(obj), obj.metadata.resourceVersion ?? '', viaRelist);
      else upsert(kind, obj, viaRelist, meta?.adopt ?? false);
    },

    beginRelist(kind, namespace) {
      const seen = new Set<string>();
      let done = false;
      return {
        upsert(obj, adopt = false) {
          if (done) throw new Error('relist session already finished');
          seen.add(keyOf(obj));
          upsert(kind, obj, true, adopt);
        },
        finish(resourceVersion) {
          if (done) return;
          done = true;
          const t = table(kind);
          const inScope =
            namespace === undefined
              ? [...t.records.keys()]
              : (t.indexes.get('ns')!.index.get(namespace) ?? []).map((r) => r.key);
          // In key order, so that a relist reports what vanished deterministically.
          for (const key of inScope.sort()) if (!seen.has(key)) remove(kind, key, resourceVersion, true);
        },
      };
    },

    knownUid(kind, key) {
      return table(kind).records.get(key)?.uid || undefined;
    },

    historyReplaced(kind) {
      for (const l of [...historyListeners]) l(kind);
    },

    onHistoryReplaced(listener) {
      historyListeners.add(listener);
      return () => historyListeners.delete(listener);
    },

    waitForDeletion(kind, key, uid, o = {}) {
      const gone = (r: FleetRecord | undefined) =>
        !r ||
        (uid !== '' && r.uid !== uid) ||
        (o.resourceVersion !== undefined && versionReached(r.resourceVersion, o.resourceVersion));
      if (gone(table(kind).records.get(key))) return Promise.resolve();
      const id = `${kind}\0${key}`;
      return new Promise<void>((resolve, reject) => {
        const timeoutMs = o.timeoutMs ?? 10_000;
        const cleanup = () => {
          clearTimeout(timer);
          const set = waiters.get(id);
          set?.delete(waiter);
          if (set?.size === 0) waiters.delete(id);
        };
        const waiter: Waiter = {
          accepts: gone,
          resolve: () => {
            cleanup();
            resolve();
          },
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new FleetGraphError(
              ErrorCode.TIMEOUT,
              `${kind} "${key}" was not deleted within ${timeoutMs} ms`,
              {
                kind,
                key,
              },
            ),
          );
        }, timeoutMs);
        let set = waiters.get(id);
        if (!set) waiters.set(id, (set = new Set()));
        set.add(waiter);
      });
    },

    replaceAll(kind, namespace, objects, resourceVersion) {
      const session = store.beginRelist(kind, namespace);
      for (const o of objects) session.upsert(o);
      session.finish(resourceVersion);
    },

    markSynced(kind, synced = true) {
      table(kind).synced = synced;
    },

    snapshot() {
      if (!last) {
        const kinds = new Map<RecordKind, FrozenKind>();
        for (const [kind, t] of tables) kinds.set(kind, t.freeze());
        last = new StoreSnapshot(revision, clock.now(), kinds);
      }
      return last;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    syncState() {
      const out = {} as Record<RecordKind, KindSyncState>;
      for (const [kind, t] of tables) {
        out[kind] = { synced: t.synced, objects: t.records.size, lastEventAt: t.lastEventAt };
      }
      return out;
    },

    waitForVersion<K extends RecordKind>(
      kind: K,
      key: string,
      resourceVersion: string,
      o: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<RecordOf<K> | undefined> {
      const current = table(kind).records.get(key);
      if (current && versionReached(current.resourceVersion, resourceVersion)) {
        return Promise.resolve(current as RecordOf<K>);
      }
      const id = `${kind}\0${key}`;
      return new Promise<RecordOf<K> | undefined>((resolve, reject) => {
        const timeoutMs = o.timeoutMs ?? 10_000;
        const cleanup = () => {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          const set = waiters.get(id);
          set?.delete(waiter);
          if (set?.size === 0) waiters.delete(id);
        };
        const waiter: Waiter = {
          accepts: (r) => !r || versionReached(r.resourceVersion, resourceVersion),
          resolve: (r) => {
            cleanup();
            resolve(r as RecordOf<K> | undefined);
          },
        };
        const onAbort = () => {
          cleanup();
          reject(o.signal!.reason as Error);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new FleetGraphError(
              ErrorCode.TIMEOUT,
              `${kind} "${key}" did not reach resourceVersion ${resourceVersion} within ${timeoutMs} ms`,
              { kind, key, resourceVersion },
            ),
          );
        }, timeoutMs);
        if (o.signal?.aborted) {
          onAbort();
          return;
        }
        o.signal?.addEventListener('abort', onAbort, { once: true });
        let set = waiters.get(id);
        if (!set) waiters.set(id, (set = new Set()));
        set.add(waiter);
      });
    },
  };
  return store;
}
