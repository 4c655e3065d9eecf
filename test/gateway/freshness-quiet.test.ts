/**
 * The progress probe on a server that does not bookmark often: the API server's resourceVersion
 * is one counter for every kind, so while Clusters change, the GitRepo watch (nothing changes
 * there) trails the counter until a bookmark arrives, and real servers send one about a minute
 * apart. Here the emulator sends none at all. The quiet kind must not read as stale, and must not
 * be restarted or relisted in a loop; a watch that really went silent must still be marked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter } from './kube-fixtures.js';
import { startEmptySimulation } from './simulated.js';

const WS = 'fleet-default';
/** Probe period; the restart bound is five of them, so a false lag would escalate within a second. */
const PROBE_MS = 100;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

interface Answer {
  data?: Record<string, unknown> | null;
  extensions?: { freshness?: { stale: boolean; staleKinds: string[] } };
}

async function ask(gw: Gateway, query: string): Promise<Answer> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as Answer;
}

const metric = async (gw: Gateway, name: string): Promise<number> => {
  const text = await (await fetch(gw.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
};
const errors = (kind: string, reason: string) =>
  `fleet_graph_watch_errors_total{kind="${kind}",reason="${reason}"}`;

async function setup(restartMs = 5 * PROBE_MS): Promise<{ sim: Simulation; kube: FleetWriter; gw: Gateway }> {
  // No bookmarks within the test's lifetime: the quiet kind only ever hears its list's version.
  const sim = await startEmptySimulation({
    cleanup: 'prompt',
    controllers: false,
    bookmarkIntervalMs: 3_600_000,
  });
  cleanups.push(() => sim.stop());
  const kube = new FleetWriter(sim.kubeConfig);
  await kube.cluster('c1', { env: 'prod' });
  await kube.create('gitrepos', WS, { metadata: { name: 'app' }, spec: { repo: 'https://example.com/a' } });
  await kube.deployment('b1', 'c1', 'app');
  const gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1', '--sync-wait-seconds', '1'], {}),
    kubeConfig: sim.kubeConfig,
    logger: silentLogger(),
    watchTuning: {
      backoff: { initialMs: 20, maxMs: 200 },
      minReconnectDelayMs: 10,
      maxReconnectDelayMs: 100,
      healthyAfterMs: 100,
      progressIntervalMs: PROBE_MS,
      progressGraceMs: PROBE_MS,
      progressRestartMs: restartMs,
    },
    staleGraceMs: 100,
    shutdownGraceMs: 200,
  });
  cleanups.push(() => gw.stop());
  await gw.synced;
  return { sim, kube, gw };
}

/** Edits a Cluster's labels over and over (the busy kind) until stopped. */
function busy(kube: FleetWriter): { stop: () => Promise<void> } {
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      n += 1;
      await kube.patch('clusters', WS, 'c1', { metadata: { labels: { round: String(n) } } });
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const REPOS = `{ gitRepos(first: 5) { totalCount } }`;
const BDS = `{ bundleDeployments(first: 5) { totalCount } }`;

describe('progress probe without bookmarks', () => {
  it('a quiet kind next to a busy one is never marked stale, restarted or relisted', async () => {
    const { kube, gw } = await setup();
    const relistsBefore = await metric(gw, 'fleet_graph_watch_relists_total{kind="GitRepo"}');
    const churn = busy(kube);
    const staleAnswers: string[] = [];
    try {
      // Until the GitRepo probe has judged the kind quiet several times (each time the counter was
      // ahead of its watch), every GitRepo answer is read.
      await expect
        .poll(
          async () => {
            const r = await ask(gw, REPOS);
            if (r.extensions?.freshness?.stale !== false) staleAnswers.push(JSON.stringify(r.extensions));
            return await metric(gw, errors('GitRepo', 'progress_quiet'));
          },
          { timeout: 30_000, interval: PROBE_MS / 2 },
        )
        .toBeGreaterThanOrEqual(5);
    } finally {
      await churn.stop();
    }
    expect(staleAnswers).toEqual([]);
    expect(await metric(gw, errors('GitRepo', 'watch_lagging'))).toBe(0);
    expect(await metric(gw, errors('GitRepo', 'watch_lagging_restart'))).toBe(0);
    expect(await metric(gw, errors('GitRepo', 'watch_lagging_relist'))).toBe(0);
    expect(await metric(gw, 'fleet_graph_watch_relists_total{kind="GitRepo"}')).toBe(relistsBefore);
    // The busy kind kept up by its own events throughout.
    expect(await metric(gw, errors('Cluster', 'watch_lagging'))).toBe(0);
  });

  it('a half-open watch is still marked stale, and the quiet kinds beside it are not', async () => {
    // A restart bound long enough for the lag to be seen before a new stream catches up.
    const { sim, kube, gw } = await setup(5_000);
    // The BundleDeployment streams stay connected and send nothing, the per-kind check included:
    // no proof of quiet, so the lag counts.
    sim.apiServer.faults.silenceWatches({ resource: 'bundledeployments' });
    await kube.deployment('b2', 'c1', 'app');
    await expect
      .poll(async () => (await ask(gw, BDS)).extensions?.freshness?.staleKinds, {
        timeout: 15_000,
        interval: PROBE_MS / 2,
      })
      .toEqual(['BundleDeployment']);
    const stale = await ask(gw, BDS);
    expect(stale.data).toEqual({ bundleDeployments: { totalCount: 1 } });
    expect((await ask(gw, REPOS)).extensions?.freshness?.stale).toBe(false);
    // Healed (a proxy cuts the half-open stream): the watch resumes and catches up.
    sim.apiServer.faults.clear();
    sim.apiServer.faults.endWatches({ resource: 'bundledeployments' });
    await expect
      .poll(
        async () => {
          const r = await ask(gw, BDS);
          return { data: r.data, stale: r.extensions?.freshness?.stale };
        },
        { timeout: 20_000, interval: PROBE_MS / 2 },
      )
      .toEqual({ data: { bundleDeployments: { totalCount: 2 } }, stale: false });
    expect(await metric(gw, errors('BundleDeployment', 'watch_lagging'))).toBeGreaterThanOrEqual(1);
    expect(await metric(gw, errors('GitRepo', 'watch_lagging'))).toBe(0);
  });
});
