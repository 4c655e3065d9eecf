/**
 * The simulated HelmOp controllers over the emulator's HTTP API (helmops/reconciler/
 * helmop_controller.go and helmop_status.go, v0.13): HelmOp → Bundle → BundleDeployments → status,
 * the Accepted condition, and deletion.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, BundleDeployment, Cluster, HelmOp } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, HELMOPS } from '../../src/apis/gvr.js';
import { names, startTestFleet, type TestFleet } from './harness.js';

let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet();
  for (const [name, env] of [
    ['c1', 'prod'],
    ['c2', 'prod'],
    ['c3', 'dev'],
  ] as const)
    await t.create<Cluster>(CLUSTERS, { metadata: { name, namespace: WS, labels: { env } }, spec: {} });
});
afterEach(async () => {
  await t.stop();
});

const WS = 'fleet-default';
const accepted = async (name: string) => {
  const c = (await t.get<HelmOp>(HELMOPS, WS, name))?.status?.conditions?.find((x) => x.type === 'Accepted');
  return c ? { status: c.status, message: c.message ?? '' } : undefined;
};
const clustersOf = async (helmOp: string) =>
  (await t.list<BundleDeployment>(BUNDLE_DEPLOYMENTS, `fleet.cattle.io/fleet-helm-name=${helmOp}`))
    .map((bd) => bd.metadata.labels?.['fleet.cattle.io/cluster'] ?? '')
    .sort();

describe('simulated HelmOp controller', () => {
  it('makes a Bundle of the HelmOp, deploys it where its targets select, rolls the status up, and deletes it with the HelmOp', async () => {
    await t.create<HelmOp>(HELMOPS, {
      metadata: { name: 'mon', namespace: WS },
      spec: {
        helm: { chart: 'monitoring', repo: 'https://charts.example', version: '1.2.3' },
        labels: { team: 'obs' },
        targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
      },
    });
    await t.settle(() => clustersOf('mon'), ['c1', 'c2']);
    const b = (await t.get<Bundle>(BUNDLES, WS, 'mon'))!;
    expect(b.metadata.labels).toEqual({ team: 'obs', 'fleet.cattle.io/fleet-helm-name': 'mon' });
    expect(b.spec.targets).toEqual([
      { name: 'target000', clusterSelector: { matchLabels: { env: 'prod' } } },
    ]);
    expect(await accepted('mon')).toEqual({ status: 'True', message: '' });
    await t.settle(
      async () => (await t.get<HelmOp>(HELMOPS, WS, 'mon'))?.status?.display?.readyBundleDeployments,
      '2/2',
    );
    const h = (await t.get<HelmOp>(HELMOPS, WS, 'mon'))!;
    expect(h.status).toMatchObject({ version: '1.2.3', readyClusters: 2, desiredReadyClusters: 2 });
    expect(h.metadata.finalizers).toContain('fleet.cattle.io/helmop-finalizer');

    // Retarget: the Bundle follows the HelmOp's spec.
    await t.patch(HELMOPS, WS, 'mon', { spec: { targets: [{ clusterName: 'c3' }] } });
    await t.settle(() => clustersOf('mon'), ['c3']);

    await t.remove(HELMOPS, WS, 'mon');
    await t.settle(async () => names(await t.list(BUNDLES, undefined, WS)), []);
    await t.settle(async () => (await t.get(HELMOPS, WS, 'mon')) === undefined, true);
  });

  it('refuses invalid Helm options and a name taken by another Bundle: Accepted=False with Fleet message', async () => {
    await t.create<HelmOp>(HELMOPS, {
      metadata: { name: 'bad', namespace: WS },
      spec: { helm: { chart: 'c.tgz', repo: 'https://charts.example' } },
    });
    await t.settle(() => accepted('bad'), {
      status: 'False',
      message: 'helm options invalid: tarball chart with a non-empty repo field',
    });
    await t.create<Bundle>(BUNDLES, { metadata: { name: 'taken', namespace: WS }, spec: { resources: [] } });
    await t.create<HelmOp>(HELMOPS, {
      metadata: { name: 'taken', namespace: WS },
      spec: { helm: { chart: 'c', repo: 'https://charts.example' } },
    });
    await t.settle(() => accepted('taken'), {
      status: 'False',
      message: 'a non-helmops bundle already exists with name taken; aborting',
    });
    expect(names(await t.list(BUNDLES, undefined, WS))).toEqual([`${WS}/taken`]);
  });
});
