/**
 * A staged retarget keeps acting as the user who started it: every later step the gateway writes
 * on its own (no request in flight) is sent impersonating that user, as the API server's audit
 * shows, over a simulated Fleet that converges each step. A record whose user was rewritten by
 * someone who may patch the GitRepo is refused: nothing is written as the forged user.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  RETARGET_OPERATION_ANNOTATION,
  TAMPERED_MESSAGE,
} from '../../src/gateway/fleet/commands/operation.js';
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
  await writeFile(join(dir, 'signing-key'), `${'0123456789abcdef'.repeat(4)}\n`);
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
    config: loadConfig(
      [
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--auth',
        'kubernetes',
        '--operation-signing-key-file',
        join(dir, 'signing-key'),
      ],
      {},
    ),
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

/** The emulator's audit log, one event per line. */
async function auditLog(): Promise<Record<string, Json>[]> {
  return (await readFile(join(dir, 'audit.log'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, Json>);
}

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

  const writes = (await auditLog()).filter(
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

it('refuses a record whose user alice rewrote to admin: nothing is written as admin, and it is FAILED', async () => {
  // From every cluster to none, one removal per step: step 1 now (as alice), two more to come.
  const none = [{ name: 'none', clusterSelector: { matchLabels: [{ key: 'stage', value: 'none' }] } }];
  const r = await gql(
    gw.url,
    STAGED_RETARGET,
    { input: { namespace: WS, name: 'app', targets: none, strategy: { batchSize: 1 } } },
    ALICE,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.retargetGitRepo.userErrors).toEqual([]);
  const id = r.data.retargetGitRepo.operation.id as string;
  expect(r.data.retargetGitRepo.operation.steps).toHaveLength(3);

  // Alice may patch the GitRepo, so she can edit the record directly on the API server.
  const cluster = sim.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the emulator kubeconfig names no cluster');
  const asAlice = new KubeConfig();
  asAlice.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'alice', token: ALICE }],
    contexts: [{ name: 'alice', cluster: cluster.name, user: 'alice' }],
    currentContext: 'alice',
  });
  const ref = {
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    namespace: WS,
    plural: 'gitrepos',
    name: 'app',
  };
  const before = await asAlice.makeApiClient(CustomObjectsApi).getNamespacedCustomObject(ref);
  const record = JSON.parse(before.metadata.annotations[RETARGET_OPERATION_ANNOTATION] as string);
  expect(record).toMatchObject({ id, state: 'RUNNING', startedByUser: { name: 'alice' } });
  const forged = {
    ...record,
    startedBy: 'admin',
    startedByUser: { name: 'admin', groups: ['system:masters', 'system:authenticated'] },
  };
  await new Objects(asAlice).patch('gitrepos', WS, 'app', {
    metadata: { annotations: { [RETARGET_OPERATION_ANNOTATION]: JSON.stringify(forged) } },
  });

  const operation = async () =>
    (await gql(gw.url, `query($id: ID!) { retargetOperation(id: $id) { state message } }`, { id }, admin))
      .data.retargetOperation as { state: string; message: string };
  await expect.poll(operation).toEqual({ state: 'FAILED', message: TAMPERED_MESSAGE });
  // Let simulated Fleet converge step 1 and the runner's timers come due: had it trusted the
  // record, steps 2 and 3 would now be written (and their orphans pruned) as admin.
  const targets = async () =>
    (
      (
        await gql(
          gw.url,
          '{ gitRepo(namespace: "fleet-default", name: "app") { targets { clusterName } } }',
          {},
          admin,
        )
      ).data.gitRepo.targets as { clusterName: string | null }[]
    ).map((t) => t.clusterName);
  const step1 = await targets();
  await settle(async () => (await operation()).state, 'FAILED', 60_000, 10_000);
  expect(await targets()).toEqual(step1);
  expect(step1).not.toEqual([null]);

  const audit = await auditLog();
  expect(audit.filter((e) => e['impersonatedUser']?.username === 'admin')).toEqual([]);
  // Writes to the GitRepo itself; the simulated Fleet's status writes (its own account) are not ours.
  const gitRepoWrites = audit.filter(
    (e) =>
      e['verb'] === 'patch' &&
      e['objectRef']?.resource === 'gitrepos' &&
      e['objectRef']?.name === 'app' &&
      e['objectRef']?.subresource !== 'status',
  );
  // The last write to the GitRepo is alice's own edit; the runner wrote nothing after it.
  expect(gitRepoWrites.at(-1)?.['user']?.username).toBe('alice');
  expect(gitRepoWrites.at(-1)?.['impersonatedUser']).toBeUndefined();
  expect(audit.some((e) => e['verb'] === 'delete' && e['objectRef']?.resource === 'bundledeployments')).toBe(
    false,
  );
  // The gateway still answers.
  expect((await gql(gw.url, '{ bundles { totalCount } }', {}, admin)).data.bundles.totalCount).toBe(1);
}, 90_000);
