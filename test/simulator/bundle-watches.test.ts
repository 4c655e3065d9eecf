/**
 * What the simulated bundle controller reacts to. Fleet's bundle controller watches Bundles,
 * BundleDeployments and Clusters (reconciler/bundle_controller.go SetupWithManager), not
 * ClusterGroups: a group edit retargets at the next Bundle, Cluster or BundleDeployment event.
 * `legacy` mode keeps that delay; `prompt` mode reacts at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle, Cluster, ClusterGroup } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTER_GROUPS, CLUSTERS } from '../../src/apis/gvr.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bundle = (name: string, targets: Bundle['spec']['targets']): Bundle => ({
  metadata: { name, namespace: WS },
  spec: { resources: [{ name: 'cm.yaml', content: `kind: ConfigMap # ${name}` }], targets },
});

const bdNames = async (f: TestFleet) => (await f.list(BUNDLE_DEPLOYMENTS)).map((b) => b.metadata.name).sort();

describe('bundle controller watches', () => {
  it.each([
    [
      'legacy: bundle_controller.go watches no ClusterGroups, so a group edit waits for a Cluster event',
      'legacy' as const,
    ],
    ['prompt: the simulator reacts to the group edit at once', 'prompt' as const],
  ])('%s', async (_rule, cleanup) => {
    const f = await startTestFleet({ cleanup });
    t = f;
    await f.create<Cluster>(CLUSTERS, {
      metadata: { name: 'c1', namespace: WS, labels: { env: 'dev' } },
      spec: {},
    });
    await f.create<ClusterGroup>(CLUSTER_GROUPS, {
      metadata: { name: 'g', namespace: WS },
      spec: { selector: { matchLabels: { env: 'prod' } } },
    });
    await f.create(BUNDLES, bundle('grouped', [{ clusterGroup: 'g' }]));
    await f.create(BUNDLES, bundle('first', [{ clusterSelector: {} }]));
    await f.settle(() => bdNames(f), ['first']);
    await f.patch(CLUSTER_GROUPS, WS, 'g', { spec: { selector: { matchLabels: { env: 'dev' } } } });
    // A later, unrelated Bundle: once its BD exists, the group edit has long been seen.
    await f.create(BUNDLES, bundle('later', [{ clusterSelector: {} }]));
    if (cleanup === 'prompt') {
      await f.settle(() => bdNames(f), ['first', 'grouped', 'later']);
      return;
    }
    await f.settle(() => bdNames(f), ['first', 'later']);
    await f.clock.advance(60_000);
    expect(await bdNames(f)).toEqual(['first', 'later']);
    // A Cluster label edit fans out to the Bundles that now select it (BundlesForCluster).
    await f.patch(CLUSTERS, WS, 'c1', { metadata: { labels: { touched: 'yes' } } });
    await f.settle(() => bdNames(f), ['first', 'grouped', 'later']);
  });
});
