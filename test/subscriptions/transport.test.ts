/**
 * Subscriptions over the real transports against the API emulator (Fleet objects written by the
 * test through client-node): resume by cursor with exactly the missed events, RESYNC_REQUIRED past
 * the replay buffer, removals during a watch outage found by relist, per-operation errors that
 * leave the socket's other subscriptions flowing, a stuck client cut off without delaying others,
 * SSE, and the connection limits.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { graphql } from '../gql/index.js';
import { clusterNs, FleetWriter } from '../gateway/kube-fixtures.js';
import { subscribe, subscribeRaw, subscribeSse, tuning, wsClient, wsUrl, type WsClient } from './support.js';

const WS = 'fleet-default';
const QUEUE = 8;
const REPLAY = 6;
const CONNECTIONS = 12;

const Events = graphql(`
  subscription TransportEvents($filter: BundleDeploymentEventFilter, $after: String) {
    bundleDeploymentEvents(filter: $filter, after: $after) {
      type
      cursor
      state
      previousState
      viaRelist
      bundleDeployment {
        name
        clusterName
      }
      removal {
        reason
        cleanupLatencyMs
      }
    }
  }
`);

let api: TestApiServer;
let gw: Gateway;
let kube: FleetWriter;
const clients: WsClient[] = [];

function client(): WsClient {
  const c = wsClient(gw.url);
  clients.push(c);
  return c;
}

/** Flips a deployment's readiness: one UPDATED event each time. */
async function setReady(bundle: string, cluster: string, ready: boolean, message = ''): Promise<void> {
  await kube.status('bundledeployments', clusterNs(cluster), bundle, {
    ready,
    conditions: [
      { type: 'Deployed', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False', message },
    ],
  });
}

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true, historySize: 30 });
  gw = await startGateway({
    config: loadConfig(
      [
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--replay-buffer',
        String(REPLAY),
        '--subscriber-queue',
        String(QUEUE),
        '--subscriptions-per-connection',
        '6',
        '--connections-per-client',
        String(CONNECTIONS),
      ],
      {},
    ),
    kubeConfig: api.kubeConfig,
    logger: silentLogger(),
    watchTuning: tuning,
    shutdownGraceMs: 200,
  });
  await gw.synced;
  kube = new FleetWriter(api.kubeConfig);
  await kube.create('gitrepos', WS, { metadata: { name: 'app' }, spec: { repo: 'https://example.com/app' } });
  await kube.cluster('eu', { env: 'prod' });
  await kube.cluster('us', { env: 'dev' });
  await kube.create('bundles', WS, {
    metadata: { name: 'app-a', labels: { 'fleet.cattle.io/repo-name': 'app' } },
    spec: { targets: [{ clusterSelector: {} }] },
  });
  await kube.deployment('app-a', 'eu', 'app');
  await kube.deployment('app-a', 'us', 'app');
  await vi.waitFor(() => expect(gw.eventStats().head).toBeDefined(), { timeout: 10_000, interval: 20 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gw?.stop();
  await api?.stop();
});

describe('bundleDeploymentEvents over graphql-ws', () => {
  it('resumes after the last cursor with exactly the missed events, and asks to resync past the buffer', async () => {
    const witness = subscribe(client(), Events, { filter: { cluster: 'eu' } });
    const first = client();
    const early = subscribe(first, Events, { filter: { cluster: 'eu' } });
    await expect.poll(() => gw.eventStats().subscribers).toBeGreaterThanOrEqual(2);
    await setReady('app-a', 'eu', false);
    await setReady('app-a', 'eu', true);
    await expect.poll(() => early.data.length).toBe(2);
    const last = early.data[1]!.bundleDeploymentEvents.cursor;
    await first.dispose();
    // Missed while disconnected.
    await setReady('app-a', 'eu', false);
    await setReady('app-a', 'eu', true);
    await setReady('app-a', 'eu', false);
    await expect.poll(() => witness.data.length).toBe(5);
    const resumed = subscribe(client(), Events, { filter: { cluster: 'eu' }, after: last });
    await expect.poll(() => resumed.data.length).toBe(3);
    const cursors = (s: typeof witness) => s.data.map((d) => d.bundleDeploymentEvents.cursor);
    expect(cursors(resumed)).toEqual(cursors(witness).slice(2));
    expect(resumed.data.map((d) => d.bundleDeploymentEvents.state)).toEqual([
      'NOT_READY',
      'READY',
      'NOT_READY',
    ]);
    // Live events follow the replay, without duplicates.
    await setReady('app-a', 'eu', true);
    await expect.poll(() => resumed.data.length).toBe(4);
    expect(cursors(resumed)).toEqual(cursors(witness).slice(2));
    // State transitions arrive in order: each event's previous state is the last one's state.
    const seq = witness.data.map((d) => d.bundleDeploymentEvents);
    for (let i = 1; i < seq.length; i++) expect(seq[i]!.previousState).toBe(seq[i - 1]!.state);

    // The buffer keeps REPLAY events; the witness' first cursor has been evicted by now.
    for (let i = 0; i < REPLAY; i++) await setReady('app-a', 'us', i % 2 === 0);
    await expect.poll(() => gw.eventStats().buffered).toBe(REPLAY);
    const expired = subscribe(client(), Events, { after: cursors(witness)[0]! });
    await expect.poll(() => expired.data.length).toBeGreaterThanOrEqual(1);
    expect(expired.data[0]!.bundleDeploymentEvents.type).toBe('RESYNC_REQUIRED');
    expect(expired.data[0]!.bundleDeploymentEvents.bundleDeployment).toBeNull();
    witness.stop();
    resumed.stop();
    expired.stop();
  });

  it('errors a malformed, unknown, oversized or over-limit subscription alone; the socket keeps flowing', async () => {
    const ws = client();
    const live = subscribe(ws, Events, { filter: { cluster: 'us' } });
    const malformed = subscribeRaw(ws, 'subscription { bundleDeploymentEvents(');
    const unknown = subscribeRaw(ws, 'subscription { noSuchField }');
    const oversized = subscribeRaw(
      ws,
      'subscription($c: String) { bundleDeploymentEvents(filter: { cluster: $c }) { type } }',
      { c: 'x'.repeat(10_000) },
    );
    const badCursor = subscribeRaw(
      ws,
      'subscription { bundleDeploymentEvents(after: "not-a-cursor") { type } }',
    );
    await expect
      .poll(() => [malformed, unknown, oversized, badCursor].map((s) => s.errors.length))
      .toEqual([1, 1, 1, 1]);
    expect(malformed.errors[0]![0]!.message).toMatch(/Syntax Error/);
    expect(unknown.errors[0]![0]!.message).toMatch(/noSuchField/);
    expect(oversized.errors[0]![0]!.extensions?.['code']).toBe('INVALID_ARGUMENT');
    expect(badCursor.errors[0]![0]!.extensions?.['code']).toBe('INVALID_CURSOR');
    // This connection runs `live` and may run 5 more: the 7th concurrent one is refused alone.
    const extra = [1, 2, 3, 4, 5, 6].map(() => subscribe(ws, Events, { filter: { cluster: 'none' } }));
    await expect.poll(() => extra.filter((s) => s.errors.length > 0).length).toBe(1);
    expect(extra.flatMap((s) => s.errors.flat()).map((e) => e.extensions?.['code'])).toEqual([
      'TOO_MANY_SUBSCRIPTIONS',
    ]);
    await setReady('app-a', 'us', true);
    await setReady('app-a', 'us', false);
    await expect
      .poll(() => live.data.map((d) => d.bundleDeploymentEvents.state))
      .toEqual(['READY', 'NOT_READY']);
    expect(ws.closes).toEqual([]);
    live.stop();
    for (const s of extra) s.stop();
  });

  it('cuts off a client that stopped reading, without delaying the others, and holds at most its queue', async () => {
    await expect.poll(() => gw.eventStats().subscribers).toBe(0);
    const reader = subscribe(client(), Events, { filter: { cluster: 'eu' } });
    await expect.poll(() => gw.eventStats().subscribers).toBe(1);
    // A raw graphql-ws client that subscribes to large events, then never reads its socket again.
    const stuck = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      stuck.once('error', reject);
      stuck.once('open', () => {
        stuck.send(JSON.stringify({ type: 'connection_init' }));
        stuck.once('message', () => resolve());
      });
    });
    const big = Array.from({ length: 25 }, (_, i) => `m${i}: bundleDeployment { conditions { message } }`);
    stuck.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: {
          query: `subscription { bundleDeploymentEvents(filter: { cluster: "eu" }) { ${big.join(' ')} } }`,
        },
      }),
    );
    await expect.poll(() => gw.eventStats().subscribers).toBe(2);
    let stuckClose: number | undefined;
    stuck.on('close', (code) => (stuckClose = code));
    (stuck as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const start = reader.data.length;
    let deepest = 0;
    const message = 'y'.repeat(40_000);
    // Each event is about 1 MB for the stuck client: its socket buffers fill, then its queue.
    for (let i = 0; i < 30; i++) {
      await setReady('app-a', 'eu', i % 2 === 0, `${message}${i}`);
      deepest = Math.max(deepest, gw.eventStats().deepestQueue);
    }
    // The reader saw every event, while the stuck client was held back.
    await expect.poll(() => reader.data.length - start, { timeout: 10_000 }).toBe(30);
    expect(deepest).toBeLessThanOrEqual(QUEUE + 1);
    // The stuck subscriber overflowed and was detached; its connection is being closed.
    await expect.poll(() => gw.eventStats().subscribers, { timeout: 10_000 }).toBe(1);
    (stuck as unknown as { _socket: { pause(): void; resume(): void } })._socket.resume();
    await expect.poll(() => stuckClose, { timeout: 10_000 }).toBeDefined();
    expect([4429, 1006]).toContain(stuckClose);
    reader.stop();
  });

  it('delivers removals that happened during a watch outage once the relist finds them, with reason', async () => {
    const removed = subscribe(client(), Events, { filter: { types: ['REMOVED'] } });
    await kube.create('bundles', WS, {
      metadata: { name: 'gone', labels: { 'fleet.cattle.io/repo-name': 'app' } },
      spec: { targets: [{ clusterSelector: {} }] },
    });
    await kube.deployment('gone', 'eu', 'app');
    await kube.deployment('gone', 'us', 'app');
    await expect.poll(() => gw.eventStats().head).toBeDefined();
    // The BundleDeployment watch fails; meanwhile the Bundle and its deployments are deleted and
    // enough else happens that the gateway's resourceVersion falls out of the server's history.
    api.server.faults.failRequests({ status: 500, match: { verb: 'watch', resource: 'bundledeployments' } });
    api.server.faults.endWatches({ resource: 'bundledeployments' });
    await kube.delete('bundles', WS, 'gone');
    await kube.delete('bundledeployments', clusterNs('eu'), 'gone');
    await kube.delete('bundledeployments', clusterNs('us'), 'gone');
    for (let i = 0; i < 35; i++) await setReady('app-a', 'us', i % 2 === 0);
    expect(removed.data).toEqual([]);
    api.server.faults.clear();
    await expect.poll(() => removed.data.length, { timeout: 10_000 }).toBe(2);
    const events = removed.data.map((d) => d.bundleDeploymentEvents);
    expect(events.map((e) => [e.bundleDeployment?.clusterName, e.removal?.reason, e.viaRelist])).toEqual([
      ['eu', 'BUNDLE_DELETED', true],
      ['us', 'BUNDLE_DELETED', true],
    ]);
    expect(events.every((e) => e.removal!.cleanupLatencyMs >= 0)).toBe(true);
    removed.stop();
  });
});

describe('SSE and connection limits', () => {
  it('streams the same events over Server-Sent Events', async () => {
    const sse = subscribeSse(gw.url, Events, { filter: { cluster: 'eu' } });
    await expect.poll(() => gw.eventStats().subscribers).toBeGreaterThan(0);
    await setReady('app-a', 'eu', false);
    await expect.poll(() => sse.data.map((d) => d.bundleDeploymentEvents.state)).toContain('NOT_READY');
    expect(sse.failure).toBeUndefined();
    sse.stop();
  });

  it('closes a connection over the per-client limit with 4429 and a reason', async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    const sockets = await Promise.all(
      Array.from({ length: CONNECTIONS + 1 }, async () => {
        const s = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
        const closed = new Promise<{ code: number; reason: string }>((resolve) =>
          s.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
        );
        await new Promise((resolve) => s.once('open', resolve));
        return { s, closed };
      }),
    );
    const first = await Promise.race(sockets.map((x) => x.closed));
    expect(first.code).toBe(4429);
    expect(first.reason).toMatch(/TOO_MANY_SUBSCRIPTIONS/);
    for (const { s } of sockets) s.terminate();
  });
});
