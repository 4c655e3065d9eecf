/**
 * Rollout pacing in the simulated bundle reconciler (docs/fleet/rollout.md §7.1), read back
 * through the API: each row names the Fleet rule it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, BundleDeployment, Cluster, RolloutStrategy } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS } from '../../src/apis/gvr.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
const CLUSTER_NAMES = ['c1', 'c2', 'c3'];
let t: TestFleet;

beforeAll(async () => {
  t = await startTestFleet();
  for (const name of CLUSTER_NAMES)
    await t.create<Cluster>(CLUSTERS, { metadata: { name, namespace: WS, labels: { name } }, spec: {} });
  await t.settle(async () => (await t.list<Cluster>(CLUSTERS)).filter((c) => c.status?.namespace).length, 3);
});
afterAll(async () => {
  await t?.stop();
});

function bundle(name: string, rolloutStrategy: RolloutStrategy, version = 1): Bundle {
  return {
    metadata: { name, namespace: WS },
    spec: {
      resources: [{ name: 'cm.yaml', content: `kind: ConfigMap # ${name} v${version}` }],
      targets: [{ name: 'all', clusterSelector: {} }],
      rolloutStrategy,
    },
  };
}

/** Per cluster: no BD (null), or whether its deployment ID is the staged one (promoted). */
async function deployments(name: string) {
  const bds = await t.list<BundleDeployment>(BUNDLE_DEPLOYMENTS, `fleet.cattle.io/bundle-name=${name}`);
  return CLUSTER_NAMES.map((c) => {
    const bd = bds.find((b) => b.metadata.labels?.['fleet.cattle.io/cluster'] === c);
    return bd
      ? { staged: bd.spec.stagedDeploymentID, promoted: bd.spec.deploymentID === bd.spec.stagedDeploymentID }
      : null;
  });
}
const status = async (name: string) => (await t.get<Bundle>(BUNDLES, WS, name))?.status;
const stuck = (name: string, clusters: readonly string[]) => {
  for (const c of clusters)
    t.fleet.injectFault({ cluster: `${WS}/${c}`, bundle: `${WS}/${name}`, fault: 'WaitApplied' });
};
const allReady = async (name: string) => (await status(name))?.summary?.ready ?? 0;

describe('rollout pacing (target/partition.go UpdatePartitions)', () => {
  it('maxUnavailable: 1 promotes one available deployment at a time; the others stay staged', async () => {
    await t.create(BUNDLES, bundle('paced', { maxUnavailable: 1 }));
    await t.settle(() => allReady('paced'), 3);
    stuck('paced', CLUSTER_NAMES);
    await t.patch(BUNDLES, WS, 'paced', { spec: { resources: bundle('paced', {}, 2).spec.resources } });
    await t.settle(async () => (await deployments('paced')).map((d) => d?.promoted), [true, false, false]);
    const st = await status('paced');
    expect(st).toMatchObject({ maxUnavailable: 1, unavailable: 1 });
    expect(st?.partitions?.map((p) => [p.name, p.count, p.maxUnavailable, p.unavailable])).toEqual([
      ['All', 3, 1, 3],
    ]);
    // The held-back targets are judged by the new ID: WaitApplied, not Ready.
    expect(st?.summary).toMatchObject({ waitApplied: 3, ready: 0 });
  });

  it('maxUnavailable: 0 updates nothing that is available', async () => {
    await t.create(BUNDLES, bundle('frozen', { maxUnavailable: 0 }));
    await t.settle(() => allReady('frozen'), 3);
    await t.patch(BUNDLES, WS, 'frozen', { spec: { resources: bundle('frozen', {}, 2).spec.resources } });
    await t.settle(async () => (await status('frozen'))?.summary?.waitApplied, 3);
    expect((await deployments('frozen')).map((d) => d?.promoted)).toEqual([false, false, false]);
    expect(await status('frozen')).toMatchObject({ maxUnavailable: 0, unavailable: 0 });
  });

  it('manual partitions (rollout.go manualPartition): a target in no partition gets no BundleDeployment', async () => {
    await t.create(
      BUNDLES,
      bundle('manual', { partitions: [{ name: 'first', clusterSelector: { matchLabels: { name: 'c1' } } }] }),
    );
    await t.settle(async () => (await deployments('manual')).map((d) => d !== null), [true, false, false]);
    // The status right after the creation still counts c1 Pending (it is computed before the
    // write); the BundleDeployment's own event brings the next one.
    await t.settle(async () => {
      const st = await status('manual');
      return [st?.partitions?.map((p) => [p.name, p.count]), st?.summary?.pending, st?.summary?.desiredReady];
    }, [[['first', 1]], 2, 3]);
  });

  it('auto partitions (rollout.go autoPartition): an unavailable partition stops the rollout before the next', async () => {
    // maxUnavailable 0 makes each one-cluster partition unavailable while its target is not up
    // to date (a new deployment is still promoted: it is unavailable already); c1 never applies.
    stuck('auto', ['c1']);
    await t.create(
      BUNDLES,
      bundle('auto', { autoPartitionThreshold: 2, autoPartitionSize: 1, maxUnavailable: 0 }),
    );
    // The pass that creates c1's deployment writes newlyCreated 1; the next one, over it, 0.
    await t.settle(async () => {
      const st = await status('auto');
      return [st?.partitions?.map((p) => p.name), st?.newlyCreated, st?.unavailablePartitions];
    }, [['Partition 0 - 1', 'Partition 1 - 2', 'Partition 2 - 3'], 0, 1]);
    expect((await deployments('auto')).map((d) => d !== null)).toEqual([true, false, false]);
    expect((await status('auto'))?.maxUnavailablePartitions).toBe(0);
  });
});
