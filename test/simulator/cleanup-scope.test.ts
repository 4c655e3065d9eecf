/**
 * What the Cluster reconciler deletes (reconciler/cluster_controller.go with target/query.go
 * `BundlesForCluster`, the same in every version; the only cleanup in `legacy` mode, ≤ v0.12.0):
 * BDs of Bundles in the cluster's scope whose targets no longer select a deployment target for
 * it. It keeps a BD skipped by `doNotDeploy`, a BD whose Bundle is gone, and a BD of a Bundle
 * outside the cluster's scope.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle, BundleDeployment, Cluster } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, NAMESPACES } from '../../src/apis/gvr.js';
import type { KubeObject } from '../../src/apis/kube.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
const OTHER = 'other-ws';
let t: TestFleet | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bundle = (name: string, namespace = WS): Bundle => ({
  metadata: { name, namespace },
  spec: {
    resources: [{ name: 'cm.yaml', content: `kind: ConfigMap # ${name}` }],
    targets: [{ name: 'all', clusterSelector: {} }],
  },
});

/** A BD made by hand, as one left behind by a Bundle that is gone or lives elsewhere. */
const strayDeployment = (bundleName: string, bundleNamespace: string): BundleDeployment => ({
  metadata: {
    name: bundleName,
    namespace: clusterNamespaceName(WS, 'us-1'),
    labels: {
      'fleet.cattle.io/bundle-name': bundleName,
      'fleet.cattle.io/bundle-namespace': bundleNamespace,
      'fleet.cattle.io/cluster': 'us-1',
      'fleet.cattle.io/cluster-namespace': WS,
      'fleet.cattle.io/managed': 'true',
    },
  },
  spec: { deploymentID: 's-x:y', stagedDeploymentID: 's-x:y' },
});

describe('Cluster reconciler cleanup scope (legacy, ≤ v0.12.0)', () => {
  it('keeps doNotDeploy-skipped, Bundle-gone and out-of-scope BDs; deletes untargeted in-scope ones', async () => {
    const f = await startTestFleet({ cleanup: 'legacy' });
    t = f;
    await f.create<KubeObject>(NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: OTHER },
    });
    await f.create<Cluster>(CLUSTERS, {
      metadata: { name: 'us-1', namespace: WS, labels: { env: 'dev' } },
      spec: {},
    });
    for (const name of ['skipped', 'moved', 'kept']) await f.create(BUNDLES, bundle(name));
    await f.create(BUNDLES, bundle('foreign', OTHER));
    const ns = clusterNamespaceName(WS, 'us-1');
    const onUs1 = async () =>
      (await f.list(BUNDLE_DEPLOYMENTS))
        .filter((b) => b.metadata.namespace === ns)
        .map((b) => b.metadata.name)
        .sort();
    await f.settle(onUs1, ['kept', 'moved', 'skipped']);
    await f.create(BUNDLE_DEPLOYMENTS, strayDeployment('ghost', WS));
    await f.create(BUNDLE_DEPLOYMENTS, strayDeployment('foreign', OTHER));
    // Rows name the Fleet rule each Bundle edit exercises.
    await f.patch(BUNDLES, WS, 'skipped', {
      // BundleMatch.Match ignores doNotDeploy: the Cluster reconciler keeps the BD.
      spec: { targets: [{ name: 'skip', clusterName: 'us-1', doNotDeploy: true }] },
    });
    // BundleMatch.Match finds no target: in scope and untargeted, so deleted.
    await f.patch(BUNDLES, WS, 'moved', { spec: { targets: [{ name: 'none', clusterName: 'elsewhere' }] } });
    // A Cluster event runs the reconciler (here a label edit).
    await f.patch(CLUSTERS, WS, 'us-1', { metadata: { labels: { touched: 'yes' } } });
    const want = ['foreign', 'ghost', 'kept', 'skipped'];
    await f.settle(
      async () => [
        await onUs1(),
        (await f.get<Cluster>(CLUSTERS, WS, 'us-1'))?.status?.summary?.desiredReady,
      ],
      [want, want.length],
      { stepMs: 250 },
    );
    expect(await onUs1()).toEqual(want);
  });
});
