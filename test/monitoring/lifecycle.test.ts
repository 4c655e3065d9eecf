/**
 * The BundleDeployment lifecycle histograms against the simulated Fleet on a ManualClock, scraped
 * over HTTP. After a retarget that drops a cluster, `legacy` cleanup (Fleet ≤ v0.12.0) leaves the
 * orphans until the cluster's next agent check-in, 15 simulated minutes later (rancher/fleet#3437),
 * so the cleanup observations land in the minutes buckets; `prompt` cleanup (v0.12.3+) removes
 * them in the bundle reconcile that applies the new targets: the seconds buckets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import {
  createAppGitRepo,
  createThreeClusters,
  startEmptySimulation,
  startSyncedGateway,
  STEP_DELAYS,
} from '../gateway/simulated.js';
import { metric, scrape, sample } from './support.js';

const WS = 'fleet-default';
const CHECK_IN_MS = 15 * 60_000;

let sim: Simulation | undefined;
let gw: Gateway | undefined;

afterEach(async () => {
  await gw?.stop();
  await sim?.stop();
  gw = undefined;
  sim = undefined;
});

/** A simulated Fleet with three clusters and a GitRepo of two Bundles deployed to all of them. */
async function converged(cleanup: 'prompt' | 'legacy') {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({ cleanup, clock, fleet: STEP_DELAYS });
  const g = await startSyncedGateway(sim, { clock });
  gw = g;
  const kube = new FleetWriter(sim.kubeConfig);
  await createThreeClusters(kube);
  await createAppGitRepo(kube);
  /** The GitRepo's BundleDeployments (the agent bundles' are not its). */
  const deployments = async (): Promise<number> =>
    (
      await run<{ gitRepo: { bundleDeployments: { totalCount: number } } | null }>(
        g.url,
        '{ gitRepo(namespace: "fleet-default", name: "app") { bundleDeployments { totalCount } } }',
      )
    )?.gitRepo?.bundleDeployments.totalCount as number;
  /** Moves simulated time in steps until `fn` gives what is expected. */
  const settle = async (fn: () => Promise<unknown>, expected: unknown, stepMs = 1_000) =>
    expect
      .poll(
        async () => {
          await clock.advance(stepMs);
          return await fn();
        },
        { timeout: 15_000, interval: 10 },
      )
      .toEqual(expected);
  await settle(deployments, 6);
  // Every agent checks in once, so the next check-in is a whole interval away.
  await settle(
    async () =>
      (
        await run<{ clusters: { edges: { node: { lastSeen: string | null } }[] } }>(
          g.url,
          '{ clusters { edges { node { lastSeen } } } }',
        )
      ).clusters.edges.every((e) => e.node.lastSeen !== null),
    true,
    5_000,
  );
  const retarget = () =>
    kube.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
  return { g, clock, settle, retarget, deployments };
}

async function run<T>(url: string, query: string): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return ((await r.json()) as { data: T }).data;
}

const cleanupBucket = (text: string, le: string) =>
  sample(text, 'fleet_graph_bundledeployment_cleanup_seconds_bucket', {
    le,
    workspace: WS,
    reason: 'TARGET_REMOVED',
  });

describe('BundleDeployment lifecycle metrics', () => {
  it('legacy: the orphans stay stale until the check-in, and their cleanup lands in the minutes buckets', async () => {
    const { g, clock, settle, retarget, deployments } = await converged('legacy');
    await retarget();
    const stale = () => metric(g, 'fleet_graph_inconsistencies', { workspace: WS, kind: 'STALE_DEPLOYMENT' });
    await settle(stale, 2);
    // The Bundles carry the new targets within the simulated job's delay.
    const afterEdit = await scrape(g);
    expect(sample(afterEdit, 'fleet_graph_gitrepo_retarget_bundles_seconds_count', { workspace: WS })).toBe(
      1,
    );
    expect(
      sample(afterEdit, 'fleet_graph_gitrepo_retarget_bundles_seconds_bucket', { le: '10', workspace: WS }),
    ).toBe(1);
    // Not observed while an orphan remains.
    expect(
      sample(afterEdit, 'fleet_graph_gitrepo_retarget_cleanup_seconds_count', { workspace: WS }),
    ).toBeUndefined();
    await clock.advance(5 * 60_000);
    expect(await stale()).toBe(2);
    expect(
      await metric(g, 'fleet_graph_inconsistency_oldest_age_seconds', {
        workspace: WS,
        kind: 'STALE_DEPLOYMENT',
      }),
    ).toBeGreaterThanOrEqual(300);
    // The cluster's next check-in runs Fleet's legacy cleanup.
    await clock.advance(CHECK_IN_MS - 5 * 60_000);
    await settle(stale, 0, 5_000);
    expect(await deployments()).toBe(4);
    const text = await scrape(g);
    // Orphaned for most of a check-in interval: more than 10 min, at most 20 min.
    expect([cleanupBucket(text, '600'), cleanupBucket(text, '1200')]).toEqual([0, 2]);
    expect(sample(text, 'fleet_graph_gitrepo_retarget_cleanup_seconds_count', { workspace: WS })).toBe(1);
    expect(
      sample(text, 'fleet_graph_gitrepo_retarget_cleanup_seconds_bucket', { le: '600', workspace: WS }),
    ).toBe(0);
  });

  it('prompt: the orphans go within the reconcile that applies the new targets (seconds buckets)', async () => {
    const { g, settle, retarget, deployments } = await converged('prompt');
    await retarget();
    await settle(deployments, 4, 250);
    const text = await scrape(g);
    expect(
      sample(text, 'fleet_graph_bundledeployment_cleanup_seconds_count', {
        workspace: WS,
        reason: 'TARGET_REMOVED',
      }),
    ).toBe(2);
    expect(cleanupBucket(text, '2')).toBe(2);
    expect(
      sample(text, 'fleet_graph_gitrepo_retarget_cleanup_seconds_bucket', { le: '10', workspace: WS }),
    ).toBe(1);
  });
});
