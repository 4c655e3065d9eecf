import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../shared/clock.js';
import {
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
} from '../../../../../test/support/fleet-builders.js';
import { FakeStore } from '../../../../../test/support/fake-store.js';
import { ConsistencyTracker } from '../tracker.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { EventEngine, type BundleDeploymentEvent, type EventEngineObserver } from './engine.js';

const WS = 'fleet-default';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const allTargets = aGitRepoBundle({ name: 'app-a', repoName: 'app', gitTargets: [{ clusterSelector: {} }] });
const prodOnly = aGitRepoBundle({
  name: 'app-a',
  repoName: 'app',
  gitTargets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
});
const bd = (cluster: typeof prod, state: 'Ready' | 'NotReady' = 'Ready') =>
  aDeployment({ bundle: allTargets, cluster, repoName: 'app', state });

function setup(
  opts: { replayBuffer?: number; subscriberQueue?: number; observer?: EventEngineObserver } = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new FakeStore(clock);
  const tracker = new ConsistencyTracker({ clock });
  const flushes: (() => void)[] = [];
  const engine = new EventEngine({
    source: store,
    clock,
    tracker,
    replayBuffer: opts.replayBuffer ?? 100,
    subscriberQueue: opts.subscriberQueue ?? 100,
    schedule: (f) => flushes.push(f),
    observer: opts.observer,
  });
  engine.start();
  // The initial load: state, not events.
  store.put(aGitRepo({ name: 'app' }), 1);
  store.put(prod, 2);
  store.put(dev, 3);
  store.put(allTargets, 4);
  store.put(bd(prod), 5);
  store.put(bd(dev), 6);
  store.synced = true;
  tracker.update(store.snapshot());
  const settle = () => {
    for (const f of flushes.splice(0)) f();
    tracker.update(store.snapshot());
  };
  settle();
  return { clock, store, tracker, engine, settle };
}

/** Everything queued so far, without waiting for more. */
async function drain<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

const brief = (e: BundleDeploymentEvent) => [
  e.type,
  e.bundleDeployment?.clusterName ?? null,
  e.state ?? null,
];

describe('EventEngine: BundleDeployment events', () => {
  it('does not report the initial load, then reports ADDED, UPDATED, TERMINATING, REMOVED in order', async () => {
    const { store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({});
    expect(engine.stats().buffered).toBe(0);
    const fresh = aCluster({ name: 'fresh', labels: { env: 'dev' } });
    store.put(fresh, 7);
    store.put(bd(fresh, 'NotReady'), 8);
    store.put(bd(fresh, 'Ready'), 9);
    store.put({ ...bd(fresh, 'Ready'), deletionTimestamp: '2026-01-01T00:00:01Z' }, 10);
    store.remove(bd(fresh), 11);
    settle();
    const got = await drain(sub, 4);
    expect(got.map(brief)).toEqual([
      ['ADDED', 'fresh', 'NotReady'],
      ['UPDATED', 'fresh', 'Ready'],
      ['TERMINATING', 'fresh', 'Ready'],
      ['REMOVED', 'fresh', 'Ready'],
    ]);
    expect(got.map((e) => e.previousState ?? null)).toEqual([null, 'NotReady', 'Ready', 'Ready']);
    expect(got.map((e) => decodeCursor(e.cursor).rv)).toEqual([8n, 9n, 10n, 11n]);
  });

  it('a retarget gives REMOVED with TARGET_REMOVED, orphaned since the tracker first saw it stale', async () => {
    const { clock, store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({ types: ['REMOVED'] });
    const t0 = clock.now();
    store.put(prodOnly, 20);
    settle();
    await clock.advance(900_000);
    store.remove(bd(dev), 21);
    settle();
    const [e] = await drain(sub, 1);
    expect(e!.removal).toEqual({ reason: 'TARGET_REMOVED', orphanedSince: t0, cleanupLatencyMs: 900_000 });
    expect(e!.bundleDeployment?.clusterName).toBe('dev');
  });

  it('a deleted Bundle gives BUNDLE_DELETED, timed from the deletion the gateway saw', async () => {
    const { clock, store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({ cluster: 'prod' });
    const t0 = clock.now();
    store.remove(allTargets, 30);
    await clock.advance(2_000);
    store.remove(bd(prod), 31);
    settle();
    const [e] = await drain(sub, 1);
    expect(e!.removal).toEqual({ reason: 'BUNDLE_DELETED', orphanedSince: t0, cleanupLatencyMs: 2_000 });
  });

  it('resumes after a cursor with exactly the missed events, and asks to resync past the buffer', async () => {
    const { store, engine, settle } = setup({ replayBuffer: 3 });
    const first = engine.bundleDeploymentEvents({});
    const watcher = engine.bundleDeploymentEvents({});
    for (let i = 0; i < 3; i++) store.put(bd(prod, i % 2 ? 'Ready' : 'NotReady'), 40 + i);
    settle();
    const seen = await drain(first, 3);
    await first.return!();
    store.put(bd(dev, 'NotReady'), 50);
    store.put(bd(dev, 'Ready'), 51);
    settle();
    const all = await drain(watcher, 5);
    const resumed = engine.bundleDeploymentEvents({}, seen[1]!.cursor);
    const missed = await drain(resumed, 3);
    expect(missed.map((e) => e.cursor)).toEqual(all.slice(2).map((e) => e.cursor));
    expect(missed.map(brief)).toEqual([
      ['UPDATED', 'prod', 'NotReady'],
      ['UPDATED', 'dev', 'NotReady'],
      ['UPDATED', 'dev', 'Ready'],
    ]);
    // The buffer holds 3; the first event's position has been evicted.
    const expired = engine.bundleDeploymentEvents({}, seen[0]!.cursor);
    const [resync] = await drain(expired, 1);
    expect(resync!.type).toBe('RESYNC_REQUIRED');
    expect(() => engine.bundleDeploymentEvents({}, 'not-a-cursor')).toThrow(/not an event cursor/);
  });

  it('a cursor from a replica that is ahead delivers only what follows it', async () => {
    const { store, engine, settle } = setup();
    const ahead = engine.bundleDeploymentEvents({}, encodeCursor({ epoch: 0, rv: 61n, index: 0 }));
    store.put(bd(prod, 'NotReady'), 60);
    store.put(bd(prod, 'Ready'), 61);
    store.put(bd(dev, 'NotReady'), 62);
    settle();
    const [e] = await drain(ahead, 1);
    expect(decodeCursor(e!.cursor).rv).toBe(62n);
  });

  it('a cursor whose position holds another change here (another order or history) resumes with RESYNC_REQUIRED', async () => {
    const { store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({});
    store.remove(bd(dev), 70, true);
    store.remove(bd(prod), 70, true);
    settle();
    const [first, second] = await drain(sub, 2);
    // The same positions with the objects swapped, as a replica whose relist ordered them otherwise has them.
    const swapped = (e: BundleDeploymentEvent, uid: string) => encodeCursor(decodeCursor(e.cursor), uid);
    const [resync] = await drain(
      engine.bundleDeploymentEvents({}, swapped(first!, second!.bundleDeployment!.uid)),
      1,
    );
    expect(resync!.type).toBe('RESYNC_REQUIRED');
    // The cursor as this replica issued it replays exactly what follows.
    const [next] = await drain(engine.bundleDeploymentEvents({}, first!.cursor), 1);
    expect(next!.cursor).toBe(second!.cursor);
  });

  it('a cursor ahead of ours that turns out to name another change yields RESYNC_REQUIRED, then the events', async () => {
    const { store, engine, settle } = setup();
    const ahead = engine.bundleDeploymentEvents(
      {},
      encodeCursor({ epoch: 0, rv: 61n, index: 0 }, 'uid-elsewhere'),
    );
    store.put(bd(prod, 'NotReady'), 60);
    store.put(bd(prod, 'Ready'), 61);
    settle();
    const got = await drain(ahead, 2);
    expect(got.map((e) => e.type)).toEqual(['RESYNC_REQUIRED', 'UPDATED']);
    expect(decodeCursor(got[1]!.cursor).rv).toBe(61n);
  });

  it('the history is replaced: old cursors resync, new ones resume in the new epoch', async () => {
    const { store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({});
    store.put(bd(prod, 'NotReady'), 60);
    settle();
    const [old] = await drain(sub, 1);
    engine.historyReplaced();
    store.put(bd(dev, 'NotReady'), 7);
    store.put(bd(dev, 'Ready'), 8);
    settle();
    const [told, ...fresh] = await drain(sub, 3);
    // Connected through it: told to re-read (no list shows what the new history did before it).
    expect(told!.type).toBe('RESYNC_REQUIRED');
    expect(fresh.map((e) => [decodeCursor(e.cursor).epoch, decodeCursor(e.cursor).rv])).toEqual([
      [1, 7n],
      [1, 8n],
    ]);
    const [resync] = await drain(engine.bundleDeploymentEvents({}, old!.cursor), 1);
    expect(resync!.type).toBe('RESYNC_REQUIRED');
    const [next] = await drain(engine.bundleDeploymentEvents({}, fresh[0]!.cursor), 1);
    expect(next!.cursor).toBe(fresh[1]!.cursor);
  });

  it('deletions found by one relist share its resourceVersion and get distinct, ordered cursors', async () => {
    const { clock, store, engine, settle } = setup();
    const sub = engine.bundleDeploymentEvents({});
    // A targets edit that still selects every cluster: it dooms nothing, so it dates nothing.
    store.put(
      aGitRepoBundle({ name: 'app-a', repoName: 'app', gitTargets: [{ name: 'any', clusterSelector: {} }] }),
      69,
    );
    await clock.advance(60_000);
    store.remove(bd(dev), 70, true);
    store.remove(bd(prod), 70, true);
    settle();
    const got = await drain(sub, 2);
    expect(got.map((e) => [decodeCursor(e.cursor).rv, decodeCursor(e.cursor).index])).toEqual([
      [70n, 0],
      [70n, 1],
    ]);
    expect(got.every((e) => e.viaRelist && e.removal?.reason === 'TARGET_REMOVED')).toBe(false);
    expect(got.map((e) => e.removal?.reason)).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect(got.map((e) => e.removal?.cleanupLatencyMs)).toEqual([0, 0]);
  });

  it('filters by workspace, cluster group and state; identical filters share one group', async () => {
    const { store, engine, settle } = setup();
    store.put(aGroup({ name: 'prods', selector: { matchLabels: { env: 'prod' } } }), 79);
    const a = engine.bundleDeploymentEvents({ workspace: WS, clusterGroup: 'prods', states: ['NotReady'] });
    const b = engine.bundleDeploymentEvents({ states: ['NotReady'], clusterGroup: 'prods', workspace: WS });
    const other = engine.bundleDeploymentEvents({ workspace: 'elsewhere' });
    expect(engine.stats().groups).toBe(2);
    store.put(bd(dev, 'NotReady'), 80);
    store.put(bd(prod, 'Ready'), 81);
    store.put(bd(prod, 'NotReady'), 82);
    settle();
    const [ea] = await drain(a, 1);
    const [eb] = await drain(b, 1);
    expect(brief(ea!)).toEqual(['UPDATED', 'prod', 'NotReady']);
    expect(eb).toBe(ea);
    await other.return!();
    expect(engine.stats().groups).toBe(1);
  });

  it('every filter field selects a removal by the last known deployment, even once its cluster is gone', async () => {
    const { store, engine, settle } = setup();
    store.put(aGroup({ name: 'devs', selector: { matchLabels: { env: 'dev' } } }), 90);
    const filters = {
      all: { types: ['REMOVED'] },
      gitRepo: { gitRepo: 'app', types: ['REMOVED'] },
      workspace: { workspace: WS, gitRepo: 'app', bundle: 'app-a', types: ['REMOVED'] },
      cluster: { cluster: 'dev', types: ['REMOVED'] },
      clusterGroup: { clusterGroup: 'devs', types: ['REMOVED'] },
      groupInWorkspace: { workspace: WS, clusterGroup: 'devs', states: ['Ready'], types: ['REMOVED'] },
    } as const;
    const subs = Object.entries(filters).map(
      ([name, f]) => [name, engine.bundleDeploymentEvents(f)] as const,
    );
    const none = engine.bundleDeploymentEvents({ clusterGroup: 'devs', cluster: 'prod', types: ['REMOVED'] });
    // The Cluster goes first (its namespace and deployments follow), as when Rancher deletes it.
    store.remove(dev, 91);
    store.remove(bd(dev), 92);
    store.put(bd(prod, 'NotReady'), 93);
    settle();
    for (const [name, sub] of subs) {
      // Events are queued synchronously by settle(): one not there by the next turn never came.
      const e = await Promise.race([
        sub.next().then((r) => r.value),
        new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
      ]);
      expect([name, ...(e ? brief(e) : ['nothing']), e?.removal?.reason]).toEqual([
        name,
        'REMOVED',
        'dev',
        'Ready',
        'CLUSTER_DELETED',
      ]);
    }
    await none.return!();
    expect(engine.stats().buffered).toBe(2);
  });

  it('cuts off a subscriber that falls behind, without holding more than its queue, and keeps the others', async () => {
    const { store, engine, settle } = setup({ subscriberQueue: 5 });
    const overflowed: string[] = [];
    const stuck = engine.bundleDeploymentEvents({}, undefined, {
      onOverflow: (e) => overflowed.push(e.code),
    });
    const reader = engine.bundleDeploymentEvents({});
    const got: BundleDeploymentEvent[] = [];
    for (let i = 0; i < 20; i++) {
      store.put(bd(prod, i % 2 ? 'Ready' : 'NotReady'), 100 + i);
      settle();
      expect(engine.stats().deepestQueue).toBeLessThanOrEqual(6);
      got.push(...(await drain(reader, 1)));
    }
    expect(got).toHaveLength(20);
    expect(overflowed).toEqual(['SUBSCRIBER_TOO_SLOW']);
    await expect(stuck.next()).rejects.toThrow(/fell 6 events behind/);
    expect(engine.stats().subscribers).toBe(1);
  });
});

describe('EventEngine: what it reports to metrics', () => {
  it('counts events lost by a subscriber it cuts off, values coalesced, and live queue depths', async () => {
    const dropped: [string, number][] = [];
    const coalesced: string[] = [];
    const queues = new Map<string, () => number>();
    const observer: EventEngineObserver = {
      dropped: (field, n = 1) => void dropped.push([field, n]),
      coalesced: (field) => void coalesced.push(field),
      watchQueue: (field, depth) => {
        queues.set(field, depth);
        return () => void queues.delete(field);
      },
    };
    const { store, engine, settle } = setup({ subscriberQueue: 3, observer });
    const stuck = engine.bundleDeploymentEvents({});
    for (let i = 0; i < 3; i++) {
      store.put(bd(prod, i % 2 ? 'Ready' : 'NotReady'), 100 + i);
      settle();
    }
    expect(queues.get('bundleDeploymentEvents')?.()).toBe(3);
    for (let i = 3; i < 6; i++) {
      store.put(bd(prod, i % 2 ? 'Ready' : 'NotReady'), 100 + i);
      settle();
    }
    // Capacity 4 (queue + 1): the fifth event cuts it off, losing the four queued and itself.
    expect(dropped).toEqual([['bundleDeploymentEvents', 5]]);
    expect(queues.has('bundleDeploymentEvents')).toBe(false);
    await expect(stuck.next()).rejects.toThrow(/behind/);

    const repo = engine.objectChanges('GitRepo', WS, 'app');
    for (let i = 0; i < 3; i++) store.put(aGitRepo({ name: 'app', labels: { n: String(i) } }), 200 + i);
    settle();
    expect(coalesced).toEqual(['gitRepoChanged', 'gitRepoChanged']);
    await repo.return?.();
  });
});

describe('EventEngine: objects and inconsistencies', () => {
  it('coalesces a GitRepo per subscriber: a slow reader gets the newest, never a stale one', async () => {
    const { store, engine, settle } = setup();
    // A change already in the initial value is not delivered twice.
    const initial = aGitRepo({ name: 'app', labels: { n: 'initial' } });
    store.put(initial, 199);
    const sub = engine.objectChanges('GitRepo', WS, 'app', {
      record: initial,
      observedAt: 0,
      resourceVersion: '199',
    });
    expect((await drain(sub, 1))[0]!.record?.labels).toEqual({ n: 'initial' });
    const waiting = sub.next();
    settle();
    store.put(aGitRepo({ name: 'app', labels: { n: 'next' } }), 200);
    settle();
    expect((await waiting).value?.record?.labels).toEqual({ n: 'next' });
    // Not read for a while: only the newest is kept.
    for (let i = 0; i < 5; i++) store.put(aGitRepo({ name: 'app', labels: { n: String(i) } }), 201 + i);
    settle();
    const [latest] = await drain(sub, 1);
    expect(latest!.record?.labels).toEqual({ n: '4' });
    store.remove(aGitRepo({ name: 'app' }), 210);
    settle();
    expect(await drain(sub, 2)).toEqual([expect.objectContaining({ record: undefined })]);
  });

  it('passes on the tracker findings appearing and clearing, filtered by cluster', async () => {
    const { clock, store, engine, settle } = setup();
    const sub = engine.inconsistencyEvents({ cluster: 'dev', kinds: ['STALE_DEPLOYMENT'] });
    store.put(prodOnly, 300);
    settle();
    await clock.advance(5_000);
    store.remove(bd(dev), 301);
    settle();
    const got = await drain(sub, 2);
    expect(got.map((e) => [e.type, e.inconsistency.cluster?.name, e.ageMs])).toEqual([
      ['APPEARED', 'dev', 0],
      ['CLEARED', 'dev', 5_000],
    ]);
  });
});
