/**
 * Every field of the BundleDeployment event filter selects every event type alike: a retarget of a
 * GitRepo that drops a cluster must reach a subscriber filtering REMOVED by that GitRepo (or by its
 * workspace, bundle, cluster, ClusterGroup or last state) just as it reaches one filtering REMOVED
 * alone, and ADDED and UPDATED pass the same filters. Over graphql-ws, against the simulated Fleet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import type { BundleDeploymentEventFilter, FilteredEventsSubscription } from '../gql/graphql.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import {
  createAppGitRepo,
  createThreeClusters,
  startEmptySimulation,
  startSyncedGateway,
  STEP_DELAYS,
} from '../gateway/simulated.js';
import { subscribe, tuning, wsClient, type Stream, type WsClient } from './support.js';

const WS = 'fleet-default';

const FilteredEvents = graphql(`
  subscription FilteredEvents($filter: BundleDeploymentEventFilter) {
    bundleDeploymentEvents(filter: $filter) {
      type
      cursor
      bundleDeployment {
        bundleName
        clusterName
      }
      removal {
        reason
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let clock: ManualClock;
let kube: FleetWriter;
let ws: WsClient;

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
  gw = await startSyncedGateway(sim, { clock, watchTuning: tuning });
  kube = new FleetWriter(sim.kubeConfig);
  await createThreeClusters(kube);
  // The group of the cluster the retarget drops.
  await kube.create('clustergroups', WS, {
    metadata: { name: 'dev' },
    spec: { selector: { matchLabels: { env: 'dev' } } },
  });
  ws = wsClient(gw.url);
});

afterAll(async () => {
  await ws?.dispose();
  await gw?.stop();
  await sim?.stop();
});

type Event = FilteredEventsSubscription['bundleDeploymentEvents'];
const summary = (e: Event) =>
  `${e.type} ${e.bundleDeployment!.bundleName}@${e.bundleDeployment!.clusterName}`;

describe('bundleDeploymentEvents filters over a retarget', () => {
  it('delivers REMOVED (and ADDED, UPDATED) to every filter field that names the deployment', async () => {
    const filters: Record<string, BundleDeploymentEventFilter> = {
      removed: { types: ['REMOVED'] },
      gitRepo: { gitRepo: 'app', types: ['REMOVED'] },
      workspaceGitRepo: { workspace: WS, gitRepo: 'app', types: ['REMOVED'] },
      workspace: { workspace: WS, types: ['REMOVED'] },
      bundle: { bundle: 'app-a', types: ['REMOVED'] },
      cluster: { cluster: 'us-1', types: ['REMOVED'] },
      clusterGroup: { clusterGroup: 'dev', types: ['REMOVED'] },
      state: { gitRepo: 'app', states: ['READY'], types: ['REMOVED'] },
      all: { workspace: WS, gitRepo: 'app', bundle: 'app-b', cluster: 'us-1', types: ['REMOVED'] },
      added: { gitRepo: 'app', types: ['ADDED'] },
      updated: { gitRepo: 'app', cluster: 'us-1', types: ['UPDATED'] },
      // Names nothing that exists: must stay empty.
      otherRepo: { gitRepo: 'other', types: ['REMOVED', 'ADDED', 'UPDATED'] },
      otherWorkspace: { workspace: 'fleet-local', gitRepo: 'app' },
    };
    const streams = new Map<string, Stream<FilteredEventsSubscription>>();
    for (const [name, filter] of Object.entries(filters))
      streams.set(name, subscribe(ws, FilteredEvents, { filter }));
    await expect.poll(() => gw.eventStats().subscribers).toBe(streams.size);
    const got = (name: string) => streams.get(name)!.data.map((d) => d.bundleDeploymentEvents);

    await createAppGitRepo(kube);
    const ready = () => got('updated').filter((e) => e.bundleDeployment!.bundleName === 'app-a').length;
    await advanceUntil(() => got('added').length === 6 && ready() > 0);
    await advanceUntil(() => got('updated').length > 0);

    // Fleet deletes the two deployments on us-1 (env=dev) in its next reconcile.
    await kube.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
    await advanceUntil(() => got('removed').length >= 2);
    const removed = got('removed').map(summary).sort();
    expect(removed).toEqual(['REMOVED app-a@us-1', 'REMOVED app-b@us-1']);
    expect(got('removed').every((e) => e.removal?.reason === 'TARGET_REMOVED')).toBe(true);

    // Every stream has had every event the reference one had (one event-loop turn dispatches all).
    await expect.poll(() => got('gitRepo').map(summary).sort()).toEqual(removed);
    expect(got('workspaceGitRepo').map(summary).sort()).toEqual(removed);
    expect(got('workspace').map(summary).sort()).toEqual(removed);
    expect(got('cluster').map(summary).sort()).toEqual(removed);
    expect(got('clusterGroup').map(summary).sort()).toEqual(removed);
    expect(got('state').map(summary).sort()).toEqual(removed);
    expect(got('bundle').map(summary)).toEqual(['REMOVED app-a@us-1']);
    expect(got('all').map(summary)).toEqual(['REMOVED app-b@us-1']);
    expect(got('gitRepo').map((e) => e.cursor)).toEqual(got('removed').map((e) => e.cursor));

    expect(got('added').map(summary).sort()).toEqual(
      ['app-a', 'app-b'].flatMap((b) => ['eu-1', 'eu-2', 'us-1'].map((c) => `ADDED ${b}@${c}`)),
    );
    expect(
      got('updated').every((e) => e.type === 'UPDATED' && e.bundleDeployment!.clusterName === 'us-1'),
    ).toBe(true);
    expect(got('otherRepo')).toEqual([]);
    expect(got('otherWorkspace')).toEqual([]);
    for (const s of streams.values()) {
      expect(s.errors).toEqual([]);
      s.stop();
    }
  });
});
