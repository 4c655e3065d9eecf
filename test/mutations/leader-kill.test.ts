/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   GraphQL responses and watch events are JSON read field by field. */
/**
 * Two gateway replicas as separate processes — the real CLI, `serve --backend kubeconfig` — over
 * one simulated Fleet, electing a leader on the emulator's Lease. A staged retarget (one cluster
 * per step, a pause between steps) is started, and once the leader has converged the first step
 * its process is SIGKILLed: no shutdown hook runs, the Lease stays held until it expires. The
 * survivor must take over, finish the operation, and a watch on the GitRepo straight from the API
 * server must show every step applied and converged exactly once, in order, none skipped; the
 * operation record names the killed replica on the early steps and the survivor on the last.
 */
import { CoordinationV1Api, Watch } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RETARGET_OPERATION_ANNOTATION } from '../../src/gateway/fleet/commands/operation.js';
import type { Simulation } from '../../src/simulator/index.js';
import { startCliGateway, type RunningGateway } from '../support/cli-process.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import { startEmptySimulation } from '../gateway/simulated.js';

const WS = 'fleet-default';
const CLUSTERS = 4;
const ALL = [{ name: 'all', clusterSelector: { matchLabels: [{ key: 'fleet', value: 'yes' }] } }];
const RETARGET = `mutation($input: RetargetGitRepoInput!) {
  retargetGitRepo(input: $input) { userErrors { code message } operation { id steps { state } } }
}`;
const OPERATION = `query($id: ID!) { retargetOperation(id: $id) {
  state currentStep updatedBy failures { message } steps { state appliedBy convergedBy }
} }`;

let dir: string;
let sim: Simulation;
let replicas: RunningGateway[];
let stopWatch: (() => void) | undefined;

async function gql(gw: RunningGateway, query: string, variables?: Record<string, unknown>): Promise<any> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body: any = await res.json();
  expect(body.errors ?? []).toEqual([]);
  return body.data;
}

/** `fleet_graph_leader` as one replica reports it on its /metrics: identity → 0 or 1. */
async function leaderGauge(gw: RunningGateway): Promise<Record<string, number>> {
  const text = await (await fetch(gw.metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^fleet_graph_leader\{identity="([^"]+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
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
  replicas = [];
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-leader-kill-'));
  // Real time on both sides: the replicas are other processes, so no shared manual clock.
  sim = await startEmptySimulation({
    cleanup: 'prompt',
    fleet: {
      jobDelayMs: 100,
      applyDelayMs: 100,
      readyDelayMs: 100,
      gitRepoStatusDelayMs: 300,
      agentBundles: false,
    },
  });
  const objects = new FleetWriter(sim.kubeConfig);
  for (let i = 0; i < CLUSTERS; i++)
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
  for (const r of replicas) {
    if (r.process.exitCode !== null || r.process.signalCode !== null) continue;
    r.process.kill('SIGKILL');
    await once(r.process, 'exit');
  }
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a SIGKILLed leader process: the other replica takes over after the Lease expires and finishes the staged retarget, each step once', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless TLS verification is declared off.
      clusters: [{ name: 'sim', cluster: { server: sim.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: sim.token } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'test' } }],
      'current-context': 'sim',
    }),
  );
  // Both replicas must verify each other's operation records, so they share one signing key.
  const keyFile = join(dir, 'signing-key');
  await writeFile(keyFile, randomBytes(32).toString('hex'));
  // Short Lease timings, so an expiry takes seconds (LeaseDuration > RenewDeadline > 1.2 × RetryPeriod).
  const args = [
    '--backend',
    'kubeconfig',
    '--kubeconfig',
    kubeconfig,
    '--metrics-port',
    '0',
    '--operation-signing-key-file',
    keyFile,
    '--leader-election-lease-seconds',
    '2',
    '--leader-election-renew-seconds',
    '1.5',
    '--leader-election-retry-seconds',
    '0.25',
  ];
  const leases = sim.kubeConfig.makeApiClient(CoordinationV1Api);
  const holder = async () =>
    (
      await leases
        .readNamespacedLease({ name: 'fleet-graph-leader', namespace: 'default' })
        .catch(() => undefined)
    )?.spec?.holderIdentity ?? '';

  const a = await startCliGateway(args);
  replicas.push(a);
  await expect.poll(() => holder(), { timeout: 20_000 }).not.toBe('');
  const idA = await holder();
  await expect.poll(() => leaderGauge(a), { timeout: 10_000 }).toEqual({ [idA]: 1 });
  const b = await startCliGateway(args);
  replicas.push(b);
  await expect.poll(async () => Object.keys(await leaderGauge(b)), { timeout: 20_000 }).toHaveLength(1);
  const idB = Object.keys(await leaderGauge(b))[0]!;
  expect(idB).not.toBe(idA);
  expect(await leaderGauge(b)).toEqual({ [idB]: 0 });
  expect(await holder()).toBe(idA);
  await expect
    .poll(async () => (await gql(b, '{ bundles { totalCount } }')).bundles.totalCount, { timeout: 20_000 })
    .toBe(1);
  const seen = await watchGitRepo();

  // Started through the leader: the replica taking the request applies the first step itself.
  const started = (
    await gql(a, RETARGET, {
      input: { namespace: WS, name: 'app', targets: ALL, strategy: { batchSize: 1, pauseBetween: 2 } },
    })
  ).retargetGitRepo;
  expect(started.userErrors).toEqual([]);
  const id = started.operation.id;
  expect(started.operation.steps).toHaveLength(CLUSTERS);

  // Kill the leader once its first step converged, while it waits out the pause before the second.
  await expect.poll(() => seen.operation?.steps[0].state, { timeout: 30_000 }).toBe('CONVERGED');
  a.process.kill('SIGKILL');
  await once(a.process, 'exit');
  const atKill = seen.operation;
  // Mid-operation for sure: the last step was not applied when the leader died.
  expect(atKill.state).toBe('RUNNING');
  expect(atKill.steps.at(-1).state).toBe('PENDING');
  // The Lease is left held by the dead process; the survivor takes it only once it expired.
  expect(await holder()).toBe(idA);

  await expect.poll(() => holder(), { timeout: 15_000 }).toBe(idB);
  await expect.poll(() => leaderGauge(b), { timeout: 10_000 }).toEqual({ [idB]: 1 });

  const op = () => gql(b, OPERATION, { id }).then((d) => d.retargetOperation);
  await expect.poll(async () => (await op()).state, { timeout: 60_000 }).toBe('SUCCEEDED');
  const done = await op();
  expect(done.failures).toEqual([]);
  expect(done.steps.map((s: any) => s.state)).toEqual(Array(CLUSTERS).fill('CONVERGED'));
  // The record shows the handover: the killed replica applied the first step, the survivor finished.
  expect(done.steps[0].appliedBy).toBe(idA);
  expect(done.steps[0].convergedBy).toBe(idA);
  expect(done.steps.at(-1).appliedBy).toBe(idB);
  expect(done.steps.at(-1).convergedBy).toBe(idB);
  expect(done.updatedBy).toBe(idB);
  // One handover, never back: the killed replica's steps first, then only the survivor's.
  const by = done.steps.flatMap((s: any) => [s.appliedBy, s.convergedBy]);
  const handover = by.indexOf(idB);
  expect(handover).toBeGreaterThan(1);
  expect(by.slice(0, handover).every((x: string) => x === idA)).toBe(true);
  expect(by.slice(handover).every((x: string) => x === idB)).toBe(true);

  // From the API server's side: every step applied once and converged once, in order, none skipped.
  await expect.poll(() => seen.operation?.state).toBe('SUCCEEDED');
  for (let i = 0; i < CLUSTERS; i++) {
    expect(seen.applied.get(i)?.size, `step ${i} applied`).toBe(1);
    expect(seen.converged.get(i)?.size, `step ${i} converged`).toBe(1);
  }
  const stepTargets = seen.operation.steps.map((s: any) => JSON.stringify(s.targets));
  expect(seen.targets.slice(1)).toEqual(stepTargets);
  expect(JSON.parse(seen.targets.at(-1)!)).toEqual([
    { name: 'all', clusterSelector: { matchLabels: { fleet: 'yes' } } },
  ]);
}, 120_000);
