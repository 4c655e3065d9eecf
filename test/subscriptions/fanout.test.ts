/**
 * Shared subscription execution over the real transports: subscribers with the same document,
 * variables and caller get the same answer from one execution per event (graphql-ws and SSE
 * alike), other variables make another group, and a subscriber with its own filter or cursor still
 * gets exactly its own events. Executions are counted by the gateway
 * (`subscriptionSharing()`).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { clusterNs, FleetWriter } from '../gateway/kube-fixtures.js';
import { subscribeRaw, subscribeSse, tuning, wsClient, type Stream, type WsClient } from './support.js';

const WS = 'fleet-default';

const EVENTS = `subscription Shared($filter: BundleDeploymentEventFilter, $after: String) {
  bundleDeploymentEvents(filter: $filter, after: $after) {
    type
    cursor
    state
    bundleDeployment { name clusterName bundle { name } cluster { name labels { key value } } }
  }
}`;

type EventData = {
  bundleDeploymentEvents: { type: string; cursor: string; state: string | null };
};

let api: TestApiServer;
let gw: Gateway;
let kube: FleetWriter;
const clients: WsClient[] = [];

function ws(): WsClient {
  const c = wsClient(gw.url);
  clients.push(c);
  return c;
}

async function setReady(cluster: string, ready: boolean): Promise<void> {
  await kube.status('bundledeployments', clusterNs(cluster), 'app-a', {
    ready,
    conditions: [
      { type: 'Deployed', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
  });
}

const cursors = (s: Stream<unknown>) => (s.data as EventData[]).map((d) => d.bundleDeploymentEvents.cursor);

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true, historySize: 30 });
  gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
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

describe('shared subscription execution', () => {
  it('executes an event once for subscribers with the same document and variables, on both transports', async () => {
    const same = { filter: { gitRepo: 'app' } };
    const group = [ws(), ws(), ws()].map((c) => subscribeRaw(c, EVENTS, same));
    // A second subscription on a connection that already has one: still the same group.
    group.push(subscribeRaw(clients[0]!, EVENTS, same));
    const sse = subscribeSse(gw.url, parse(EVENTS) as TypedDocumentNode<unknown, typeof same>, same);
    await expect.poll(() => gw.eventStats().subscribers).toBe(5);
    const before = gw.subscriptionSharing();

    await setReady('eu', false);
    const all = [...group, sse];
    await expect.poll(() => all.map((s) => s.results.length)).toEqual([1, 1, 1, 1, 1]);
    const after = gw.subscriptionSharing();
    expect(after.executions - before.executions).toBe(1);
    expect(after.reused - before.reused).toBe(4);
    // Identical answers, freshness extension included, whichever transport carried them.
    const first = group[0]!.results[0]!;
    expect(first.data).toMatchObject({
      bundleDeploymentEvents: {
        type: 'UPDATED',
        state: 'NOT_READY',
        bundleDeployment: { clusterName: 'eu', bundle: { name: 'app-a' }, cluster: { name: 'eu' } },
      },
    });
    expect(first.extensions).toHaveProperty('freshness');
    for (const s of all) expect(s.results[0]).toEqual(first);

    for (const s of all) s.stop();
    await expect.poll(() => gw.eventStats().subscribers).toBe(0);
  });

  it('makes one group per distinct variables, and keeps each filter exact', async () => {
    const byRepo = [ws(), ws()].map((c) => subscribeRaw(c, EVENTS, { filter: { gitRepo: 'app' } }));
    const byCluster = [ws(), ws()].map((c) => subscribeRaw(c, EVENTS, { filter: { cluster: 'eu' } }));
    const other = subscribeRaw(ws(), EVENTS, { filter: { cluster: 'us' } });
    await expect.poll(() => gw.eventStats().subscribers).toBe(5);
    const before = gw.subscriptionSharing();

    await setReady('eu', true);
    await expect.poll(() => [...byRepo, ...byCluster].map((s) => s.results.length)).toEqual([1, 1, 1, 1]);
    // Two groups matched (by GitRepo, by cluster eu): two executions, each reused once.
    const after = gw.subscriptionSharing();
    expect(after.executions - before.executions).toBe(2);
    expect(after.reused - before.reused).toBe(2);
    expect(byRepo[1]!.results[0]).toEqual(byRepo[0]!.results[0]);
    expect(byCluster[1]!.results[0]).toEqual(byCluster[0]!.results[0]);
    // The same event in both groups: same data, executed separately.
    expect(byCluster[0]!.results[0]!.data).toEqual(byRepo[0]!.results[0]!.data);

    // The us subscriber's filter still decides what it gets: only its own cluster's event.
    await setReady('us', false);
    await expect.poll(() => other.results.length).toBe(1);
    expect(other.data[0]).toMatchObject({
      bundleDeploymentEvents: { bundleDeployment: { clusterName: 'us' } },
    });
    await expect.poll(() => byRepo.map((s) => s.results.length)).toEqual([2, 2]);
    expect(byCluster.map((s) => s.results.length)).toEqual([1, 1]);

    for (const s of [...byRepo, ...byCluster, other]) s.stop();
    await expect.poll(() => gw.eventStats().subscribers).toBe(0);
  });

  it('serves a subscriber resuming by cursor exactly its missed events while its group is live', async () => {
    const live = subscribeRaw(ws(), EVENTS, { filter: { cluster: 'eu' } });
    await expect.poll(() => gw.eventStats().subscribers).toBe(1);
    await setReady('eu', false);
    await expect.poll(() => live.results.length).toBe(1);
    const from = cursors(live)[0]!;
    await setReady('eu', true);
    await setReady('eu', false);
    await expect.poll(() => live.results.length).toBe(3);

    // Same document as the live one; its own cursor: the two missed events, then live ones.
    const resumed = subscribeRaw(ws(), EVENTS, { filter: { cluster: 'eu' }, after: from });
    await expect.poll(() => resumed.results.length).toBe(2);
    expect(cursors(resumed)).toEqual(cursors(live).slice(1));
    await setReady('eu', true);
    await expect.poll(() => [live.results.length, resumed.results.length]).toEqual([4, 3]);
    expect(cursors(resumed)).toEqual(cursors(live).slice(1));
    live.stop();
    resumed.stop();
    await expect.poll(() => gw.eventStats().subscribers).toBe(0);
  });
});
