/**
 * Legacy cleanup (Fleet before v0.12.3, rancher/fleet#3437): after a retarget the orphans linger
 * until their cluster's next agent check-in runs Fleet's cleanup. The subscription stays quiet
 * until then, reports the orphans on `inconsistencyEvents` at once, and delivers one REMOVED with
 * TARGET_REMOVED per orphan when the cleanup happens, timed from when the gateway saw it orphaned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import {
  createAppGitRepo,
  createThreeClusters,
  startEmptySimulation,
  startSyncedGateway,
  STEP_DELAYS,
} from '../gateway/simulated.js';
import { subscribe, tuning, wsClient, type WsClient } from './support.js';

const WS = 'fleet-default';
const CHECK_IN_MS = 15 * 60_000;

const Removed = graphql(`
  subscription LegacyRemoved {
    bundleDeploymentEvents(filter: { gitRepo: "app", types: [REMOVED] }) {
      type
      observedAt
      bundleDeployment {
        bundleName
        clusterName
      }
      removal {
        reason
        orphanedSince
        cleanupLatencyMs
      }
    }
  }
`);

const Stale = graphql(`
  subscription LegacyStale {
    inconsistencyEvents(filter: { kinds: [STALE_DEPLOYMENT], cluster: "us-1" }) {
      type
      ageSeconds
      inconsistency {
        kind
        reason
      }
    }
  }
`);

const RepoChanges = graphql(`
  subscription LegacyRepo {
    gitRepoChanged(namespace: "fleet-default", name: "app") {
      name
      targets {
        name
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let clock: ManualClock;
let kube: FleetWriter;
let ws: WsClient;

async function advanceUntil(done: () => boolean | Promise<boolean>, stepMs = 1_000): Promise<void> {
  await expect
    .poll(
      async () => {
        if (!(await done())) await clock.advance(stepMs);
        return await done();
      },
      { timeout: 15_000, interval: 20 },
    )
    .toBe(true);
}

async function everyClusterCheckedIn(): Promise<boolean> {
  const r = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ clusters { edges { node { lastSeen } } } }' }),
  });
  const json = (await r.json()) as { data: { clusters: { edges: { node: { lastSeen: string | null } }[] } } };
  return (
    json.data.clusters.edges.length === 3 && json.data.clusters.edges.every((e) => e.node.lastSeen !== null)
  );
}

async function readyDeployments(): Promise<string | undefined> {
  const r = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        '{ gitRepo(namespace: "fleet-default", name: "app") { recomputedStatus { display { readyBundleDeployments } } } }',
    }),
  });
  const json = (await r.json()) as {
    data: { gitRepo: { recomputedStatus: { display: { readyBundleDeployments: string } } } | null };
  };
  return json.data.gitRepo?.recomputedStatus.display.readyBundleDeployments;
}

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({ cleanup: 'legacy', clock, fleet: STEP_DELAYS });
  gw = await startSyncedGateway(sim, { clock, watchTuning: tuning });
  kube = new FleetWriter(sim.kubeConfig);
  await createThreeClusters(kube);
  await createAppGitRepo(kube);
  ws = wsClient(gw.url);
});

afterAll(async () => {
  await ws?.dispose();
  await gw?.stop();
  await sim?.stop();
});

describe('bundleDeploymentEvents over the simulated Fleet (legacy cleanup)', () => {
  it('delivers REMOVED with TARGET_REMOVED when the check-in finally cleans up, with the latency', async () => {
    await advanceUntil(async () => (await readyDeployments()) === '6/6');
    // Let every cluster check in once, so the next check-in is a whole interval away.
    await advanceUntil(everyClusterCheckedIn, 5_000);
    const removed = subscribe(ws, Removed);
    const stale = subscribe(ws, Stale);
    const repo = subscribe(ws, RepoChanges);
    await expect.poll(() => repo.data.length).toBe(1);
    expect(repo.data[0]!.gitRepoChanged?.targets.map((t) => t.name)).toEqual(['all']);

    const retargetAt = clock.now();
    await kube.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
    // The GitRepo subscription shows the new targets; the orphans are found at once.
    await expect.poll(() => repo.data.at(-1)?.gitRepoChanged?.targets.map((t) => t.name)).toEqual(['prod']);
    await advanceUntil(
      () => stale.data.filter((d) => d.inconsistencyEvents.type === 'APPEARED').length === 2,
    );
    const orphanedAt = clock.now();
    // Five minutes on, Fleet has not cleaned up: no REMOVED yet.
    await clock.advance(5 * 60_000);
    expect(removed.data).toEqual([]);
    // The cluster's next check-in runs the cleanup.
    await clock.advance(CHECK_IN_MS - 5 * 60_000);
    await advanceUntil(() => removed.data.length >= 2, 5_000);
    expect(removed.data).toHaveLength(2);
    const events = removed.data.map((d) => d.bundleDeploymentEvents);
    expect(
      events
        .map((e) => [e.bundleDeployment!.bundleName, e.bundleDeployment!.clusterName, e.removal!.reason])
        .sort(),
    ).toEqual([
      ['app-a', 'us-1', 'TARGET_REMOVED'],
      ['app-b', 'us-1', 'TARGET_REMOVED'],
    ]);
    for (const e of events) {
      const since = Date.parse(e.removal!.orphanedSince);
      expect(since).toBeGreaterThanOrEqual(retargetAt);
      expect(since).toBeLessThanOrEqual(orphanedAt);
      expect(e.removal!.cleanupLatencyMs).toBe(Date.parse(e.observedAt) - since);
      expect(e.removal!.cleanupLatencyMs).toBeGreaterThanOrEqual(CHECK_IN_MS - 60_000);
    }
    // And the stale findings clear, each with its age.
    await expect
      .poll(() => stale.data.filter((d) => d.inconsistencyEvents.type === 'CLEARED').length)
      .toBe(2);
    for (const d of stale.data.filter((x) => x.inconsistencyEvents.type === 'CLEARED')) {
      expect(d.inconsistencyEvents.ageSeconds).toBeGreaterThanOrEqual(5 * 60);
    }
    removed.stop();
    stale.stop();
    repo.stop();
  });
});
