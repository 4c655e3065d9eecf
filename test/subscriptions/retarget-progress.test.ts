/**
 * `retargetProgress` over graphql-ws against the simulated Fleet: a staged retarget (issue #5's
 * `retargetGitRepo` with a strategy) reports its pending additions shrinking step by step, and the
 * stream ends with the converged operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway, STEP_DELAYS } from '../gateway/simulated.js';
import { post } from '../gateway/support.js';
import { subscribe, tuning, wsClient, type WsClient } from './support.js';

const WS = 'fleet-default';

const Progress = graphql(`
  subscription StagedProgress($id: ID!) {
    retargetProgress(operationId: $id) {
      pendingAdditions
      pendingRemovals
      converged
      finished
      elapsedSeconds
      operation {
        id
        state
        currentStep
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let clock: ManualClock;
let ws: WsClient;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({ cleanup: 'prompt', clock, fleet: STEP_DELAYS });
  gw = await startSyncedGateway(sim, { clock, watchTuning: tuning });
  const kube = new FleetWriter(sim.kubeConfig);
  for (const name of ['c-1', 'c-2', 'c-3', 'c-4'])
    await kube.create('clusters', WS, { metadata: { name, labels: { fleet: 'yes' } }, spec: {} });
  await kube.create('gitrepos', WS, {
    metadata: { name: 'app' },
    spec: {
      repo: 'https://example.com/app',
      paths: ['a'],
      targets: [{ name: 'none', clusterSelector: { matchLabels: { stage: 'none' } } }],
    },
  });
  ws = wsClient(gw.url);
});

afterAll(async () => {
  await ws?.dispose();
  await gw?.stop();
  await sim?.stop();
});

async function bundles(): Promise<number> {
  const r = await post<{ bundles: { totalCount: number } }>(gw.url, { query: '{ bundles { totalCount } }' });
  return r.data?.bundles.totalCount ?? 0;
}

describe('retargetProgress', () => {
  it('reports a staged retarget step by step until it converges, then ends', async () => {
    await expect
      .poll(
        async () => {
          await clock.advance(1_000);
          return bundles();
        },
        { timeout: 15_000, interval: 20 },
      )
      .toBe(1);
    const started = await post<{
      retargetGitRepo: { userErrors: unknown[]; operation: { id: string } | null };
    }>(gw.url, {
      query: `mutation($input: RetargetGitRepoInput!) {
        retargetGitRepo(input: $input) { userErrors { code message } operation { id } }
      }`,
      variables: {
        input: {
          namespace: WS,
          name: 'app',
          targets: [{ name: 'all', clusterSelector: { matchLabels: [{ key: 'fleet', value: 'yes' }] } }],
          strategy: { batchSize: 2, pauseBetween: 0 },
        },
      },
    });
    expect(started.data?.retargetGitRepo.userErrors).toEqual([]);
    const id = started.data!.retargetGitRepo.operation!.id;
    const progress = subscribe(ws, Progress, { id });
    await expect.poll(() => progress.data.length).toBeGreaterThanOrEqual(1);
    expect(progress.data[0]!.retargetProgress.pendingAdditions).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    expect(progress.data[0]!.retargetProgress.finished).toBe(false);

    await expect
      .poll(
        async () => {
          if (!progress.completed) await clock.advance(1_000);
          return progress.completed;
        },
        { timeout: 15_000, interval: 20 },
      )
      .toBe(true);
    const seen = progress.data.map((d) => d.retargetProgress);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      converged: true,
      finished: true,
      pendingAdditions: [],
      pendingRemovals: [],
    });
    expect(last.operation).toMatchObject({ id, state: 'SUCCEEDED' });
    expect(last.elapsedSeconds).toBeGreaterThan(0);
    // Pending additions only shrink; the operation passed through its second step.
    const pendingCounts = seen.map((p) => p.pendingAdditions.length);
    expect([...pendingCounts].sort((a, b) => b - a)).toEqual(pendingCounts);
    expect(pendingCounts).toContain(2);
    expect(seen.filter((p) => p.finished)).toHaveLength(1);
  });
});
