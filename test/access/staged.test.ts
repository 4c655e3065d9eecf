/**
 * A staged retarget keeps acting as the user who started it: every later step the gateway writes
 * on its own (no request in flight) is sent impersonating that user, as the API server's audit
 * shows, over a simulated Fleet that converges each step.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter as Objects } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, STEP_DELAYS } from '../gateway/simulated.js';
import { ALL, STAGED_RETARGET, WS } from '../mutations/support.js';
import { ALICE, TOKEN_FILE } from '../support/auth.js';
import { gql, type Json } from './support.js';

let dir: string;
let sim: Simulation;
let gw: Gateway;
let admin: string;
const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-staged-'));
  await writeFile(join(dir, 'tokens.csv'), TOKEN_FILE);
  sim = await startEmptySimulation({
    cleanup: 'prompt',
    clock,
    fleet: { ...STEP_DELAYS, agentBundles: false },
    tokenAuthFile: join(dir, 'tokens.csv'),
    auditLogPath: join(dir, 'audit.log'),
  });
  admin = sim.kubeConfig.getCurrentUser()?.token ?? '';
  const rbac = sim.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: WS,
    body: {
      metadata: { name: 'gitrepo-editor' },
      rules: [
        { apiGroups: ['fleet.cattle.io'], resources: ['gitrepos'], verbs: ['get', 'list', 'watch', 'patch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: WS,
    body: {
      metadata: { name: 'alice' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gitrepo-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    },
  });
  const objects = new Objects(sim.kubeConfig);
  for (const name of ['c-00', 'c-01', 'c-02'])
    await objects.create('clusters', WS, { metadata: { name, labels: { fleet: 'yes' } }, spec: {} });
  await objects.create('gitrepos', WS, {
    metadata: { name: 'app' },
    spec: {
      repo: 'https://example.com/app',
      paths: ['a'],
      targets: [{ name: 'none', clusterSelector: { matchLabels: { stage: 'none' } } }],
    },
  });
  gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1', '--auth', 'kubernetes'], {}),
    kubeConfig: sim.kubeConfig,
    logger: silentLogger(),
    clock,
    watchTuning: { backoff: { initialMs: 20, maxMs: 200 }, minReconnectDelayMs: 10 },
    shutdownGraceMs: 100,
  });
  await gw.synced;
  await settle(
    async () =>
      (await gql(gw.url, '{ bundles { totalCount } }', {}, admin)).data.bundles.totalCount as number,
    1,
  );
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Moves simulated time until `fn` returns `expected` (the simulated Fleet acts on that clock). */
async function settle<T>(fn: () => Promise<T>, expected: T, stepMs = 2_000, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  do {
    await clock.advance(stepMs);
    last = await fn();
    if (isDeepStrictEqual(last, expected)) return;
  } while (Date.now() < deadline);
  expect(last).toEqual(expected);
}

it('writes every step of alice’s staged retarget as alice', async () => {
  const r = await gql(
    gw.url,
    STAGED_RETARGET,
    { input: { namespace: WS, name: 'app', targets: ALL, strategy: { batchSize: 1 } } },
    ALICE,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.retargetGitRepo.userErrors).toEqual([]);
  const id = r.data.retargetGitRepo.operation.id as string;
  const state = async () =>
    (await gql(gw.url, `query($id: ID!) { retargetOperation(id: $id) { state } }`, { id }, admin)).data
      .retargetOperation.state as string;
  await settle(state, 'SUCCEEDED');

  const audit = (await readFile(join(dir, 'audit.log'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, Json>);
  const writes = audit.filter(
    (e) =>
      e['verb'] === 'patch' &&
      e['stage'] === 'ResponseComplete' &&
      e['objectRef']?.resource === 'gitrepos' &&
      e['objectRef']?.name === 'app' &&
      !e['objectRef']?.subresource,
  );
  // The first step by the mutation, then the runner's: steps 2 and 3 and the final record.
  // Fleet's own writes (its finalizer) come first; from alice's first step on, every write is hers.
  const from = writes.findIndex((w) => w['impersonatedUser']?.username === 'alice');
  expect(from).toBeGreaterThanOrEqual(0);
  const hers = writes.slice(from);
  expect(hers.length).toBeGreaterThanOrEqual(4);
  for (const w of hers) {
    expect(w['impersonatedUser']?.username).toBe('alice');
    expect(w['impersonatedUser']?.groups).toEqual(expect.arrayContaining(['team-a-devs', 'readers']));
    expect(w['userAgent']).toMatch(/^fleet-graph/);
  }
}, 90_000);
