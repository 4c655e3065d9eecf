/**
 * The one authorization point of reads: a snapshot that holds only what the caller may list. The
 * read model over it derives everything (lists, counts, edges, targeting, recomputed statuses)
 * from that snapshot alone, so counts agree with lists and an edge never reaches an object its
 * list would not show; resolvers never check rights. Findings are filtered by every object they
 * name (`visibleFinding`).
 *
 * Namespaces (cluster-scoped, used only by Fleet's BundleNamespaceMapping rules) stay visible.
 */
import type { RecordKind, RecordOf, Snapshot } from '../store/records.js';
import type { AlertEngine } from './live/alerts/engine.js';
import type { AlertCondition } from './live/alerts/rules.js';
import type { EventEngine } from './live/events/engine.js';
import type { Inconsistency } from './rules/read-model.js';

/** What a caller may list, per kind and namespace (decided beforehand, read synchronously). */
export interface Visibility {
  allows(kind: RecordKind, namespace: string): boolean;
}

/** The kinds and namespaces a snapshot holds: what a visibility must be decided for. */
export function namespacesByKind(snapshot: Snapshot): Map<RecordKind, Set<string>> {
  const out = new Map<RecordKind, Set<string>>();
  const kinds: RecordKind[] = [
    'GitRepo',
    'HelmOp',
    'Bundle',
    'BundleDeployment',
    'Cluster',
    'ClusterGroup',
    'BundleNamespaceMapping',
  ];
  for (const kind of kinds) {
    const set = new Set<string>();
    for (const r of snapshot.list(kind)) set.add(r.namespace);
    out.set(kind, set);
  }
  return out;
}

/** The snapshot as the caller may see it. */
export function visibleSnapshot(snapshot: Snapshot, visibility: Visibility): Snapshot {
  const ok = (r: { kind: RecordKind; namespace: string }) =>
    r.kind === 'Namespace' || visibility.allows(r.kind, r.namespace);
  const keep = <T extends { kind: RecordKind; namespace: string }>(list: readonly T[]): readonly T[] => {
    const out = list.filter(ok);
    return out.length === list.length ? list : out;
  };
  // Lists are asked for repeatedly while one operation resolves; the snapshot never changes.
  const lists = new Map<string, readonly unknown[]>();
  let workspaces: readonly string[] | undefined;
  return {
    revision: snapshot.revision,
    takenAt: snapshot.takenAt,
    get<K extends RecordKind>(kind: K, key: string): RecordOf<K> | undefined {
      const r = snapshot.get(kind, key);
      return r && ok(r) ? r : undefined;
    },
    list<K extends RecordKind>(kind: K, namespace?: string): readonly RecordOf<K>[] {
      const k = `${kind}\u0000${namespace ?? ''}\u0000${namespace === undefined ? 'all' : 'ns'}`;
      let l = lists.get(k) as readonly RecordOf<K>[] | undefined;
      if (!l) lists.set(k, (l = keep(snapshot.list(kind, namespace))));
      return l;
    },
    deploymentsOfBundle: (ns, name) => keep(snapshot.deploymentsOfBundle(ns, name)),
    deploymentsOfGitRepo: (ns, name) => keep(snapshot.deploymentsOfGitRepo(ns, name)),
    deploymentsOfHelmOp: (ns, name) => keep(snapshot.deploymentsOfHelmOp(ns, name)),
    deploymentsInNamespace: (ns) => keep(snapshot.deploymentsInNamespace(ns)),
    bundlesOfGitRepo: (ns, name) => keep(snapshot.bundlesOfGitRepo(ns, name)),
    bundlesOfHelmOp: (ns, name) => keep(snapshot.bundlesOfHelmOp(ns, name)),
    clusterByClusterNamespace(ns) {
      const c = snapshot.clusterByClusterNamespace(ns);
      return c && ok(c) ? c : undefined;
    },
    workspaces() {
      workspaces ??= snapshot
        .workspaces()
        .filter((ns) =>
          (
            ['GitRepo', 'HelmOp', 'Bundle', 'Cluster', 'ClusterGroup', 'BundleNamespaceMapping'] as const
          ).some((kind) => visibility.allows(kind, ns) && snapshot.list(kind, ns).length > 0),
        );
      return workspaces;
    },
  };
}

/** A finding is visible when every object it names is. */
export function visibleFinding(visibility: Visibility, f: Inconsistency): boolean {
  return (
    (!f.gitRepo || visibility.allows('GitRepo', f.gitRepo.namespace)) &&
    (!f.bundle || visibility.allows('Bundle', f.bundle.namespace)) &&
    (!f.cluster || visibility.allows('Cluster', f.cluster.namespace)) &&
    (!f.bundleDeployment || visibility.allows('BundleDeployment', f.bundleDeployment.namespace))
  );
}

/**
 * An async check of one (kind, namespace): live streams outlive any one decision, so each event is
 * checked when it is delivered (answers are cached briefly; a revoked right stops events within
 * that time).
 */
export type MayList = (kind: RecordKind, namespace: string) => Promise<boolean>;

/**
 * A stream with only the items `keep` admits. `return()` reaches the source at once, even while a
 * pull waits, so an unsubscribe never waits for the next event.
 */
export function filterStream<T>(
  source: AsyncIterableIterator<T, undefined>,
  keep: (item: T) => Promise<boolean>,
): AsyncIterableIterator<T, undefined> {
  const it: AsyncIterableIterator<T, undefined> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return r;
        if (await keep(r.value)) return r;
      }
    },
    return() {
      return source.return ? source.return() : Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** Every object a finding names must be listable. */
async function findingAdmitted(may: MayList, f: Inconsistency): Promise<boolean> {
  const refs: [RecordKind, { namespace: string } | undefined][] = [
    ['GitRepo', f.gitRepo],
    ['Bundle', f.bundle],
    ['Cluster', f.cluster],
    ['BundleDeployment', f.bundleDeployment],
  ];
  for (const [kind, ref] of refs) if (ref && !(await may(kind, ref.namespace))) return false;
  return true;
}

/** What the live engines offer subscriptions, each stream filtered by what the caller may list. */
export function scopedEvents(engine: EventEngine, may: MayList): LiveEvents {
  return {
    bundleDeploymentEvents: (filter, after, opts) =>
      filterStream(engine.bundleDeploymentEvents(filter, after, opts), async (e) =>
        // RESYNC_REQUIRED and FRESHNESS_CHANGED name no object: always delivered.
        e.bundleDeployment ? may('BundleDeployment', e.bundleDeployment.namespace) : true,
      ),
    objectChanges: (kind, namespace, name, initial) =>
      filterStream(engine.objectChanges(kind, namespace, name, initial), () => may(kind, namespace)),
    freshnessEvent: () => engine.freshnessEvent(),
    inconsistencyEvents: (filter, opts) =>
      filterStream(engine.inconsistencyEvents(filter, opts), (e) => findingAdmitted(may, e.inconsistency)),
  };
}

export type LiveEvents = Pick<
  EventEngine,
  'bundleDeploymentEvents' | 'objectChanges' | 'inconsistencyEvents' | 'freshnessEvent'
>;

/** An alert is visible when every object it names is, and its workspace shows anything at all. */
export function visibleAlert(visibility: Visibility, a: AlertCondition): boolean {
  const refs: [RecordKind, { namespace: string } | undefined][] = [
    ['GitRepo', a.gitRepo],
    ['Bundle', a.bundle],
    ['Cluster', a.cluster],
    ['BundleDeployment', a.bundleDeployment],
  ];
  const named = refs.filter(([, r]) => r);
  if (named.length > 0) return named.every(([kind, r]) => visibility.allows(kind, r!.namespace));
  return (['GitRepo', 'Cluster'] as const).some((k) => visibility.allows(k, a.workspace));
}

export type LiveAlerts = Pick<AlertEngine, 'alerts' | 'events' | 'now'>;

/** The alert engine as the caller may see it: lists by the current visibility, events re-checked. */
export function scopedAlerts(
  engine: AlertEngine,
  visibility: () => Visibility,
  fresh: () => Promise<Visibility>,
): LiveAlerts {
  return {
    now: () => engine.now(),
    alerts: (filter) => engine.alerts(filter).filter((a) => visibleAlert(visibility(), a)),
    events: (filter, opts) =>
      filterStream(engine.events(filter, opts), async (e) => visibleAlert(await fresh(), e.alert)),
  };
}
