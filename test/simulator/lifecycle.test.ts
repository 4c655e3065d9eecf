/** Deletion cascades (docs/fleet/lifecycle.md §6.2) through the API, on the simulated clock. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster, GitRepo } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, GITREPOS, NAMESPACES } from '../../src/apis/gvr.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { names, startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet();
  for (const name of ['c1', 'c2'])
    await t.create<Cluster>(CLUSTERS, {
      metadata: { name, namespace: WS, labels: { env: 'prod' } },
      spec: {},
    });
  for (const name of ['app', 'other'])
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name, namespace: WS },
      spec: {
        repo: `https://example.com/${name}`,
        paths: ['x', 'y'],
        targets: [{ name: 'all', clusterSelector: {} }],
      },
    });
  await t.settle(async () => (await t.list(BUNDLE_DEPLOYMENTS)).length, 8);
});
afterEach(async () => {
  await t.stop();
});

describe('deletion', () => {
  it('deleting a GitRepo removes its Bundles and BundleDeployments, then the GitRepo itself', async () => {
    expect((await t.get<GitRepo>(GITREPOS, WS, 'app'))?.metadata.finalizers).toContain(
      'fleet.cattle.io/gitrepo-finalizer',
    );
    await t.remove(GITREPOS, WS, 'app');
    await t.settle(async () => names(await t.list(BUNDLES, 'fleet.cattle.io/repo-name=app')), []);
    await t.settle(async () => (await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=app')).length, 0);
    await t.settle(async () => (await t.get(GITREPOS, WS, 'app')) === undefined, true);
    // The other GitRepo is untouched.
    expect((await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=other')).length).toBe(4);
  });

  it('removing a path prunes that Bundle and its BundleDeployments', async () => {
    await t.patch(GITREPOS, WS, 'app', { spec: { paths: ['x'] } });
    await t.settle(
      async () => names(await t.list(BUNDLES, 'fleet.cattle.io/repo-name=app')),
      [`${WS}/app-x`],
    );
    await t.settle(
      async () => names(await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/bundle-name=app-y')),
      [],
    );
  });

  it('deleting a Cluster removes its namespace and the BundleDeployments in it', async () => {
    const ns = clusterNamespaceName(WS, 'c1');
    expect(names(await t.list(BUNDLE_DEPLOYMENTS, undefined, ns))).toHaveLength(4);
    await t.remove(CLUSTERS, WS, 'c1');
    await t.settle(async () => (await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/cluster=c1')).length, 0);
    await t.settle(async () => names(await t.list(NAMESPACES)).includes(ns), false);
    await t.settle(async () => (await t.get(CLUSTERS, WS, 'c1')) === undefined, true);
    expect((await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/cluster=c2')).length).toBe(4);
    // The bundles now target one cluster.
    await t.settle(
      async () =>
        ((await t.get(BUNDLES, WS, 'app-x')) as { status?: { display?: { readyClusters?: string } } })?.status
          ?.display?.readyClusters,
      '1/1',
    );
  });
});
