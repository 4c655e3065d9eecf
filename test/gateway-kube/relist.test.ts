/**
 * The reflector keeps the store equal to the API server's state after every fault that replaces or
 * hides history, against the emulator over real HTTP: 410 Gone, a version from the server's future
 * ("Too large resource version", a replaced server with a shorter history), a known key with
 * another uid and a server whose history ran past ours, and a long outage. Also the emulator's side
 * of the protocol: a watch or list from a version it never issued waits, then fails with 504.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { SystemClock } from '../../src/shared/clock.js';
import { createStore, type ChangeEvent, type Store } from '../../src/gateway/store/store.js';
import { startWatching, type Watching } from '../../src/gateway/store/watching.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { startFakeApiServer } from './fake-apiserver.js';

const FAST = {
  timeoutSeconds: 30,
  watchdogMarginMs: 5_000,
  minReconnectDelayMs: 5,
  maxReconnectDelayMs: 50,
  backoff: { initialMs: 10, maxMs: 100 },
  healthyAfterMs: 100,
};

const GROUP = { group: 'fleet.cattle.io', version: 'v1alpha1', plural: 'bundledeployments' };

function ns(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function bd(name: string, state = 'Ready'): KubeObject {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: {
      name,
      namespace: 'cluster-a',
      labels: {
        'fleet.cattle.io/bundle-name': name,
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
        'fleet.cattle.io/cluster': 'a',
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

async function server(opts: { port?: number; token?: string; names: string[]; filler?: number }) {
  const api = await startTestApiServer({
    fleet: true,
    port: opts.port ?? 0,
    ...(opts.token ? { tokens: [opts.token] } : {}),
    tooLargeWaitMs: 200,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await api.stop();
  };
  cleanups.push(stop);
  // Filler moves the resourceVersion on, so a new history can run past an old one.
  api.server.seed([
    ...Array.from({ length: opts.filler ?? 0 }, (_, i) => ns(`filler-${i}`)),
    ns('cluster-a'),
  ]);
  api.server.seed(opts.names.map((n) => bd(n)));
  return { ...api, stop };
}

function watchBDs(kubeConfig: KubeConfig, tuning: Record<string, unknown> = {}) {
  const store = createStore({ clock: new SystemClock() });
  const events: ChangeEvent[] = [];
  store.subscribe((e) => events.push(e));
  const w: Watching = startWatching({
    kubeConfig,
    store,
    kinds: ['BundleDeployment'],
    tuning: { ...FAST, ...tuning },
  });
  cleanups.push(() => w.stop());
  return { store, events, w, reflector: w.reflectors[0]! };
}

const names = (store: Store) =>
  store
    .snapshot()
    .list('BundleDeployment')
    .map((r) => r.name)
    .sort();

async function serverUids(kc: KubeConfig): Promise<Record<string, string>> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject(GROUP)) as {
    items: KubeObject[];
  };
  const out: Record<string, string> = {};
  for (const o of list.items) out[o.metadata.name ?? ''] = o.metadata.uid ?? '';
  return out;
}

const storeUids = (store: Store): Record<string, string> =>
  Object.fromEntries(
    store
      .snapshot()
      .list('BundleDeployment')
      .map((r) => [r.name, r.uid]),
  );

async function patchState(api: TestApiServer, name: string, state: string): Promise<void> {
  const res = await fetch(
    `${api.url}/apis/fleet.cattle.io/v1alpha1/namespaces/cluster-a/bundledeployments/${name}`,
    {
      method: 'PATCH',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { display: { state } } }),
    },
  );
  expect(res.status).toBe(200);
}

describe('emulator: versions it never issued', () => {
  it('answers a watch from the future with HTTP 200, one 504 ResourceVersionTooLarge ERROR, then EOF', async () => {
    const api = await server({ names: ['b1'] });
    const future = Number(api.server.resourceVersion) + 1000;
    const res = await fetch(
      `${api.url}/apis/fleet.cattle.io/v1alpha1/bundledeployments?watch=true&resourceVersion=${future}`,
      { headers: { authorization: `Bearer ${api.token}` } },
    );
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: 'ERROR',
      object: {
        kind: 'Status',
        code: 504,
        reason: 'Timeout',
        message: `Timeout: Too large resource version: ${future}, current: ${api.server.resourceVersion}`,
        details: {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        },
      },
    });
  });

  it('answers a list not older than a future version with a 504 Status', async () => {
    const api = await server({ names: ['b1'] });
    const future = Number(api.server.resourceVersion) + 1000;
    const res = await fetch(
      `${api.url}/apis/fleet.cattle.io/v1alpha1/bundledeployments?resourceVersion=${future}&resourceVersionMatch=NotOlderThan`,
      { headers: { authorization: `Bearer ${api.token}` } },
    );
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({
      code: 504,
      reason: 'Timeout',
      details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
    });
  });

  it('serves a watch from a version reached while it waits', async () => {
    const api = await server({ names: ['b1'] });
    const next = Number(api.server.resourceVersion) + 1;
    const res = fetch(
      `${api.url}/apis/fleet.cattle.io/v1alpha1/bundledeployments?watch=true&resourceVersion=${next - 1}&timeoutSeconds=1`,
      { headers: { authorization: `Bearer ${api.token}` } },
    );
    api.server.seed([bd('b2')]);
    const text = await (await res).text();
    expect(text).toContain('"type":"ADDED"');
    expect(text).not.toContain('"type":"ERROR"');
  });
});

describe('relist when the history is replaced', () => {
  it('relists on 410 and ends healthy', async () => {
    const api = await server({ names: ['b1', 'b2'] });
    const { reflector } = watchBDs(api.kubeConfig);
    await reflector.synced;
    api.server.faults.goneOnNextWatch({ resource: 'bundledeployments', mode: 'event' });
    api.server.faults.endWatches();
    await expect.poll(() => reflector.stats().lists).toBe(2);
    await expect.poll(() => reflector.stats().troubleSince).toBeUndefined();
  });

  it('a server restarted on the same port with other objects: relists from a too-large version, no ghosts', async () => {
    const old = await server({ names: ['b1', 'b2', 'b3'] });
    // Churn, so the old history is longer than the new one will be.
    for (let i = 0; i < 5; i++) await patchState(old, 'b1', `S${i}`);
    const { store, events, reflector } = watchBDs(old.kubeConfig);
    await reflector.synced;
    await expect.poll(() => names(store)).toEqual(['b1', 'b2', 'b3']);
    const oldUids = storeUids(store);
    const seen = events.length;
    await old.stop();
    await expect.poll(() => reflector.stats().troubleSince).toBeDefined();
    const fresh = await server({ port: old.server.port, token: old.token, names: ['b2', 'b4'] });
    expect(Number(fresh.server.resourceVersion)).toBeLessThan(Number(reflector.stats().resourceVersion));

    await expect.poll(() => names(store), { timeout: 10_000 }).toEqual(['b2', 'b4']);
    expect(storeUids(store)).toEqual(await serverUids(fresh.kubeConfig));
    expect(storeUids(store).b2).not.toBe(oldUids.b2);
    const errors = reflector.stats().errors;
    expect(errors.too_large_resource_version).toBeGreaterThanOrEqual(1);
    expect(errors.history_replaced).toBe(1);
    // Subscribers see the truth: b1 and b3 deleted, b2 replaced (deleted, then added), b4 added.
    const after = events.slice(seen).map((e) => `${e.type} ${e.key}${e.viaRelist ? ' (relist)' : ''}`);
    expect(after).toEqual([
      'DELETED cluster-a/b2 (relist)',
      'ADDED cluster-a/b2 (relist)',
      'ADDED cluster-a/b4 (relist)',
      'DELETED cluster-a/b1 (relist)',
      'DELETED cluster-a/b3 (relist)',
    ]);
    await expect.poll(() => reflector.stats().troubleSince).toBeUndefined();
  });

  it('a replaced server whose history ran past ours: a known key with another uid forces a relist', async () => {
    const old = await server({ names: ['b1', 'b2'] });
    const { store, reflector } = watchBDs(old.kubeConfig, { relistAfterOutageMs: 600_000 });
    await reflector.synced;
    const resumeFrom = Number(reflector.stats().resourceVersion);
    await old.stop();
    await expect.poll(() => reflector.stats().troubleSince).toBeDefined();
    // Enough filler that the new server's b1 and b3 come after the version the watch resumes from.
    const fresh = await server({
      port: old.server.port,
      token: old.token,
      names: ['b1', 'b3'],
      filler: resumeFrom,
    });
    await expect.poll(() => names(store), { timeout: 10_000 }).toEqual(['b1', 'b3']);
    expect(storeUids(store)).toEqual(await serverUids(fresh.kubeConfig));
    const errors = reflector.stats().errors;
    expect(errors.uid_changed).toBeGreaterThanOrEqual(1);
    expect(errors.too_large_resource_version).toBeUndefined();
  });

  it('relists after an outage longer than relistAfterOutageMs, instead of resuming', async () => {
    const api = await server({ names: ['b1'] });
    const { reflector } = watchBDs(api.kubeConfig, { relistAfterOutageMs: 300 });
    await reflector.synced;
    api.server.faults.outage();
    await expect.poll(() => reflector.stats().troubleSince).toBeDefined();
    const since = reflector.stats().troubleSince!;
    await expect.poll(() => Date.now() - since > 400).toBe(true);
    api.server.faults.clear();
    await expect.poll(() => reflector.stats().errors.relist_after_outage ?? 0).toBeGreaterThanOrEqual(1);
    await expect.poll(() => reflector.stats().lists).toBeGreaterThanOrEqual(2);
    await expect.poll(() => reflector.stats().troubleSince).toBeUndefined();
  });

  it('relists when a watch event goes back in resourceVersion (another history), and the store matches the server', async () => {
    const api = await startFakeApiServer();
    cleanups.push(() => api.stop());
    api.put('bundledeployments', bd('b1'));
    api.put('bundledeployments', bd('b2'));
    const { store, reflector } = watchBDs(api.kubeConfig());
    await reflector.synced;
    await expect.poll(() => api.openWatches('bundledeployments')).toBe(1);
    const ghost = bd('ghost');
    ghost.metadata.resourceVersion = '5';
    ghost.metadata.uid = 'uid-ghost';
    api.sendRaw('bundledeployments', 'ADDED', ghost);
    await expect.poll(() => reflector.stats().errors.resource_version_backwards ?? 0).toBe(1);
    await expect.poll(() => reflector.stats().lists).toBe(2);
    expect(names(store)).toEqual(['b1', 'b2']);
  });

  it('resumes without a relist after a short outage', async () => {
    const api = await server({ names: ['b1'] });
    const { reflector } = watchBDs(api.kubeConfig, { relistAfterOutageMs: 600_000 });
    await reflector.synced;
    api.server.faults.failRequests({ status: 500, count: 2, match: { verb: 'watch' } });
    api.server.faults.endWatches();
    await expect.poll(() => reflector.stats().errors.watch_http_500 ?? 0).toBe(2);
    await expect.poll(() => reflector.stats().troubleSince).toBeUndefined();
    expect(reflector.stats().lists).toBe(1);
  });
});
