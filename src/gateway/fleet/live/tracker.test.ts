import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterRecord,
  FleetRecord,
} from '../../store/records.js';
import { allFindings } from '../rules/consistency.js';
import {
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { ConsistencyTracker, followChanges } from './tracker.js';
import type { ChangedRecord, InconsistencyEvent } from './tracker.js';
import { FleetView } from '../rules/view.js';

/** A mutable fleet: records by kind/key, snapshots with increasing revisions. */
class Fleet {
  private readonly records = new Map<string, FleetRecord>();
  private revision = 0;
  changed: ChangedRecord[] = [];
  constructor(records: FleetRecord[]) {
    for (const r of records) this.records.set(`${r.kind}|${r.key}`, r);
  }
  put(r: FleetRecord) {
    const before = this.records.get(`${r.kind}|${r.key}`);
    this.records.set(`${r.kind}|${r.key}`, r);
    this.changed.push({ kind: r.kind, key: r.key, before, after: r });
  }
  remove(r: FleetRecord) {
    this.records.delete(`${r.kind}|${r.key}`);
    this.changed.push({ kind: r.kind, key: r.key, before: r });
  }
  snapshot() {
    return snapshotOf([...this.records.values()], { revision: ++this.revision });
  }
  take(): ChangedRecord[] {
    const c = this.changed;
    this.changed = [];
    return c;
  }
  all(): FleetRecord[] {
    return [...this.records.values()];
  }
}

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const bundleFor = (env: string) =>
  aGitRepoBundle({
    name: 'app-web',
    repoName: 'app',
    gitTargets: [{ clusterSelector: { matchLabels: { env } } }],
  });

describe('ConsistencyTracker', () => {
  it('stamps firstSeenAt, keeps it while the finding persists, and reports the age when it clears', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const tracker = new ConsistencyTracker({ clock });
    const events: InconsistencyEvent[] = [];
    tracker.subscribe((e) => events.push(e));
    const bd = aDeployment({ bundle: bundleFor('prod'), cluster: prod });
    const fleet = new Fleet([prod, dev, bundleFor('prod'), bd]);
    expect(tracker.update(fleet.snapshot())).toEqual([]);

    // Retarget to dev: the prod BD becomes stale, the dev one is missing.
    fleet.put(bundleFor('dev'));
    await clock.advance(1000);
    tracker.update(fleet.snapshot(), fleet.take());
    expect(events.map((e) => [e.type, e.inconsistency.kind, e.ageMs])).toEqual([
      ['APPEARED', 'MISSING_DEPLOYMENT', 0],
      ['APPEARED', 'STALE_DEPLOYMENT', 0],
    ]);
    expect(tracker.current().every((f) => f.firstSeenAt === t0 + 1000)).toBe(true);

    await clock.advance(5000);
    expect(tracker.update(fleet.snapshot(), fleet.take())).toEqual([]);
    expect(tracker.firstSeenAt(`stale:${prod.clusterNamespace}/app-web`)).toBe(t0 + 1000);

    // Fleet catches up: the orphan goes, the new BD arrives.
    fleet.remove(bd);
    fleet.put(aDeployment({ bundle: bundleFor('dev'), cluster: dev }));
    await clock.advance(4000);
    events.length = 0;
    tracker.update(fleet.snapshot(), fleet.take());
    expect(events.map((e) => [e.type, e.inconsistency.kind, e.ageMs, e.at])).toEqual([
      ['CLEARED', 'MISSING_DEPLOYMENT', 9000, t0 + 10_000],
      ['CLEARED', 'STALE_DEPLOYMENT', 9000, t0 + 10_000],
    ]);
    expect(tracker.current()).toEqual([]);
    expect(tracker.revision).toBe(4);
  });

  it('a throwing listener does not stop the others; unsubscribe stops delivery', () => {
    const errors: unknown[] = [];
    const tracker = new ConsistencyTracker({
      clock: new ManualClock(),
      onListenerError: (e) => errors.push(e),
    });
    const got: string[] = [];
    tracker.subscribe(() => {
      throw new Error('bad listener');
    });
    const stop = tracker.subscribe((e) => got.push(e.inconsistency.id));
    tracker.update(snapshotOf([prod, bundleFor('prod')]));
    expect(got).toEqual(['missing:fleet-default/app-web@fleet-default/prod']);
    expect(errors).toHaveLength(1);
    stop();
    tracker.update(snapshotOf([prod]));
    expect(got).toHaveLength(1);
  });

  it('incremental updates agree with a full recompute over a random sequence of changes', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const envs = ['prod', 'dev', 'qa'];
    const clusters = Array.from({ length: 8 }, (_, i) =>
      aCluster({ name: `c${i}`, labels: { env: envs[i % 3]! } }),
    );
    const bundles = Array.from({ length: 5 }, (_, i) =>
      aGitRepoBundle({
        name: `app${i % 2}-b${i}`,
        repoName: `app${i % 2}`,
        gitTargets: [{ clusterSelector: { matchLabels: { env: envs[i % 3]! } } }],
      }),
    );
    const fleet = new Fleet([
      ...clusters,
      ...bundles,
      aGitRepo({ name: 'app0' }),
      aGitRepo({ name: 'app1' }),
      aGroup({ name: 'g', selector: { matchLabels: { env: 'qa' } } }),
    ]);
    const tracker = new ConsistencyTracker({ clock: new ManualClock() });
    tracker.update(fleet.snapshot());
    for (let step = 0; step < 150; step++) {
      const records = fleet.all();
      const pick = <T extends FleetRecord>(kind: T['kind']) => records.filter((r): r is T => r.kind === kind);
      switch (rand(5)) {
        case 0: {
          const b = pick<BundleRecord>('Bundle')[rand(5)];
          if (b)
            fleet.put(
              aGitRepoBundle({
                name: b.name,
                repoName: b.repoName!,
                gitTargets: [
                  rand(2)
                    ? { clusterGroup: 'g' }
                    : { clusterSelector: { matchLabels: { env: envs[rand(3)]! } } },
                ],
              }),
            );
          break;
        }
        case 1: {
          const b = pick<BundleRecord>('Bundle')[rand(5)];
          const c = clusters[rand(clusters.length)]!;
          if (b) fleet.put(aDeployment({ bundle: b, cluster: c, state: rand(2) ? 'Ready' : 'NotReady' }));
          break;
        }
        case 2: {
          const bds = pick<BundleDeploymentRecord>('BundleDeployment');
          const bd = bds[rand(bds.length + 1)];
          if (bd) fleet.remove(bd);
          break;
        }
        case 3: {
          const c = pick<ClusterRecord>('Cluster')[rand(clusters.length)];
          // A relabel, or an agent check-in that only moves lastSeen.
          if (c && rand(2)) fleet.put(aCluster({ name: c.name, labels: { env: envs[rand(3)]! } }));
          else if (c)
            fleet.put({ ...c, lastSeen: `2026-01-01T00:${String(step % 60).padStart(2, '0')}:00Z` });
          break;
        }
        case 4: {
          const n = rand(3);
          fleet.put(
            aGitRepo({
              name: `app${rand(2)}`,
              status: { readyClusters: n, desiredReadyClusters: n, summary: { ready: n, desiredReady: n } },
            }),
          );
          break;
        }
      }
      const snap = fleet.snapshot();
      tracker.update(snap, fleet.take());
      expect(tracker.current().map((f) => f.id)).toEqual(allFindings(new FleetView(snap)).map((f) => f.id));
    }
  });

  it('handles a few thousand BundleDeployments; a one-BD change recomputes only its scopes', () => {
    const clusters = Array.from({ length: 50 }, (_, i) =>
      aCluster({
        name: `c${String(i).padStart(3, '0')}`,
        labels: { env: i % 2 ? 'prod' : 'dev', idx: String(i) },
      }),
    );
    const records: FleetRecord[] = [...clusters];
    for (let r = 0; r < 20; r++) {
      records.push(aGitRepo({ name: `repo${r}` }));
      for (let b = 0; b < 5; b++) {
        const bundle = aGitRepoBundle({
          name: `repo${r}-b${b}`,
          repoName: `repo${r}`,
          gitTargets: [{ clusterSelector: {} }],
        });
        records.push(bundle);
        for (const c of clusters) records.push(aDeployment({ bundle, cluster: c }));
      }
    }
    const fleet = new Fleet(records);
    const tracker = new ConsistencyTracker({ clock: new ManualClock() });
    let t = performance.now();
    tracker.update(fleet.snapshot());
    const fullMs = performance.now() - t;
    const mismatches = tracker.current().length; // GitRepo status was never reported: 5000 BDs vs 0
    expect(mismatches).toBe(20 * 4);

    const victim = records.find((r): r is BundleDeploymentRecord => r.kind === 'BundleDeployment')!;
    fleet.remove(victim);
    const snap = fleet.snapshot();
    t = performance.now();
    const events = tracker.update(snap, fleet.take());
    const incMs = performance.now() - t;
    expect(events.map((e) => e.inconsistency.kind)).toEqual(['MISSING_DEPLOYMENT']);
    console.info(
      `ConsistencyTracker with 5000 BDs: full update ${fullMs.toFixed(1)} ms, one-BD incremental ${incMs.toFixed(1)} ms`,
    );
    expect(incMs).toBeLessThan(fullMs);

    // An agent check-in (only lastSeen moves) re-targets nothing.
    const c = clusters[0]!;
    fleet.put({ ...c, lastSeen: '2026-01-01T00:15:00Z' });
    const afterCheckIn = fleet.snapshot();
    t = performance.now();
    expect(tracker.update(afterCheckIn, fleet.take())).toEqual([]);
    const checkInMs = performance.now() - t;
    console.info(`ConsistencyTracker: agent check-in update ${checkInMs.toFixed(1)} ms`);
    expect(checkInMs).toBeLessThan(fullMs);

    // A relabel re-targets the workspace's Bundles (targets are {} here, so nothing changes).
    fleet.put(aCluster({ name: c.name, labels: { env: 'qa' } }));
    const afterRelabel = fleet.snapshot();
    t = performance.now();
    expect(tracker.update(afterRelabel, fleet.take())).toEqual([]);
    console.info(`ConsistencyTracker: cluster relabel update ${(performance.now() - t).toFixed(1)} ms`);
  });
});

describe('followChanges', () => {
  it('does a full update at once, then one incremental update per batch of changes', () => {
    const fleet = new Fleet([prod, bundleFor('prod')]);
    let snap = fleet.snapshot();
    const listeners: ((c: ChangedRecord) => void)[] = [];
    const flushes: (() => void)[] = [];
    const tracker = new ConsistencyTracker({ clock: new ManualClock() });
    const stop = followChanges(
      tracker,
      { snapshot: () => snap, subscribe: (l) => (listeners.push(l), () => listeners.splice(0)) },
      { schedule: (f) => flushes.push(f) },
    );
    expect(tracker.current().map((f) => f.kind)).toEqual(['MISSING_DEPLOYMENT']);

    const bd = aDeployment({ bundle: bundleFor('prod'), cluster: prod });
    fleet.put(bd);
    fleet.put(dev);
    snap = fleet.snapshot();
    for (const c of fleet.take()) for (const l of listeners) l(c);
    expect(flushes).toHaveLength(1); // two changes, one scheduled update
    flushes.shift()!();
    expect(tracker.current()).toEqual([]);
    expect(tracker.revision).toBe(snap.revision);

    stop();
    expect(listeners).toEqual([]);
  });

  it('recovers with a full update after a failed one', () => {
    const errors: unknown[] = [];
    const tracker = new ConsistencyTracker({ clock: new ManualClock() });
    let snap = snapshotOf([prod]);
    let l: ((c: ChangedRecord) => void) | undefined;
    const flushes: (() => void)[] = [];
    followChanges(
      tracker,
      { snapshot: () => snap, subscribe: (x) => ((l = x), () => undefined) },
      {
        schedule: (f) => flushes.push(f),
        onError: (e) => errors.push(e),
      },
    );
    const broken = {
      ...snap,
      list: () => {
        throw new Error('boom');
      },
    } as typeof snap;
    snap = broken;
    l!({ kind: 'Cluster', key: 'fleet-default/prod' });
    flushes.shift()!();
    expect(errors).toHaveLength(1);
    snap = snapshotOf([prod, bundleFor('prod')], { revision: 9 });
    l!({ kind: 'GitRepo', key: 'fleet-default/unrelated' });
    flushes.shift()!();
    // A full recompute found the Bundle although the last change did not name it.
    expect(tracker.current().map((f) => f.kind)).toEqual(['MISSING_DEPLOYMENT']);
  });
});
