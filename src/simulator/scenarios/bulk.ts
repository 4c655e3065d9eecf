/**
 * Bulk seeding for benchmarks at a million BundleDeployments, where the `scale` scenario's
 * one-object-at-a-time build would need gigabytes before the emulator holds anything.
 *
 * The converged objects of one cluster come from the `scale` scenario itself (same rules as the
 * controllers); every other cluster gets copies with its own names. BundleDeployments go straight
 * into the emulator's store — stamped, not validated one by one, and sharing their `spec` and
 * `status` with every other deployment of the same Bundle (the emulator never changes a stored
 * object in place, so sharing is safe and keeps a million of them in about a gigabyte). Clients
 * still receive every byte of every object. Agent bundles are left out, so the count is exactly
 * clusters × bundles. Roll-ups (Bundle, Cluster, GitRepo status) are computed with the controllers'
 * functions over all the deployments, so the seeded fleet is converged and consistent.
 */
import { randomUUID } from 'node:crypto';
import type { BundleDeployment, Cluster } from '../../apis/fleet.js';
import type { KubeObject } from '../../apis/kube.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, GITREPOS, NAMESPACES } from '../../apis/gvr.js';
import { LABEL_CLUSTER } from '../../apis/labels.js';
import { ApiServerImpl, type ApiServer } from '../apiserver/server.js';
import { clusterNamespaceName } from '../controller/naming.js';
import {
  bundleStatus,
  clusterStatusFromDeployments,
  gitRepoStatusFromDeployments,
} from '../controller/rollups.js';
import { setCondition } from '../controller/state.js';
import { scaleScenario } from './scale.js';

const WS = 'fleet-default';

export interface BulkSeedResult {
  readonly clusters: number;
  readonly bundles: number;
  readonly bundleDeployments: number;
}

const clusterName = (i: number) => `scale-${String(i).padStart(5, '0')}`;

/**
 * Seeds `clusters` × `bundles` converged BundleDeployments of one GitRepo `scale` in the
 * `fleet-default` workspace, with their cluster namespaces, Clusters and Bundles.
 * The emulator must be empty of these kinds and nobody may have listed BundleDeployments yet.
 */
export function seedBulkScale(
  apiServer: ApiServer,
  opts: { clusters: number; bundles: number; now: string },
): BulkSeedResult {
  if (!(apiServer instanceof ApiServerImpl)) throw new Error('bulk seeding needs the in-process emulator');
  const engine = apiServer.engine;
  const template = scaleScenario(1, opts.bundles, opts.now).objects;
  const of = (type: unknown) => template.filter((o) => o.type === type).map((o) => o.object);
  const first = clusterName(0);
  // Agent bundles (one per cluster) are left out: only the GitRepo's bundles are copied.
  const isApp = (o: KubeObject) => !(o.metadata.name ?? '').startsWith('fleet-agent');
  const appBds = (of(BUNDLE_DEPLOYMENTS) as BundleDeployment[]).filter((o) => isApp(o as KubeObject));
  const bundlesT = of(BUNDLES).filter(isApp);
  const [nsT] = of(NAMESPACES);
  const [clusterT] = of(CLUSTERS) as Cluster[];
  const [repoT] = of(GITREPOS);
  if (!nsT || !clusterT || !repoT) throw new Error('the scale scenario changed shape');

  const bdResource = engine.registry.byKind('fleet.cattle.io/v1alpha1', 'BundleDeployment');
  if (!bdResource) throw new Error('Fleet CRDs are not installed');
  const storage = engine.storageOf(bdResource);
  if (storage.items.size > 0) throw new Error('the emulator already holds BundleDeployments');

  const namespaces: KubeObject[] = [];
  const clusters: KubeObject[] = [];
  const all: BundleDeployment[] = [];
  const perBundle = new Map<string, BundleDeployment[]>();
  for (let i = 0; i < opts.clusters; i++) {
    const name = clusterName(i);
    const ns = clusterNamespaceName(WS, name);
    namespaces.push({
      ...nsT,
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { ...nsT.metadata, name: ns, annotations: renamed(nsT.metadata.annotations, first, name) },
    });
    const mine: BundleDeployment[] = [];
    for (const t of appBds) {
      const rv = engine.store.nextResourceVersion();
      const bd = {
        apiVersion: 'fleet.cattle.io/v1alpha1',
        kind: 'BundleDeployment',
        metadata: {
          name: t.metadata.name,
          namespace: ns,
          labels: { ...renamed(t.metadata.labels, first, name), [LABEL_CLUSTER]: name },
          finalizers: t.metadata.finalizers,
          uid: randomUUID(),
          resourceVersion: String(rv),
          generation: 1,
          creationTimestamp: opts.now,
        },
        spec: t.spec,
        status: t.status,
      } as BundleDeployment;
      engine.store.put(storage, 'ADDED', bd, undefined, rv);
      mine.push(bd);
      all.push(bd);
      let list = perBundle.get(t.metadata.name ?? '');
      if (!list) perBundle.set(t.metadata.name ?? '', (list = []));
      list.push(bd);
    }
    const st = clusterStatusFromDeployments(mine, {
      lastSeen: opts.now,
      existingGitRepos: new Set([`${WS}/scale`]),
      conditions: undefined,
      now: opts.now,
    });
    clusters.push({
      ...clusterT,
      apiVersion: 'fleet.cattle.io/v1alpha1',
      kind: 'Cluster',
      metadata: { ...clusterT.metadata, name, labels: clusterLabels(i) },
      status: {
        ...clusterT.status,
        namespace: ns,
        ...st,
        conditions: setCondition(st.conditions, { type: 'Processed', status: 'True' }, opts.now),
      },
    } as KubeObject);
  }
  const bundles = bundlesT.map((b) => {
    const bds = perBundle.get(b.metadata.name ?? '') ?? [];
    const targets = bds.map((bd) => ({
      clusterNamespace: WS,
      clusterName: bd.metadata.labels?.[LABEL_CLUSTER] ?? '',
      bd,
      deploymentId: bd.spec?.deploymentID ?? '',
    }));
    return {
      ...b,
      apiVersion: 'fleet.cattle.io/v1alpha1',
      kind: 'Bundle',
      status: bundleStatus(
        { ...b, metadata: { ...b.metadata, generation: 1 } } as never,
        targets,
        { maxNew: 50, newlyCreated: 0 },
        opts.now,
      ),
    } as KubeObject;
  });
  const repo = {
    ...repoT,
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'GitRepo',
    status: {
      ...(repoT as { status?: object }).status,
      ...gitRepoStatusFromDeployments(all, {
        gitJobStatus: 'Current',
        bundleReady: [],
        conditions: undefined,
        now: opts.now,
      }),
    },
  } as KubeObject;
  // Everything but the deployments goes through the emulator's own validated create path.
  for (let i = 0; i < namespaces.length; i += 1000) apiServer.seed(namespaces.slice(i, i + 1000));
  for (let i = 0; i < clusters.length; i += 1000) apiServer.seed(clusters.slice(i, i + 1000));
  apiServer.seed([repo, ...bundles]);
  return { clusters: opts.clusters, bundles: bundles.length, bundleDeployments: all.length };
}

/** Labels as the scale scenario gives its clusters. */
function clusterLabels(i: number): Record<string, string> {
  const envs = ['prod', 'staging', 'dev'];
  const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
  return { env: envs[i % envs.length]!, region: regions[i % regions.length]! };
}

/** A copy of `map` with every value equal to `from` replaced by `to`. */
function renamed(
  map: Readonly<Record<string, string>> | undefined,
  from: string,
  to: string,
): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k] = v === from ? to : v;
  return out;
}
