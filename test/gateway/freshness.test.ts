/**
 * "I don't know" never looks like "nothing is there": every answer carries
 * `extensions.freshness`, over HTTP, graphql-ws and SSE. Before the kinds an operation reads are
 * listed it answers UNAVAILABLE after a bounded wait; during an outage it answers from the last
 * good state marked stale since when, and subscriptions say so with a status event; after recovery
 * the marks clear. A watch that goes silent (half-open) while the server moves on is caught by the
 * progress probe within a few probe periods, marked stale, and unmarked once it has caught up. A
 * backend replaced on the same address leaves no ghost BundleDeployment, tells
 * subscribers what changed, and /readyz is ready only after the relist.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { WatchTuning } from '../../src/gateway/store/watching.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Simulation } from '../../src/simulator/index.js';
import { subscribeRaw, subscribeSse, wsClient, type Stream } from '../subscriptions/support.js';
import { graphql } from '../gql/index.js';
import { clusterNs, FleetWriter } from './kube-fixtures.js';
import { startEmptySimulation } from './simulated.js';

const WS = 'fleet-default';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: {
    freshness?: { synced: boolean; stale: boolean; staleKinds: string[]; staleSince: string | null };
  };
}

async function ask(gw: Gateway, query: string): Promise<Answer> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
}

const readyz = async (gw: Gateway) => {
  const res = await fetch(gw.url.replace(/graphql$/, 'readyz'));
  return { status: res.status, body: await res.text() };
};

async function simulation(
  opts: { port?: number; tokens?: string[]; bookmarkIntervalMs?: number } = {},
): Promise<Simulation> {
  const sim = await startEmptySimulation({
    cleanup: 'prompt',
    controllers: false,
    tooLargeWaitMs: 200,
    ...opts,
  });
  let stopped = false;
  const original = sim.stop.bind(sim);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await original();
  };
  cleanups.push(stop);
  return Object.assign(sim, { stop });
}

async function gateway(sim: Simulation, syncWaitSeconds = 1, tuning: WatchTuning = {}): Promise<Gateway> {
  const gw = await startGateway({
    config: loadConfig(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--sync-wait-seconds', String(syncWaitSeconds)],
      {},
    ),
    kubeConfig: sim.kubeConfig,
    logger: silentLogger(),
    watchTuning: {
      backoff: { initialMs: 20, maxMs: 200 },
      minReconnectDelayMs: 10,
      maxReconnectDelayMs: 100,
      healthyAfterMs: 100,
      ...tuning,
    },
    staleGraceMs: 100,
    shutdownGraceMs: 200,
  });
  cleanups.push(() => gw.stop());
  return gw;
}

type Freshness = NonNullable<NonNullable<Answer['extensions']>['freshness']>;

const freshnessOf = (r: { extensions?: Record<string, unknown> }): Freshness | undefined =>
  r.extensions?.freshness as Freshness | undefined;

const BD_EVENTS = `subscription { bundleDeploymentEvents { type viaRelist bundleDeployment { name }
  freshness { synced stale staleKinds staleSince } } }`;

const BdEvents = graphql(`
  subscription FreshnessBdEvents {
    bundleDeploymentEvents {
      type
      freshness {
        stale
        staleKinds
      }
    }
  }
`);

const RepoChanged = graphql(`
  subscription FreshnessRepoChanged {
    gitRepoChanged(namespace: "fleet-default", name: "app") {
      name
    }
  }
`);

describe('before the first full list', () => {
  it('answers UNAVAILABLE after the bounded wait on HTTP, WS and SSE, for queries and mutations; other kinds answer', async () => {
    const sim = await simulation();
    sim.apiServer.faults.failRequests({ status: 500, match: { verb: 'list', resource: 'gitrepos' } });
    const gw = await gateway(sim, 1);

    const q = await ask(gw, `{ gitRepos(first: 5) { totalCount } }`);
    expect(q.status).toBe(503);
    expect(q.data ?? null).toBeNull();
    expect(q.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    expect(q.extensions?.freshness).toMatchObject({ synced: false });

    const m = await ask(
      gw,
      `mutation { setGitRepoPaused(input: { namespace: "${WS}", name: "app", paused: true }) { userErrors { code } } }`,
    );
    expect(m.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    expect(m.data ?? null).toBeNull();

    // A kind already listed answers, fresh.
    await expect
      .poll(async () => (await ask(gw, `{ clusters(first: 5) { totalCount } }`)).extensions?.freshness)
      .toEqual({ synced: true, stale: false, staleKinds: [], staleSince: null });

    const ws = wsClient(gw.url);
    cleanups.push(() => ws.dispose());
    const viaWs = subscribeRaw(
      ws,
      `subscription { gitRepoChanged(namespace: "${WS}", name: "app") { name } }`,
    );
    await expect
      .poll(() => viaWs.errors.flat().map((e) => e.extensions?.code), { timeout: 5_000 })
      .toEqual(['UNAVAILABLE']);
    expect(viaWs.data).toEqual([]);

    const viaSse = subscribeSse(gw.url, RepoChanged);
    cleanups.push(() => Promise.resolve(viaSse.stop()));
    await expect
      .poll(() => viaSse.errors.flat().map((e) => e.extensions?.code), { timeout: 5_000 })
      .toEqual(['UNAVAILABLE']);
    expect(viaSse.data).toEqual([]);
    expect(await readyz(gw)).toMatchObject({ status: 503 });
  });

  it('an operation waiting for the list answers once it arrives', async () => {
    const sim = await simulation();
    sim.apiServer.faults.failRequests({ status: 500, match: { verb: 'list', resource: 'gitrepos' } });
    const gw = await gateway(sim, 20);
    const pending = ask(gw, `{ gitRepos(first: 5) { totalCount } }`);
    sim.apiServer.faults.clear();
    const a = await pending;
    expect(a.errors).toBeUndefined();
    expect(a.data).toEqual({ gitRepos: { totalCount: 0 } });
    expect(a.extensions?.freshness).toEqual({ synced: true, stale: false, staleKinds: [], staleSince: null });
  });
});

describe('through an outage', () => {
  it('answers from the last good state marked stale since when, streams say so, and all clears on recovery', async () => {
    const sim = await simulation();
    const kube = new FleetWriter(sim.kubeConfig);
    await kube.cluster('c1', { env: 'prod' });
    await kube.create('gitrepos', WS, { metadata: { name: 'app' }, spec: { repo: 'https://example.com/a' } });
    await kube.deployment('b1', 'c1', 'app');
    const gw = await gateway(sim);
    await gw.synced;
    await expect
      .poll(async () => (await ask(gw, `{ gitRepos(first: 5) { totalCount } }`)).data)
      .toEqual({ gitRepos: { totalCount: 1 } });

    const ws = wsClient(gw.url);
    cleanups.push(() => ws.dispose());
    const bdWs = subscribeRaw(ws, BD_EVENTS);
    const repoWs = subscribeRaw(
      ws,
      `subscription { gitRepoChanged(namespace: "${WS}", name: "app") { name } }`,
    );
    const bdSse: Stream<unknown> = subscribeSse(gw.url, BdEvents);
    cleanups.push(() => Promise.resolve(bdSse.stop()));
    await expect.poll(() => repoWs.results.length).toBe(1);
    expect(freshnessOf(repoWs.results[0]!)).toEqual({
      synced: true,
      stale: false,
      staleKinds: [],
      staleSince: null,
    });

    const before = Date.now();
    sim.apiServer.faults.outage();
    await expect
      .poll(async () => (await ask(gw, `{ gitRepos(first: 5) { totalCount } }`)).extensions?.freshness?.stale)
      .toBe(true);
    const stale = await ask(gw, `{ gitRepos(first: 5) { totalCount } }`);
    expect(stale.data).toEqual({ gitRepos: { totalCount: 1 } });
    expect(stale.extensions?.freshness?.staleKinds).toEqual(['GitRepo']);
    const since = Date.parse(stale.extensions!.freshness!.staleSince!);
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(since).toBeLessThanOrEqual(Date.now());
    expect((await readyz(gw)).status).toBe(503);
    // A query over graphql-ws carries the same marks.
    const overWs = subscribeRaw(ws, `{ gitRepos(first: 5) { totalCount } }`);
    await expect.poll(() => overWs.completed).toBe(true);
    expect(overWs.results).toHaveLength(1);
    expect(overWs.results[0]!.data).toEqual({ gitRepos: { totalCount: 1 } });
    expect(freshnessOf(overWs.results[0]!)).toMatchObject({ stale: true, staleKinds: ['GitRepo'] });

    // Status events: a FRESHNESS_CHANGED with the field and the extension; the GitRepo again, marked.
    const staleStatus = () =>
      bdWs.results.find(
        (r) => JSON.stringify(r.data).includes('FRESHNESS_CHANGED') && freshnessOf(r)?.stale === true,
      );
    await expect.poll(staleStatus).toBeDefined();
    const statusEvent = staleStatus()!;
    expect(statusEvent.data).toMatchObject({
      bundleDeploymentEvents: {
        type: 'FRESHNESS_CHANGED',
        bundleDeployment: null,
        freshness: { synced: true, stale: true },
      },
    });
    expect(freshnessOf(statusEvent)).toMatchObject({ stale: true });
    await expect.poll(() => repoWs.results.some((r) => freshnessOf(r)?.stale === true)).toBe(true);
    await expect
      .poll(() =>
        bdSse.results.some(
          (r) => JSON.stringify(r.data).includes('FRESHNESS_CHANGED') && freshnessOf(r)?.stale === true,
        ),
      )
      .toBe(true);

    sim.apiServer.faults.clear();
    await expect
      .poll(async () => (await ask(gw, `{ gitRepos(first: 5) { totalCount } }`)).extensions?.freshness, {
        timeout: 10_000,
      })
      .toEqual({ synced: true, stale: false, staleKinds: [], staleSince: null });
    await expect.poll(async () => (await readyz(gw)).status).toBe(200);
    await expect
      .poll(() =>
        bdWs.results.some(
          (r) => JSON.stringify(r.data).includes('FRESHNESS_CHANGED') && freshnessOf(r)?.stale === false,
        ),
      )
      .toBe(true);
    await expect.poll(() => freshnessOf(repoWs.results[repoWs.results.length - 1]!)?.stale).toBe(false);
  });
});

describe('a backend replaced on the same address', () => {
  it('relists: no ghost BundleDeployments, subscribers get the differences, /readyz ready only after', async () => {
    const old = await simulation();
    const kube = new FleetWriter(old.kubeConfig);
    await kube.cluster('c1', { env: 'prod' });
    for (const b of ['b1', 'b2', 'b3']) await kube.deployment(b, 'c1', 'app');
    // Churn, so the old history is longer than the new one.
    for (let i = 0; i < 5; i++) await kube.deployment(`tmp${i}`, 'c1', 'app');
    for (let i = 0; i < 5; i++) await kube.delete('bundledeployments', clusterNs('c1'), `tmp${i}`);
    const gw = await gateway(old);
    await gw.synced;
    const names = async () =>
      (
        (await ask(gw, `{ bundleDeployments(first: 100) { edges { node { name } } } }`)).data as {
          bundleDeployments: { edges: { node: { name: string } }[] };
        }
      ).bundleDeployments.edges
        .map((e) => e.node.name)
        .sort();
    await expect.poll(names).toEqual(['b1', 'b2', 'b3']);
    const ws = wsClient(gw.url);
    cleanups.push(() => ws.dispose());
    const events = subscribeRaw(ws, BD_EVENTS);
    await expect.poll(async () => (await readyz(gw)).status).toBe(200);

    const port = Number(new URL(old.url).port);
    await old.stop();
    await expect.poll(async () => (await readyz(gw)).status).toBe(503);

    // Watch /readyz while the new backend comes up: whenever it says ready, the answers after it
    // must hold nothing of the old backend's (b1, b3 are ghosts; b2 is there again only once the
    // new backend creates it).
    let sampling = true;
    const violations: string[] = [];
    const sampler = (async () => {
      while (sampling) {
        const ready = (await readyz(gw)).status === 200;
        const now = await names().catch(() => undefined);
        if (ready && now && (now.includes('b1') || now.includes('b3'))) violations.push(now.join(','));
      }
    })();
    const fresh = await simulation({ port, tokens: [old.token] });
    const kube2 = new FleetWriter(fresh.kubeConfig);
    await kube2.cluster('c1', { env: 'prod' });
    for (const b of ['b2', 'b4']) await kube2.deployment(b, 'c1', 'app');
    await expect.poll(names, { timeout: 10_000 }).toEqual(['b2', 'b4']);
    await expect.poll(async () => (await readyz(gw)).status, { timeout: 10_000 }).toBe(200);
    sampling = false;
    await sampler;
    expect(violations).toEqual([]);

    const seen = () =>
      events.data.map((d) => {
        const e = (
          d as { bundleDeploymentEvents: { type: string; bundleDeployment: { name: string } | null } }
        ).bundleDeploymentEvents;
        return `${e.type} ${e.bundleDeployment?.name ?? ''}`.trim();
      });
    await expect
      .poll(seen)
      .toEqual(expect.arrayContaining(['REMOVED b1', 'REMOVED b3', 'REMOVED b2', 'ADDED b2', 'ADDED b4']));
  });
});

describe('a silent (half-open) watch', () => {
  /** Probe period of these tests; the emulator bookmarks as often, so a healthy watch keeps up. */
  const PROBE_MS = 100;
  const BD_COUNT = `{ bundleDeployments(first: 10) { totalCount } }`;
  const metricsText = async (gw: Gateway) => (await fetch(gw.metricsUrl)).text();

  async function silentWatchSetup(tuning: WatchTuning = {}) {
    const sim = await simulation({ bookmarkIntervalMs: PROBE_MS });
    const kube = new FleetWriter(sim.kubeConfig);
    await kube.cluster('c1', { env: 'prod' });
    await kube.create('gitrepos', WS, { metadata: { name: 'app' }, spec: { repo: 'https://example.com/a' } });
    await kube.deployment('b1', 'c1', 'app');
    const gw = await gateway(sim, 1, { progressIntervalMs: PROBE_MS, progressGraceMs: PROBE_MS, ...tuning });
    await gw.synced;
    await expect
      .poll(async () => {
        const r = await ask(gw, BD_COUNT);
        return { data: r.data, stale: r.extensions?.freshness?.stale };
      })
      .toEqual({ data: { bundleDeployments: { totalCount: 1 } }, stale: false });
    return { sim, kube, gw };
  }

  it('is marked stale within a few probe periods while the server moves on, and clears once the watch catches up', async () => {
    const { sim, kube, gw } = await silentWatchSetup();
    const before = Date.now();
    // The open BundleDeployment watch stays connected and sends nothing, not even bookmarks.
    sim.apiServer.faults.silenceWatches({ resource: 'bundledeployments' });
    await kube.deployment('b2', 'c1', 'app');

    await expect
      .poll(async () => (await ask(gw, BD_COUNT)).extensions?.freshness?.staleKinds, {
        // A lag is confirmed by a one-second check of the kind before it counts.
        timeout: 15_000,
        interval: PROBE_MS / 2,
      })
      .toEqual(['BundleDeployment']);
    const stale = await ask(gw, BD_COUNT);
    // Served from the last good state, and said so: the store has not seen b2.
    expect(stale.data).toEqual({ bundleDeployments: { totalCount: 1 } });
    expect(stale.extensions?.freshness).toMatchObject({ synced: true, stale: true });
    // Since the probe that saw the lag was sent: it may have left just before the write it saw.
    const since = Date.parse(stale.extensions!.freshness!.staleSince!);
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(since).toBeLessThanOrEqual(Date.now());
    // Kinds whose watches keep up are not marked.
    expect((await ask(gw, `{ gitRepos(first: 5) { totalCount } }`)).extensions?.freshness?.stale).toBe(false);
    // A lag marks answers but keeps the replica in rotation (see readinessFrom).
    expect((await readyz(gw)).status).toBe(200);
    expect(await metricsText(gw)).toMatch(
      /fleet_graph_watch_errors_total\{kind="BundleDeployment",reason="watch_lagging"\} [1-9]/,
    );

    // The half-open stream is cut (as a proxy or the watchdog would); the watch resumes and catches up.
    sim.apiServer.faults.clear();
    sim.apiServer.faults.endWatches({ resource: 'bundledeployments' });
    await expect
      .poll(async () => {
        const r = await ask(gw, BD_COUNT);
        return { data: r.data, freshness: r.extensions?.freshness };
      })
      .toEqual({
        data: { bundleDeployments: { totalCount: 2 } },
        freshness: { synced: true, stale: false, staleKinds: [], staleSince: null },
      });
  });

  it('restarts, then relists when the watch stays behind past the bound, even if every new stream is silent too', async () => {
    const { sim, kube, gw } = await silentWatchSetup({ progressRestartMs: 5 * PROBE_MS });
    sim.apiServer.faults.silenceWatches({ resource: 'bundledeployments' });
    await kube.deployment('b2', 'c1', 'app');
    await expect
      .poll(async () => (await ask(gw, BD_COUNT)).extensions?.freshness?.stale, {
        // A lag is confirmed by a one-second check of the kind before it counts.
        timeout: 15_000,
        interval: PROBE_MS / 2,
      })
      .toBe(true);
    // Nothing ends the silent stream, and the emulator silences new ones: the bound restarts the
    // watch (in vain here), then relists, and the list is what catches up: within twice the bound
    // plus a few probe periods.
    await expect
      .poll(
        async () => {
          const r = await ask(gw, BD_COUNT);
          return { data: r.data, stale: r.extensions?.freshness?.stale };
        },
        { timeout: 20_000, interval: PROBE_MS / 2 },
      )
      .toEqual({ data: { bundleDeployments: { totalCount: 2 } }, stale: false });
    expect(await metricsText(gw)).toMatch(
      /fleet_graph_watch_errors_total\{kind="BundleDeployment",reason="watch_lagging_relist"\} [1-9]/,
    );
    expect(await metricsText(gw)).toMatch(
      /fleet_graph_watch_errors_total\{kind="BundleDeployment",reason="watch_lagging_restart"\} [1-9]/,
    );
  });
});
