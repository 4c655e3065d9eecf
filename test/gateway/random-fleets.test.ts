/**
 * Two independent readings of Fleet's targeting rules must agree (docs/adr/0004): on random fleets
 * (seeded), the gateway's computed `Bundle.targetedClusters` equal the clusters the simulated Fleet
 * created BundleDeployments for once converged, in both directions, and nothing is Pending; and
 * the gateway reports a targeting error exactly for the Bundles whose Ready condition Fleet set
 * to one. 500 GitRepos with random targets over random clusters and groups, half of them with a
 * fleet.yaml (options to merge, templated Helm values, some failing on missing keys, doNotDeploy
 * customizations, FirstMatch and AllMatches), in one simulation.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BundleTarget, GitTarget } from '../../src/apis/fleet.js';
import type { LabelSelector } from '../../src/apis/selector.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ANNOTATION_SIMULATED_FLEET_YAML } from '../../src/simulator/controller/gitops.js';
import { startSimulation, type Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { FleetWriter } from './kube-fixtures.js';
import { run } from './support.js';
import { prngFloat as prng } from '../support/prng.js';

const WS = 'fleet-default';
const SEED = 20260101;
const CASES = 500;
const CLUSTERS = 6;

const LABELS: Record<string, readonly string[]> = {
  env: ['prod', 'staging', 'dev'],
  region: ['eu', 'us', 'ap'],
  tier: ['gold', 'silver'],
};

function randomFleet(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => {
    const labels: Record<string, string> = {};
    for (const [k, vs] of Object.entries(LABELS)) if (rand() < 0.85) labels[k] = pick(vs);
    // Every other cluster has template values (`.ClusterValues` in Helm values templates).
    return {
      name: `c${i}`,
      labels,
      templateValues: i % 2 === 0 ? { size: pick(['s', 'm', 'l']) } : undefined,
    };
  });
  // Mostly narrow selectors (each simulated deployment costs real time), some broad ones.
  const selector = (): LabelSelector => {
    const key = pick(Object.keys(LABELS));
    const other = pick(Object.keys(LABELS).filter((k) => k !== key));
    const values = LABELS[key]!;
    const r = rand();
    if (r < 0.35) return { matchLabels: { [key]: pick(values), [other]: pick(LABELS[other]!) } };
    if (r < 0.55) return { matchLabels: { [key]: pick(values) } };
    if (r < 0.7) return { matchExpressions: [{ key, operator: 'In', values: [pick(values), pick(values)] }] };
    if (r < 0.8)
      return {
        matchExpressions: [
          { key, operator: 'NotIn', values: [pick(values)] },
          { key: other, operator: 'In', values: [pick(LABELS[other]!)] },
        ],
      };
    if (r < 0.9)
      return {
        matchExpressions: [
          { key, operator: rand() < 0.5 ? 'Exists' : 'DoesNotExist' },
          { key: other, operator: 'In', values: [pick(LABELS[other]!)] },
        ],
      };
    return { matchLabels: { [key]: pick(values) }, matchExpressions: [{ key: other, operator: 'Exists' }] };
  };
  const groups = Array.from({ length: 5 }, (_, i) => ({
    name: `g${i}`,
    labels: { kind: pick(['team', 'geo']) },
    selector: i === 4 ? {} : selector(),
  }));
  const target = (i: number): GitTarget => {
    const t: GitTarget = { name: `t${i}` };
    const kinds = Math.floor(rand() * 6);
    if (kinds === 0) t.clusterName = pick(clusters).name;
    if (kinds === 1) t.clusterSelector = selector();
    if (kinds === 2) t.clusterGroup = pick(groups).name;
    if (kinds === 3) t.clusterGroupSelector = { matchLabels: { kind: pick(['team', 'geo']) } };
    if (kinds === 4) {
      t.clusterGroup = pick(groups).name;
      t.clusterSelector = selector();
    }
    // kinds === 5: a target without criteria selects nothing.
    return t;
  };
  // Helm values templates: most render on every cluster; odd clusters have no `size` value and
  // some no `tier` label, so a template reading them as fields fails there (missingkey=error,
  // a targeting error of the whole Bundle).
  const template = () =>
    pick([
      '${ .ClusterName }',
      '${ .ClusterNamespace }-${ index .ClusterLabels "tier" }',
      '${ if hasKey .ClusterLabels "env" }${ .ClusterLabels.env }${ else }none${ end }',
      '${ .ClusterLabels.tier | upper }',
      '${ .ClusterValues.size }',
      'plain',
      'plain',
      'plain',
      'plain',
    ]);
  const options = (): Omit<BundleTarget, keyof GitTarget> => {
    const o: Omit<BundleTarget, keyof GitTarget> = {};
    if (rand() < 0.6) o.helm = { values: { v: template(), n: { k: template() } } };
    if (rand() < 0.3) o.yaml = { overlays: [pick(['a', 'b', 'c'])] };
    if (rand() < 0.3) o.namespaceLabels = { [pick(['team', 'cost'])]: pick(['x', 'y']) };
    if (rand() < 0.2) o.keepResources = rand() < 0.5;
    return o;
  };
  const customization = (i: number): BundleTarget => {
    const key = pick(['env', 'region']);
    return {
      name: `custom${i}`,
      clusterSelector: { matchLabels: { [key]: pick(LABELS[key]!) } },
      ...(rand() < 0.15 ? { doNotDeploy: true } : {}),
      ...options(),
    };
  };
  const fleetYaml = () => ({
    ...options(),
    ...(rand() < 0.3 ? { targetCustomizationMode: 'AllMatches' } : {}),
    targetCustomizations: Array.from({ length: Math.floor(rand() * 3) }, (_, i) => customization(i)),
  });
  const gitRepos = Array.from({ length: CASES }, (_, i) => ({
    name: `r${String(i).padStart(3, '0')}`,
    targets: Array.from({ length: rand() < 0.3 ? 2 : 1 }, (_, j) => target(j)),
    fleetYaml: rand() < 0.5 ? fleetYaml() : undefined,
  }));
  return { clusters, groups, gitRepos };
}

const AllBundles = graphql(`
  query RandomAllBundles($after: String) {
    bundles(workspace: "fleet-default", first: 20, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          name
          targetingError {
            message
          }
          status {
            conditions {
              type
              message
            }
          }
          targetedClusters(first: 50) {
            edges {
              node {
                cluster {
                  name
                }
                state
              }
            }
          }
          bundleDeployments(first: 50) {
            edges {
              node {
                clusterName
              }
            }
          }
        }
      }
    }
  }
`);

const Counts = graphql(`
  query RandomCounts {
    bundles(workspace: "fleet-default") {
      totalCount
    }
    bundleDeployments {
      totalCount
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
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
    // Less simulated work per deployment: straight to Ready, roll-ups coalesced, no agent bundles.
    fleet: {
      jobDelayMs: 500,
      applyDelayMs: 500,
      readyDelayMs: 0,
      gitRepoStatusDelayMs: 1_000,
      statusBatchMs: 5_000,
      agentBundles: false,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

describe(`random fleets (seed ${SEED})`, () => {
  it(`agree with the simulated Fleet on ${CASES} GitRepos`, { timeout: 180_000 }, async () => {
    const fleet = randomFleet(prng(SEED));
    const kube = new FleetWriter(sim.kubeConfig);
    // Written in parallel batches, as many clients would.
    const inBatches = async <T>(items: readonly T[], write: (item: T) => Promise<void>) => {
      for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map(write));
    };
    await inBatches(fleet.clusters, (c) =>
      kube.create('clusters', WS, {
        metadata: { name: c.name, labels: c.labels },
        spec: c.templateValues ? { templateValues: c.templateValues } : {},
      }),
    );
    await inBatches(fleet.groups, (g) =>
      kube.create('clustergroups', WS, {
        metadata: { name: g.name, labels: g.labels },
        spec: { selector: g.selector },
      }),
    );
    await inBatches(fleet.gitRepos, (r) =>
      kube.create('gitrepos', WS, {
        metadata: {
          name: r.name,
          ...(r.fleetYaml
            ? { annotations: { [ANNOTATION_SIMULATED_FLEET_YAML]: stringify(r.fleetYaml) } }
            : {}),
        },
        spec: { repo: `https://example.com/${r.name}`, targets: r.targets },
      }),
    );

    // Converged: the simulated Fleet is idle with every Bundle made, and one more step of simulated
    // time changes nothing. The controllers work in real time between clock steps.
    const api = sim.kubeConfig.makeApiClient(CustomObjectsApi);
    const count = async (plural: string) =>
      (
        (await api.listClusterCustomObject({ group: 'fleet.cattle.io', version: 'v1alpha1', plural })) as {
          items: unknown[];
        }
      ).items.length;
    let last = -1;
    await expect
      .poll(
        async () => {
          await expect.poll(() => sim.fleet.idle(), { timeout: 30_000, interval: 5 }).toBe(true);
          const bundles = await count('bundles');
          const deployments = await count('bundledeployments');
          const stable = bundles === CASES && deployments === last;
          last = deployments;
          if (!stable) await clock.advance(1_000);
          return stable;
        },
        { timeout: 150_000, interval: 1 },
      )
      .toBe(true);

    // The gateway starts on the converged fleet; its answers come from its own list and rules.
    gw = await startGateway({
      config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
      kubeConfig: sim.kubeConfig,
      logger: silentLogger(),
      clock,
      shutdownGraceMs: 200,
    });
    await gw.synced;
    expect((await run(gw.url, Counts)).data?.bundleDeployments.totalCount).toBe(last);

    const disagreements: string[] = [];
    let after: string | null | undefined;
    let compared = 0;
    let deployments = 0;
    let errors = 0;
    do {
      const res = await run(gw.url, AllBundles, { after });
      expect(res.errors).toBeUndefined();
      const page = res.data!.bundles;
      for (const { node } of page.edges) {
        const targeted = node.targetedClusters.edges.map((e) => e.node.cluster.name).sort();
        const deployed = node.bundleDeployments.edges.map((e) => e.node.clusterName).sort();
        const pending = node.targetedClusters.edges.filter((e) => e.node.state === 'PENDING').length;
        // Fleet's Ready condition names one failing cluster, in an order that is its cache's.
        const fleetError = node.status.conditions.find(
          (c) => c.type === 'Ready' && c.message?.startsWith('targeting error'),
        );
        const gatewayError = node.targetingError?.message;
        if (Boolean(fleetError) !== Boolean(gatewayError))
          disagreements.push(
            `${node.name}: gateway error ${gatewayError} / Fleet error ${fleetError?.message}`,
          );
        if (fleetError) errors++;
        else if (targeted.join() !== deployed.join() || pending > 0)
          disagreements.push(
            `${node.name}: gateway ${targeted.join(',')} / Fleet ${deployed.join(',')} / pending ${pending}`,
          );
        compared++;
        deployments += deployed.length;
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    expect(disagreements).toEqual([]);
    expect(compared).toBe(CASES);
    // The random fleet is not degenerate: many deployments, spread over many bundles.
    expect(deployments).toBeGreaterThan(CASES);
    // Some Bundles fail templating, most do not.
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(CASES / 3);
  });
});
