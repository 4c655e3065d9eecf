/**
 * Event cursors across a replaced API server (the shape of an etcd restore or a new management
 * cluster on the same address), over real HTTP against the emulator: the new history restarts its
 * resourceVersions low, so a cursor taken before the replacement names another change in it. A
 * subscriber resuming from such a cursor is told to resync, never served a skipped or repeated
 * part of the new history; one connected through the replacement receives the relist's true
 * REMOVED and ADDED events exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { SystemClock } from '../../src/shared/clock.js';
import { createStore } from '../../src/gateway/store/store.js';
import { startWatching } from '../../src/gateway/store/watching.js';
import { decodeCursor } from '../../src/gateway/fleet/live/events/cursor.js';
import { EventEngine, type BundleDeploymentEvent } from '../../src/gateway/fleet/live/events/index.js';
import { startTestApiServer } from '../support/apiserver.js';

const FAST = {
  timeoutSeconds: 30,
  watchdogMarginMs: 5_000,
  minReconnectDelayMs: 5,
  maxReconnectDelayMs: 50,
  backoff: { initialMs: 10, maxMs: 100 },
  healthyAfterMs: 100,
};

function ns(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function bd(name: string): KubeObject {
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
    status: { display: { state: 'Ready' } },
  } as KubeObject;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(opts: { port?: number; token?: string; names: string[] }) {
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
  api.server.seed([ns('cluster-a')]);
  api.server.seed(opts.names.map((n) => bd(n)));
  return { ...api, stop };
}

async function create(api: { url: string; token: string }, name: string): Promise<void> {
  const res = await fetch(`${api.url}/apis/fleet.cattle.io/v1alpha1/namespaces/cluster-a/bundledeployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(bd(name)),
  });
  expect(res.status).toBe(201);
}

/** Collects a subscription's events as they arrive. */
function collect(it: AsyncIterableIterator<BundleDeploymentEvent, undefined>): BundleDeploymentEvent[] {
  const out: BundleDeploymentEvent[] = [];
  void (async () => {
    for await (const e of it) out.push(e);
  })();
  cleanups.push(() => void it.return?.());
  return out;
}

const brief = (e: BundleDeploymentEvent) =>
  e.type === 'RESYNC_REQUIRED' ? e.type : `${e.type} ${e.bundleDeployment?.name}`;

describe('event cursors across a replaced API server', () => {
  it('a cursor from before the replacement resumes with RESYNC_REQUIRED; live subscribers get each change once', async () => {
    const old = await server({ names: ['b1', 'b2', 'b3'] });
    const store = createStore({ clock: new SystemClock() });
    const engine = new EventEngine({
      source: store,
      clock: new SystemClock(),
      replayBuffer: 1000,
      subscriberQueue: 1000,
    });
    engine.start();
    cleanups.push(() => engine.stop());
    const w = startWatching({ kubeConfig: old.kubeConfig, store, kinds: ['BundleDeployment'], tuning: FAST });
    cleanups.push(() => w.stop());
    const reflector = w.reflectors[0]!;
    await reflector.synced;

    const live = collect(engine.bundleDeploymentEvents({}));
    // A longer old history than the new one will have, so its cursors reach into the new range.
    for (const n of ['b5', 'b6', 'b7', 'b8', 'b9']) await create(old, n);
    await expect.poll(() => live.length).toBe(5);
    const oldCursor = live.at(-1)!.cursor;
    expect(live.map(brief)).toEqual(['ADDED b5', 'ADDED b6', 'ADDED b7', 'ADDED b8', 'ADDED b9']);

    await old.stop();
    await expect.poll(() => reflector.stats().troubleSince).toBeDefined();
    const fresh = await server({ port: old.server.port, token: old.token, names: ['b2', 'b4'] });
    expect(Number(fresh.server.resourceVersion)).toBeLessThan(Number(decodeCursor(oldCursor).rv));
    await expect.poll(() => reflector.stats().errors.history_replaced, { timeout: 10_000 }).toBe(1);
    await create(fresh, 'b10');

    // Connected through it: told to re-read (the new history's past shows only as state), then the
    // relist's diff and the new history's events, each once.
    const expected = [
      'REMOVED b2',
      'ADDED b2',
      'ADDED b4',
      'REMOVED b1',
      'REMOVED b3',
      'REMOVED b5',
      'REMOVED b6',
      'REMOVED b7',
      'REMOVED b8',
      'REMOVED b9',
      'ADDED b10',
    ];
    await expect
      .poll(() => live.slice(5).map(brief), { timeout: 10_000 })
      .toEqual(['RESYNC_REQUIRED', ...expected]);
    const events = live.filter((e) => e.type !== 'RESYNC_REQUIRED');
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length);

    // Resuming from the old history's last cursor: a resync first, nothing of either history replayed.
    const resumed = collect(engine.bundleDeploymentEvents({}, oldCursor));
    await expect.poll(() => resumed.length).toBe(1);
    expect(resumed[0]!.type).toBe('RESYNC_REQUIRED');
    // From the resync's cursor on, the stream goes on without repeating what the state holds.
    const fromResync = collect(engine.bundleDeploymentEvents({}, resumed[0]!.cursor));
    await create(fresh, 'b11');
    await expect.poll(() => resumed.map(brief)).toEqual(['RESYNC_REQUIRED', 'ADDED b11']);
    await expect.poll(() => fromResync.map(brief)).toEqual(['ADDED b11']);

    // A cursor of the new history resumes exactly after it.
    const afterB4 = live.find((e) => brief(e) === 'ADDED b4')!.cursor;
    const replay = collect(engine.bundleDeploymentEvents({}, afterB4));
    await expect.poll(() => replay.map(brief)).toEqual([...expected.slice(3), 'ADDED b11']);
  });
});
