/**
 * The seed problem (rancher/fleet#3437, docs/fleet/lifecycle.md §6.3): after clusters are removed from a
 * GitRepo's targets, `legacy` cleanup leaves their BundleDeployments in place until the clusters'
 * next check-in (and the GitRepo status keeps counting them); `prompt` cleanup removes them in the
 * same bundle reconcile that applies the new targets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle, Cluster, GitRepo } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, GITREPOS } from '../../src/apis/gvr.js';
import { clusterNamespaceName } from '../../src/simulator/controller/naming.js';
import { names, startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
const CHECKIN = 15 * 60_000;
let t: TestFleet | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function converge(cleanup: 'prompt' | 'legacy'): Promise<TestFleet> {
  const f = await startTestFleet({ cleanup });
  t = f;
  for (const [name, env] of [
    ['eu-1', 'prod'],
    ['eu-2', 'prod'],
    ['us-1', 'dev'],
  ] as const)
    await f.create<Cluster>(CLUSTERS, { metadata: { name, namespace: WS, labels: { env } }, spec: {} });
  await f.create<GitRepo>(GITREPOS, {
    metadata: { name: 'app', namespace: WS },
    spec: {
      repo: 'https://example.com/app',
      paths: ['a', 'b'],
      targets: [{ name: 'all', clusterSelector: {} }],
    },
  });
  await f.settle(
    async () => (await f.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.display?.readyBundleDeployments,
    '6/6',
  );
  // Let every cluster reach its first check-in so the next one is a full interval away.
  await f.settle(
    async () => (await f.list<Cluster>(CLUSTERS)).every((c) => Boolean(c.status?.agent?.lastSeen)),
    true,
  );
  return f;
}

const bdClusters = async (f: TestFleet) =>
  [
    ...new Set(
      (await f.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=app')).map(
        (b) => b.metadata.labels?.['fleet.cattle.io/cluster'],
      ),
    ),
  ].sort();

/** Retarget to prod only: us-1 is no longer targeted. */
async function retarget(f: TestFleet): Promise<void> {
  await f.patch(GITREPOS, WS, 'app', {
    spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
  });
}

describe('orphaned BundleDeployments after a target edit', () => {
  it('legacy: they linger until the cluster checks in, and the GitRepo status counts them meanwhile', async () => {
    const f = await converge('legacy');
    const lastSeen = Date.parse((await f.get<Cluster>(CLUSTERS, WS, 'us-1'))!.status!.agent!.lastSeen!);
    await retarget(f);
    // The job runs and the Bundles change: their status drops us-1 at once (targets-based).
    await f.settle(
      async () =>
        (await f.list<Bundle>(BUNDLES, 'fleet.cattle.io/repo-name=app')).map(
          (b) => b.status?.display?.readyClusters,
        ),
      ['2/2', '2/2'],
    );
    // Still there a few minutes later, and still counted by the GitRepo (#3437).
    await f.clock.advance(5 * 60_000);
    expect(await bdClusters(f)).toEqual(['eu-1', 'eu-2', 'us-1']);
    await f.settle(
      async () => (await f.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.display?.readyBundleDeployments,
      '6/6',
      { stepMs: 100 },
    );
    expect(f.clock.now()).toBeLessThan(lastSeen + CHECKIN);
    expect(names(await f.list(BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/cluster=us-1'))).toEqual([
      `${clusterNamespaceName(WS, 'us-1')}/app-a`,
      `${clusterNamespaceName(WS, 'us-1')}/app-b`,
    ]);
    // The next check-in runs the Cluster reconcile, which deletes them.
    await f.clock.advance(lastSeen + CHECKIN - f.clock.now() - 1_000);
    expect(await bdClusters(f)).toEqual(['eu-1', 'eu-2', 'us-1']);
    await f.settle(() => bdClusters(f), ['eu-1', 'eu-2'], { stepMs: 500 });
    expect(f.clock.now()).toBeGreaterThanOrEqual(lastSeen + CHECKIN);
    await f.settle(
      async () => (await f.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.display?.readyBundleDeployments,
      '4/4',
    );
    await f.settle(
      () => Promise.resolve(f.fleet.uninstalled.filter((u) => u.includes('/us-1/')).sort()),
      [`${WS}/us-1/app-a`, `${WS}/us-1/app-b`],
    );
  });

  it('legacy: a Cluster event (a label edit) also runs the cleanup, without waiting for the check-in', async () => {
    const f = await converge('legacy');
    const start = f.clock.now();
    // us-1 leaves the prod-only targets through its own labels: the Cluster reconcile prunes.
    await f.patch(GITREPOS, WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
    await f.settle(
      async () =>
        (await f.list<Bundle>(BUNDLES, 'fleet.cattle.io/repo-name=app')).map(
          (b) => b.status?.display?.readyClusters,
        ),
      ['2/2', '2/2'],
    );
    expect(await bdClusters(f)).toEqual(['eu-1', 'eu-2', 'us-1']);
    await f.patch(CLUSTERS, WS, 'us-1', { metadata: { labels: { team: 'x' } } });
    await f.settle(() => bdClusters(f), ['eu-1', 'eu-2'], { stepMs: 250 });
    expect(f.clock.now() - start).toBeLessThan(CHECKIN);
  });

  it('prompt: they are gone within one reconcile of the job, long before any check-in', async () => {
    const f = await converge('prompt');
    const start = f.clock.now();
    await retarget(f);
    await f.settle(() => bdClusters(f), ['eu-1', 'eu-2'], { stepMs: 250 });
    // Job delay (1 s) plus a few steps: nowhere near the 15-minute check-in interval.
    expect(f.clock.now() - start).toBeLessThan(10_000);
    await f.settle(
      async () => (await f.get<GitRepo>(GITREPOS, WS, 'app'))?.status?.display?.readyBundleDeployments,
      '4/4',
      { stepMs: 250 },
    );
    expect(f.clock.now() - start).toBeLessThan(20_000);
  });
});
