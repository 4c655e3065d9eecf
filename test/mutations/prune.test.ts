/**
 * Pruning in `legacy` cleanup mode (Fleet < v0.12.3, rancher/fleet#3437): after a target edit the
 * orphaned BundleDeployments linger until their cluster checks in. `pruneOrphanedBundleDeployments`
 * deletes exactly those (a dry run only lists them), nothing a Bundle still targets and nothing of
 * another GitRepo, and the GitRepo's status is consistent within one status cycle.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployed, startEnv, targeted, WS, type Env } from './support.js';

let env: Env;

const PRUNE = `
  mutation($dryRun: Boolean) {
    pruneOrphanedBundleDeployments(gitRepo: {namespace: "${WS}", name: "app"}, dryRun: $dryRun) {
      dryRun
      userErrors { code message }
      orphans { bundleName clusterName }
      skippedBundles { bundle reason }
    }
  }`;

const STATUS = `
  { gitRepo(namespace: "${WS}", name: "app") {
      status { display { readyBundleDeployments } }
      recomputedStatus { display { readyBundleDeployments } }
    }
    inconsistencies(gitRepo: "app") { totalCount }
  }`;

const orphanPairs = (list: { bundleName: string; clusterName: string }[]) =>
  list.map((o) => `${o.bundleName}@${o.clusterName}`).sort();

beforeAll(async () => {
  // Check-ins a day apart: the settle loops below move simulated time while they wait, and a
  // legacy check-in during them would clean the orphans up before the prune could.
  // Mutations may wait an hour for their writes to show: a prune that answers at all answered
  // because its deletions became visible, not because a wait ran out.
  env = await startEnv({
    cleanup: 'legacy',
    fleet: { checkInIntervalMs: 24 * 3_600_000 },
    writeWaitMs: 3_600_000,
  });
  for (const [name, e] of [
    ['eu-1', 'prod'],
    ['eu-2', 'prod'],
    ['us-1', 'dev'],
  ] as const)
    await env.objects.create('clusters', WS, { metadata: { name, labels: { env: e } }, spec: {} });
  for (const name of ['app', 'other'])
    await env.objects.create('gitrepos', WS, {
      metadata: { name },
      spec: {
        repo: 'https://example.com/app',
        paths: ['a', 'b'],
        targets: [{ name: 'all', clusterSelector: {} }],
      },
    });
  const all = ['eu-1', 'eu-2', 'us-1'];
  await env.settle(async () => deployed(env, 'app'), { 'app-a': all, 'app-b': all });
  await env.settle(async () => deployed(env, 'other'), { 'other-a': all, 'other-b': all });
  // Let every cluster check in once, so the next check-in (which would clean up) is a day away.
  await env.clock.advance(20_000);
  // A target edit made elsewhere (kubectl, Rancher): the BDs on us-1 are now orphans.
  await env.objects.patch('gitrepos', WS, 'app', {
    spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
  });
  const prod = ['eu-1', 'eu-2'];
  await env.settle(async () => targeted(env, 'app'), { 'app-a': prod, 'app-b': prod });
  await env.settle(async () => (await env.gql(STATUS)).inconsistencies.totalCount > 0, true);
});

afterAll(async () => {
  await env?.stop();
});

it('a dry run lists exactly the orphans and deletes nothing', async () => {
  const r = (await env.gql(PRUNE, { dryRun: true })).pruneOrphanedBundleDeployments;
  expect(r.userErrors).toEqual([]);
  expect(r.dryRun).toBe(true);
  expect(orphanPairs(r.orphans)).toEqual(['app-a@us-1', 'app-b@us-1']);
  expect(r.skippedBundles).toEqual([]);
  const all = ['eu-1', 'eu-2', 'us-1'];
  expect(await deployed(env, 'app')).toEqual({ 'app-a': all, 'app-b': all });
});

it('prunes exactly the orphans, nothing else, and the status is consistent within one status cycle', async () => {
  // Slow deletes: the first orphan is gone from the store (finalizer removed, REMOVED seen) before
  // the prune has deleted the second, so read-your-writes must accept an object already gone.
  env.sim.apiServer.faults.delayResponses(300, { verb: 'delete', resource: 'bundledeployments' });
  const r = (await env.gql(PRUNE, {})).pruneOrphanedBundleDeployments;
  env.sim.apiServer.faults.clear();
  expect(r.userErrors).toEqual([]);
  expect(orphanPairs(r.orphans)).toEqual(['app-a@us-1', 'app-b@us-1']);
  const prod = ['eu-1', 'eu-2'];
  const all = ['eu-1', 'eu-2', 'us-1'];
  // Simulated time until Fleet's GitRepo status agrees with what exists: one status cycle (3 s batching).
  const start = env.clock.now();
  await env.settle(
    async () => {
      const s = await env.gql(STATUS);
      return {
        reported: s.gitRepo.status.display.readyBundleDeployments,
        recomputed: s.gitRepo.recomputedStatus.display.readyBundleDeployments,
        inconsistencies: s.inconsistencies.totalCount,
      };
    },
    { reported: '4/4', recomputed: '4/4', inconsistencies: 0 },
    500,
  );
  // Unloaded this takes one 3 s status cycle plus a step or two; simulated time moves in steps
  // while the controllers work in real time, so the bound leaves room for a busy machine and is
  // still far below the 15-minute check-in that legacy Fleet would wait for.
  expect(env.clock.now() - start).toBeLessThanOrEqual(30_000);
  expect(await deployed(env, 'app')).toEqual({ 'app-a': prod, 'app-b': prod });
  // Another GitRepo's deployments, on the same clusters, are untouched.
  expect(await deployed(env, 'other')).toEqual({ 'other-a': all, 'other-b': all });
  // Nothing left to prune.
  const again = (await env.gql(PRUNE, { dryRun: true })).pruneOrphanedBundleDeployments;
  expect(again.orphans).toEqual([]);
});
