/** Status roll-ups of docs/fleet/state.md §5.3–5.6, read through the API. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, Cluster, ClusterGroup, GitRepo } from '../../src/apis/fleet.js';
import { BUNDLES, CLUSTER_GROUPS, CLUSTERS, GITREPOS } from '../../src/apis/gvr.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet;
beforeEach(async () => {
  t = await startTestFleet();
  for (const [name, env] of [
    ['p1', 'prod'],
    ['p2', 'prod'],
    ['d1', 'dev'],
  ] as const)
    await t.create<Cluster>(CLUSTERS, { metadata: { name, namespace: WS, labels: { env } }, spec: {} });
  await t.create<ClusterGroup>(CLUSTER_GROUPS, {
    metadata: { name: 'prod', namespace: WS },
    spec: { selector: { matchLabels: { env: 'prod' } } },
  });
  await t.create<GitRepo>(GITREPOS, {
    metadata: { name: 'app', namespace: WS },
    spec: {
      repo: 'https://example.com/app',
      paths: ['one', 'two'],
      targets: [{ name: 'all', clusterSelector: {} }],
    },
  });
  await t.create<GitRepo>(GITREPOS, {
    metadata: { name: 'tools', namespace: WS },
    spec: {
      repo: 'https://example.com/tools',
      targets: [{ name: 'dev', clusterSelector: { matchLabels: { env: 'dev' } } }],
    },
  });
  await t.settle(
    async () => (await t.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.display?.readyBundleDeployments,
    '6/6',
  );
});
afterEach(async () => {
  await t.stop();
});

const repo = async (name = 'app') => (await t.get<GitRepo>(GITREPOS, WS, name))!;
const cluster = async (name: string) => (await t.get<Cluster>(CLUSTERS, WS, name))!;

describe('roll-ups', () => {
  it('GitRepo (docs/fleet/state.md §5.4): summary, clusters, resource counts, Ready, and GitUpdating while the job runs', async () => {
    // Bundle conditions feed the GitRepo's Ready with the batching delay: wait for it to settle.
    await t.settle(
      async () => (await repo()).status?.conditions?.find((c) => c.type === 'Ready')?.status,
      'True',
    );
    const r = await repo();
    expect(r.status).toMatchObject({
      readyClusters: 3,
      desiredReadyClusters: 3,
      summary: { ready: 6, desiredReady: 6 },
    });
    expect(r.status?.display).toMatchObject({ readyBundleDeployments: '6/6', state: '', error: false });
    expect(r.status?.resourceCounts).toMatchObject({ ready: 12, desiredReady: 12 });
    expect(Object.keys(r.status?.perClusterResourceCounts ?? {}).sort()).toEqual([
      `${WS}/d1`,
      `${WS}/p1`,
      `${WS}/p2`,
    ]);
    expect(r.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });

    t.fleet.injectFault({ cluster: `${WS}/p2`, bundle: `${WS}/app-two`, fault: 'NotReady' });
    // The status trails the BDs by the batching delay (3 s of simulated time).
    await t.settle(async () => (await repo()).status?.display?.state, 'NotReady', { stepMs: 500 });
    const nr = await repo();
    expect(nr.status).toMatchObject({ readyClusters: 2, desiredReadyClusters: 3 });
    // A Bundle with Ready=False has its condition copied over the GitRepo's (docs/fleet/state.md §5.4), once the
    // Bundle's own status change has gone through the batching delay.
    await t.settle(
      async () =>
        /^NotReady\(1\) \[Cluster fleet-default\/p2\]/.test(
          (await repo()).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
        ),
      true,
    );
    expect((await repo()).status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
    });

    await t.patch(GITREPOS, WS, 'app', { spec: { forceSyncGeneration: 1 } });
    await t.settle(async () => (await repo()).status?.display?.state, 'GitUpdating', { stepMs: 100 });
    await t.settle(async () => (await repo()).status?.updateGeneration, 1);
  });

  it('a Bundle targeting error overrides the GitRepo Ready condition', async () => {
    await t.patch(GITREPOS, WS, 'tools', {
      spec: {
        targets: [
          {
            name: 'bad',
            clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
          },
        ],
      },
    });
    await t.settle(
      async () =>
        (await t.get<Bundle>(BUNDLES, WS, 'tools'))?.status?.conditions?.find((c) => c.type === 'Ready')
          ?.status,
      'False',
    );
    await t.settle(
      async () =>
        ((await repo('tools')).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '').startsWith(
          'targeting error',
        ),
      true,
    );
    // No BD changes: the existing one stays.
    expect((await repo('tools')).status?.summary?.desiredReady).toBe(1);
  });

  it('Cluster (docs/fleet/state.md §5.5): readyBundles, state, GitRepo counts', async () => {
    // Before its first check-in a cluster shows WaitCheckIn; afterwards the top-ranked state.
    await t.settle(async () => (await cluster('d1')).status?.display, { readyBundles: '3/3', state: '' });
    const d1 = await cluster('d1');
    expect(d1.status?.agent?.lastSeen).toBeDefined();
    expect(d1.status).toMatchObject({ readyGitRepos: 2, desiredReadyGitRepos: 2 });
    expect(d1.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    t.fleet.injectFault({ cluster: `${WS}/d1`, bundle: `${WS}/tools`, fault: 'Modified' });
    await t.settle(async () => (await cluster('d1')).status?.display, {
      readyBundles: '2/3',
      state: 'Modified',
    });
    expect((await cluster('d1')).status).toMatchObject({ readyGitRepos: 1, desiredReadyGitRepos: 2 });
    expect((await cluster('d1')).status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(
      /^Modified\(1\) \[Bundle tools\]/,
    );
  });

  it('ClusterGroup (docs/fleet/state.md §5.6): members, non-ready clusters and summed bundles', async () => {
    await t.settle(async () => (await t.get<ClusterGroup>(CLUSTER_GROUPS, WS, 'prod'))?.status?.display, {
      readyClusters: '2/2',
      readyBundles: '4/4',
      state: '',
    });
    t.fleet.injectFault({ cluster: `${WS}/p1`, fault: 'ErrApplied' });
    await t.patch(GITREPOS, WS, 'app', { spec: { forceSyncGeneration: 7 } });
    // p2 redeploys too and passes through non-ready states; wait for the settled roll-up.
    await t.settle(async () => {
      const st = (await t.get<ClusterGroup>(CLUSTER_GROUPS, WS, 'prod'))?.status;
      return [st?.display, st?.clusterCount, st?.nonReadyClusterCount, st?.nonReadyClusters];
    }, [{ readyClusters: '1/2 (p1)', readyBundles: '2/4', state: 'ErrApplied' }, 2, 1, ['p1']]);
  });
});
