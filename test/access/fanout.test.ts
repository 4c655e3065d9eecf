/**
 * Shared subscription execution with `--auth kubernetes`: subscribers share an event's execution
 * only with subscribers of the same caller, so an answer shaped by one caller's rights never
 * reaches another. alice may read team-a's clusters and deployments; the emulator's admin may read
 * everything. When alice loses her right to list team-a's Clusters, her events show no cluster
 * while the admin's, for the same event and the same document, still do.
 */
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  clusterNamespace,
  gql,
  startAuthGateway,
  wsSession,
  type AuthGateway,
  type WsSession,
} from './support.js';

let env: AuthGateway;
let url: string;
const sessions: WsSession[] = [];

beforeAll(async () => {
  env = await startAuthGateway();
  url = env.gw.url;
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.dispose()));
  await env?.stop();
});

const EVENTS = `subscription SharedAccess {
  bundleDeploymentEvents {
    type
    bundleDeployment { namespace labels { key value } cluster { name } }
  }
}`;

interface Received {
  namespace: string;
  mark: string;
  cluster: string | null;
}

/** A subscription of EVENTS for a token, collecting each deployment event's namespace, mark and cluster. */
function listen(token: string): Received[] {
  const session = wsSession(url, token);
  sessions.push(session);
  const got: Received[] = [];
  session.client.subscribe<{
    bundleDeploymentEvents: {
      bundleDeployment: {
        namespace: string;
        labels: { key: string; value: string }[];
        cluster: { name: string } | null;
      } | null;
    };
  }>(
    { query: EVENTS },
    {
      next: (r) => {
        const bd = r.data?.bundleDeploymentEvents.bundleDeployment;
        if (bd)
          got.push({
            namespace: bd.namespace,
            mark: bd.labels.find((l) => l.key === 'mark')?.value ?? '',
            cluster: bd.cluster?.name ?? null,
          });
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return got;
}

async function mark(ws: string, cluster: string, value: string): Promise<void> {
  await env.fx.t.kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    {
      group: 'fleet.cattle.io',
      version: 'v1alpha1',
      plural: 'bundledeployments',
      namespace: clusterNamespace(ws, cluster),
      name: 'app-simple',
      body: { metadata: { labels: { mark: value } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('shared subscription execution with authentication', () => {
  it('shares an execution only among subscribers of one caller, and never passes one caller’s answer to another', async () => {
    const alice = [listen(ALICE), listen(ALICE)];
    const admin = [listen(env.adminToken), listen(env.adminToken)];
    await expect.poll(() => env.gw.eventStats().subscribers, { timeout: 10_000 }).toBe(4);

    const before = env.gw.subscriptionSharing();
    await mark('team-a', 'a1', 'one');
    await expect
      .poll(() => [...alice, ...admin].map((g) => g.length), { timeout: 10_000 })
      .toEqual([1, 1, 1, 1]);
    // One execution per caller, each reused by that caller's second subscriber.
    const after = env.gw.subscriptionSharing();
    expect(after.executions - before.executions).toBe(2);
    expect(after.reused - before.reused).toBe(2);
    const a1 = { namespace: clusterNamespace('team-a', 'a1'), mark: 'one', cluster: 'a1' };
    for (const g of [...alice, ...admin]) expect(g[0]).toEqual(a1);

    // team-b's deployment: the admin gets it, alice never does (her next team-a event proves it was withheld).
    await mark('team-b', 'b1', 'one');
    await mark('team-a', 'a2', 'one');
    await expect.poll(() => alice.map((g) => g.length), { timeout: 10_000 }).toEqual([2, 2]);
    await expect.poll(() => admin.map((g) => g.length), { timeout: 10_000 }).toEqual([3, 3]);
    expect(alice[0]!.map((e) => e.namespace)).not.toContain(clusterNamespace('team-b', 'b1'));
    expect(admin[0]!.map((e) => e.namespace)).toContain(clusterNamespace('team-b', 'b1'));

    // alice loses the right to list team-a's Clusters (her deployment rights stay).
    await env.fx.t.kubeConfig
      .makeApiClient(RbacAuthorizationV1Api)
      .deleteNamespacedRoleBinding({ name: 'alice-fleet-reader', namespace: 'team-a' });
    await expect
      .poll(
        async () =>
          ((await gql(url, 'query { clusters(first: 5) { totalCount } }', {}, ALICE)).data?.clusters
            ?.totalCount as number | undefined) ?? -1,
        { timeout: 10_000 },
      )
      .toBe(0);
    // Until alice's live subscriptions decide again (within about a second), her events may still
    // show the cluster; each new event is the same document for both callers, so poll with new marks.
    let n = 0;
    await expect
      .poll(
        async () => {
          n++;
          await mark('team-a', 'a1', `two-${n}`);
          await expect
            .poll(() => [...alice, ...admin].every((g) => g.at(-1)?.mark === `two-${n}`), { timeout: 10_000 })
            .toBe(true);
          return alice.map((g) => g.at(-1)!.cluster);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toEqual([null, null]);
    // The same event, the same document: the admin's answer still names the cluster.
    expect(admin.map((g) => g.at(-1))).toEqual([
      { namespace: clusterNamespace('team-a', 'a1'), mark: `two-${n}`, cluster: 'a1' },
      { namespace: clusterNamespace('team-a', 'a1'), mark: `two-${n}`, cluster: 'a1' },
    ]);
  }, 60_000);
});
