/**
 * Live BundleDeployment events against the simulated Fleet in `prompt` cleanup mode (Fleet ≥
 * v0.12.3): deployments appear and move through their states in order, and a retarget that drops a
 * cluster yields one REMOVED with TARGET_REMOVED per orphaned deployment within one reconcile, over
 * graphql-ws and SSE alike. A second gateway replica resumes from the first one's cursor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import type { RetargetEventsSubscription } from '../gql/graphql.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import {
  createAppGitRepo,
  createThreeClusters,
  startEmptySimulation,
  startSyncedGateway,
  STEP_DELAYS,
} from '../gateway/simulated.js';
import { subscribe, subscribeSse, tuning, wsClient, type WsClient } from './support.js';

const WS = 'fleet-default';

const AppEvents = graphql(`
  subscription RetargetEvents($filter: BundleDeploymentEventFilter, $after: String) {
    bundleDeploymentEvents(filter: $filter, after: $after) {
      type
      cursor
      observedAt
      state
      previousState
      bundleDeployment {
        namespace
        name
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

// Resolved against the store as it is at each event (a stale read model would count 0 bundles forever).
const RepoBundles = graphql(`
  subscription RetargetRepoBundles {
    gitRepoChanged(namespace: "fleet-default", name: "app") {
      name
      bundles {
        totalCount
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let replica: Gateway;
let clock: ManualClock;
let kube: FleetWriter;
const clients: WsClient[] = [];

async function gateway(): Promise<Gateway> {
  return startSyncedGateway(sim, { clock, watchTuning: tuning });
}

/** Moves simulated time in steps until `done` holds. */
async function advanceUntil(done: () => boolean, stepMs = 1_000): Promise<void> {
  await expect
    .poll(
      async () => {
        if (!done()) await clock.advance(stepMs);
        return done();
      },
      { timeout: 15_000, interval: 20 },
    )
    .toBe(true);
}

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({ cleanup: 'prompt', clock, fleet: STEP_DELAYS });
  [gw, replica] = await Promise.all([gateway(), gateway()]);
  kube = new FleetWriter(sim.kubeConfig);
  await createThreeClusters(kube);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([gw?.stop(), replica?.stop()]);
  await sim?.stop();
});

type Event = RetargetEventsSubscription['bundleDeploymentEvents'];

describe('bundleDeploymentEvents over the simulated Fleet (prompt cleanup)', () => {
  it('reports each deployment appearing, then its states in order, then a retarget as TARGET_REMOVED', async () => {
    const ws = wsClient(gw.url);
    clients.push(ws);
    const all = subscribe(ws, AppEvents, { filter: { workspace: WS, gitRepo: 'app' } });
    const sse = subscribeSse(gw.url, AppEvents, { filter: { gitRepo: 'app', types: ['REMOVED'] } });
    const repo = subscribe(ws, RepoBundles);
    await expect.poll(() => gw.eventStats().subscribers).toBe(3);
    await createAppGitRepo(kube);
    const events = () => all.data.map((d): Event => d.bundleDeploymentEvents);
    const latest = () => {
      const m = new Map<string, string | null | undefined>();
      for (const e of events())
        m.set(`${e.bundleDeployment!.bundleName}@${e.bundleDeployment!.clusterName}`, e.state);
      return m;
    };
    await advanceUntil(() => latest().size === 6 && [...latest().values()].every((s) => s === 'READY'));

    expect(repo.data[0]?.gitRepoChanged?.bundles.totalCount).toBe(0);
    expect(repo.data.at(-1)?.gitRepoChanged?.bundles.totalCount).toBe(2);
    repo.stop();

    // Per deployment: ADDED first, then each event's previous state is the last event's state.
    const byObject = new Map<string, Event[]>();
    for (const e of events()) {
      const key = `${e.bundleDeployment!.namespace}/${e.bundleDeployment!.name}`;
      byObject.set(key, [...(byObject.get(key) ?? []), e]);
    }
    expect(byObject.size).toBe(6);
    for (const seq of byObject.values()) {
      expect(seq[0]!.type).toBe('ADDED');
      expect(seq[0]!.previousState).toBeNull();
      for (let i = 1; i < seq.length; i++) expect(seq[i]!.previousState).toBe(seq[i - 1]!.state);
    }
    const beforeRetarget = events().at(-1)!.cursor;

    // Retarget to the prod clusters: Fleet deletes the two deployments on us-1 in its next reconcile.
    const retargetAt = clock.now();
    await kube.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
    const removals = () => events().filter((e) => e.type === 'REMOVED');
    await advanceUntil(() => removals().length >= 2);
    expect(removals()).toHaveLength(2);
    expect(
      removals()
        .map((e) => [e.bundleDeployment!.bundleName, e.bundleDeployment!.clusterName, e.removal!.reason])
        .sort(),
    ).toEqual([
      ['app-a', 'us-1', 'TARGET_REMOVED'],
      ['app-b', 'us-1', 'TARGET_REMOVED'],
    ]);
    for (const e of removals()) {
      const since = Date.parse(e.removal!.orphanedSince);
      expect(since).toBeGreaterThanOrEqual(retargetAt);
      expect(e.removal!.cleanupLatencyMs).toBe(Date.parse(e.observedAt) - since);
      // Within one reconcile of the Bundle taking the new targets (simulated seconds, not a check-in).
      expect(e.removal!.cleanupLatencyMs).toBeLessThan(10_000);
      expect(e.bundleDeployment!.clusterName).toBe('us-1');
      expect(e.state).toBe('READY');
    }
    // SSE saw the same removals, with the same cursors.
    await expect.poll(() => sse.data.length).toBe(2);
    expect(sse.data.map((d) => d.bundleDeploymentEvents.cursor)).toEqual(removals().map((e) => e.cursor));

    // Another replica watched the same API server: resuming there from this replica's cursor
    // delivers what followed it (cursors come from resourceVersions, not from the replica).
    const other = wsClient(replica.url);
    clients.push(other);
    const resumed = subscribe(other, AppEvents, { filter: { gitRepo: 'app' }, after: beforeRetarget });
    const after = events().slice(events().findIndex((e) => e.cursor === beforeRetarget) + 1);
    expect(after.filter((e) => e.type === 'REMOVED')).toHaveLength(2);
    await expect.poll(() => resumed.data.length).toBe(after.length);
    expect(resumed.data.map((d) => [d.bundleDeploymentEvents.type, d.bundleDeploymentEvents.cursor])).toEqual(
      after.map((e) => [e.type, e.cursor]),
    );
    all.stop();
    sse.stop();
    resumed.stop();
  });
});
