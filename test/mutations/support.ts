/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   GraphQL responses are JSON read field by field; typing each ad-hoc query would add nothing here. */
/**
 * Helpers for the mutation tests: the simulated Fleet (emulator + controllers on a ManualClock) and
 * a gateway over it, talking through real HTTP; a way to restart the gateway against the same
 * simulator; and polling that moves simulated time instead of sleeping.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { AuthorizationPolicy } from '../../src/gateway/fleet/commands/index.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { FleetSettings, Simulation } from '../../src/simulator/index.js';
import { FleetWriter as Objects } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway, STEP_DELAYS } from '../gateway/simulated.js';
import { post } from '../gateway/support.js';

export const WS = 'fleet-default';

export interface Env {
  readonly sim: Simulation;
  readonly clock: ManualClock;
  readonly objects: Objects;
  gw: Gateway;
  /** Stops the gateway and starts a new one against the same simulator (a restart or another replica). */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
  /** POSTs a GraphQL operation to the current gateway; fails the test on top-level errors. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Moves simulated time in steps until `fn` returns what is expected. */
  settle<T>(fn: () => Promise<T>, expected: T, stepMs?: number, timeout?: number): Promise<void>;
}

export async function startEnv(
  opts: {
    cleanup: 'prompt' | 'legacy';
    authorize?: AuthorizationPolicy;
    fleet?: Partial<FleetSettings>;
    /** How long mutations wait for their writes to show (the gateway's default when absent). */
    writeWaitMs?: number;
  } = { cleanup: 'prompt' },
): Promise<Env> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const sim = await startEmptySimulation({
    cleanup: opts.cleanup,
    clock,
    fleet: { ...STEP_DELAYS, agentBundles: false, ...opts.fleet },
  });
  const gateway = () =>
    startSyncedGateway(sim, { clock, authorizeCommand: opts.authorize, writeWaitMs: opts.writeWaitMs });
  const env: Env = {
    sim,
    clock,
    objects: new Objects(sim.kubeConfig),
    gw: await gateway(),
    async restartGateway() {
      await env.gw.stop();
      env.gw = await gateway();
    },
    async stop() {
      await env.gw.stop();
      await sim.stop();
    },
    async gql(query, variables) {
      const r = await post<any>(env.gw.url, { query, variables });
      expect(r.errors ?? []).toEqual([]);
      return r.data;
    },
    // A polling loop rather than expect.poll, so hooks can settle too; each round moves simulated time.
    async settle(fn, expected, stepMs = 1_000, timeout = 15_000) {
      const deadline = Date.now() + timeout;
      let last: unknown;
      do {
        await clock.advance(stepMs);
        last = await fn();
        if (isDeepStrictEqual(last, expected)) return;
      } while (Date.now() < deadline);
      expect(last).toEqual(expected);
    },
  };
  return env;
}

/** Per Bundle of a GitRepo: the clusters that have its BundleDeployment (live, not terminating). */
export async function deployed(env: Env, repo: string): Promise<Record<string, string[]>> {
  const d = await env.gql(
    `query($n: String!) { gitRepo(namespace: "${WS}", name: $n) { bundles { edges { node { name
       bundleDeployments { edges { node { clusterName } } } } } } } }`,
    { n: repo },
  );
  const out: Record<string, string[]> = {};
  for (const { node } of d.gitRepo?.bundles.edges ?? []) {
    out[node.name] = node.bundleDeployments.edges.map((e: any) => e.node.clusterName).sort();
  }
  return out;
}

/** Per Bundle: the clusters its own current targets select. */
export async function targeted(env: Env, repo: string): Promise<Record<string, string[]>> {
  const d = await env.gql(
    `query($n: String!) { gitRepo(namespace: "${WS}", name: $n) { bundles { edges { node { name
       targetedClusters { edges { node { cluster { name } } } } } } } } }`,
    { n: repo },
  );
  const out: Record<string, string[]> = {};
  for (const { node } of d.gitRepo?.bundles.edges ?? []) {
    out[node.name] = node.targetedClusters.edges.map((e: any) => e.node.cluster.name).sort();
  }
  return out;
}

/** The GitRepo as the API server holds it (not through the gateway). */
export async function readBack(env: Env, name: string): Promise<any> {
  const { CustomObjectsApi } = await import('@kubernetes/client-node');
  const api = env.sim.kubeConfig.makeApiClient(CustomObjectsApi);
  return api.getNamespacedCustomObject({
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    namespace: WS,
    plural: 'gitrepos',
    name,
  });
}

/* The staged-retarget tests (staged.test.ts, staged-stop.test.ts) share one setup and one view of
   an operation, so the two files read the same fields and seed the fleet the same way. */

/** `retargetGitRepo` with the fields the staged tests read back. */
export const STAGED_RETARGET = `
  mutation($input: RetargetGitRepoInput!) {
    retargetGitRepo(input: $input) {
      userErrors { code field message }
      gitRepo { targets { clusterName } }
      operation { id state currentStep steps { addedClusters removedClusters state } strategy { batchSize pauseBetween } }
    }
  }`;

const OPERATION = `
  query($id: ID!) { retargetOperation(id: $id) { state currentStep message steps { state } failures { cluster message } } }`;

/** One target selecting every cluster the staged setup creates (label `fleet=yes`). */
export const ALL = [{ name: 'all', clusterSelector: { matchLabels: [{ key: 'fleet', value: 'yes' }] } }];

/**
 * A simulated fleet of `clusters` clusters labelled `fleet=yes` and one single-path GitRepo per
 * name in `repos`, each targeting nothing yet; resolves once every GitRepo has its Bundle.
 */
export async function startStagedEnv(clusters: number, repos: readonly string[]): Promise<Env> {
  const env = await startEnv({ cleanup: 'prompt' });
  for (let i = 0; i < clusters; i++) {
    const name = `c-${String(i).padStart(2, '0')}`;
    await env.objects.create('clusters', WS, { metadata: { name, labels: { fleet: 'yes' } }, spec: {} });
  }
  for (const name of repos)
    await env.objects.create('gitrepos', WS, {
      metadata: { name },
      spec: {
        repo: 'https://example.com/app',
        paths: ['a'],
        targets: [{ name: 'none', clusterSelector: { matchLabels: { stage: 'none' } } }],
      },
    });
  await env.settle(
    async () => (await env.gql(`{ bundles { totalCount } }`)).bundles.totalCount,
    repos.length,
  );
  return env;
}

/** A staged retarget as `retargetOperation` reports it. */
export async function operation(env: Env, id: string): Promise<any> {
  return (await env.gql(OPERATION, { id })).retargetOperation;
}

/** How many live BundleDeployments the GitRepo has, over all its Bundles. */
export async function deploymentCount(env: Env, repo: string): Promise<number> {
  return Object.values(await deployed(env, repo)).reduce((n, l) => n + l.length, 0);
}
