/**
 * fleet/ over the real store (not the test fixture): Kubernetes objects applied as watch events,
 * the ConsistencyTracker fed from the store's change feed, and a read model per snapshot.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { ConsistencyTracker, createReadModel, followChanges } from '../../src/gateway/fleet/index.js';
import type { InconsistencyEvent } from '../../src/gateway/fleet/index.js';
import type { ChangeEvent } from '../../src/gateway/store/store.js';
import { createStore } from '../../src/gateway/store/store.js';
import { ManualClock } from '../../src/shared/clock.js';

let rv = 1;
const meta = (name: string, namespace: string, labels: Record<string, string> = {}) => ({
  name,
  namespace,
  uid: `uid-${namespace}-${name}`,
  resourceVersion: String(++rv),
  generation: 1,
  labels,
});

const cluster = (name: string, env: string): KubeObject =>
  ({
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'Cluster',
    metadata: meta(name, 'fleet-default', { env }),
    spec: {},
    status: { namespace: `cluster-fleet-default-${name}`, agent: { lastSeen: '2026-01-01T00:00:00Z' } },
  }) as KubeObject;

const bundle = (env: string): KubeObject =>
  ({
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'Bundle',
    metadata: meta('app-web', 'fleet-default', { 'fleet.cattle.io/repo-name': 'app' }),
    spec: {
      targets: [{ clusterSelector: { matchLabels: { env } } }],
      targetRestrictions: [{ clusterSelector: { matchLabels: { env } } }],
    },
  }) as KubeObject;

const deployment = (clusterName: string): KubeObject =>
  ({
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: meta('app-web', `cluster-fleet-default-${clusterName}`, {
      'fleet.cattle.io/bundle-name': 'app-web',
      'fleet.cattle.io/bundle-namespace': 'fleet-default',
      'fleet.cattle.io/repo-name': 'app',
      'fleet.cattle.io/cluster': clusterName,
      'fleet.cattle.io/cluster-namespace': 'fleet-default',
    }),
    spec: { deploymentID: 's-1:a', stagedDeploymentID: 's-1:a' },
    status: { appliedDeploymentID: 's-1:a', ready: true, nonModified: true },
  }) as KubeObject;

describe('fleet over the real store', () => {
  it('tracks a retarget: stale and missing appear, then clear when Fleet catches up', async () => {
    const clock = new ManualClock(10_000);
    const store = createStore({ clock });
    const tracker = new ConsistencyTracker({ clock });
    const pending: ChangeEvent[] = [];
    store.subscribe((e) => pending.push(e));
    const events: InconsistencyEvent[] = [];
    tracker.subscribe((e) => events.push(e));
    const sync = () => tracker.update(store.snapshot(), pending.splice(0));

    store.apply('Cluster', 'ADDED', cluster('prod', 'prod'), { viaRelist: false });
    store.apply('Cluster', 'ADDED', cluster('dev', 'dev'), { viaRelist: false });
    store.apply('Bundle', 'ADDED', bundle('prod'), { viaRelist: false });
    store.apply('BundleDeployment', 'ADDED', deployment('prod'), { viaRelist: false });
    sync();
    expect(tracker.current()).toEqual([]);

    let model = createReadModel(store.snapshot(), { tracker, clock });
    const b = model.bundle('fleet-default', 'app-web')!;
    expect(model.targetedClusters(b).map((t) => [t.cluster.name, t.state])).toEqual([['prod', 'Ready']]);

    store.apply('Bundle', 'MODIFIED', bundle('dev'), { viaRelist: false });
    await clock.advance(2_000);
    sync();
    expect(events.map((e) => `${e.type} ${e.inconsistency.kind}`)).toEqual([
      'APPEARED MISSING_DEPLOYMENT',
      'APPEARED STALE_DEPLOYMENT',
    ]);
    model = createReadModel(store.snapshot(), { tracker, clock });
    const stale = model.inconsistencies({ kinds: ['STALE_DEPLOYMENT'] });
    expect(stale.map((f) => [f.cluster?.name, f.firstSeenAt])).toEqual([['prod', 12_000]]);

    store.apply('BundleDeployment', 'DELETED', deployment('prod'), { viaRelist: false });
    store.apply('BundleDeployment', 'ADDED', deployment('dev'), { viaRelist: false });
    await clock.advance(3_000);
    events.length = 0;
    sync();
    expect(events.map((e) => `${e.type} ${e.inconsistency.kind} ${e.ageMs}`)).toEqual([
      'CLEARED MISSING_DEPLOYMENT 3000',
      'CLEARED STALE_DEPLOYMENT 3000',
    ]);
    model = createReadModel(store.snapshot(), { tracker, clock });
    expect(
      model.targetedClusters(model.bundle('fleet-default', 'app-web')!).map((t) => t.cluster.name),
    ).toEqual(['dev']);
  });
});

describe('followChanges over the real store', () => {
  it('keeps the tracker in step with the store, one update per burst', async () => {
    const clock = new ManualClock(0);
    const store = createStore({ clock });
    const tracker = new ConsistencyTracker({ clock });
    const stop = followChanges(tracker, store);
    store.apply('Cluster', 'ADDED', cluster('prod', 'prod'), { viaRelist: false });
    store.apply('Bundle', 'ADDED', bundle('prod'), { viaRelist: false });
    await expect.poll(() => tracker.current().map((f) => f.kind)).toEqual(['MISSING_DEPLOYMENT']);
    store.apply('BundleDeployment', 'ADDED', deployment('prod'), { viaRelist: false });
    await expect.poll(() => tracker.current()).toEqual([]);
    expect(tracker.revision).toBe(store.revision);
    stop();
  });
});
