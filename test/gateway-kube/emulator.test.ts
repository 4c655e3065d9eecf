/**
 * The watch layer and store against the project's Kubernetes API emulator over HTTP, with its
 * fault injection: resume without relist, bookmarks, 410 as HTTP status and as in-stream ERROR
 * with deletes missed while disconnected, 5xx/429 backoff, silent watches, outage, and convergence
 * to the API server's truth under churn.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { SystemClock } from '../../src/shared/clock.js';
import type { ChangeEvent, Store } from '../../src/gateway/store/store.js';
import { createStore } from '../../src/gateway/store/store.js';
import { startWatching, type Watching } from '../../src/gateway/store/watching.js';
import type { Reflector } from '../../src/gateway/kube/reflector.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const G = { group: 'fleet.cattle.io', version: 'v1alpha1', plural: 'bundledeployments' };
const TUNING = {
  timeoutSeconds: 30,
  watchdogMarginMs: 1_000,
  minReconnectDelayMs: 5,
  maxReconnectDelayMs: 50,
  backoff: { initialMs: 10, maxMs: 100 },
};
const CLUSTER_NS = ['cluster-a', 'cluster-b', 'cluster-c'];

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
        'fleet.cattle.io/cluster': ns.replace('cluster-', ''),
        'fleet.cattle.io/cluster-namespace': 'fleet-default',
      },
    },
    spec: { deploymentID: `s-${name}:1` },
    status: { display: { state } },
  } as KubeObject;
}

interface Env {
  t: TestApiServer;
  store: Store;
  events: ChangeEvent[];
  w: Watching;
  api: CustomObjectsApi;
  bdReflector: Reflector;
}

let env: Env | undefined;
afterEach(async () => {
  await env?.w.stop();
  await env?.t.stop();
  env = undefined;
});

async function setup(
  opts: {
    objects?: number;
    historySize?: number;
    tuning?: Partial<typeof TUNING>;
    namespaces?: string[];
  } = {},
) {
  const t = await startTestApiServer({ fleet: true, bookmarkIntervalMs: 100, historySize: opts.historySize });
  t.server.seed(CLUSTER_NS.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  const n = opts.objects ?? 6;
  t.server.seed(
    Array.from({ length: n }, (_, i) => bd(CLUSTER_NS[i % 3]!, `b${String(i).padStart(2, '0')}`)),
  );
  const store = createStore({ clock: new SystemClock() });
  const events: ChangeEvent[] = [];
  store.subscribe((e) => events.push(e));
  const w = startWatching({
    kubeConfig: t.kubeConfig,
    namespaces: opts.namespaces,
    store,
    tuning: { ...TUNING, ...opts.tuning, pageSize: 4 },
  });
  const api = t.kubeConfig.makeApiClient(CustomObjectsApi);
  const bdReflector = w.reflectors.find((r) => r.kind === 'BundleDeployment')!;
  env = { t, store, events, w, api, bdReflector };
  await w.ready;
  return env;
}

async function create(api: CustomObjectsApi, o: KubeObject) {
  return (await api.createNamespacedCustomObject({
    ...G,
    namespace: o.metadata.namespace!,
    body: o,
  })) as KubeObject;
}
async function remove(api: CustomObjectsApi, ns: string, name: string) {
  await api.deleteNamespacedCustomObject({ ...G, namespace: ns, name });
}

/** The API server's truth, by a fresh list: `ns/name@resourceVersion`, sorted. */
async function truth(api: CustomObjectsApi): Promise<string[]> {
  const list = (await api.listClusterCustomObject(G)) as { items: KubeObject[] };
  return list.items
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort();
}
const cached = (store: Store) =>
  store
    .snapshot()
    .list('BundleDeployment')
    .map((r) => `${r.key}@${r.resourceVersion}`)
    .sort();

describe('watching the emulator', () => {
  it('becomes ready with every kind synced and the store equal to a fresh list', async () => {
    const { w, store, api } = await setup({ objects: 10 });
    expect(w.isReady()).toBe(true);
    expect(w.status().every((s) => s.synced && s.healthy)).toBe(true);
    expect(cached(store)).toEqual(await truth(api));
    expect(
      store
        .snapshot()
        .list('Namespace')
        .map((n) => n.name),
    ).toEqual(expect.arrayContaining(['cluster-a', 'fleet-default', 'fleet-local']));
    expect(w.status().find((s) => s.kind === 'BundleDeployment')).toMatchObject({ objects: 10, relists: 0 });
  });

  it('scoped to workspaces, selects BundleDeployments by their bundle-namespace label', async () => {
    const { store, api } = await setup({ objects: 3, namespaces: ['fleet-default'] });
    const foreign = bd('cluster-a', 'foreign');
    foreign.metadata.labels!['fleet.cattle.io/bundle-namespace'] = 'fleet-local';
    await create(api, foreign);
    await create(api, bd('cluster-b', 'own'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-b/own')).toBeDefined();
    expect(store.snapshot().get('BundleDeployment', 'cluster-a/foreign')).toBeUndefined();
    expect(store.snapshot().list('BundleDeployment')).toHaveLength(4);
  });

  it('resumes after the server ends watches, without relisting', async () => {
    const { t, store, api, bdReflector } = await setup();
    await expect.poll(() => t.server.faults.endWatches({ resource: 'bundledeployments' })).toBeGreaterThan(0);
    await create(api, bd('cluster-a', 'after-end'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-a/after-end')).toBeDefined();
    await expect.poll(() => bdReflector.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(bdReflector.stats()).toMatchObject({ lists: 1, relists: 0 });
  });

  it('advances its resourceVersion from bookmarks while its kind is quiet', async () => {
    const { t, bdReflector } = await setup();
    const before = bdReflector.stats().resourceVersion;
    // Changes to another kind move the server's resourceVersion; only bookmarks tell the BD watch.
    t.server.seed([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } }]);
    await expect.poll(() => bdReflector.stats().resourceVersion).toBe(t.server.resourceVersion);
    expect(bdReflector.stats().resourceVersion).not.toBe(before);
  });

  for (const mode of ['status', 'event'] as const) {
    it(`relists on 410 (${mode}) and reports deletes missed while disconnected`, async () => {
      const { t, store, api, events, bdReflector } = await setup();
      // Keep the BD watch down while objects change, then make its resume fail with 410.
      t.server.faults.failRequests({ status: 503, match: { verb: 'watch', resource: 'bundledeployments' } });
      t.server.faults.endWatches({ resource: 'bundledeployments' });
      await expect.poll(() => bdReflector.currentState).toBe('backoff');
      await remove(api, 'cluster-a', 'b00');
      await remove(api, 'cluster-b', 'b01');
      await create(api, bd('cluster-c', 'newcomer'));
      t.server.faults.clear();
      t.server.faults.goneOnNextWatch({ resource: 'bundledeployments', mode });
      await expect.poll(() => cached(store)).toEqual(await truth(api));
      expect(bdReflector.stats().relists).toBe(1);
      const deletes = events.filter((e) => e.type === 'DELETED');
      expect(deletes.map((e) => [e.key, e.viaRelist])).toEqual([
        ['cluster-a/b00', true],
        ['cluster-b/b01', true],
      ]);
      expect(deletes[0]!.before?.name).toBe('b00');
      expect(events.find((e) => e.key === 'cluster-c/newcomer')).toMatchObject({
        type: 'ADDED',
        viaRelist: true,
      });
    });
  }

  it('relists when its resourceVersion fell out of the server history', async () => {
    const { t, store, api, events, bdReflector } = await setup({ historySize: 3 });
    t.server.faults.failRequests({ status: 500, match: { verb: 'watch', resource: 'bundledeployments' } });
    t.server.faults.endWatches({ resource: 'bundledeployments' });
    await expect.poll(() => bdReflector.currentState).toBe('backoff');
    for (let i = 0; i < 5; i++) await create(api, bd('cluster-a', `churn-${i}`));
    await remove(api, 'cluster-b', 'b01');
    t.server.faults.clear();
    await expect.poll(() => cached(store)).toEqual(await truth(api));
    expect(bdReflector.stats().relists).toBeGreaterThanOrEqual(1);
    expect(events.find((e) => e.type === 'DELETED' && e.key === 'cluster-b/b01')?.viaRelist).toBe(true);
  });

  it('backs off on 500 and 429 and recovers', async () => {
    const { t, store, api, bdReflector } = await setup();
    t.server.faults.failRequests({
      status: 500,
      count: 2,
      match: { verb: 'watch', resource: 'bundledeployments' },
    });
    t.server.faults.failRequests({
      status: 429,
      count: 1,
      retryAfterSeconds: 0,
      match: { verb: 'watch', resource: 'bundledeployments' },
    });
    t.server.faults.endWatches({ resource: 'bundledeployments' });
    await expect.poll(() => bdReflector.stats().errors).toEqual({ watch_http_500: 2, watch_http_429: 1 });
    await create(api, bd('cluster-b', 'recovered'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-b/recovered')).toBeDefined();
    expect(bdReflector.stats().relists).toBe(0);
  });

  it('reconnects a silent watch through the watchdog', async () => {
    const { t, store, api, bdReflector } = await setup({
      tuning: { timeoutSeconds: 1, watchdogMarginMs: 300 },
    });
    t.server.faults.silenceWatches({ resource: 'bundledeployments' });
    await create(api, bd('cluster-a', 'unheard'));
    await expect
      .poll(() => bdReflector.stats().errors.watchdog ?? 0, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(1);
    t.server.faults.clear();
    await expect
      .poll(() => store.snapshot().get('BundleDeployment', 'cluster-a/unheard'), { timeout: 5_000 })
      .toBeDefined();
  });

  it('abandons a watch whose response never starts, through the watchdog', async () => {
    const { t, store, api, bdReflector } = await setup({
      tuning: { timeoutSeconds: 1, watchdogMarginMs: 300 },
    });
    t.server.faults.delayResponses(2_500, { verb: 'watch', resource: 'bundledeployments' });
    t.server.faults.endWatches({ resource: 'bundledeployments' });
    await expect
      .poll(() => bdReflector.stats().errors.watchdog ?? 0, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(1);
    t.server.faults.clear();
    await create(api, bd('cluster-b', 'after-delay'));
    await expect
      .poll(() => store.snapshot().get('BundleDeployment', 'cluster-b/after-delay'), { timeout: 5_000 })
      .toBeDefined();
    expect(bdReflector.stats().relists).toBe(0);
  });

  it('reports an outage as unhealthy and recovers after it', async () => {
    const { t, w, store, api } = await setup();
    t.server.faults.outage();
    await expect.poll(() => w.status().every((s) => !s.healthy)).toBe(true);
    expect(w.status().every((s) => s.synced)).toBe(true); // data stays served meanwhile
    t.server.faults.clear();
    await expect.poll(() => w.status().every((s) => s.healthy)).toBe(true);
    await create(api, bd('cluster-c', 'post-outage'));
    await expect.poll(() => store.snapshot().get('BundleDeployment', 'cluster-c/post-outage')).toBeDefined();
  });

  it('converges to the API server truth with no lost deletes under churn and faults', async () => {
    const { t, store, api, events, w } = await setup({ objects: 12, historySize: 20 });
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    const faults = t.server.faults;
    const injections = [
      () => faults.endWatches(),
      () => faults.failRequests({ status: 500, count: 2, match: { resource: 'bundledeployments' } }),
      () => faults.failRequests({ status: 429, count: 1, retryAfterSeconds: 0, match: { verb: 'watch' } }),
      () => faults.goneOnNextWatch({ resource: 'bundledeployments', mode: rand(2) ? 'status' : 'event' }),
      () => {
        faults.failRequests({ status: 503, match: { verb: 'watch', resource: 'bundledeployments' } });
        faults.endWatches({ resource: 'bundledeployments' });
      },
      () => faults.clear(),
    ];
    const live = new Set((await truth(api)).map((k) => k.split('@')[0]!));
    for (let round = 0; round < 8; round++) {
      injections[rand(injections.length)]!();
      for (let i = 0; i < 8; i++) {
        const ns = CLUSTER_NS[rand(3)]!;
        const name = `c${rand(15)}`;
        const key = `${ns}/${name}`;
        try {
          if (live.has(key)) {
            await remove(api, ns, name);
            live.delete(key);
          } else {
            await create(api, bd(ns, name, rand(2) ? 'Ready' : 'NotReady'));
            live.add(key);
          }
        } catch {
          // A write hit an injected failure; the truth is re-read at the end.
        }
      }
      const status = () => w.status().find((s) => s.kind === 'BundleDeployment')!;
      await expect
        .poll(async () => status().state === 'backoff' || cached(store).join() === (await truth(api)).join())
        .toBe(true);
    }
    faults.clear();
    await expect.poll(() => cached(store), { timeout: 10_000 }).toEqual(await truth(api));
    // The faults did hit the BD watch: it reconnected and relisted along the way.
    const bdStatus = w.status().find((s) => s.kind === 'BundleDeployment')!;
    expect(bdStatus.restarts).toBeGreaterThan(0);
    expect(bdStatus.relists).toBeGreaterThan(0);
    const lastType = new Map<string, string>();
    for (const e of events) if (e.kind === 'BundleDeployment') lastType.set(e.key, e.type);
    const present = new Set((await truth(api)).map((k) => k.split('@')[0]!));
    for (const [key, type] of lastType) expect(type === 'DELETED').toBe(!present.has(key));
  });
});
