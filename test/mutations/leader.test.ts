/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   GraphQL responses, metrics and watch events are JSON read field by field. */
/**
 * Two gateway replicas over one simulated Fleet, electing a leader on the emulator's Lease. A
 * staged retarget is started on the leader, which then goes away in the middle of it — crashed
 * (Lease left held, the follower waits for it to expire) or stopped (Lease released, the follower
 * takes over at its next retry). The follower finishes the operation. A watch on the GitRepo,
 * straight from the API server, proves that no step was applied or converged twice and none was
 * skipped; the operation record names the replica behind each step; /metrics shows one leader.
 */
import { Watch } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { RETARGET_OPERATION_ANNOTATION } from '../../src/gateway/fleet/commands/operation.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway, STEP_DELAYS } from '../gateway/simulated.js';
import { post } from '../gateway/support.js';

const WS = 'fleet-default';
const ALL = [{ name: 'all', clusterSelector: { matchLabels: [{ key: 'fleet', value: 'yes' }] } }];
const RETARGET = `mutation($input: RetargetGitRepoInput!) {
  retargetGitRepo(input: $input) { userErrors { code message } operation { id steps { state appliedBy } } }
}`;
const OPERATION = `query($id: ID!) { retargetOperation(id: $id) {
  state currentStep updatedBy failures { message } steps { state appliedBy convergedBy }
} }`;

let clock: ManualClock;
let sim: Simulation;
let gateways: Gateway[];
let stopWatch: (() => void) | undefined;

/** Short Lease timings, so an expiry takes seconds (the rule LeaseDuration > RenewDeadline > 1.2 × RetryPeriod holds). */
const config = loadConfig(
  [
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--leader-election-lease-seconds',
    '2',
    '--leader-election-renew-seconds',
    '1.5',
    '--leader-election-retry-seconds',
    '0.25',
  ],
  {},
);

async function replica(): Promise<Gateway> {
  const gw = await startSyncedGateway(sim, { clock, config });
  gateways.push(gw);
  return gw;
}

async function gql(gw: Gateway, query: string, variables?: Record<string, unknown>): Promise<any> {
  const r = await post<any>(gw.url, { query, variables });
  expect(r.errors ?? []).toEqual([]);
  return r.data;
}

/** Moves simulated time until `fn` returns `expected` (real-time bound). */
async function settle<T>(fn: () => Promise<T>, expected: T, stepMs = 2_000, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  do {
    await clock.advance(stepMs);
    last = await fn();
    if (isDeepStrictEqual(last, expected)) return;
  } while (Date.now() < deadline);
  expect(last).toEqual(expected);
}

/** `fleet_graph_leader` as each replica reports it on /metrics. */
async function leaderGauges(gws: readonly Gateway[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const gw of gws) {
    const text = await (await fetch(gw.metricsUrl)).text();
    for (const m of text.matchAll(/^fleet_graph_leader\{identity="([^"]+)"\} (\d+)$/gm))
      out[m[1]!] = Number(m[2]);
  }
  return out;
}

interface Seen {
  targets: string[];
  /** Per step index: the distinct appliedAt and convergedAt values the record ever carried. */
  applied: Map<number, Set<string>>;
  converged: Map<number, Set<string>>;
  operation: any;
}

/** Follows the GitRepo on the API server itself, recording every version of targets and operation. */
async function watchGitRepo(): Promise<Seen> {
  const seen: Seen = { targets: [], applied: new Map(), converged: new Map(), operation: undefined };
  const add = (m: Map<number, Set<string>>, i: number, v: unknown) => {
    if (typeof v !== 'string') return;
    if (!m.has(i)) m.set(i, new Set());
    m.get(i)!.add(v);
  };
  const req = await new Watch(sim.kubeConfig).watch(
    `/apis/fleet.cattle.io/v1alpha1/namespaces/${WS}/gitrepos`,
    {},
    (_type: string, obj: any) => {
      if (obj?.metadata?.name !== 'app') return;
      const targets = JSON.stringify(obj.spec?.targets ?? []);
      if (seen.targets.at(-1) !== targets) seen.targets.push(targets);
      const raw = obj.metadata.annotations?.[RETARGET_OPERATION_ANNOTATION];
      if (!raw) return;
      const op = JSON.parse(raw);
      seen.operation = op;
      op.steps.forEach((s: any, i: number) => {
        add(seen.applied, i, s.appliedAt);
        add(seen.converged, i, s.convergedAt);
      });
    },
    () => undefined,
  );
  stopWatch = () => req.abort();
  return seen;
}

beforeEach(async () => {
  gateways = [];
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({
    cleanup: 'prompt',
    clock,
    fleet: { ...STEP_DELAYS, agentBundles: false },
  });
  const objects = new FleetWriter(sim.kubeConfig);
  for (let i = 0; i < 9; i++)
    await objects.create('clusters', WS, {
      metadata: { name: `c-${i}`, labels: { fleet: 'yes' } },
      spec: {},
    });
  await objects.create('gitrepos', WS, {
    metadata: { name: 'app' },
    spec: {
      repo: 'https://example.com/app',
      paths: ['a'],
      targets: [{ name: 'none', clusterSelector: { matchLabels: { stage: 'none' } } }],
    },
  });
});

afterEach(async () => {
  stopWatch?.();
  for (const gw of gateways) await gw.stop({ releaseLease: false });
  await sim.stop();
});

async function failover(how: 'crash' | 'stop'): Promise<void> {
  const a = await replica();
  await expect.poll(() => a.leadership().leading).toBe(true);
  const b = await replica();
  await expect.poll(() => b.leadership().holder, { timeout: 10_000 }).toBe(a.leadership().identity);
  expect(b.leadership().leading).toBe(false);
  expect(await leaderGauges([a, b])).toEqual({ [a.leadership().identity]: 1, [b.leadership().identity]: 0 });
  await settle(async () => (await gql(b, '{ bundles { totalCount } }')).bundles.totalCount, 1);
  const seen = await watchGitRepo();

  const started = (
    await gql(a, RETARGET, {
      input: { namespace: WS, name: 'app', targets: ALL, strategy: { batchSize: 3, pauseBetween: 20 } },
    })
  ).retargetGitRepo;
  expect(started.userErrors).toEqual([]);
  const id = started.operation.id;
  expect(started.operation.steps).toHaveLength(3);
  const op = () => gql(b, OPERATION, { id }).then((d) => d.retargetOperation);
  // Leave the leader once the first step converged and before the last one is applied.
  await settle(async () => (await op()).steps[0].state === 'CONVERGED', true);
  expect((await op()).currentStep).toBeLessThan(2);

  await a.stop({ releaseLease: how === 'stop' });
  gateways.splice(gateways.indexOf(a), 1);
  // A crashed leader's Lease must expire first (2 s, observed by b); a released one is free at once.
  await expect.poll(() => b.leadership().leading, { timeout: 15_000 }).toBe(true);
  expect(await leaderGauges([b])).toEqual({ [b.leadership().identity]: 1 });

  await settle(async () => (await op()).state, 'SUCCEEDED');
  const done = await op();
  expect(done.failures).toEqual([]);
  expect(done.steps.map((s: any) => s.state)).toEqual(['CONVERGED', 'CONVERGED', 'CONVERGED']);
  // The record shows the handover: a applied the first step, b finished the operation.
  const [idA, idB] = [a.leadership().identity, b.leadership().identity];
  expect(done.steps[0].appliedBy).toBe(idA);
  expect(done.steps[2].appliedBy).toBe(idB);
  expect(done.steps[2].convergedBy).toBe(idB);
  expect(done.updatedBy).toBe(idB);
  for (const s of done.steps) {
    expect([idA, idB]).toContain(s.appliedBy);
    expect([idA, idB]).toContain(s.convergedBy);
  }

  // From the API server's side: every step applied once and converged once, in order, none skipped.
  await expect.poll(() => seen.operation?.state).toBe('SUCCEEDED');
  for (const i of [0, 1, 2]) {
    expect(seen.applied.get(i)?.size, `step ${i} applied`).toBe(1);
    expect(seen.converged.get(i)?.size, `step ${i} converged`).toBe(1);
  }
  const stepTargets = seen.operation.steps.map((s: any) => JSON.stringify(s.targets));
  expect(seen.targets.slice(1)).toEqual(stepTargets);
  // The last step is exactly the requested targets (the GraphQL label list as a Kubernetes map).
  expect(JSON.parse(seen.targets.at(-1)!)).toEqual([
    { name: 'all', clusterSelector: { matchLabels: { fleet: 'yes' } } },
  ]);
}

it('a crashed leader: the follower takes over after the Lease expires and finishes the staged retarget', async () => {
  await failover('crash');
}, 90_000);

it('a stopped leader releases the Lease: the follower takes over and finishes the staged retarget', async () => {
  await failover('stop');
}, 90_000);
