/**
 * Every BundleDeployment state of docs/fleet/state.md §5.1, produced by the simulated agents (with
 * injected faults, pauses and dependencies) and read back through the API.
 */
import { Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, BundleDeployment, BundleSummary, Cluster } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, collectionPath, GITREPOS } from '../../src/apis/gvr.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet();
  for (const name of ['c1', 'c2', 'c3'])
    await t.create<Cluster>(CLUSTERS, {
      metadata: { name, namespace: WS, labels: { env: 'prod' } },
      spec: {},
    });
  await t.settle(async () => (await t.list<Cluster>(CLUSTERS)).filter((c) => c.status?.namespace).length, 3);
});
afterEach(async () => {
  await t.stop();
});

function bundle(name: string, extra: Partial<Bundle['spec']> = {}): Bundle {
  return {
    metadata: { name, namespace: WS },
    spec: {
      resources: [{ name: 'cm.yaml', content: `kind: ConfigMap # ${name}` }],
      targets: [{ name: 'all', clusterSelector: {} }],
      ...extra,
    },
  };
}

const bd = (cluster: string, name: string) =>
  t.get<BundleDeployment>(BUNDLE_DEPLOYMENTS, clusterNamespaceName(WS, cluster), name);
const stateOf = async (cluster: string, name: string) => (await bd(cluster, name))?.status?.display?.state;

describe('BundleDeployment states (docs/fleet/state.md §5.1)', () => {
  it('WaitApplied → NotReady → Ready on the agent delays', async () => {
    await t.create(BUNDLES, bundle('b'));
    const seen = new Set<string | undefined>();
    await t.settle(
      async () => {
        seen.add(await stateOf('c1', 'b'));
        return await stateOf('c1', 'b');
      },
      'Ready',
      { stepMs: 250 },
    );
    expect(seen).toContain('WaitApplied');
    expect(seen).toContain('NotReady');
    const ready = (await bd('c1', 'b'))!;
    expect(ready.status).toMatchObject({
      ready: true,
      nonModified: true,
      appliedDeploymentID: ready.spec.deploymentID,
    });
    expect(ready.status?.display).toEqual({ deployed: 'True', monitored: 'True', state: 'Ready' });
    expect(ready.status?.resourceCounts).toMatchObject({ ready: 2, desiredReady: 2 });
  });

  it('faults: stuck WaitApplied, ErrApplied, NotReady and Modified, per cluster or bundle', async () => {
    t.fleet.injectFault({ cluster: `${WS}/c1`, fault: 'WaitApplied' });
    t.fleet.injectFault({ cluster: `${WS}/c2`, bundle: `${WS}/b`, fault: 'ErrApplied' });
    t.fleet.injectFault({ cluster: `${WS}/c3`, bundle: `${WS}/b`, fault: 'NotReady' });
    t.fleet.injectFault({ cluster: `${WS}/c3`, bundle: `${WS}/m`, fault: 'Modified' });
    await t.create(BUNDLES, bundle('b'));
    await t.create(BUNDLES, bundle('m'));
    await t.settle(
      async () => [
        await stateOf('c1', 'b'),
        await stateOf('c2', 'b'),
        await stateOf('c3', 'b'),
        await stateOf('c3', 'm'),
        await stateOf('c2', 'm'),
      ],
      ['WaitApplied', 'ErrApplied', 'NotReady', 'Modified', 'Ready'],
    );
    const err = (await bd('c2', 'b'))!;
    expect(err.status?.display?.deployed).toMatch(/^Error: simulated failure/);
    expect(err.status?.conditions?.find((c) => c.type === 'Deployed')).toMatchObject({
      status: 'False',
      reason: 'Error',
    });
    const notReady = (await bd('c3', 'b'))!;
    expect(notReady.status?.ready).toBe(false);
    expect(notReady.status?.nonReadyStatus?.[0]).toMatchObject({ kind: 'Deployment', name: 'b' });
    const modified = (await bd('c3', 'm'))!;
    expect(modified.status?.nonModified).toBe(false);
    expect(modified.status?.modifiedStatus?.[0]).toMatchObject({ kind: 'ConfigMap', name: 'm-config' });
    // The Bundle ranks them and names one cluster per state (docs/fleet/state.md §5.2).
    const b = (await t.get<Bundle>(BUNDLES, WS, 'b'))!;
    expect(b.status?.display).toEqual({ readyClusters: '0/3', state: 'ErrApplied' });
    expect(b.status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(
      /^ErrApplied\(1\) \[Cluster fleet-default\/c2: simulated failure.*; NotReady\(1\) \[Cluster fleet-default\/c3\].*; WaitApplied\(1\) \[Cluster fleet-default\/c1\]/,
    );
    // Clearing the faults lets the agents converge.
    t.fleet.clearFaults();
    await t.settle(async () => (await t.get<Bundle>(BUNDLES, WS, 'b'))?.status?.display, {
      readyClusters: '3/3',
      state: '',
    });
  });

  it('OutOfSync: a paused cluster keeps the old deployment while a new one is staged', async () => {
    await t.create(BUNDLES, bundle('b'));
    await t.settle(() => stateOf('c1', 'b'), 'Ready');
    await t.patch(CLUSTERS, WS, 'c1', { spec: { paused: true } });
    await t.patch(BUNDLES, WS, 'b', { spec: { defaultNamespace: 'moved' } });
    await t.settle(() => stateOf('c1', 'b'), 'OutOfSync');
    const paused = (await bd('c1', 'b'))!;
    expect(paused.spec.paused).toBe(true);
    expect(paused.spec.stagedDeploymentID).not.toBe(paused.spec.deploymentID);
    expect(paused.spec.stagedOptions?.defaultNamespace).toBe('moved');
    await t.settle(() => stateOf('c2', 'b'), 'Ready');
    expect((await bd('c2', 'b'))!.spec.options?.defaultNamespace).toBe('moved');
    // The Bundle judges the paused target by the new deployment ID: WaitApplied there (docs/fleet/state.md §5.3).
    await t.settle(async () => (await t.get<Bundle>(BUNDLES, WS, 'b'))?.status?.summary?.waitApplied, 1);
    await t.patch(CLUSTERS, WS, 'c1', { spec: { paused: false } });
    await t.settle(() => stateOf('c1', 'b'), 'Ready');
  });

  it('a paused GitRepo pauses its Bundles: changes are staged, not deployed (docs/fleet/rollout.md §7.2)', async () => {
    await t.create(GITREPOS, {
      metadata: { name: 'app', namespace: WS },
      spec: { repo: 'https://example.com/app', targets: [{ name: 'all', clusterSelector: {} }] },
    });
    await t.settle(() => stateOf('c1', 'app'), 'Ready');
    await t.patch(GITREPOS, WS, 'app', { spec: { paused: true } });
    await t.settle(async () => (await t.get<Bundle>(BUNDLES, WS, 'app'))?.spec.paused, true);
    await t.patch(GITREPOS, WS, 'app', { spec: { forceSyncGeneration: 2 } });
    await t.settle(
      async () => [await stateOf('c1', 'app'), await stateOf('c2', 'app'), await stateOf('c3', 'app')],
      ['OutOfSync', 'OutOfSync', 'OutOfSync'],
    );
    await t.patch(GITREPOS, WS, 'app', { spec: { paused: false } });
    await t.settle(async () => [await stateOf('c1', 'app'), await stateOf('c2', 'app')], ['Ready', 'Ready']);
    expect((await bd('c1', 'app'))?.status?.syncGeneration).toBe(2);
  });

  it('ErrApplied while a dependency is not ready on the same cluster (docs/fleet/objects.md §2.10)', async () => {
    t.fleet.injectFault({ cluster: `${WS}/c1`, bundle: `${WS}/base`, fault: 'ErrApplied' });
    await t.create(BUNDLES, bundle('base'));
    await t.create(BUNDLES, bundle('app', { dependsOn: [{ name: 'base' }] }));
    await t.settle(
      async () => [await stateOf('c1', 'app'), await stateOf('c2', 'app')],
      ['ErrApplied', 'Ready'],
    );
    const blocked = (await bd('c1', 'app'))!;
    expect(blocked.spec.dependsOn).toEqual([{ name: 'base' }]);
    expect(blocked.status?.conditions?.find((c) => c.type === 'Deployed')?.message).toBe(
      'dependent bundle(s) are not ready: [base]',
    );
    t.fleet.clearFaults();
    await t.settle(() => stateOf('c1', 'app'), 'Ready');
  });

  it('Pending at bundle level: maxNew holds new BDs back per reconcile (docs/fleet/targeting.md §4.6)', async () => {
    const summaries: BundleSummary[] = [];
    const ac = await new Watch(t.api.kubeConfig).watch(
      collectionPath(BUNDLES, WS),
      {},
      (_type: string, obj: Bundle) => {
        if (obj.status?.summary) summaries.push(obj.status.summary);
      },
      () => undefined,
    );
    try {
      await t.create(BUNDLES, bundle('slow', { rolloutStrategy: { maxNew: 1 } }));
      await t.settle(
        async () => (await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/bundle-name=slow')).length,
        3,
      );
      await t.settle(
        () => Promise.resolve(summaries.some((s) => s.pending === 2 && s.desiredReady === 3)),
        true,
      );
      const b = (await t.get<Bundle>(BUNDLES, WS, 'slow'))!;
      expect(b.status?.maxNew).toBe(1);
    } finally {
      ac.abort();
    }
  });

  it('an offline agent neither checks in nor applies; it catches up when back', async () => {
    t.fleet.setClusterOffline(WS, 'c1', true);
    await t.create(BUNDLES, bundle('b'));
    await t.settle(
      async () => [await stateOf('c1', 'b'), await stateOf('c2', 'b')],
      ['WaitApplied', 'Ready'],
    );
    await t.settle(
      async () => (await t.get<Cluster>(CLUSTERS, WS, 'c2'))?.status?.agent?.lastSeen !== undefined,
      true,
    );
    const c1 = (await t.get<Cluster>(CLUSTERS, WS, 'c1'))!;
    expect(c1.status?.agent?.lastSeen).toBeUndefined();
    await t.settle(
      async () => (await t.get<Cluster>(CLUSTERS, WS, 'c1'))?.status?.display?.state,
      'WaitCheckIn',
    );
    t.fleet.setClusterOffline(WS, 'c1', false);
    await t.settle(() => stateOf('c1', 'b'), 'Ready');
    await t.settle(
      async () => Boolean((await t.get<Cluster>(CLUSTERS, WS, 'c1'))?.status?.agent?.lastSeen),
      true,
    );
  });
});
