import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BundleDeployment, Cluster, GitRepo } from '../../src/apis/fleet.js';
import {
  BUNDLE_DEPLOYMENTS,
  BUNDLES,
  CLUSTER_GROUPS,
  CLUSTERS,
  GITREPOS,
  NAMESPACES,
} from '../../src/apis/gvr.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { names, startTestFleet, type TestFleet } from './harness.js';

let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet({ agentBundles: true });
});
afterEach(async () => {
  await t.stop();
});

const WS = 'fleet-default';

async function clusters(...specs: [string, Record<string, string>][]) {
  for (const [name, labels] of specs)
    await t.create<Cluster>(CLUSTERS, { metadata: { name, namespace: WS, labels }, spec: {} });
}

describe('agent management', () => {
  it('keeps a fleet-agent-<cluster> bundle per cluster, deployed to that cluster, removed with it', async () => {
    await clusters(['c1', {}], ['c2', { 'fleet.cattle.io/non-managed-agent': 'true' }]);
    await t.settle(
      async () => names(await t.list(BUNDLES, undefined, WS)),
      [`${WS}/fleet-agent-c1`, `${WS}/fleet-agent-c2`],
    );
    const b = (await t.get(BUNDLES, WS, 'fleet-agent-c1'))!;
    expect(b.metadata.annotations).toMatchObject({ 'objectset.rio.cattle.io/id': 'fleet-manage-agent' });
    expect(b.metadata.labels?.['fleet.cattle.io/repo-name']).toBeUndefined();
    // c2 opted out of the managed agent: its agent bundle targets nothing.
    await t.settle(
      async () =>
        names(
          await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/bundle-name in (fleet-agent-c1,fleet-agent-c2)'),
        ),
      [`${clusterNamespaceName(WS, 'c1')}/fleet-agent-c1`],
    );
    await t.settle(
      async () => (await t.get<Cluster>(CLUSTERS, WS, 'c1'))?.status?.display?.readyBundles,
      '1/1',
    );
    await t.remove(CLUSTERS, WS, 'c1');
    await t.settle(async () => (await t.get(BUNDLES, WS, 'fleet-agent-c1')) === undefined, true);
  });
});

describe('GitOps: GitRepo → Bundles → BundleDeployments', () => {
  it('creates per-cluster namespaces and one Bundle per path with Fleet names and labels, and BDs per target', async () => {
    await clusters(['c1', { env: 'prod' }], ['c2', { env: 'dev' }]);
    await t.settle(
      async () => (await t.list<Cluster>(CLUSTERS)).map((c) => c.status?.namespace).sort(),
      [clusterNamespaceName(WS, 'c1'), clusterNamespaceName(WS, 'c2')],
    );
    const ns = await t.list(NAMESPACES, 'fleet.cattle.io/managed=true');
    expect(names(ns)).toEqual([clusterNamespaceName(WS, 'c1'), clusterNamespaceName(WS, 'c2')].sort());
    expect(ns[0]!.metadata.annotations).toMatchObject({ 'fleet.cattle.io/cluster-namespace': WS });

    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'simpleapp', namespace: WS, labels: { team: 'one' } },
      spec: {
        repo: 'https://example.com/simple',
        paths: ['simple', 'nested/dir'],
        targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }],
      },
    });
    await t.settle(
      async () => names(await t.list(BUNDLES, 'fleet.cattle.io/repo-name=simpleapp')),
      [`${WS}/simpleapp-nested-dir`, `${WS}/simpleapp-simple`],
    );
    const bundle = (await t.list(BUNDLES, 'fleet.cattle.io/repo-name=simpleapp'))[0] as unknown as {
      metadata: { labels: Record<string, string> };
      spec: Record<string, unknown>;
    };
    expect(bundle.metadata.labels).toMatchObject({ team: 'one', 'fleet.cattle.io/repo-name': 'simpleapp' });
    expect(bundle.metadata.labels['fleet.cattle.io/commit']).toMatch(/^[0-9a-f]{40}$/);
    expect(bundle.spec.targets).toEqual([
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
    ]);
    expect(bundle.spec.targetRestrictions).toEqual([
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
    ]);

    const c1ns = clusterNamespaceName(WS, 'c1');
    await t.settle(
      async () => names(await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=simpleapp')),
      [`${c1ns}/simpleapp-nested-dir`, `${c1ns}/simpleapp-simple`],
    );
    const bd = (await t.get<BundleDeployment>(BUNDLE_DEPLOYMENTS, c1ns, 'simpleapp-simple'))!;
    expect(bd.metadata.labels).toMatchObject({
      team: 'one',
      'fleet.cattle.io/repo-name': 'simpleapp',
      'fleet.cattle.io/bundle-name': 'simpleapp-simple',
      'fleet.cattle.io/bundle-namespace': WS,
      'fleet.cattle.io/cluster': 'c1',
      'fleet.cattle.io/cluster-namespace': WS,
      'fleet.cattle.io/managed': 'true',
    });
    expect(bd.metadata.finalizers).toContain('fleet.cattle.io/bundle-deployment-finalizer');
    expect(bd.spec.deploymentID).toMatch(/^s-[0-9a-f]{61}:[0-9a-f]{64}$/);
    expect(bd.spec.stagedDeploymentID).toBe(bd.spec.deploymentID);

    // The agents apply and become ready; the GitRepo rolls its BDs up.
    await t.settle(
      async () => (await t.get<GitRepo>(GITREPOS, WS, 'simpleapp'))?.status?.display?.readyBundleDeployments,
      '2/2',
    );
    const repo = (await t.get<GitRepo>(GITREPOS, WS, 'simpleapp'))!;
    expect(repo.status).toMatchObject({
      gitJobStatus: 'Current',
      observedGeneration: 1,
      readyClusters: 1,
      desiredReadyClusters: 1,
    });
    expect(repo.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(repo.status?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True' });
    expect(repo.status?.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({ status: 'False' });
  });

  it('uses the default target when a GitRepo has none: fleet-local deploys to local, fleet-default nowhere', async () => {
    await t.create<Cluster>(CLUSTERS, {
      metadata: { name: 'local', namespace: 'fleet-local', labels: { name: 'local' } },
      spec: {},
    });
    await t.create(CLUSTER_GROUPS, {
      metadata: { name: 'default', namespace: 'fleet-local' },
      spec: { selector: { matchLabels: { name: 'local' } } },
    });
    await clusters(['c1', {}]);
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'infra', namespace: 'fleet-local' },
      spec: { repo: 'https://example.com/infra' },
    });
    await t.create<GitRepo>(GITREPOS, {
      metadata: { name: 'infra', namespace: WS },
      spec: { repo: 'https://example.com/infra' },
    });
    await t.settle(
      async () => names(await t.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=infra')),
      [`${clusterNamespaceName('fleet-local', 'local')}/infra`],
    );
    const b = (await t.get(BUNDLES, WS, 'infra')) as unknown as { spec: { targets: unknown } };
    expect(b.spec.targets).toEqual([{ name: 'default', clusterGroup: 'default' }]);
    await t.settle(
      async () =>
        ((await t.get(BUNDLES, WS, 'infra')) as { status?: { display?: { readyClusters?: string } } })?.status
          ?.display?.readyClusters,
      '0/0',
    );
  });
});
