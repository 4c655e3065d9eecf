/**
 * Wires kube/ reflectors into the store: one reflector per watched kind and scope. Scope is all
 * namespaces, or a list of workspaces: then each workspace-resident kind gets one reflector per
 * workspace, while BundleDeployments, which live in per-cluster namespaces
 * (`Cluster.status.namespace`, docs/fleet/links.md §3.2) and never in the workspace itself, are watched
 * across namespaces and selected by their `fleet.cattle.io/bundle-namespace` label (docs/fleet/links.md §3.1).
 * Namespaces are cluster-scoped and always watched whole (BundleNamespaceMappings select them).
 * `ready` resolves once every kind has completed its first list in every scope; `status()` gives
 * per-kind watch health for /readyz and metrics.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { LABEL_BUNDLE_NAMESPACE } from '../../apis/labels.js';
import type { Logger } from '../../shared/logger.js';
import { KubeClient } from '../kube/client.js';
import type { ReflectorOptions } from '../kube/reflector.js';
import { Reflector } from '../kube/reflector.js';
import type { ReflectorState, ReflectorStats, WatchKind } from '../kube/types.js';
import { WATCH_KINDS, WATCH_TYPES } from '../kube/types.js';
import type { Store } from './store.js';

/** Tuning passed to every reflector (tests use short timeouts). */
export type WatchTuning = Omit<ReflectorOptions, 'client' | 'kind' | 'namespace' | 'sink' | 'logger'>;

export interface WatchingOptions {
  readonly kubeConfig: KubeConfig;
  /** Workspaces to watch; empty or absent: all namespaces. */
  readonly namespaces?: readonly string[] | undefined;
  readonly store: Store;
  readonly logger?: Logger | undefined;
  /** Kinds to watch; default all of WATCH_KINDS. */
  readonly kinds?: readonly WatchKind[] | undefined;
  readonly tuning?: WatchTuning | undefined;
  /** A client to share (tests, the detail loader); made from kubeConfig when absent. */
  readonly client?: KubeClient | undefined;
}

export interface KindWatchStatus {
  readonly kind: WatchKind;
  /** Every scope of this kind has completed its first list. Stays true through later outages. */
  readonly synced: boolean;
  /** Every scope is connected (watching) right now. */
  readonly healthy: boolean;
  /** The worst state among its scopes: backoff > listing > watching. */
  readonly state: ReflectorState;
  readonly relists: number;
  readonly restarts: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Wall-clock ms of the newest line received on any scope. */
  readonly lastEventAt: number | undefined;
  /** Records of this kind in the store. */
  readonly objects: number;
  readonly scopes: readonly ReflectorStats[];
}

export interface Watching {
  /** Resolves when every kind is synced. Never rejects; combine with a timeout if needed. */
  readonly ready: Promise<void>;
  readonly isReady: () => boolean;
  status(): readonly KindWatchStatus[];
  /** The reflectors, for tests and metrics wiring (events: state, synced, failure). */
  readonly reflectors: readonly Reflector[];
  readonly client: KubeClient;
  stop(): Promise<void>;
}

const RANK: Record<ReflectorState, number> = { stopped: 3, backoff: 2, listing: 1, watching: 0 };

export function startWatching(opts: WatchingOptions): Watching {
  const client = opts.client ?? new KubeClient(opts.kubeConfig);
  const namespaces =
    opts.namespaces && opts.namespaces.length > 0 ? [...new Set(opts.namespaces)] : undefined;
  const kinds = opts.kinds ?? WATCH_KINDS;
  const byKind = new Map<WatchKind, Reflector[]>();
  for (const kind of kinds) {
    const byLabel = kind === 'BundleDeployment' && namespaces !== undefined;
    const labelSelector = byLabel ? `${LABEL_BUNDLE_NAMESPACE} in (${namespaces.join(',')})` : undefined;
    const scopes = WATCH_TYPES[kind].namespaced && namespaces && !byLabel ? namespaces : [undefined];
    byKind.set(
      kind,
      scopes.map(
        (namespace) =>
          new Reflector({
            ...opts.tuning,
            client,
            kind,
            namespace,
            labelSelector,
            sink: opts.store,
            // The reflector adds its kind and namespace to the bindings itself.
            logger: opts.logger?.child({ component: 'watch' }),
          }),
      ),
    );
  }
  const reflectors = [...byKind.values()].flat();
  for (const [kind, rs] of byKind) {
    void Promise.all(rs.map((r) => r.synced)).then(() => opts.store.markSynced(kind));
  }
  let readyFlag = false;
  const ready = Promise.all(reflectors.map((r) => r.synced)).then(() => {
    readyFlag = true;
    opts.logger?.info({ kinds: kinds.length, scopes: reflectors.length }, 'all watched kinds synced');
  });
  for (const r of reflectors) r.start();

  return {
    ready,
    isReady: () => readyFlag,
    reflectors,
    client,
    status() {
      const sync = opts.store.syncState();
      return [...byKind].map(([kind, rs]) => {
        const scopes = rs.map((r) => r.stats());
        const errors: Record<string, number> = {};
        for (const s of scopes)
          for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
        const last = scopes.map((s) => s.lastEventAt ?? 0).reduce((a, b) => Math.max(a, b), 0);
        return {
          kind,
          synced: scopes.every((s) => s.synced),
          healthy: scopes.every((s) => s.state === 'watching'),
          state: scopes.map((s) => s.state).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'watching'),
          relists: scopes.reduce((n, s) => n + s.relists, 0),
          restarts: scopes.reduce((n, s) => n + s.restarts, 0),
          errors,
          lastEventAt: last > 0 ? last : undefined,
          objects: sync[kind].objects,
          scopes,
        };
      });
    },
    async stop() {
      await Promise.all(reflectors.map((r) => r.stop()));
    },
  };
}
