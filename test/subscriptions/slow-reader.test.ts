/**
 * A subscriber that stops reading its socket while events flow, on either transport: the gateway
 * holds a bounded number of unsent bytes for it (backpressure: the next event is written only once
 * the socket drained, and the subscriber's queue is bounded), a fast subscriber on the same
 * gateway keeps receiving every event, and the stalled one, once it reads again, learns it was cut
 * off and must resume from its last cursor: WebSocket close 4429 with that reason (or a cut
 * connection, when it stayed stalled past the close grace), SSE an error with code
 * SUBSCRIBER_TOO_SLOW (or a cut stream, past the flush grace).
 */
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { graphql } from '../gql/index.js';
import { clusterNs, FleetWriter } from '../gateway/kube-fixtures.js';
import { subscribe, tuning, wsClient, wsUrl, type WsClient } from './support.js';

const WS = 'fleet-default';
const QUEUE = 8;
/** Events sent while the reader is stalled; each is about 1 MB for it (see BIG). */
const BURST = 30;
const MESSAGE = 'y'.repeat(40_000);
/** Twenty-five copies of a 40 kB condition message: about 1 MB per event for the stalled reader. */
const BIG = `subscription { bundleDeploymentEvents(filter: { cluster: "eu" }) { cursor ${Array.from(
  { length: 25 },
  (_, i) => `m${i}: bundleDeployment { conditions { message } }`,
).join(' ')} } }`;
/**
 * What the server may hold unsent for one stalled reader: a few events' worth, far below the
 * ~30 MB it was sent. Unbounded buffering would hold them all.
 */
const BOUND_BYTES = 4 * 1024 * 1024;

const Events = graphql(`
  subscription SlowReaderEvents($filter: BundleDeploymentEventFilter) {
    bundleDeploymentEvents(filter: $filter) {
      type
      cursor
      state
    }
  }
`);

let api: TestApiServer;
let gw: Gateway;
let kube: FleetWriter;
const clients: WsClient[] = [];

async function setReady(ready: boolean, message: string): Promise<void> {
  await kube.status('bundledeployments', clusterNs('eu'), 'app-a', {
    ready,
    conditions: [
      { type: 'Deployed', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False', message },
    ],
  });
}

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true });
  gw = await startGateway({
    config: loadConfig(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--subscriber-queue', String(QUEUE)],
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
  await kube.create('bundles', WS, {
    metadata: { name: 'app-a', labels: { 'fleet.cattle.io/repo-name': 'app' } },
    spec: { targets: [{ clusterSelector: {} }] },
  });
  await kube.deployment('app-a', 'eu', 'app');
  await vi.waitFor(() => expect(gw.eventStats().head).toBeDefined(), { timeout: 10_000, interval: 20 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gw?.stop();
  await api?.stop();
});

/**
 * Sends the burst while a fast WebSocket subscriber reads along; returns the most unsent bytes the
 * server held for one stream at any point, and checks the fast subscriber got every event.
 */
async function burstWithFastReader(): Promise<number> {
  const fast = wsClient(gw.url);
  clients.push(fast);
  const reader = subscribe(fast, Events, { filter: { cluster: 'eu' } });
  await expect.poll(() => gw.eventStats().subscribers).toBe(2);
  const start = reader.data.length;
  let largest = 0;
  for (let i = 0; i < BURST; i++) {
    await setReady(i % 2 === 0, `${MESSAGE}${i}`);
    largest = Math.max(largest, gw.streamBuffers().largestUnsentBytes);
  }
  // The fast subscriber received every event of the burst, in order, while the other stalled.
  await expect.poll(() => reader.data.length - start, { timeout: 20_000 }).toBe(BURST);
  const states = reader.data.slice(start).map((d) => d.bundleDeploymentEvents.state);
  expect(states).toEqual(Array.from({ length: BURST }, (_, i) => (i % 2 === 0 ? 'READY' : 'NOT_READY')));
  // The stalled one overflowed its queue and was detached; nothing of it is left in the engine.
  await expect.poll(() => gw.eventStats().subscribers, { timeout: 20_000 }).toBe(1);
  largest = Math.max(largest, gw.streamBuffers().largestUnsentBytes);
  reader.stop();
  await expect.poll(() => gw.eventStats().subscribers).toBe(0);
  return largest;
}

/**
 * An SSE subscriber that stops reading while the burst flows beside a fast WebSocket subscriber;
 * returns the most unsent bytes the server held, and the response to resume reading later.
 */
async function stalledSseBurst(): Promise<{
  largest: number;
  res: IncomingMessage;
  text: () => string;
  ended: () => 'end' | 'cut' | undefined;
}> {
  const url = new URL(gw.url);
  const body = JSON.stringify({ query: BIG });
  let text = '';
  let ended: 'end' | 'cut' | undefined;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      resolve,
    );
    req.once('error', reject);
    req.end(body);
  });
  expect(res.statusCode).toBe(200);
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.once('end', () => (ended ??= 'end'));
  res.once('error', () => (ended ??= 'cut'));
  res.once('close', () => (ended ??= 'cut'));
  await expect.poll(() => gw.eventStats().subscribers).toBe(1);
  expect(gw.streamBuffers().sseStreams).toBe(1);
  // Stop reading: the socket's receive window fills and the server's writes back up.
  res.pause();

  const largest = await burstWithFastReader();
  return { largest, res, text: () => text, ended: () => ended };
}

describe('a subscriber that stops reading its socket', () => {
  it('over WebSocket: bounded unsent bytes, the fast subscriber keeps up, then 4429 "resume with the last cursor"', async () => {
    const stuck = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      stuck.once('error', reject);
      stuck.once('open', () => {
        stuck.send(JSON.stringify({ type: 'connection_init' }));
        stuck.once('message', () => resolve());
      });
    });
    stuck.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: BIG } }));
    await expect.poll(() => gw.eventStats().subscribers).toBe(1);
    let closed: { code: number; reason: string } | undefined;
    stuck.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
    const socket = (stuck as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    const largest = await burstWithFastReader();
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(BOUND_BYTES);

    socket.resume();
    await expect.poll(() => closed, { timeout: 20_000 }).toBeDefined();
    // 4429 with the reason when the close frame got through; 1006 when the connection was cut
    // because the reader stayed stalled past the close grace. Either way it resumes by cursor.
    expect([4429, 1006]).toContain(closed!.code);
    if (closed!.code === 4429)
      expect(closed!.reason).toMatch(/SUBSCRIBER_TOO_SLOW.*resume with the last cursor/);
    await expect.poll(() => gw.streamBuffers().webSockets).toBe(1);
  });
  it('over SSE: bounded unsent bytes, and the fast subscriber keeps up', async () => {
    const { largest, res } = await stalledSseBurst();
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(BOUND_BYTES);
    res.destroy();
    await expect.poll(() => gw.streamBuffers().sseStreams).toBe(0);
  });

  it('over SSE: once it reads again, it gets SUBSCRIBER_TOO_SLOW and the stream ends', async () => {
    const { res, text, ended } = await stalledSseBurst();
    res.resume();
    await expect.poll(ended, { timeout: 20_000 }).toBeDefined();
    // It reads what was held back, then the error that tells it to resume from its last cursor
    // (or its stream was cut, when it stayed stalled past the flush grace).
    if (ended() === 'end') expect(text()).toContain('SUBSCRIBER_TOO_SLOW');
    else expect(ended()).toBe('cut');
    await expect.poll(() => gw.streamBuffers().sseStreams).toBe(0);
  });
});
