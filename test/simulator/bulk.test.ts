/**
 * Bulk seeding (src/simulator/scenarios/bulk.ts): clusters × bundles converged BundleDeployments
 * written straight into the emulator's store must be what a client sees over HTTP — every
 * deployment listed and paged, each labelled for its own cluster, and roll-ups that count them all.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { BundleDeployment, GitRepo } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, GITREPOS } from '../../src/apis/gvr.js';
import { LABEL_CLUSTER } from '../../src/apis/labels.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulation, type Simulation } from '../../src/simulator/index.js';
import { seedBulkScale } from '../../src/simulator/scenarios/bulk.js';

let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const start = () =>
  startSimulation({
    port: 0,
    host: '127.0.0.1',
    scenario: 'empty',
    cleanup: 'prompt',
    speed: 1,
    scaleClusters: 1,
    scaleBundles: 1,
    logger: silentLogger(),
    controllers: false,
  });

describe('seedBulkScale', () => {
  it('serves clusters × bundles deployments over HTTP, paged, with roll-ups that count them all', async () => {
    sim = await start();
    const r = seedBulkScale(sim.apiServer, { clusters: 7, bundles: 3, now: '2026-12-01T00:00:00Z' });
    expect(r).toEqual({ clusters: 7, bundles: 3, bundleDeployments: 21 });
    const api = sim.kubeConfig.makeApiClient(CustomObjectsApi);
    const gv = { group: BUNDLE_DEPLOYMENTS.group, version: BUNDLE_DEPLOYMENTS.version };
    const seen: BundleDeployment[] = [];
    let cont: string | undefined;
    do {
      const page = (await api.listClusterCustomObject({
        ...gv,
        plural: BUNDLE_DEPLOYMENTS.plural,
        limit: 5,
        _continue: cont,
      })) as { items: BundleDeployment[]; metadata?: { _continue?: string; continue?: string } };
      seen.push(...page.items);
      cont = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (cont);
    expect(seen).toHaveLength(21);
    expect(new Set(seen.map((bd) => bd.metadata.uid)).size).toBe(21);
    // Each deployment sits in its own cluster's namespace and names that cluster.
    for (const bd of seen)
      expect(bd.metadata.namespace).toContain(`-${bd.metadata.labels?.[LABEL_CLUSTER] ?? 'missing'}-`);
    expect(new Set(seen.map((bd) => bd.metadata.labels?.[LABEL_CLUSTER])).size).toBe(7);
    const repo = (await api.getNamespacedCustomObject({
      group: GITREPOS.group,
      version: GITREPOS.version,
      plural: GITREPOS.plural,
      namespace: 'fleet-default',
      name: 'scale',
    })) as GitRepo;
    expect(repo.status?.desiredReadyClusters).toBe(7);
    expect(repo.status?.display?.readyBundleDeployments).toBe('21/21');
  });

  it('refuses an emulator that already holds deployments, and writes nothing more', async () => {
    sim = await start();
    seedBulkScale(sim.apiServer, { clusters: 2, bundles: 2, now: '2026-12-01T00:00:00Z' });
    const rv = sim.apiServer.resourceVersion;
    expect(() =>
      seedBulkScale(sim!.apiServer, { clusters: 2, bundles: 2, now: '2026-12-01T00:00:00Z' }),
    ).toThrow(/already holds BundleDeployments/);
    expect(sim.apiServer.resourceVersion).toBe(rv);
  });
});
