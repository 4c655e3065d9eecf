/**
 * Goal 2 (push latency vs raw watch): graphql-ws subscribers on `bundleDeploymentEvents` against a
 * bare client-node Watch on BundleDeployments, both in this process, both fed by the same status
 * writes to the emulator. Each update is matched on both sides by its resourceVersion; the figure
 * is (subscriber receives it) − (raw watch receives it), over every delivery.
 */
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { createClient, type Client } from 'graphql-ws';
import { Agent } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { BUNDLE_DEPLOYMENTS } from '../../src/apis/gvr.js';
import { LABEL_REPO_NAME } from '../../src/apis/labels.js';
import type { KubeObject } from '../../src/apis/kube.js';
import type { Simulation } from '../../src/simulator/index.js';
import { request, summarize, type Latencies } from './lib.js';

export interface PushSettings {
  readonly subscribers: number;
  /** Status updates sent, one BD each, at `ratePerSec`. */
  readonly events: number;
  readonly ratePerSec: number;
  /** How long to wait for the last deliveries after the last write. */
  readonly drainMs: number;
  readonly gitRepo: string;
}

export interface PushResult {
  readonly subscribers: number;
  readonly connected: number;
  readonly events: number;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  readonly watchEvents: number;
  /** Subscriber arrival minus raw watch arrival, every delivery. */
  readonly extra: Latencies;
  /** From the start of the write to the raw watch event. */
  readonly writeToWatch: Latencies;
  /** From the start of the write to the subscriber, every delivery. */
  readonly writeToSubscriber: Latencies;
  readonly sendSeconds: number;
  /** Goal 4: the same subscribers, a burst of writes as fast as the emulator takes them. */
  readonly burst: FanoutRate;
  /** Bytes of one delivered graphql-ws message (for the raw broadcast of the same size). */
  readonly messageBytes: number;
}

export interface FanoutRate {
  readonly events: number;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  /** Deliveries divided by the time from the first to the last delivery. */
  readonly deliveriesPerSec: number;
  readonly seconds: number;
}

const SUBSCRIPTION = `subscription BenchEvents($gitRepo: String!) {
  bundleDeploymentEvents(filter: { gitRepo: $gitRepo, types: [UPDATED] }) {
    type
    cursor
    bundleDeployment { name namespace resourceVersion state }
  }
}`;

interface EventPayload {
  data?: { bundleDeploymentEvents?: { bundleDeployment?: { resourceVersion?: string } | null } };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class NotMeasured extends Error {}

export async function measurePush(sim: Simulation, gatewayUrl: string, s: PushSettings): Promise<PushResult> {
  const kc = sim.kubeConfig;
  const api = kc.makeApiClient(CustomObjectsApi);
  const type = BUNDLE_DEPLOYMENTS;
  const page = (await api.listClusterCustomObject({
    group: type.group,
    version: type.version,
    plural: type.plural,
    labelSelector: `${LABEL_REPO_NAME}=${s.gitRepo}`,
    limit: s.events + 1,
  })) as { items: KubeObject[] };
  const targets = page.items.map((o) => ({ namespace: o.metadata.namespace!, name: o.metadata.name }));
  if (targets.length < 2) throw new NotMeasured('too few BundleDeployments to update');

  // The raw side: a bare client-node watch from the current resourceVersion.
  const watchAt = new Map<string, number>();
  const watcher = new Watch(kc);
  const watchAbort = await watcher.watch(
    `/apis/${type.group}/${type.version}/${type.plural}`,
    { resourceVersion: sim.apiServer.resourceVersion, allowWatchBookmarks: true },
    (_type: string, obj: KubeObject) => {
      const rv = obj.metadata?.resourceVersion;
      if (rv && !watchAt.has(rv)) watchAt.set(rv, performance.now());
    },
    () => undefined,
  );

  // The GraphQL side.
  const subAt = new Map<string, number[]>();
  const firstSeen = new Set<number>();
  const clients: Client[] = [];
  const disposers: (() => void)[] = [];
  let subscribeError: string | undefined;
  let messageBytes = 0;
  const wsUrl = gatewayUrl.replace(/^http/, 'ws');
  const writeAgent = new Agent({ keepAlive: true, maxSockets: 4 });
  const writeAt = new Map<string, number>();
  // The store keeps only what the schema needs and emits nothing for a change it does not keep, so
  // each write flips the agent's reported state (`status.display.state`) of its BD.
  const flipped = new Set<number>();
  const write = async (i: number) => {
    const t = targets[i % targets.length]!;
    const state = flipped.has(i) ? 'Ready' : 'Modified';
    if (flipped.has(i)) flipped.delete(i);
    else flipped.add(i);
    const t0 = performance.now();
    const res = await request(writeAgent, {
      url: new URL(
        `${sim.url}/apis/${type.group}/${type.version}/namespaces/${t.namespace}/${type.plural}/${t.name}/status`,
      ),
      method: 'PATCH',
      body: JSON.stringify({ status: { display: { state } } }),
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/merge-patch+json' },
    });
    if (res.status !== 200)
      throw new Error(`status write failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    const rv = (JSON.parse(res.body) as KubeObject).metadata.resourceVersion;
    if (rv) writeAt.set(rv, t0);
  };
  try {
    for (let i = 0; i < s.subscribers; i++) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (e) => (subscribeError ??= String((e as Error).message ?? e)),
      });
      clients.push(client);
      disposers.push(
        client.subscribe<EventPayload['data']>(
          { query: SUBSCRIPTION, variables: { gitRepo: s.gitRepo } },
          {
            next: (msg) => {
              const now = performance.now();
              const payload = msg as EventPayload;
              const rv = payload.data?.bundleDeploymentEvents?.bundleDeployment?.resourceVersion;
              if (!rv) {
                subscribeError ??= `unexpected payload: ${JSON.stringify(msg).slice(0, 300)}`;
                return;
              }
              firstSeen.add(i);
              messageBytes ||= JSON.stringify({
                id: '00000000-0000-0000-0000-000000000000',
                type: 'next',
                payload: msg,
              }).length;
              let arr = subAt.get(rv);
              if (!arr) subAt.set(rv, (arr = []));
              arr.push(now);
            },
            error: (e) => {
              subscribeError ??= Array.isArray(e)
                ? JSON.stringify(e).slice(0, 300)
                : String((e as Error)?.message ?? JSON.stringify(e));
            },
            complete: () => undefined,
          },
        ),
      );
    }
    // Warm-up: write until every subscriber has received something (bounded), so every
    // subscription is live before the measured writes.
    const warmDeadline = performance.now() + 20_000;
    while (firstSeen.size < s.subscribers && performance.now() < warmDeadline && !subscribeError) {
      await write(0);
      await sleep(500);
    }
    if (subscribeError) throw new NotMeasured(`subscription failed: ${subscribeError}`);
    if (firstSeen.size === 0)
      throw new NotMeasured('no subscription event arrived within 20 s of warm-up writes');
    const connected = firstSeen.size;
    await sleep(300);
    subAt.clear();
    watchAt.clear();
    writeAt.clear();

    // Measured writes, paced at ratePerSec, each to a different BD (not the warm-up one).
    const t0 = performance.now();
    const interval = 1000 / s.ratePerSec;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < s.events; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inflight.push(write(1 + (i % (targets.length - 1))));
    }
    await Promise.all(inflight);
    const sendSeconds = (performance.now() - t0) / 1000;
    const expected = s.events * connected;
    const drainDeadline = performance.now() + s.drainMs;
    const received = () => [...writeAt.keys()].reduce((n, rv) => n + (subAt.get(rv)?.length ?? 0), 0);
    while (received() < expected && performance.now() < drainDeadline) await sleep(100);

    const extra: number[] = [];
    const writeToWatch: number[] = [];
    const writeToSubscriber: number[] = [];
    for (const [rv, wrote] of writeAt) {
      const w = watchAt.get(rv);
      if (w !== undefined) writeToWatch.push(w - wrote);
      for (const t of subAt.get(rv) ?? []) {
        writeToSubscriber.push(t - wrote);
        if (w !== undefined) extra.push(t - w);
      }
    }
    // Goal 4: a burst through the same subscribers, each write to a BD not written in the burst yet.
    subAt.clear();
    writeAt.clear();
    const burstEvents = Math.min(s.events, targets.length - 1);
    let next = 0;
    const writer = async () => {
      while (next < burstEvents) await write(1 + next++);
    };
    const tb = performance.now();
    await Promise.all(Array.from({ length: 8 }, writer));
    const burstExpected = writeAt.size * connected;
    const burstDeadline = performance.now() + s.drainMs;
    while (received() < burstExpected && performance.now() < burstDeadline) await sleep(50);
    const times = [...writeAt.keys()].flatMap((rv) => subAt.get(rv) ?? []);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const burst: FanoutRate = {
      events: writeAt.size,
      expectedDeliveries: burstExpected,
      deliveries: times.length,
      deliveriesPerSec: times.length > 1 ? Math.round((times.length / (last - first)) * 1000) : NaN,
      seconds: Math.round(last - tb) / 1000,
    };
    return {
      burst,
      messageBytes,
      subscribers: s.subscribers,
      connected,
      events: writeAt.size,
      expectedDeliveries: expected,
      deliveries: writeToSubscriber.length,
      watchEvents: writeToWatch.length,
      extra: summarize(extra),
      writeToWatch: summarize(writeToWatch),
      writeToSubscriber: summarize(writeToSubscriber),
      sendSeconds: Math.round(sendSeconds * 100) / 100,
    };
  } finally {
    for (const d of disposers) d();
    await Promise.allSettled(clients.map((c) => Promise.resolve(c.dispose())));
    watchAbort.abort();
    writeAgent.destroy();
  }
}

/**
 * The raw ceiling for goal 4: a bare `ws` server sends the same pre-serialized bytes to every one
 * of `clients` connections, `events` times; deliveries per second from the first send to the last
 * receipt. Loopback, bounded by `maxMs`.
 */
export async function rawBroadcast(opts: {
  clients: number;
  events: number;
  bytes: number;
  maxMs: number;
}): Promise<FanoutRate> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const { port } = wss.address() as AddressInfo;
  const sockets: WebSocket[] = [];
  let received = 0;
  let lastAt = 0;
  try {
    await Promise.all(
      Array.from(
        { length: opts.clients },
        () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}`);
            sockets.push(ws);
            ws.on('message', () => {
              received++;
              lastAt = performance.now();
            });
            ws.once('open', () => resolve());
            ws.once('error', reject);
          }),
      ),
    );
    while (wss.clients.size < opts.clients) await sleep(10);
    const message = Buffer.from(
      JSON.stringify({ type: 'next', id: 'x', payload: { data: 'y'.repeat(Math.max(0, opts.bytes - 40)) } }),
    );
    const expected = opts.clients * opts.events;
    const t0 = performance.now();
    for (let e = 0; e < opts.events; e++) {
      for (const client of wss.clients) client.send(message);
      // Let receipts and socket writes run between events, as a server broadcasting events would.
      await new Promise<void>((r) => setImmediate(r));
    }
    const deadline = t0 + opts.maxMs;
    while (received < expected && performance.now() < deadline) await sleep(20);
    return {
      events: opts.events,
      expectedDeliveries: expected,
      deliveries: received,
      deliveriesPerSec: Math.round((received / (lastAt - t0)) * 1000),
      seconds: Math.round(lastAt - t0) / 1000,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}
