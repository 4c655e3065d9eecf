/** startSimulation with scenarios and fixtures, on a ManualClock, read through the API. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BundleDeployment, Cluster, GitRepo } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, CLUSTERS, GITREPOS, type ResourceType } from '../../src/apis/gvr.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  FixtureError,
  startSimulation,
  type Simulation,
  type SimulationOptions,
} from '../../src/simulator/index.js';
import { TEST_SETTINGS } from './harness.js';

let dir: string;
let sim: Simulation | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-fixture-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function options(extra: Partial<SimulationOptions>): SimulationOptions {
  return {
    port: 0,
    host: '127.0.0.1',
    scenario: 'empty',
    cleanup: 'prompt',
    speed: 1,
    scaleClusters: 3,
    scaleBundles: 2,
    logger: silentLogger(),
    clock: new ManualClock(Date.UTC(2026, 0, 1, 12)),
    fleet: { ...TEST_SETTINGS, agentBundles: true },
    ...extra,
  };
}

async function list<T>(s: Simulation, type: ResourceType, labelSelector?: string): Promise<T[]> {
  const api = s.kubeConfig.makeApiClient(CustomObjectsApi);
  const res = (await api.listClusterCustomObject({
    group: type.group,
    version: type.version,
    plural: type.plural,
    labelSelector,
  })) as {
    items: T[];
  };
  return res.items;
}

/** Moves the simulation's ManualClock a step per round until `fn` holds (each round is an HTTP call). */
async function until(
  s: Simulation,
  fn: () => Promise<boolean>,
  stepMs = 1_000,
  timeout = 15_000,
): Promise<void> {
  await expect
    .poll(
      async () => {
        await (s.clock as ManualClock).advance(stepMs);
        return await fn();
      },
      { timeout, interval: 10 },
    )
    .toBe(true);
}

describe('scenarios', () => {
  it(
    'demo: two workspaces, dozens of clusters, six GitRepos with several paths, and some faults',
    { timeout: 60_000 },
    async () => {
      sim = await startSimulation(options({ scenario: 'demo' }));
      const s = sim;
      const clusters = await list<Cluster>(s, CLUSTERS);
      expect(clusters.find((c) => c.metadata.name === 'local')?.metadata.labels).toEqual({ name: 'local' });
      expect(clusters.filter((c) => c.metadata.namespace === 'fleet-default').length).toBeGreaterThanOrEqual(
        24,
      );
      const repos = await list<GitRepo>(s, GITREPOS);
      expect(repos.filter((r) => r.metadata.namespace === 'fleet-default')).toHaveLength(6);
      expect(repos.every((r) => (r.spec.paths?.length ?? 0) >= 2)).toBe(true);
      expect(s.fleet.faults.length).toBeGreaterThan(0);
      // It converges, with the injected faults showing.
      await until(
        s,
        async () => (await list<GitRepo>(s, GITREPOS)).every((r) => r.status?.gitJobStatus === 'Current'),
        2_000,
        25_000,
      );
      await until(
        s,
        async () => {
          const rs = await list<GitRepo>(s, GITREPOS);
          const states = rs.map((r) => r.status?.display?.state ?? '');
          return (
            states.includes('ErrApplied') &&
            states.includes('Modified') &&
            states.filter((x) => x === '').length >= 2
          );
        },
        2_000,
        25_000,
      );
      const local = (await list<GitRepo>(s, GITREPOS)).find((r) => r.metadata.namespace === 'fleet-local')!;
      expect(local.status?.display?.readyBundleDeployments).toMatch(/^(\d+)\/\1$/);
    },
  );

  it('scale: N clusters × M bundles seeded converged, no reconcile needed', async () => {
    sim = await startSimulation(options({ scenario: 'scale', scaleClusters: 5, scaleBundles: 3 }));
    const bds = await list<BundleDeployment>(sim, BUNDLE_DEPLOYMENTS);
    // 5 × 3 GitRepo bundles plus one fleet-agent bundle per cluster.
    expect(bds).toHaveLength(20);
    expect(bds.every((bd) => bd.status?.display?.state === 'Ready')).toBe(true);
    const repo = (await list<GitRepo>(sim, GITREPOS))[0]!;
    expect(repo.status?.display?.readyBundleDeployments).toBe('15/15');
    expect(repo.status?.readyClusters).toBe(5);
    // Converged as seeded: once the controllers have looked at everything, no BD was rewritten.
    const versions = new Map(
      bds.map((bd) => [`${bd.metadata.namespace}/${bd.metadata.name}`, bd.metadata.resourceVersion]),
    );
    const s = sim;
    await until(s, () => Promise.resolve(s.fleet.idle()), 100);
    await (s.clock as ManualClock).advance(5_000);
    await until(s, () => Promise.resolve(s.fleet.idle()), 100);
    const after = await list<BundleDeployment>(s, BUNDLE_DEPLOYMENTS);
    expect(
      after.filter(
        (bd) => versions.get(`${bd.metadata.namespace}/${bd.metadata.name}`) !== bd.metadata.resourceVersion,
      ),
    ).toEqual([]);
  });

  it('fixture: kubectl-style YAML is loaded and the controllers derive what it lacks', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '- apiVersion: fleet.cattle.io/v1alpha1',
        '  kind: Cluster',
        '  metadata: {name: edge-1, namespace: fleet-default, labels: {env: edge}, resourceVersion: "981", uid: 5d0c6a4e}',
        '  spec: {}',
        '- apiVersion: fleet.cattle.io/v1alpha1',
        '  kind: GitRepo',
        '  metadata: {name: edge-apps, namespace: fleet-default, generation: 4}',
        '  spec: {repo: "https://example.com/edge", paths: [a], targets: [{clusterSelector: {matchLabels: {env: edge}}}]}',
        '',
      ].join('\n'),
    );
    sim = await startSimulation(options({ fixture: file }));
    const s = sim;
    await until(
      s,
      async () => (await list(s, BUNDLE_DEPLOYMENTS, 'fleet.cattle.io/repo-name=edge-apps')).length === 1,
    );
    const cluster = (await list<Cluster>(s, CLUSTERS))[0]!;
    expect(cluster.status?.namespace).toMatch(/^cluster-fleet-default-edge-1-[0-9a-f]{12}$/);
  });

  it('a bad fixture stops the start with the document and the problem, and nothing is served', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'apiVersion: fleet.cattle.io/v1alpha1',
        'kind: Cluster',
        'metadata: {name: ok, namespace: fleet-default}',
        '---',
        'apiVersion: example.com/v1',
        'kind: Widget',
        'metadata: {name: w, namespace: fleet-default}',
        '---',
        'kind: GitRepo: [',
        '',
      ].join('\n'),
    );
    const err = await startSimulation(options({ fixture: file })).then(
      (s) => {
        sim = s;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FixtureError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg).toMatch(/document 2 \(Widget fleet-default\/w\): unknown kind Widget/);
    expect(msg).toMatch(/document 3: unparseable YAML/);
    expect(msg).toMatch(/nothing was loaded/);
  });

  it('an object the emulator rejects (CRD schema) is reported with its document', async () => {
    const file = join(dir, 'schema.yaml');
    await writeFile(
      file,
      'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: {name: g, namespace: fleet-default}\nspec: {repo: "https://x", paused: "yes"}\n',
    );
    const err = await startSimulation(options({ fixture: file })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FixtureError);
    expect((err as Error).message).toMatch(/document 1 \(GitRepo fleet-default\/g\)/);
  });
});
