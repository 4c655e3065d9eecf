/**
 * Two readings of Fleet must agree (docs/adr/0004) on GitRepoRestrictions and HelmOps
 * (docs/fleet/sources.md): on random fleets (seeded) of several workspaces, each with random
 * restrictions, GitRepos with random service accounts, repos, client secrets and target
 * namespaces, and HelmOps with random targets,
 * - the gateway refuses `targetPreview` for a GitRepo with RESTRICTED and Fleet's message exactly
 *   when the simulated Fleet set its `Accepted` condition False with that message (both ways), and
 *   a refused GitRepo has no Bundle;
 * - every Bundle, those of HelmOps included, is targeted by the gateway at exactly the clusters the
 *   simulated Fleet deployed it to, and every HelmOp has its Bundle.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitRepo, GitRepoRestriction, GitTarget, HelmOp } from '../../src/apis/fleet.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulation, type Simulation } from '../../src/simulator/index.js';
import { post } from './support.js';
import { prngFloat as prng } from '../support/prng.js';

const SEED = 20261203;
const WORKSPACES = 4;
const GITREPOS_PER_WS = 92;
const HELMOPS_PER_WS = 40;
const CLUSTERS_PER_WS = 4;
const group = 'fleet.cattle.io';
const version = 'v1alpha1';

const ENVS = ['prod', 'dev'] as const;
const REGIONS = ['eu', 'us'] as const;

function randomFleet(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rand() < 0.5);
  const workspaces = Array.from({ length: WORKSPACES }, (_, w) => {
    const ns = `team-${w}`;
    const clusters = Array.from({ length: CLUSTERS_PER_WS }, (_, i) => ({
      name: `c${i}`,
      labels: { env: pick(ENVS), region: pick(REGIONS) },
    }));
    // 0–2 restrictions, each restricting a random subset of what Fleet can restrict.
    const restrictions: Omit<GitRepoRestriction, 'metadata'>[] = Array.from(
      { length: w === 0 ? 0 : 1 + Math.floor(rand() * 2) },
      () => {
        const r: Omit<GitRepoRestriction, 'metadata'> = {};
        if (rand() < 0.4) r.allowedTargetNamespaces = some(['apps', 'web', 'ops']);
        if (rand() < 0.5) r.allowedServiceAccounts = some(['deployer', 'ci']);
        if (rand() < 0.4) r.defaultServiceAccount = pick(['deployer', 'ci', 'admin']);
        if (rand() < 0.4)
          r.allowedRepoPatterns = some([
            `^https://git\\.example/${ns}/`,
            'shared',
            'https://git.example/exact',
          ]);
        if (rand() < 0.4) r.allowedClientSecretNames = some(['git-auth', 'team-auth']);
        if (rand() < 0.3) r.defaultClientSecretName = pick(['git-auth', 'other']);
        return r;
      },
    );
    const target = (): GitTarget => {
      const r = rand();
      if (r < 0.4) return { clusterSelector: { matchLabels: { env: pick(ENVS), region: pick(REGIONS) } } };
      if (r < 0.7) return { clusterName: pick(clusters).name };
      if (r < 0.85) return { clusterSelector: { matchLabels: { env: pick(ENVS) } } };
      return { clusterGroup: 'edge' };
    };
    const gitRepos = Array.from({ length: GITREPOS_PER_WS }, (_, i) => {
      const spec: GitRepo['spec'] = {
        repo: pick([
          `https://git.example/${ns}/app${i}`,
          `https://git.example/other/app${i}`,
          'https://git.example/exact',
          `https://shared.example/app${i}`,
        ]),
        targets: [{ name: 't', ...target() }],
      };
      const targetNamespace = pick(['', 'apps', 'web', 'kube-system']);
      const serviceAccount = pick(['', 'deployer', 'ci', 'admin']);
      const clientSecretName = pick(['', 'git-auth', 'team-auth', 'stolen']);
      if (targetNamespace) spec.targetNamespace = targetNamespace;
      if (serviceAccount) spec.serviceAccount = serviceAccount;
      if (clientSecretName) spec.clientSecretName = clientSecretName;
      return { name: `g${String(i).padStart(3, '0')}`, spec };
    });
    const helmOps = Array.from({ length: HELMOPS_PER_WS }, (_, i) => {
      const spec: HelmOp['spec'] = {
        helm: { chart: `chart${i % 5}`, repo: 'https://charts.example', version: `1.${i % 3}.0` },
      };
      const n = Math.floor(rand() * 3);
      // Unnamed targets get Fleet's positional names; none at all means the default group.
      if (n > 0)
        spec.targets = Array.from({ length: n }, () =>
          rand() < 0.5 ? target() : { name: 'x', ...target() },
        );
      if (rand() < 0.5) spec.labels = { team: ns };
      return { name: `h${String(i).padStart(3, '0')}`, spec };
    });
    return { ns, clusters, restrictions, gitRepos, helmOps };
  });
  return workspaces;
}

interface BundleRow {
  name: string;
  gitRepo: { name: string } | null;
  helmOp: { name: string } | null;
  targetedClusters: { edges: { node: { cluster: { name: string }; state: string } }[] };
  bundleDeployments: { edges: { node: { clusterName: string } }[] };
}

const BUNDLES = `query($ws: String!, $after: String) {
  bundles(workspace: $ws, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      name
      gitRepo { name }
      helmOp { name }
      targetedClusters(first: 50) { edges { node { cluster { name } state } } }
      bundleDeployments(first: 50) { edges { node { clusterName } } }
    } }
  }
}`;

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

describe(`restrictions and HelmOps on random fleets (seed ${SEED})`, () => {
  const cases = WORKSPACES * (GITREPOS_PER_WS + HELMOPS_PER_WS);
  it(`agree with the simulated Fleet on ${cases} GitRepos and HelmOps`, { timeout: 90_000 }, async () => {
    const fleet = randomFleet(prng(SEED));
    const custom = sim.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = sim.kubeConfig.makeApiClient(CoreV1Api);
    const create = (plural: string, kind: string, namespace: string, body: object) =>
      custom.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        body: { apiVersion: `${group}/${version}`, kind, ...body },
      });
    const inBatches = async <T>(items: readonly T[], write: (item: T) => Promise<unknown>) => {
      for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map(write));
    };
    // Restrictions before anything else: Fleet judges a GitRepo when it reconciles it.
    for (const w of fleet) {
      await core.createNamespace({ body: { metadata: { name: w.ns } } });
      for (const [i, r] of w.restrictions.entries())
        await create('gitreporestrictions', 'GitRepoRestriction', w.ns, {
          metadata: { name: `r${i}` },
          ...r,
        });
    }
    for (const w of fleet) {
      await inBatches(w.clusters, (c) =>
        create('clusters', 'Cluster', w.ns, { metadata: { name: c.name, labels: c.labels }, spec: {} }),
      );
      await create('clustergroups', 'ClusterGroup', w.ns, {
        metadata: { name: 'edge' },
        spec: { selector: { matchLabels: { region: 'eu' } } },
      });
    }
    for (const w of fleet) {
      await inBatches(w.gitRepos, (g) =>
        create('gitrepos', 'GitRepo', w.ns, { metadata: { name: g.name }, spec: g.spec }),
      );
      await inBatches(w.helmOps, (h) =>
        create('helmops', 'HelmOp', w.ns, { metadata: { name: h.name }, spec: h.spec }),
      );
    }

    // Converged: the simulated Fleet is idle, every GitRepo judged, and a step of simulated time
    // changes neither the Bundles nor the BundleDeployments.
    const list = async <T>(plural: string) =>
      ((await custom.listClusterCustomObject({ group, version, plural })) as { items: T[] }).items;
    let last = '';
    await expect
      .poll(
        async () => {
          await expect.poll(() => sim.fleet.idle(), { timeout: 30_000, interval: 5 }).toBe(true);
          const repos = await list<GitRepo>('gitrepos');
          const judged = repos.every((r) => r.status?.conditions?.some((c) => c.type === 'Accepted'));
          const now = `${(await list('bundles')).length}/${(await list('bundledeployments')).length}`;
          const stable = judged && now === last;
          last = now;
          if (!stable) await clock.advance(1_000);
          return stable;
        },
        { timeout: 70_000, interval: 1 },
      )
      .toBe(true);

    gw = await startGateway({
      config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
      kubeConfig: sim.kubeConfig,
      logger: silentLogger(),
      clock,
      shutdownGraceMs: 200,
    });
    await gw.synced;

    const disagreements: string[] = [];
    const repos = await list<GitRepo>('gitrepos');
    let refused = 0;
    for (const w of fleet) {
      // The gateway's verdict per GitRepo: targetPreview with the GitRepo's name, one request each
      // (a refused non-null root field ends a query's execution, so aliases would hide the rest).
      const verdicts = new Map<string, string | undefined>();
      await inBatches(w.gitRepos, async (g) => {
        const res = await post(gw.url, {
          query: `query($ns: String!, $name: String) { targetPreview(namespace: $ns, name: $name, targets: [{ clusterName: "c0" }]) { cluster { name } } }`,
          variables: { ns: w.ns, name: g.name },
        });
        const e = res.errors?.[0];
        if (e) expect(e.extensions?.['code'], e.message).toBe('RESTRICTED');
        verdicts.set(g.name, e?.message);
      });
      const bundles: BundleRow[] = [];
      let after: string | undefined;
      do {
        const res = await post<{
          bundles: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: BundleRow }[] };
        }>(gw.url, { query: BUNDLES, variables: { ws: w.ns, after } });
        expect(res.errors).toBeUndefined();
        bundles.push(...res.data!.bundles.edges.map((e) => e.node));
        after = res.data!.bundles.pageInfo.hasNextPage ? res.data!.bundles.pageInfo.endCursor : undefined;
      } while (after);

      for (const g of w.gitRepos) {
        const simRepo = repos.find((r) => r.metadata.namespace === w.ns && r.metadata.name === g.name);
        const cond = simRepo?.status?.conditions?.find((c) => c.type === 'Accepted');
        const gwMessage = verdicts.get(g.name);
        const simRefused = cond?.status === 'False';
        const hasBundle = bundles.some((b) => b.gitRepo?.name === g.name);
        if (simRefused) refused++;
        if (simRefused !== (gwMessage !== undefined))
          disagreements.push(
            `${w.ns}/${g.name}: Fleet Accepted=${cond?.status} / gateway ${gwMessage ?? 'accepts'}`,
          );
        else if (simRefused && !gwMessage!.includes(`: ${cond.message ?? ''} (Fleet sets`))
          disagreements.push(`${w.ns}/${g.name}: Fleet "${cond.message}" / gateway "${gwMessage}"`);
        if (hasBundle === simRefused)
          disagreements.push(`${w.ns}/${g.name}: refused=${simRefused} bundle=${hasBundle}`);
      }
      for (const h of w.helmOps)
        if (!bundles.some((b) => b.helmOp?.name === h.name && b.name === h.name))
          disagreements.push(`${w.ns}/${h.name}: no Bundle for the HelmOp`);
      for (const b of bundles) {
        const targeted = b.targetedClusters.edges.map((e) => e.node.cluster.name).sort();
        const deployed = b.bundleDeployments.edges.map((e) => e.node.clusterName).sort();
        const pending = b.targetedClusters.edges.filter((e) => e.node.state === 'PENDING').length;
        if (targeted.join() !== deployed.join() || pending > 0)
          disagreements.push(
            `${w.ns}/${b.name}: gateway ${targeted.join(',')} / Fleet ${deployed.join(',')} / pending ${pending}`,
          );
      }
    }
    expect(disagreements).toEqual([]);
    // Not degenerate: both verdicts occur often, and HelmOps deploy somewhere.
    const total = WORKSPACES * GITREPOS_PER_WS;
    expect(refused).toBeGreaterThan(total / 5);
    expect(refused).toBeLessThan((total * 4) / 5);
    const helmOpBds = (
      await list<{ metadata: { labels?: Record<string, string> } }>('bundledeployments')
    ).filter((bd) => bd.metadata.labels?.['fleet.cattle.io/fleet-helm-name']).length;
    expect(helmOpBds).toBeGreaterThan(WORKSPACES * HELMOPS_PER_WS);
  });
});
