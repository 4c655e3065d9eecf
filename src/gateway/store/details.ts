/**
 * On-demand details: the parts of objects the compact records leave out (full BundleDeployment
 * status lists, resources, raw YAML) are read from the API server when a query asks for them, and
 * batched per request with DataLoader: every GET asked for in one tick goes out together, each
 * object at most once per request. Kubernetes has no multi-GET, so a batch is parallel GETs with a
 * concurrency cap. Create one loader per GraphQL operation (fresh per subscription event too), so
 * nothing is served from a stale cache.
 */
import DataLoader from 'dataloader';
import type { BundleDeployment, BundleDeploymentStatus } from '../../apis/fleet.js';
import type { KubeObject } from '../../apis/kube.js';
import type { KubeClient } from '../kube/client.js';
import type { WatchKind } from '../kube/types.js';
import { WATCH_TYPES } from '../kube/types.js';
import { deepFreeze } from './build.js';

export interface ObjectRef {
  readonly kind: WatchKind;
  /** Omitted for cluster-scoped kinds. */
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** Reads one raw object; null when it does not exist. Injected from kube/ (or a test double). */
export type FetchObject = (ref: ObjectRef) => Promise<KubeObject | null>;

/** The GET of kube/'s client as a FetchObject. */
export function kubeFetcher(client: KubeClient): FetchObject {
  return (ref) => client.getObject(WATCH_TYPES[ref.kind], ref.namespace, ref.name);
}

/** BundleDeployment status parts kept out of the record (docs/fleet/objects.md §2.5). */
export interface BundleDeploymentDetails {
  readonly nonReadyStatus: NonNullable<BundleDeploymentStatus['nonReadyStatus']>;
  readonly modifiedStatus: NonNullable<BundleDeploymentStatus['modifiedStatus']>;
  readonly resources: NonNullable<BundleDeploymentStatus['resources']>;
  readonly incompleteState: boolean;
  readonly release: string | undefined;
  /** Helm values live in a Secret named like the BD when set (v0.13+, docs/fleet/objects.md §2.5). */
  readonly valuesHash: string | undefined;
}

export interface DetailLoader {
  /** The raw object, deep-frozen; null when gone. */
  object(ref: ObjectRef): Promise<Readonly<KubeObject> | null>;
  bundleDeploymentDetails(namespace: string, name: string): Promise<BundleDeploymentDetails | null>;
}

export interface DetailLoaderOptions {
  /** GETs in flight at once per batch. */
  readonly maxConcurrency?: number;
}

const refKey = (r: ObjectRef) => `${r.kind}\0${r.namespace ?? ''}\0${r.name}`;

/** Runs `fn` over `items` with at most `limit` in flight; results (or errors) in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<(R | Error)[]> {
  const out = new Array<R | Error>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        out[i] = e instanceof Error ? e : new Error(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A per-request loader. */
export function createDetailLoader(fetch: FetchObject, opts: DetailLoaderOptions = {}): DetailLoader {
  const limit = Math.max(1, opts.maxConcurrency ?? 16);
  const loader = new DataLoader<ObjectRef, Readonly<KubeObject> | null, string>(
    async (refs) => {
      const results = await mapLimited(refs, limit, async (ref) => {
        const o = await fetch(ref);
        return o ? deepFreeze(o) : null;
      });
      return results;
    },
    { cacheKeyFn: refKey },
  );
  return {
    object: (ref) => loader.load(ref),
    async bundleDeploymentDetails(namespace, name) {
      const bd = (await loader.load({
        kind: 'BundleDeployment',
        namespace,
        name,
      })) as BundleDeployment | null;
      if (!bd) return null;
      const st = bd.status ?? {};
      return {
        nonReadyStatus: st.nonReadyStatus ?? [],
        modifiedStatus: st.modifiedStatus ?? [],
        resources: st.resources ?? [],
        incompleteState: st.incompleteState === true,
        release: st.release,
        valuesHash: bd.spec?.valuesHash,
      };
    },
  };
}
