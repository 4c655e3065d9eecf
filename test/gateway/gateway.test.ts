/**
 * The gateway end to end over real HTTP: started on port 0 against the Kubernetes API emulator,
 * with Fleet objects written through client-node (the simulated Fleet is off, so nothing else
 * writes). Readiness through an outage, every edge as the
 * watch brings objects in, a stale deployment appearing and clearing, and the kubeconfig backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulation, type Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { FleetWriter } from './kube-fixtures.js';
import { run } from './support.js';

const WS = 'fleet-default';
const tuning = {
  backoff: { initialMs: 20, maxMs: 200 },
  minReconnectDelayMs: 10,
  maxReconnectDelayMs: 100,
  timeoutSeconds: 30,
};

const Fleet = graphql(`
  query GatewayFleet {
    gitRepo(namespace: "fleet-default", name: "app") {
      name
      status {
        readyClusters
      }
      recomputedStatus {
        readyClusters
        desiredReadyClusters
      }
      bundles {
        edges {
          node {
            name
            targetedClusters {
              edges {
                node {
                  cluster {
                    name
                  }
                  state
                  bundleDeployment {
                    name
                  }
                  match {
                    targetName
                    clusterGroup
                  }
                }
              }
            }
            bundleDeployments {
              totalCount
              edges {
                node {
                  cluster {
                    name
                    groups {
                      name
                    }
                  }
                  state
                }
              }
            }
          }
        }
      }
    }
    cluster(namespace: "fleet-default", name: "prod-us") {
      gitRepos {
        gitRepo {
          name
        }
      }
      bundleDeployments {
        totalCount
      }
    }
    clusterGroups(workspace: "fleet-default") {
      edges {
        node {
          name
          clusters {
            totalCount
          }
        }
      }
    }
  }
`);

const Stale = graphql(`
  query GatewayStale {
    inconsistencies(kinds: [STALE_DEPLOYMENT]) {
      totalCount
      edges {
        node {
          clusterRef {
            name
          }
          bundleRef {
            name
          }
          ageSeconds
          reason
        }
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let kube: FleetWriter;
let clock: ManualClock;
let base: string;

const readyz = async () => {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  sim = await startSimulation({
    port: 0,
    host: '127.0.0.1',
    scenario: 'empty',
    cleanup: 'prompt',
    speed: 1,
    scaleClusters: 1,
    scaleBundles: 1,
    logger: silentLogger(),
    clock,
    // Fleet objects are written by the test itself here; the simulated Fleet is tested elsewhere.
    controllers: false,
  });
  // Start during an outage, so readiness is observed going from "not synced" to ready.
  sim.apiServer.faults.outage();
  gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
    kubeConfig: sim.kubeConfig,
    logger: silentLogger(),
    clock,
    watchTuning: tuning,
    shutdownGraceMs: 200,
  });
  base = gw.url.replace(/\/graphql$/, '');
  kube = new FleetWriter(sim.kubeConfig);
});

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

describe('gateway over the emulator', () => {
  it('is alive at once and ready only once every kind is synced', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toContain('not synced yet');
    sim.apiServer.faults.clear();
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000 }).toBe(200);
  });

  it('serves the fleet written through the API, with every edge', async () => {
    await kube.cluster('prod-eu', { env: 'prod', region: 'eu' });
    await kube.cluster('prod-us', { env: 'prod', region: 'us' });
    await kube.cluster('dev', { env: 'dev' });
    await kube.create('clustergroups', WS, {
      metadata: { name: 'prod' },
      spec: { selector: { matchLabels: { env: 'prod' } } },
    });
    const targets = [{ name: 'prod', clusterGroup: 'prod' }];
    await kube.create('gitrepos', WS, {
      metadata: { name: 'app' },
      spec: { repo: 'https://example.com/app', targets },
      status: { readyClusters: 2, desiredReadyClusters: 2, display: { readyBundleDeployments: '2/2' } },
    });
    await kube.create('bundles', WS, {
      metadata: { name: 'app-main', labels: { 'fleet.cattle.io/repo-name': 'app' } },
      spec: { targets, targetRestrictions: targets },
    });
    await kube.deployment('app-main', 'prod-eu', 'app');
    // A leftover on a cluster the Bundle no longer targets.
    await kube.deployment('app-main', 'dev', 'app');

    await expect
      .poll(
        async () =>
          (await run(gw.url, Fleet)).data?.gitRepo?.bundles.edges[0]?.node.bundleDeployments.totalCount,
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
    const r = await run(gw.url, Fleet);
    expect(r.errors).toBeUndefined();
    const bundle = r.data!.gitRepo!.bundles.edges[0]!.node;
    const targeted = Object.fromEntries(
      bundle.targetedClusters.edges.map((e) => [e.node.cluster.name, e.node]),
    );
    expect(Object.keys(targeted).sort()).toEqual(['prod-eu', 'prod-us']);
    expect(targeted['prod-eu']).toMatchObject({ state: 'READY', bundleDeployment: { name: 'app-main' } });
    expect(targeted['prod-us']).toMatchObject({
      state: 'PENDING',
      bundleDeployment: null,
      match: { targetName: 'prod', clusterGroup: 'prod' },
    });
    const onClusters = bundle.bundleDeployments.edges.map((e) => e.node.cluster?.name).sort();
    expect(onClusters).toEqual(['dev', 'prod-eu']);
    expect(
      bundle.bundleDeployments.edges.find((e) => e.node.cluster?.name === 'prod-eu')!.node.cluster!.groups,
    ).toEqual([{ name: 'prod' }]);
    expect(r.data!.gitRepo!.recomputedStatus.desiredReadyClusters).toBe(2);
    expect(r.data!.cluster!.gitRepos).toEqual([{ gitRepo: { name: 'app' } }]);
    expect(r.data!.cluster!.bundleDeployments.totalCount).toBe(0);
    expect(r.data!.clusterGroups.edges).toEqual([{ node: { name: 'prod', clusters: { totalCount: 2 } } }]);
  });

  it('reports the stale deployment with its age, and clears it when it is removed', async () => {
    await expect
      .poll(async () => (await run(gw.url, Stale)).data?.inconsistencies.totalCount, { timeout: 10_000 })
      .toBe(1);
    const first = (await run(gw.url, Stale)).data!.inconsistencies.edges[0]!.node;
    expect(first).toMatchObject({ clusterRef: { name: 'dev' }, bundleRef: { name: 'app-main' } });
    await clock.advance(45_000);
    const later = (await run(gw.url, Stale)).data!.inconsistencies.edges[0]!.node;
    expect(later.ageSeconds - first.ageSeconds).toBe(45);
    await kube.delete('bundledeployments', 'cluster-fleet-default-dev-0123456789ab', 'app-main');
    await expect
      .poll(async () => (await run(gw.url, Stale)).data?.inconsistencies.totalCount, { timeout: 10_000 })
      .toBe(0);
  });

  it('reports an outage on /readyz and recovers, with answers intact', async () => {
    sim.apiServer.faults.outage();
    await expect.poll(async () => (await readyz()).body, { timeout: 10_000 }).toContain('watch failing');
    expect((await readyz()).status).toBe(503);
    sim.apiServer.faults.clear();
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000 }).toBe(200);
    const r = await run(gw.url, Fleet);
    expect(r.data!.gitRepo!.bundles.edges[0]!.node.bundleDeployments.totalCount).toBe(1);
  });

  it('runs with --backend kubeconfig against the same API server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-graph-'));
    try {
      const file = join(dir, 'kubeconfig');
      await sim.writeKubeconfig(file);
      const other = await startGateway({
        config: loadConfig(['serve', '--port', '0', '--backend', 'kubeconfig', '--kubeconfig', file], {}),
        logger: silentLogger(),
        watchTuning: tuning,
        shutdownGraceMs: 100,
      });
      try {
        await other.synced;
        const r = await run(other.url, Fleet);
        expect(r.data!.gitRepo!.name).toBe('app');
      } finally {
        await other.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
