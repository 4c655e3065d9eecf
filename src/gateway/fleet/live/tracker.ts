/**
 * ConsistencyTracker: follows the store's snapshots, keeps the current consistency findings with
 * the time each was first seen, and tells listeners when one appears or clears (with its age).
 * Subscriptions (`inconsistencyEvents`) and alert thresholds consume these; ages matter because
 * some disagreement is normal for a few seconds (docs/fleet/operations.md §8.3).
 *
 * Given the keys that changed, it recomputes only the affected scopes: a Bundle key (its stale and
 * missing deployments), a GitRepo or a HelmOp (its status numbers). Cluster and ClusterGroup
 * changes re-target the Bundles of that workspace (and of workspaces with namespace mappings);
 * BundleNamespaceMapping changes, Namespace changes while any mapping exists, or no change list,
 * recompute everything.
 */
import type { Clock } from '../../../shared/clock.js';
import type { FleetRecord, Labels, RecordKind, Snapshot } from '../../store/records.js';
import { BUNDLE_OWNER_KINDS, bundleOwner, ownersOf, type BundleOwnerKind } from '../rules/bundle-owner.js';
import { bundleFindings, splitKey, statusFindings } from '../rules/consistency.js';
import type { Finding } from '../rules/consistency.js';
import type { Inconsistency } from '../rules/read-model.js';
import { FleetView } from '../rules/view.js';

/**
 * A record that changed since the previous update (added, modified or deleted). The store's
 * ChangeEvent fits. `before`/`after`, when given, let the tracker ignore Cluster and ClusterGroup
 * changes that cannot affect targeting (an agent check-in only moves `lastSeen`).
 */
export interface ChangedRecord {
  readonly kind: RecordKind;
  readonly key: string;
  readonly before?: FleetRecord | undefined;
  readonly after?: FleetRecord | undefined;
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** docs/fleet/targeting.md §4.2–4.4: targeting reads a Cluster's labels and `status.namespace`, a group's selector and labels. */
function targetingUnchanged(c: ChangedRecord): boolean {
  const { before, after } = c;
  if (!before || !after || before.kind !== after.kind) return false;
  if (!sameLabels(before.labels, after.labels)) return false;
  if (before.kind === 'Cluster' && after.kind === 'Cluster')
    return before.clusterNamespace === after.clusterNamespace;
  if (before.kind === 'ClusterGroup' && after.kind === 'ClusterGroup') {
    return JSON.stringify(before.selector) === JSON.stringify(after.selector);
  }
  return false;
}

export interface InconsistencyEvent {
  readonly type: 'APPEARED' | 'CLEARED';
  readonly inconsistency: Inconsistency;
  /** Tracker clock at the update that noticed it. */
  readonly at: number;
  /** How long the finding has existed: 0 when it appears, its lifetime when it clears. */
  readonly ageMs: number;
}

export type InconsistencyListener = (event: InconsistencyEvent) => void;

export interface ConsistencyTrackerOptions {
  readonly clock: Clock;
  /** Called when a listener throws; the other listeners still run. */
  readonly onListenerError?: (error: unknown) => void;
}

type Scope = string;
const bundleScope = (ns: string, name: string): Scope => `Bundle:${ns}/${name}`;
const ownerScope = (kind: BundleOwnerKind, ns: string, name: string): Scope => `${kind}:${ns}/${name}`;

export class ConsistencyTracker {
  private readonly clock: Clock;
  private readonly onListenerError: (error: unknown) => void;
  private readonly listeners = new Set<InconsistencyListener>();
  private readonly byScope = new Map<Scope, Map<string, Inconsistency>>();
  /** The scopes each BD contributed to at the last update, to find them again once it is deleted. */
  private readonly bdScopes = new Map<string, Scope[]>();
  private lastRevision: number | undefined;
  private sortedCache: readonly Inconsistency[] | undefined;

  constructor(opts: ConsistencyTrackerOptions) {
    this.clock = opts.clock;
    this.onListenerError = opts.onListenerError ?? (() => undefined);
  }

  /** The store revision of the last snapshot seen, if any. */
  get revision(): number | undefined {
    return this.lastRevision;
  }

  /** Listens for APPEARED/CLEARED events; returns the function that stops listening. */
  subscribe(listener: InconsistencyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current findings, sorted by id. */
  current(): readonly Inconsistency[] {
    if (!this.sortedCache) {
      const all = [...this.byScope.values()].flatMap((m) => [...m.values()]);
      this.sortedCache = all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return this.sortedCache;
  }

  firstSeenAt(id: string): number | undefined {
    for (const m of this.byScope.values()) {
      const f = m.get(id);
      if (f) return f.firstSeenAt;
    }
    return undefined;
  }

  /**
   * Brings the findings up to date with `snapshot`. Pass the records changed since the previous
   * call to recompute only what they affect; omit it (or on the first call) to recompute all.
   * Returns the events it emitted.
   */
  update(snapshot: Snapshot, changed?: Iterable<ChangedRecord>): InconsistencyEvent[] {
    const view = new FleetView(snapshot);
    const full = changed === undefined || this.lastRevision === undefined;
    const scopes = full ? this.allScopes(view) : this.affectedScopes(view, changed);
    if (full) this.rebuildBdIndex(view);
    this.lastRevision = snapshot.revision;
    const now = this.clock.now();
    const before = new Map<string, Inconsistency>();
    const after = new Map<string, Finding>();
    for (const scope of scopes) {
      for (const [id, f] of this.byScope.get(scope) ?? []) before.set(id, f);
      const found = this.compute(view, scope);
      for (const f of found) after.set(f.id, f);
      this.store(scope, found, before, now);
    }
    if (full)
      for (const scope of [...this.byScope.keys()]) if (!scopes.has(scope)) this.dropScope(scope, before);
    return this.emit(before, after, now);
  }

  private store(scope: Scope, found: Finding[], before: Map<string, Inconsistency>, now: number): void {
    if (found.length === 0) {
      this.byScope.delete(scope);
    } else {
      const m = new Map<string, Inconsistency>();
      for (const f of found) m.set(f.id, { ...f, firstSeenAt: before.get(f.id)?.firstSeenAt ?? now });
      this.byScope.set(scope, m);
    }
    this.sortedCache = undefined;
  }

  private dropScope(scope: Scope, before: Map<string, Inconsistency>): void {
    for (const [id, f] of this.byScope.get(scope) ?? []) before.set(id, f);
    this.byScope.delete(scope);
    this.sortedCache = undefined;
  }

  private emit(
    before: Map<string, Inconsistency>,
    after: Map<string, Finding>,
    now: number,
  ): InconsistencyEvent[] {
    const events: InconsistencyEvent[] = [];
    for (const [id, f] of before) {
      if (!after.has(id))
        events.push({ type: 'CLEARED', inconsistency: f, at: now, ageMs: now - f.firstSeenAt });
    }
    for (const id of after.keys()) {
      if (before.has(id)) continue;
      const f = this.findCurrent(id);
      if (f) events.push({ type: 'APPEARED', inconsistency: f, at: now, ageMs: now - f.firstSeenAt });
    }
    events.sort((a, b) => (a.inconsistency.id < b.inconsistency.id ? -1 : 1));
    for (const e of events) {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
    return events;
  }

  private findCurrent(id: string): Inconsistency | undefined {
    for (const m of this.byScope.values()) {
      const f = m.get(id);
      if (f) return f;
    }
    return undefined;
  }

  private compute(view: FleetView, scope: Scope): Finding[] {
    const colon = scope.indexOf(':');
    const kind = scope.slice(0, colon);
    const [ns, name] = splitKey(scope.slice(colon + 1));
    if (kind === 'Bundle') return bundleFindings(view, ns, name);
    // Any other scope is an owner's; bundleOwner throws on a kind it does not know.
    const owner = bundleOwner(kind).get(view.snapshot, ns, name);
    return owner ? statusFindings(view, owner) : [];
  }

  private allScopes(view: FleetView): Set<Scope> {
    const snap = view.snapshot;
    const scopes = new Set<Scope>();
    for (const b of snap.list('Bundle')) scopes.add(bundleScope(b.namespace, b.name));
    for (const bd of snap.list('BundleDeployment'))
      scopes.add(bundleScope(bd.bundleNamespace, bd.bundleName));
    for (const kind of BUNDLE_OWNER_KINDS)
      for (const r of snap.list(kind)) scopes.add(ownerScope(kind, r.namespace, r.name));
    return scopes;
  }

  private scopesOfBd(view: FleetView, key: string): Scope[] {
    const bd = view.snapshot.get('BundleDeployment', key);
    if (!bd) return [];
    return [
      bundleScope(bd.bundleNamespace, bd.bundleName),
      ...ownersOf(bd).map((o) => ownerScope(o.owner.kind, o.namespace, o.name)),
    ];
  }

  private rebuildBdIndex(view: FleetView): void {
    this.bdScopes.clear();
    for (const bd of view.snapshot.list('BundleDeployment'))
      this.bdScopes.set(bd.key, this.scopesOfBd(view, bd.key));
  }

  private affectedScopes(view: FleetView, changed: Iterable<ChangedRecord>): Set<Scope> {
    const snap = view.snapshot;
    const scopes = new Set<Scope>();
    const retargetWorkspaces = new Set<string>();
    for (const change of changed) {
      const { kind, key } = change;
      const [ns, name] = splitKey(key);
      switch (kind) {
        case 'Bundle':
          scopes.add(bundleScope(ns, name));
          break;
        case 'BundleDeployment': {
          // Both where it was (it may be gone now) and where it is.
          const now = this.scopesOfBd(view, key);
          for (const s of [...(this.bdScopes.get(key) ?? []), ...now]) scopes.add(s);
          if (now.length > 0) this.bdScopes.set(key, now);
          else this.bdScopes.delete(key);
          break;
        }
        case 'GitRepo':
        case 'HelmOp':
          scopes.add(ownerScope(bundleOwner(kind).kind, ns, name));
          break;
        case 'Cluster':
        case 'ClusterGroup':
          if (!targetingUnchanged(change)) retargetWorkspaces.add(ns);
          break;
        case 'BundleNamespaceMapping':
          return this.allScopes(view);
        case 'Namespace':
          // Namespace labels matter only to BundleNamespaceMappings (docs/fleet/targeting.md §4.2).
          if (snap.list('BundleNamespaceMapping').length > 0) return this.allScopes(view);
          break;
      }
    }
    if (retargetWorkspaces.size > 0) {
      // Bundles elsewhere reach these clusters only through a BundleNamespaceMapping (docs/fleet/targeting.md §4.2).
      for (const m of snap.list('BundleNamespaceMapping')) retargetWorkspaces.add(m.namespace);
      for (const ws of retargetWorkspaces) {
        for (const b of snap.list('Bundle', ws)) scopes.add(bundleScope(b.namespace, b.name));
      }
      // Deployments of Bundles that no longer exist, whose reasons name the cluster.
      for (const scope of this.byScope.keys()) if (scope.startsWith('Bundle:')) scopes.add(scope);
    }
    return scopes;
  }
}

/** What `followChanges` needs from the store: its current snapshot and its change feed. */
export interface ChangeSource {
  snapshot(): Snapshot;
  subscribe(listener: (change: ChangedRecord) => void): () => void;
}

export interface FollowOptions {
  /** Runs the batched update; defaults to `setImmediate`, so a burst of changes is one update. */
  readonly schedule?: (flush: () => void) => void;
  /** Called when an update throws; following continues with a full recompute next time. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps `tracker` up to date with a store: one full update now, then one incremental update per
 * batch of changes from the feed. Returns the function that stops following.
 */
export function followChanges(
  tracker: ConsistencyTracker,
  source: ChangeSource,
  opts: FollowOptions = {},
): () => void {
  const schedule = opts.schedule ?? ((flush: () => void) => void setImmediate(flush));
  let pending: ChangedRecord[] = [];
  let scheduled = false;
  let failed = false;
  let stopped = false;
  const flush = () => {
    scheduled = false;
    if (stopped) return;
    const batch = pending;
    pending = [];
    try {
      tracker.update(source.snapshot(), failed ? undefined : batch);
      failed = false;
    } catch (e) {
      failed = true;
      opts.onError?.(e);
    }
  };
  const unsubscribe = source.subscribe((change) => {
    pending.push(change);
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  });
  tracker.update(source.snapshot());
  return () => {
    stopped = true;
    unsubscribe();
  };
}
