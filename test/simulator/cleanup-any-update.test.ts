/**
 * Fleet's Cluster reconciler (reconciler/cluster_controller.go) watches Clusters with no
 * predicate, so any update of a Cluster runs its cleanup — in `legacy` mode (≤ v0.12.0) the only
 * one. An orphan left by a retarget goes at the next Cluster update of any kind, here an
 * annotation edit, without waiting for the agent's check-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle, Cluster } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS } from '../../src/apis/gvr.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('Cluster reconciler runs on any Cluster update (legacy, ≤ v0.12.0)', () => {
  const rows = [
    { rule: 'an annotation edit is a Cluster update', patch: { metadata: { annotations: { note: 'x' } } } },
    { rule: 'a label edit is a Cluster update', patch: { metadata: { labels: { touched: 'yes' } } } },
  ];
  it.each(rows)('$rule: the orphan goes at once', async ({ patch }) => {
    const f = await startTestFleet({ cleanup: 'legacy' });
    t = f;
    await f.create<Cluster>(CLUSTERS, {
      metadata: { name: 'us-1', namespace: WS, labels: { env: 'dev' } },
      spec: {},
    });
    const bundle: Bundle = {
      metadata: { name: 'app', namespace: WS },
      spec: {
        resources: [{ name: 'cm.yaml', content: 'kind: ConfigMap' }],
        targets: [{ name: 'all', clusterSelector: {} }],
      },
    };
    await f.create(BUNDLES, bundle);
    const ns = clusterNamespaceName(WS, 'us-1');
    const onUs1 = async () =>
      (await f.list(BUNDLE_DEPLOYMENTS))
        .filter((b) => b.metadata.namespace === ns)
        .map((b) => b.metadata.name);
    await f.settle(onUs1, ['app']);
    // Past the agent's first check-in (15 s) and the BD's own status changes.
    await f.settle(
      async () => Boolean((await f.get<Cluster>(CLUSTERS, WS, 'us-1'))?.status?.agent?.lastSeen),
      true,
    );
    await f.clock.advance(30_000);
    // Retargeted away: in legacy mode the bundle reconciler leaves the BD to the Cluster reconciler.
    await f.patch(BUNDLES, WS, 'app', { spec: { targets: [{ name: 'none', clusterName: 'elsewhere' }] } });
    await f.settle(
      async () => (await f.get<Bundle>(BUNDLES, WS, 'app'))?.status?.summary?.desiredReady ?? -1,
      0,
      { stepMs: 100 },
    );
    await f.clock.advance(30_000);
    // Nothing has updated the Cluster yet: the orphan lingers (rancher/fleet#3437).
    expect(await onUs1()).toEqual(['app']);
    await f.patch(CLUSTERS, WS, 'us-1', patch);
    // Small steps: the agent's next check-in (15 min away) must not be what removes it.
    await f.settle(onUs1, [], { stepMs: 100, timeout: 10_000 });
    expect(f.clock.now()).toBeLessThan(Date.UTC(2026, 0, 1, 12, 14));
  });
});
