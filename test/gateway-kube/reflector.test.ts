/**
 * The reflector and store against a small node:http Kubernetes API (fake-apiserver.ts), over
 * client-node's real HTTP transport: paging, resume, bookmarks, 410 in both forms, backoff,
 * watchdog, single flight, readiness and convergence under churn.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { SystemClock } from '../../src/shared/clock.js';
import { KubeClient } from '../../src/gateway/kube/client.js';
import { Reflector, type StateChange } from '../../src/gateway/kube/reflector.js';
import type { ChangeEvent, Store } from '../../src/gateway/store/store.js';
import { createStore } from '../../src/gateway/store/store.js';
import { startWatching, type Watching } from '../../src/gateway/store/watching.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';

const BDS = 'bundledeployments';
const FAST = {
  timeoutSeconds: 30,
  watchdogMarginMs: 1_000,
  minReconnectDelayMs: 5,
  maxReconnectDelayMs: 50,
  backoff: { initialMs: 10, maxMs: 100 },
};

function bd(ns: string, name: string, state = 'Ready'): KubeObject {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: {
      name,
      namespace: ns,
      labels: {
        'fleet.cattle.io/bundle-name': name,
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
        'fleet.cattle.io/cluster': ns,
        'fleet.cattle.io/cluster-namespace': 'fleet-default',
      },
    },
    spec: { deploymentID: `s-${name}:1` },
    status: { display: { state } },
  } as KubeObject;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(objects = 0) {
  const api = await startFakeApiServer();
  cleanups.push(() => api.stop());
  for (let i = 0; i < objects; i++) api.put(BDS, bd(`cluster-${i % 3}`, `b${String(i).padStart(3, '0')}`));
  const store = createStore({ clock: new SystemClock() });
  const events: ChangeEvent[] = [];
  store.subscribe((e) => events.push(e));
  return { api, store, events };
}

function reflect(
  api: FakeApiServer,
  store: Store,
  tuning: Partial<typeof FAST> & {
    pageSize?: number;
    progressIntervalMs?: number;
    progressGraceMs?: number;
  } = {},
) {
  const r = new Reflector({
    ...FAST,
    ...tuning,
    client: new KubeClient(api.kubeConfig()),
    kind: 'BundleDeployment',
    sink: store,
  });
  cleanups.push(() => r.stop());
  r.start();
  return r;
}

const keysIn = (store: Store) =>
  store
    .snapshot()
    .list('BundleDeployment')
    .map((r) => `${r.key}@${r.resourceVersion}`)
    .sort();
const keysOf = (api: FakeApiServer) =>
  api
    .list(BDS)
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort();

describe('reflector', () => {
  it('lists in pages from the first page snapshot, then watches from the list resourceVersion', async () => {
    const { api, store } = await setup(25);
    const r = reflect(api, store, { pageSize: 10 });
    await r.synced;
    expect(r.isSynced).toBe(true);
    expect(store.snapshot().list('BundleDeployment')).toHaveLength(25);
    const lists = api.requests.filter((q) => !q.watch && q.path.endsWith(BDS));
    expect(lists.map((q) => q.query.get('limit'))).toEqual(['10', '10', '10']);
    expect(lists[0]!.query.get('continue')).toBeNull();
    expect(lists[1]!.query.get('continue')).toBeTruthy();
    await expect.poll(() => api.watches(BDS).length).toBe(1);
    const w = api.watches(BDS)[0]!;
    expect(w.query.get('resourceVersion')).toBe(r.stats().resourceVersion);
    expect(w.query.get('allowWatchBookmarks')).toBe('true');
    expect(w.query.get('timeoutSeconds')).toBe('30');
  });

  it('resumes from the last resourceVersion after a clean close, without relisting', async () => {
    const { api, store, events } = await setup(3);
    const r = reflect(api, store);
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    const added = api.put(BDS, bd('cluster-0', 'late'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-0/late')).toBeDefined();
    api.faults.endWatches();
    await expect.poll(() => api.watches(BDS).length).toBe(2);
    expect(api.watches(BDS)[1]!.query.get('resourceVersion')).toBe(added.metadata.resourceVersion);
    api.remove(BDS, 'cluster-0', 'late');
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-0/late')).toBeUndefined();
    expect(api.lists(BDS)).toBe(1);
    expect(r.stats()).toMatchObject({ lists: 1, relists: 0, restarts: 1 });
    expect(events.filter((e) => e.viaRelist && e.type !== 'ADDED')).toEqual([]);
  });

  it('advances the resourceVersion on BOOKMARK and resumes from it', async () => {
    const { api, store } = await setup(1);
    const r = reflect(api, store);
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    const before = r.stats().resourceVersion;
    api.bookmark();
    await expect.poll(() => r.stats().resourceVersion).not.toBe(before);
    const bookmarked = r.stats().resourceVersion;
    api.faults.endWatches();
    await expect.poll(() => api.watches(BDS).length).toBe(2);
    expect(api.watches(BDS)[1]!.query.get('resourceVersion')).toBe(bookmarked);
  });

  for (const mode of ['http', 'stream'] as const) {
    it(`relists on 410 (${mode}) and emits synthetic deletes for what vanished meanwhile`, async () => {
      const { api, store, events } = await setup(6);
      const r = reflect(api, store);
      await r.synced;
      await expect.poll(() => api.openWatches(BDS)).toBe(1);
      api.faults.outage(true);
      api.remove(BDS, 'cluster-0', 'b000');
      api.remove(BDS, 'cluster-1', 'b001');
      api.put(BDS, bd('cluster-2', 'b002', 'NotReady'));
      api.put(BDS, bd('cluster-2', 'fresh'));
      api.faults.compact(mode);
      await expect.poll(() => r.currentState).toBe('backoff');
      api.faults.outage(false);
      await expect.poll(() => keysIn(store)).toEqual(keysOf(api));
      expect(r.stats().relists).toBe(1);
      const relisted = events.filter((e) => e.viaRelist && e.type !== 'ADDED');
      expect(relisted.filter((e) => e.type === 'DELETED').map((e) => e.key)).toEqual([
        'cluster-0/b000',
        'cluster-1/b001',
      ]);
      expect(relisted.filter((e) => e.type === 'MODIFIED').map((e) => e.key)).toEqual(['cluster-2/b002']);
      expect(events.find((e) => e.key === 'cluster-2/fresh')).toMatchObject({
        type: 'ADDED',
        viaRelist: true,
      });
      const deleted = events.find((e) => e.type === 'DELETED' && e.key === 'cluster-0/b000')!;
      expect(deleted.before?.name).toBe('b000');
      expect(deleted.after).toBeUndefined();
    });
  }

  it('backs off on 500 and 429, counts errors by reason, and recovers', async () => {
    const { api, store } = await setup(1);
    const r = reflect(api, store);
    const states: StateChange[] = [];
    r.on('state', (s: StateChange) => states.push(s));
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    api.faults.failRequests(2, 500, 'watch');
    api.faults.failRequests(1, 429, 'watch');
    api.faults.endWatches();
    await expect.poll(() => r.stats().errors).toEqual({ watch_http_500: 2, watch_http_429: 1 });
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    expect(states.filter((s) => s.to === 'backoff').map((s) => s.reason)).toEqual([
      'watch_http_500',
      'watch_http_500',
      'watch_http_429',
    ]);
    await expect.poll(() => r.currentState).toBe('watching');
    api.put(BDS, bd('cluster-9', 'after'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-9/after')).toBeDefined();
    expect(api.lists(BDS)).toBe(1);
  });

  it('keeps retrying a failing initial list and becomes synced once it succeeds', async () => {
    const { api, store } = await setup(2);
    api.faults.failRequests(3, 500, 'list');
    const r = reflect(api, store);
    await r.synced;
    expect(r.stats().errors).toEqual({ list_http_500: 3 });
    expect(store.snapshot().list('BundleDeployment')).toHaveLength(2);
  });

  it('aborts a silent watch after timeoutSeconds + margin and reconnects', async () => {
    const { api, store } = await setup(1);
    const r = reflect(api, store, { timeoutSeconds: 1, watchdogMarginMs: 200 });
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    api.faults.silenceWatches(true);
    api.faults.endWatches();
    await expect.poll(() => r.stats().errors.watchdog ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    api.faults.silenceWatches(false);
    api.put(BDS, bd('cluster-1', 'heard'));
    await expect
      .poll(() => store.snapshot().get('BundleDeployment', 'cluster-1/heard'), { timeout: 5_000 })
      .toBeDefined();
    expect(api.lists(BDS)).toBe(1);
  });

  it('progress probe: a silent watch lags from the probe that saw the server ahead until it catches up; failed probes are not lags', async () => {
    const { api, store } = await setup(2);
    const r = reflect(api, store, { progressIntervalMs: 20, progressGraceMs: 20 });
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    // A failing probe says nothing about the watch: counted, not a lag.
    api.faults.failRequests(2, 500, 'list', BDS);
    await expect.poll(() => r.stats().errors.progress_http_500 ?? 0).toBe(2);
    expect(r.stats().laggingSince).toBeUndefined();
    // The watch goes silent (reconnected onto a stream that never writes); the server moves on.
    const watchesBefore = api.watches(BDS).length;
    api.faults.silenceWatches(true);
    api.faults.endWatches();
    await expect.poll(() => api.watches(BDS).length).toBeGreaterThan(watchesBefore);
    const before = Date.now();
    api.put(BDS, bd('cluster-1', 'unheard'));
    // Before a lag counts, a one-second check watch from the held version must fail to end cleanly
    // (a quiet kind's would): about two seconds plus the grace on this silenced server.
    await expect.poll(() => r.stats().laggingSince, { timeout: 6_000 }).toBeDefined();
    expect(r.stats().laggingSince).toBeGreaterThanOrEqual(before);
    expect(r.stats().errors.watch_lagging).toBe(1);
    expect(store.snapshot().get('BundleDeployment', 'cluster-1/unheard')).toBeUndefined();
    // The stream is cut; the resumed watch delivers the change and the lag ends, without a relist.
    api.faults.silenceWatches(false);
    api.faults.endWatches();
    await expect.poll(() => r.stats().laggingSince, { timeout: 2_000 }).toBeUndefined();
    expect(store.snapshot().get('BundleDeployment', 'cluster-1/unheard')).toBeDefined();
    // Caught up by the resumed watch: the reflector listed once (the probes are list requests too).
    expect(r.stats().lists).toBe(1);
    expect(r.stats().probes).toBeGreaterThan(2);
  });

  it('does not hot-loop when watches close at once: the reconnect delay grows', async () => {
    const { api, store } = await setup(1);
    const r = reflect(api, store, { minReconnectDelayMs: 20, maxReconnectDelayMs: 400 });
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    api.faults.closeWatchesAtOnce(true);
    const start = Date.now();
    const before = api.watches(BDS).length;
    api.faults.endWatches();
    await expect.poll(() => api.watches(BDS).length - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    // 8 reconnects at ≥ 20 ms each, most of them longer as the delay grows: never a tight loop.
    expect(Date.now() - start).toBeGreaterThanOrEqual(8 * 20);
    expect(r.stats().lists).toBe(1);
    api.faults.closeWatchesAtOnce(false);
    api.put(BDS, bd('cluster-0', 'settled'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-0/settled')).toBeDefined();
  });

  it('does not hot-loop list and watch when every watch answers 410', async () => {
    const { api, store } = await setup(2);
    const r = reflect(api, store, { minReconnectDelayMs: 20, maxReconnectDelayMs: 400 });
    await r.synced;
    api.faults.goneAlways(true);
    const start = Date.now();
    api.faults.endWatches();
    await expect.poll(() => r.stats().lists, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    expect(Date.now() - start).toBeGreaterThanOrEqual(5 * 20);
    api.faults.goneAlways(false);
    api.put(BDS, bd('cluster-1', 'calm'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-1/calm')).toBeDefined();
  });

  it('is single flight: start twice, one connection; stop closes it', async () => {
    const { api, store } = await setup(1);
    const r = reflect(api, store);
    r.start();
    r.start();
    await r.synced;
    await expect.poll(() => api.openWatches(BDS)).toBe(1);
    expect(api.lists(BDS)).toBe(1);
    await r.stop();
    expect(r.currentState).toBe('stopped');
    await expect.poll(() => api.openWatches(BDS)).toBe(0);
  });
});

describe('startWatching', () => {
  function watch(api: FakeApiServer, store: Store, namespaces?: string[]): Watching {
    const w = startWatching({ kubeConfig: api.kubeConfig(), namespaces, store, tuning: FAST });
    cleanups.push(() => w.stop());
    return w;
  }

  it('is ready only after every kind synced', async () => {
    const { api, store } = await setup(2);
    api.put('clusters', {
      metadata: { name: 'c1', namespace: 'fleet-default' },
      spec: {},
      status: { namespace: 'cluster-1' },
    } as KubeObject);
    api.put('namespaces', { metadata: { name: 'fleet-default' } });
    api.faults.failRequests(1_000_000, 500, 'list', 'bundles');
    const w = watch(api, store);
    let resolved = false;
    void w.ready.then(() => (resolved = true));
    await expect
      .poll(() =>
        w
          .status()
          .filter((s) => s.synced)
          .map((s) => s.kind)
          .sort(),
      )
      .toEqual([
        'BundleDeployment',
        'BundleNamespaceMapping',
        'Cluster',
        'ClusterGroup',
        'GitRepo',
        'GitRepoRestriction',
        'HelmOp',
        'Namespace',
      ]);
    const bundles = w.status().find((s) => s.kind === 'Bundle')!;
    expect(bundles.synced).toBe(false);
    expect(bundles.errors.list_http_500).toBeGreaterThan(0);
    expect(w.isReady()).toBe(false);
    expect(resolved).toBe(false);
    expect(store.syncState().Bundle.synced).toBe(false);
    expect(store.syncState().Cluster).toMatchObject({ synced: true, objects: 1 });
    api.faults.clearFailures();
    await w.ready;
    expect(w.isReady()).toBe(true);
    expect(Object.values(store.syncState()).every((s) => s.synced)).toBe(true);
  });

  it('watches only the listed workspaces: one scope per workspace, BundleDeployments by bundle-namespace label', async () => {
    const { api, store } = await setup(0);
    const ws = (name: string, ns: string) =>
      ({
        metadata: { name, namespace: ns },
        spec: {},
        status: { namespace: `cluster-${name}` },
      }) as KubeObject;
    api.put('clusters', ws('c1', 'ws-a'));
    api.put('clusters', ws('c2', 'ws-b'));
    api.put('clusters', ws('c3', 'ws-c'));
    const inWorkspace = (ns: string, name: string, workspace: string) => {
      const o = bd(ns, name);
      o.metadata.labels!['fleet.cattle.io/bundle-namespace'] = workspace;
      return o;
    };
    api.put(BDS, inWorkspace('cluster-c1', 'app', 'ws-a'));
    api.put(BDS, inWorkspace('cluster-c2', 'app', 'ws-b'));
    api.put(BDS, inWorkspace('cluster-c3', 'app', 'ws-c'));
    api.put('namespaces', { metadata: { name: 'ws-a' } });
    api.put('namespaces', { metadata: { name: 'other' } });
    const w = watch(api, store, ['ws-a', 'ws-b']);
    await w.ready;
    const snap = store.snapshot();
    expect(snap.list('Cluster').map((c) => c.key)).toEqual(['ws-a/c1', 'ws-b/c2']);
    expect(snap.list('BundleDeployment').map((r) => r.key)).toEqual(['cluster-c1/app', 'cluster-c2/app']);
    expect(snap.list('Namespace')).toHaveLength(2);
    expect(
      w
        .status()
        .find((s) => s.kind === 'Cluster')!
        .scopes.map((s) => s.namespace),
    ).toEqual(['ws-a', 'ws-b']);
    const bdScopes = w.status().find((s) => s.kind === 'BundleDeployment')!.scopes;
    expect(bdScopes.map((s) => [s.namespace, s.labelSelector])).toEqual([
      [undefined, 'fleet.cattle.io/bundle-namespace in (ws-a,ws-b)'],
    ]);
    expect(
      w
        .status()
        .find((s) => s.kind === 'Namespace')!
        .scopes.map((s) => s.namespace),
    ).toEqual([undefined]);
    api.put(BDS, inWorkspace('cluster-c3', 'ignored', 'ws-c'));
    api.put(BDS, inWorkspace('cluster-c2', 'seen', 'ws-b'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-c2/seen')).toBeDefined();
    expect(store.snapshot().get('BundleDeployment', 'cluster-c3/ignored')).toBeUndefined();
  });

  it('converges to the API server truth with no lost deletes under churn and faults', async () => {
    const { api, store, events } = await setup(30);
    const w = watch(api, store);
    await w.ready;
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    const faults = [
      () => api.faults.endWatches(),
      () => api.faults.failRequests(2, 500, 'any', BDS),
      () => api.faults.failRequests(1, 429, 'watch', BDS),
      () => api.faults.compact(rand(2) ? 'http' : 'stream'),
      () => api.faults.outage(true),
      () => api.faults.outage(false),
    ];
    for (let round = 0; round < 8; round++) {
      faults[rand(faults.length)]!();
      for (let i = 0; i < 15; i++) {
        const name = `b${String(rand(40)).padStart(3, '0')}`;
        const ns = `cluster-${rand(3)}`;
        const op = rand(3);
        if (op === 0) api.remove(BDS, ns, name);
        else api.put(BDS, bd(ns, name, op === 1 ? 'Ready' : 'NotReady'));
      }
      // Let the reflector react (catch up, or notice the fault) before the next round.
      const bdWatch = () => w.status().find((s) => s.kind === 'BundleDeployment')!;
      await expect
        .poll(() => bdWatch().state === 'backoff' || keysIn(store).join() === keysOf(api).join(), {
          timeout: 5_000,
        })
        .toBe(true);
    }
    api.faults.outage(false);
    api.faults.clearFailures();
    await expect.poll(() => keysIn(store), { timeout: 10_000 }).toEqual(keysOf(api));
    const bdStatus = w.status().find((s) => s.kind === 'BundleDeployment')!;
    expect(bdStatus.restarts + bdStatus.relists).toBeGreaterThan(0);
    // Every object the server no longer has was deleted in the store by exactly one DELETED event
    // after its last ADDED/MODIFIED.
    const lastByKey = new Map<string, string>();
    for (const e of events) lastByKey.set(e.key, e.type);
    const live = new Set(api.list(BDS).map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    for (const [key, type] of lastByKey) expect(type === 'DELETED').toBe(!live.has(key));
  });
});
