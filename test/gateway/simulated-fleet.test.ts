/**
 * The gateway against the simulated Fleet (emulator + controllers on a ManualClock), through real
 * HTTP: once converged, every Bundle's computed `targetedClusters` are exactly the clusters the
 * simulated Fleet deployed to; after a retarget in `legacy` cleanup mode the orphans show up as
 * stale deployments (rancher/fleet#3437) and clear when the cluster's check-in cleans them up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { FleetWriter } from './kube-fixtures.js';
import {
  createAppGitRepo,
  createThreeClusters,
  startEmptySimulation,
  startSyncedGateway,
  STEP_DELAYS,
} from './simulated.js';
import { run } from './support.js';

const WS = 'fleet-default';
const CHECK_IN_MS = 15 * 60_000;

const Converged = graphql(`
  query SimConverged {
    gitRepo(namespace: "fleet-default", name: "app") {
      status {
        display {
          readyBundleDeployments
        }
      }
      recomputedStatus {
        display {
          readyBundleDeployments
        }
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
                    clusterName
                  }
                }
              }
            }
            bundleDeployments {
              edges {
                node {
                  clusterName
                  state
                }
              }
            }
          }
        }
      }
    }
  }
`);

const StaleOnCluster = graphql(`
  query SimStale($cluster: String) {
    inconsistencies(kinds: [STALE_DEPLOYMENT], cluster: $cluster) {
      totalCount
      edges {
        node {
          bundleRef {
            name
          }
          clusterRef {
            name
          }
          ageSeconds
        }
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let clock: ManualClock;

/** Moves simulated time in steps until the gateway answers what is expected. */
async function settle<T>(fn: () => Promise<T>, expected: T, stepMs = 1_000): Promise<void> {
  await expect
    .poll(
      async () => {
        await clock.advance(stepMs);
        return await fn();
      },
      { timeout: 15_000, interval: 10 },
    )
    .toEqual(expected);
}

/** Per bundle: the clusters its targets select, and the clusters that have its BundleDeployment. */
async function targetedVersusDeployed() {
  const r = await run(gw.url, Converged);
  return (r.data?.gitRepo?.bundles.edges ?? []).map(({ node }) => ({
    bundle: node.name,
    targeted: node.targetedClusters.edges.map((e) => e.node.cluster.name).sort(),
    deployed: node.bundleDeployments.edges.map((e) => e.node.clusterName).sort(),
  }));
}

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  sim = await startEmptySimulation({ cleanup: 'legacy', clock, fleet: STEP_DELAYS });
  gw = await startSyncedGateway(sim, { clock });
  const kube = new FleetWriter(sim.kubeConfig);
  await createThreeClusters(kube);
  await createAppGitRepo(kube);
});

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

describe('gateway over the simulated Fleet', () => {
  it('computes the same targets the simulated Fleet deployed to, in both directions', async () => {
    await settle(
      async () => (await run(gw.url, Converged)).data?.gitRepo?.status.display.readyBundleDeployments,
      '6/6',
    );
    const all = ['eu-1', 'eu-2', 'us-1'];
    expect(await targetedVersusDeployed()).toEqual([
      { bundle: 'app-a', targeted: all, deployed: all },
      { bundle: 'app-b', targeted: all, deployed: all },
    ]);
    const r = await run(gw.url, Converged);
    expect(r.data!.gitRepo!.recomputedStatus.display.readyBundleDeployments).toBe('6/6');
    // Let every cluster check in once, so the next check-in is a whole interval away.
    await settle(async () => (await fetchLastSeen()).every(Boolean), true, 5_000);
  });

  it('shows the orphans of a retarget as stale in legacy mode, and clears them at check-in', async () => {
    const kube = new FleetWriter(sim.kubeConfig);
    await kube.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }] },
    });
    const prod = ['eu-1', 'eu-2'];
    const all = ['eu-1', 'eu-2', 'us-1'];
    // The Bundles take the new targets; the deployments on us-1 linger (rancher/fleet#3437).
    await settle(targetedVersusDeployed, [
      { bundle: 'app-a', targeted: prod, deployed: all },
      { bundle: 'app-b', targeted: prod, deployed: all },
    ]);
    const stale = await run(gw.url, StaleOnCluster, { cluster: 'us-1' });
    expect(stale.data!.inconsistencies.totalCount).toBe(2);
    expect(stale.data!.inconsistencies.edges.map((e) => e.node.bundleRef?.name).sort()).toEqual([
      'app-a',
      'app-b',
    ]);
    await clock.advance(5 * 60_000);
    const older = await run(gw.url, StaleOnCluster, { cluster: 'us-1' });
    expect(older.data!.inconsistencies.edges[0]!.node.ageSeconds).toBeGreaterThanOrEqual(300);
    // The cluster's next check-in runs Fleet's cleanup; the findings clear.
    await clock.advance(CHECK_IN_MS - 5 * 60_000);
    await settle(
      async () => (await run(gw.url, StaleOnCluster, {})).data?.inconsistencies.totalCount,
      0,
      5_000,
    );
    expect(await targetedVersusDeployed()).toEqual([
      { bundle: 'app-a', targeted: prod, deployed: prod },
      { bundle: 'app-b', targeted: prod, deployed: prod },
    ]);
  });
});

async function fetchLastSeen(): Promise<boolean[]> {
  const r = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ clusters { edges { node { lastSeen } } } }' }),
  });
  const json = (await r.json()) as { data: { clusters: { edges: { node: { lastSeen: string | null } }[] } } };
  return json.data.clusters.edges.map((e) => e.node.lastSeen !== null);
}
