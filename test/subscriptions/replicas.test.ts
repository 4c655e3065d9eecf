/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   subscription payloads are JSON read field by field. */
/**
 * Two gateway replicas over one API emulator: a subscription cursor handed out by one replica
 * resumes on the other with exactly the events missed in between (cursors derive from the
 * Kubernetes resourceVersion, docs/adr/0008), and both replicas serve subscriptions while only
 * one of them leads.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { clusterNs, FleetWriter } from '../gateway/kube-fixtures.js';
import { subscribeRaw, tuning, wsClient, type WsClient } from './support.js';

const WS = 'fleet-default';
const EVENTS = `subscription($after: String) {
  bundleDeploymentEvents(filter: { cluster: "eu" }, after: $after) { type cursor state }
}`;

let api: TestApiServer;
let a: Gateway;
let b: Gateway;
let kube: FleetWriter;
const clients: WsClient[] = [];

function replica(): Promise<Gateway> {
  return startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
    kubeConfig: api.kubeConfig,
    logger: silentLogger(),
    watchTuning: tuning,
    shutdownGraceMs: 200,
  });
}

async function setReady(ready: boolean): Promise<void> {
  await kube.status('bundledeployments', clusterNs('eu'), 'app-a', {
    ready,
    conditions: [
      { type: 'Deployed', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
  });
}

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true, historySize: 100 });
  a = await replica();
  b = await replica();
  await Promise.all([a.synced, b.synced]);
  kube = new FleetWriter(api.kubeConfig);
  await kube.create('gitrepos', WS, { metadata: { name: 'app' }, spec: { repo: 'https://example.com/app' } });
  await kube.cluster('eu', { env: 'prod' });
  await kube.create('bundles', WS, {
    metadata: { name: 'app-a', labels: { 'fleet.cattle.io/repo-name': 'app' } },
    spec: { targets: [{ clusterSelector: {} }] },
  });
  await kube.deployment('app-a', 'eu', 'app');
  await vi.waitFor(
    () => {
      expect(a.eventStats().head).toBeDefined();
      expect(b.eventStats().head).toBeDefined();
    },
    { timeout: 10_000, interval: 20 },
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await a?.stop();
  await b?.stop();
  await api?.stop();
});

function client(gw: Gateway): WsClient {
  const c = wsClient(gw.url);
  clients.push(c);
  return c;
}

const cursors = (s: { data: unknown[] }) => s.data.map((d: any) => d.bundleDeploymentEvents.cursor);

it('a cursor from one replica resumes on the other with exactly the missed events', async () => {
  // A witness on each replica: both see the same changes with the same cursors.
  const onA = subscribeRaw(client(a), EVENTS);
  const onB = subscribeRaw(client(b), EVENTS);
  const first = client(a);
  const early = subscribeRaw(first, EVENTS);
  await expect.poll(() => a.eventStats().subscribers + b.eventStats().subscribers).toBeGreaterThanOrEqual(3);
  await setReady(false);
  await setReady(true);
  await expect.poll(() => early.data.length).toBe(2);
  const last = cursors(early)[1];
  await first.dispose();
  // Missed while the client moves from replica A to replica B.
  await setReady(false);
  await setReady(true);
  await setReady(false);
  await expect.poll(() => [onA.data.length, onB.data.length]).toEqual([5, 5]);
  expect(cursors(onB)).toEqual(cursors(onA));

  const resumed = subscribeRaw(client(b), EVENTS, { after: last });
  await expect.poll(() => resumed.data.length).toBe(3);
  expect(cursors(resumed)).toEqual(cursors(onA).slice(2));
  expect(resumed.data.map((d: any) => d.bundleDeploymentEvents.type)).not.toContain('RESYNC_REQUIRED');
  expect(resumed.data.map((d: any) => d.bundleDeploymentEvents.state)).toEqual([
    'NOT_READY',
    'READY',
    'NOT_READY',
  ]);
  // Live events follow on B without duplicates.
  await setReady(true);
  await expect.poll(() => resumed.data.length).toBe(4);
  expect(cursors(resumed)).toEqual(cursors(onA).slice(2));
  expect(new Set(cursors(resumed)).size).toBe(4);
});

it('exactly one of the replicas leads, and both serve subscriptions', async () => {
  await expect.poll(() => [a.leadership().leading, b.leadership().leading].filter(Boolean).length).toBe(1);
  expect(a.leadership().identity).not.toBe(b.leadership().identity);
  // The follower learns the holder at its next retry (2 s, jittered).
  const leader = a.leadership().leading ? a : b;
  await expect
    .poll(() => [a.leadership().holder, b.leadership().holder], { timeout: 10_000 })
    .toEqual([leader.leadership().identity, leader.leadership().identity]);
});
