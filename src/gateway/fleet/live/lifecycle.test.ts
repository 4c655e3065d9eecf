/**
 * The cleanup histogram and the removal events of subscriptions date a removal the same way
 * (rules/still-targeted.ts `removalOf`): whatever doomed the deployment, both report one latency.
 */
import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import type { BundleDeploymentRecord, ClusterRecord } from '../../store/records.js';
import { aCluster, aDeployment, aGitRepo, aGitRepoBundle } from '../../../../test/support/fleet-builders.js';
import { FakeStore } from '../../../../test/support/fake-store.js';
import { EventEngine, type BundleDeploymentEvent } from './events/engine.js';
import { LIFECYCLE_BUCKETS, observeLifecycle } from './lifecycle.js';
import { ConsistencyTracker } from './tracker.js';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const edge = aCluster({ name: 'edge', labels: { env: 'prod' } });
const repo = aGitRepo({ name: 'app', targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }] });
const bundle = aGitRepoBundle({
  name: 'app-a',
  repoName: 'app',
  gitTargets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
});
const relabelled = aCluster({ name: 'edge', labels: { env: 'dev' } });
const bdOn = (cluster: ClusterRecord) => aDeployment({ bundle, cluster, repoName: 'app' });

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new FakeStore(clock);
  const tracker = new ConsistencyTracker({ clock });
  const flushes: (() => void)[] = [];
  const engine = new EventEngine({
    source: store,
    clock,
    tracker,
    replayBuffer: 100,
    subscriberQueue: 100,
    schedule: (f) => flushes.push(f),
  });
  engine.start();
  const registry = new Registry();
  const histogram = <L extends string>(name: string, labelNames: L[]) =>
    new Histogram<L>({ name, help: name, labelNames, buckets: LIFECYCLE_BUCKETS, registers: [registry] });
  const cleanup = histogram('cleanup_seconds', ['workspace', 'reason']);
  const refresh = () => void tracker.update(store.snapshot());
  stops.push(
    observeLifecycle(
      { store, tracker, refresh, clock },
      {
        cleanup,
        retargetBundles: histogram('retarget_bundles_seconds', ['workspace']),
        retargetCleanup: histogram('retarget_cleanup_seconds', ['workspace']),
      },
    ),
  );
  stops.push(() => engine.stop());
  // The initial load: both deployments targeted, nothing stale.
  store.put(repo, 1);
  store.put(prod, 2);
  store.put(edge, 3);
  store.put(bundle, 4);
  store.put(bdOn(prod), 5);
  store.put(bdOn(edge), 6);
  store.synced = true;
  refresh();
  /** Builds the subscription events and brings the tracker up to date (one turn of the loop). */
  const settle = () => {
    for (const f of flushes.splice(0)) f();
    refresh();
  };
  settle();
  /** The cleanup histogram's observations, by reason: count and sum in seconds. */
  const observed = async () =>
    (await cleanup.get()).values
      .filter((v) => v.metricName === 'cleanup_seconds_sum' || v.metricName === 'cleanup_seconds_count')
      .map((v) => [v.metricName?.replace('cleanup_seconds_', ''), v.labels.reason, v.value])
      .sort();
  return { clock, store, engine, settle, refresh, observed };
}

async function first(it: AsyncIterator<BundleDeploymentEvent>): Promise<BundleDeploymentEvent> {
  const r = await it.next();
  if (r.done) throw new Error('no event');
  return r.value;
}

describe('cleanup latency: one reading for the histogram and the subscription', () => {
  it('after a Cluster relabel the histogram and the removal event report the same latency', async () => {
    const { clock, store, engine, settle, observed } = setup();
    const sub = engine.bundleDeploymentEvents({ types: ['REMOVED'] });
    // Long after the Bundle's targets were last written: only the relabel can date the orphan.
    await clock.advance(600_000);
    const t0 = clock.now();
    // The relabel un-targets edge; Fleet removes its deployment before the gateway's tracker runs,
    // so no stale finding ever dates it: only the relabel does.
    store.put(relabelled, 10);
    await clock.advance(42_000);
    store.remove(bdOn(edge), 11);
    settle();
    const e = await first(sub);
    expect(e.removal).toEqual({ reason: 'TARGET_REMOVED', orphanedSince: t0, cleanupLatencyMs: 42_000 });
    await expect.poll(observed).toEqual([
      ['count', 'TARGET_REMOVED', 1],
      ['sum', 'TARGET_REMOVED', 42],
    ]);
  });

  it('an orphan the tracker saw stale is dated by its finding in both', async () => {
    const { clock, store, engine, settle, observed } = setup();
    const sub = engine.bundleDeploymentEvents({ types: ['REMOVED'] });
    store.put(relabelled, 10);
    settle();
    await clock.advance(900_000);
    store.remove(bdOn(edge), 11);
    settle();
    expect((await first(sub)).removal?.cleanupLatencyMs).toBe(900_000);
    await expect.poll(observed).toEqual([
      ['count', 'TARGET_REMOVED', 1],
      ['sum', 'TARGET_REMOVED', 900],
    ]);
  });

  it('a deleted Bundle dates its deployments by the deletion in both', async () => {
    const { clock, store, engine, settle, observed } = setup();
    const sub = engine.bundleDeploymentEvents({ types: ['REMOVED'] });
    store.remove(bundle, 10);
    await clock.advance(3_000);
    store.remove(bdOn(prod), 11);
    store.remove(bdOn(edge), 12);
    settle();
    const events = [await first(sub), await first(sub)];
    expect(events.map((e) => [e.removal?.reason, e.removal?.cleanupLatencyMs])).toEqual([
      ['BUNDLE_DELETED', 3_000],
      ['BUNDLE_DELETED', 3_000],
    ]);
    await expect.poll(observed).toEqual([
      ['count', 'BUNDLE_DELETED', 2],
      ['sum', 'BUNDLE_DELETED', 6],
    ]);
  });

  it('a deployment removed while still targeted is no cleanup: UNKNOWN event, no observation', async () => {
    const { clock, store, engine, settle, observed } = setup();
    const sub = engine.bundleDeploymentEvents({ types: ['REMOVED'] });
    store.remove(bdOn(prod) satisfies BundleDeploymentRecord, 10);
    settle();
    expect((await first(sub)).removal?.reason).toBe('UNKNOWN');
    // A later orphan's cleanup shows the histogram's pass has run past the first removal.
    store.put(relabelled, 11);
    await clock.advance(1_000);
    store.remove(bdOn(edge), 12);
    settle();
    expect((await first(sub)).removal?.cleanupLatencyMs).toBe(1_000);
    await expect.poll(observed).toEqual([
      ['count', 'TARGET_REMOVED', 1],
      ['sum', 'TARGET_REMOVED', 1],
    ]);
  });
});
