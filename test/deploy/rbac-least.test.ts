/**
 * The chart's roles are least privilege, proven against the emulator's RBAC enforcement:
 *
 * 1. `helm template` the chart (default values, namespace `fleet-graph`), apply its ClusterRole,
 *    Role and bindings to an emulator, and give the chart's service account a token (token file
 *    user `system:serviceaccount:fleet-graph:<name>` with the service-account groups);
 * 2. run the gateway as that service account over HTTP (a kubeconfig with its token), with
 *    `--auth kubernetes` and its leader Lease in the release namespace;
 * 3. with every rendered rule the features that matter work: every watched kind syncs, alice's
 *    query answers her objects only (TokenReview and SubjectAccessReview), a subscription delivers
 *    an event, alice (a user with a uid and groups) and a service-account caller each retarget a
 *    GitRepo through impersonation, the gateway leads on the Lease, and as leader its staged-retarget
 *    runner applies a step alice started, writing it as alice (impersonated, per the audit log);
 * 4. for each rule of the rendered roles, and for each verb of the Lease rule (get, create and
 *    update are three separate steps of an election), the rule alone is removed, the gateway starts
 *    afresh, and at least one feature fails while the emulator's audit log shows a 403 for the
 *    gateway's service account on exactly that resource.
 *
 * Granularity: the chart writes one rule per resource, so the removals are per rule. Within a
 * Fleet kind's rule the verbs go together: list and watch are one reflector, get serves the
 * details of an object the reflector lists; removing them one by one would only multiply gateway
 * restarts. The Lease rule is split by verb because each verb is its own step.
 */
import { readFile, stat, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { LEADER_LEASE_NAME } from '../../src/gateway/kube/leader.js';
import { silentLogger } from '../../src/shared/logger.js';
import { clusterNamespace, fleetObjects, gql, wsSession, type Json } from '../access/support.js';
import { ALICE, BOB, gitRepo, kubeConfigFor, teamObjects, TOKEN_FILE } from '../support/auth.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { renderChart, type Manifest } from '../support/helm.js';

const NS = 'fleet-graph';
const SA_TOKEN = 'fleet-graph-sa-token-0123456789';
/** A caller that is itself a service account: the gateway impersonates it as one. */
const BOT = 'ci-bot-token-0123456789';
const BOT_USER = 'system:serviceaccount:team-a:ci-bot';

/**
 * The resources of the rendered ClusterRole's rules, one rule each, in order. The removals are
 * declared from this list (test names exist before helm runs); the first test pins it to the chart.
 */
const CLUSTER_RULES = [
  'gitrepos',
  'helmops',
  'bundles',
  'bundledeployments',
  'clusters',
  'clustergroups',
  'bundlenamespacemappings',
  'namespaces',
  'tokenreviews',
  'subjectaccessreviews',
  'users',
  'groups',
  'serviceaccounts',
  'uids',
];

let dir: string;
let t: TestApiServer;
let auditLog: string;
let saUser: string;
let clusterRole: V1ClusterRole;
let role: V1Role;
let rbac: RbacAuthorizationV1Api;
let retargets = 0;
/** The staged retarget the last `stagedStep` check started (cancelled by the next one). */
let stagedOperation: string | undefined;

const READ = `{
  gitRepos(first: 50) { totalCount edges { node { namespace name } } }
  clusters(first: 50) { totalCount }
  bundleDeployments(first: 50) { totalCount }
}`;

const retarget = (target: string) => `mutation {
  retargetGitRepo(input: { namespace: "team-a", name: "app", targets: [{ name: "${target}", clusterSelector: { matchLabels: [{ key: "env", value: "dev" }] } }] }) {
    userErrors { code message }
    gitRepo { targets { name } }
  }
}`;

/** A staged retarget of the `staged` GitRepo: the mutation only records it; the leader applies each step. */
const staged = (target: string) => `mutation {
  retargetGitRepo(input: {
    namespace: "team-a", name: "staged",
    targets: [{ name: "${target}", clusterName: "a1" }],
    strategy: { batchSize: 1, waitForReady: false }
  }) {
    userErrors { code message }
    operation { id }
  }
}`;

const OPERATION = `query ($id: ID!) {
  retargetOperation(id: $id) { state startedBy steps { state appliedBy targets { name } } }
}`;

/** One feature check: resolves when it works, throws why when it does not. */
type Check = (gw: Gateway) => Promise<void>;

const checks: Record<string, Check> = {
  sync: (gw) => {
    const r = gw.readiness();
    return r.ready ? Promise.resolve() : Promise.reject(new Error(`not ready: ${r.reason ?? ''}`));
  },
  // TokenReview (alice is known) and SubjectAccessReview (she sees team-a only).
  aliceReads: async (gw) => {
    const r = await gql(gw.url, READ, {}, ALICE);
    if (r.status !== 200 || r.errors) throw new Error(`status ${r.status}: ${JSON.stringify(r.errors)}`);
    const repos = r.data.gitRepos.edges.map((e: Json) => `${e.node.namespace}/${e.node.name}`);
    const got = [repos.join(','), r.data.clusters.totalCount, r.data.bundleDeployments.totalCount];
    if (JSON.stringify(got) !== JSON.stringify(['team-a/app,team-a/staged', 2, 2]))
      throw new Error(`saw ${JSON.stringify(got)}`);
  },
  aliceRetargets: (gw) => retargetAs(gw, ALICE),
  serviceAccountRetargets: (gw) => retargetAs(gw, BOT),
  leads: async (gw) => {
    if (!gw.leadership().leading) throw new Error('not leading');
    const lease = await t.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEADER_LEASE_NAME, namespace: NS });
    if (lease.spec?.holderIdentity !== gw.leadership().identity) throw new Error('lease held by another');
  },
  // The runner acts only on the leader, as the caller who started the operation: impersonation
  // on a write the gateway itself starts, not in answer to a request.
  stagedStep: async (gw) => {
    if (stagedOperation) {
      const c = await gql(
        gw.url,
        `mutation { cancelRetarget(id: "${stagedOperation}") { userErrors { code } } }`,
        {},
        ALICE,
      );
      if (c.errors) throw new Error(JSON.stringify(c.errors));
    }
    const target = `s${++retargets}`;
    const r = await gql(gw.url, staged(target), {}, ALICE);
    const id = r.data?.retargetGitRepo?.operation?.id as string | undefined;
    if (r.errors || !id || r.data.retargetGitRepo.userErrors.length !== 0)
      throw new Error(JSON.stringify(r.errors ?? r.data?.retargetGitRepo?.userErrors ?? r.status));
    stagedOperation = id;
    await expect
      .poll(
        async (): Promise<unknown[]> => {
          const op: Json = (await gql(gw.url, OPERATION, { id }, ALICE)).data?.retargetOperation;
          const step = op?.steps?.[0];
          return [op?.startedBy, step?.state, step?.appliedBy, step?.targets?.[0]?.name] as unknown[];
        },
        { timeout: 5_000, interval: 50 },
      )
      .toEqual(['alice', 'APPLIED', gw.leadership().identity, target]);
  },
};

async function retargetAs(gw: Gateway, token: string): Promise<void> {
  const target = `t${++retargets}`;
  const r = await gql(gw.url, retarget(target), {}, token);
  const out = r.data?.retargetGitRepo;
  if (r.errors || out?.userErrors.length !== 0 || out?.gitRepo?.targets[0]?.name !== target)
    throw new Error(JSON.stringify(r.errors ?? out?.userErrors ?? r.status));
}

/**
 * The first check that fails, in order (undefined: all work). Later checks are not run: while
 * the store is not synced, a query waits for it before answering, so one failure is enough.
 */
async function firstFailing(gw: Gateway): Promise<string | undefined> {
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check(gw);
    } catch {
      return name;
    }
  }
  return undefined;
}

/** Runs every check once; the names of those that failed. */
async function failing(gw: Gateway): Promise<string[]> {
  const out: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check(gw);
    } catch {
      out.push(name);
    }
  }
  return out;
}

async function startAsServiceAccount(): Promise<Gateway> {
  return startGateway({
    config: loadConfig(
      [
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--auth',
        'kubernetes',
        '--auth-cache-seconds',
        '1',
        '--access-cache-seconds',
        '1',
        '--leader-election-namespace',
        NS,
        // Short Lease timings, so a failed renewal ends leadership in about a second.
        '--leader-election-lease-seconds',
        '2',
        '--leader-election-renew-seconds',
        '1.5',
        '--leader-election-retry-seconds',
        '0.25',
      ],
      {},
    ),
    kubeConfig: kubeConfigFor(t.url, SA_TOKEN),
    logger: silentLogger(),
    watchTuning: { backoff: { initialMs: 20, maxMs: 200 }, minReconnectDelayMs: 10 },
    shutdownGraceMs: 100,
    writeWaitMs: 2_000,
  });
}

interface Refusal {
  verb: string;
  resource: string;
  message: string;
}

/** The audit entries of the gateway's own identity refused with 403, from a byte offset on. */
async function forbidden(from: number): Promise<Refusal[]> {
  const text = (await readFile(auditLog)).subarray(from).toString('utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l): Json => JSON.parse(l))
    .filter((e) => e.user?.username === saUser && e.responseStatus?.code === 403)
    .map((e) => ({
      verb: e.verb as string,
      resource: (e.objectRef?.resource ?? '') as string,
      message: (e.responseStatus?.message ?? '') as string,
    }));
}

/**
 * Whether a refusal is the removed rule's: a request on that resource (and verb), or, for
 * impersonation, a request refused because the gateway may not impersonate that kind of value
 * (the audit's objectRef is then the written object; the Status message names the resource).
 */
const refuses = (f: Refusal, resource: string, verb: string | undefined) =>
  f.message.includes(`cannot impersonate resource "${resource}"`) ||
  (f.resource === resource && (verb === undefined || f.verb === verb));

/** Replaces the ClusterRole's and Role's rules (the bindings stay). */
async function applyRules(clusterRules: V1PolicyRule[], roleRules: V1PolicyRule[]): Promise<void> {
  const name = clusterRole.metadata!.name!;
  const cr = await rbac.readClusterRole({ name });
  await rbac.replaceClusterRole({ name, body: { ...cr, rules: clusterRules } });
  const r = await rbac.readNamespacedRole({ name, namespace: NS });
  await rbac.replaceNamespacedRole({ name, namespace: NS, body: { ...r, rules: roleRules } });
}

async function deleteLease(): Promise<void> {
  await t.kubeConfig
    .makeApiClient(CoordinationV1Api)
    .deleteNamespacedLease({ name: LEADER_LEASE_NAME, namespace: NS })
    .catch(() => undefined);
}

const pick = <T>(objects: Manifest[], kind: string): T => {
  const o = objects.find((m) => m.kind === kind);
  if (!o) throw new Error(`the chart renders no ${kind}`);
  return o as unknown as T;
};

beforeAll(async () => {
  const objects = await renderChart([], { namespace: NS });
  const sa = pick<{ metadata: { name: string } }>(objects, 'ServiceAccount');
  clusterRole = pick<V1ClusterRole>(objects, 'ClusterRole');
  role = pick<V1Role>(objects, 'Role');
  saUser = `system:serviceaccount:${NS}:${sa.metadata.name}`;

  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-rbac-'));
  const tokens =
    TOKEN_FILE +
    `${SA_TOKEN},${saUser},sa-uid,"system:serviceaccounts,system:serviceaccounts:${NS},system:authenticated"\n` +
    `${BOT},${BOT_USER},ci-bot-uid,"system:serviceaccounts,system:serviceaccounts:team-a"\n`;
  await writeFile(join(dir, 'tokens.csv'), tokens);
  auditLog = join(dir, 'audit.log');
  t = await startTestApiServer({
    fleet: true,
    tokenAuthFile: join(dir, 'tokens.csv'),
    auditLogPath: auditLog,
  });
  t.server.seed([
    ...teamObjects(),
    gitRepo('team-a', 'staged'),
    ...fleetObjects(),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ci-bot-gitrepos', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gitrepo-editor' },
      subjects: [{ kind: 'ServiceAccount', name: 'ci-bot', namespace: 'team-a' }],
    } as KubeObject,
  ]);

  // The release namespace first, then the chart's RBAC objects, through the API as an installer would.
  await t.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  rbac = t.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: clusterRole });
  await rbac.createClusterRoleBinding({ body: pick<V1ClusterRoleBinding>(objects, 'ClusterRoleBinding') });
  await rbac.createNamespacedRole({ namespace: NS, body: role });
  await rbac.createNamespacedRoleBinding({
    namespace: NS,
    body: pick<V1RoleBinding>(objects, 'RoleBinding'),
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chart RBAC is least privilege (emulator RBAC)', () => {
  it('renders the rules the proof walks: seven Fleet kinds, namespaces, reviews, impersonation, the Lease', () => {
    const resources = (rules: V1PolicyRule[] | undefined) => (rules ?? []).flatMap((r) => r.resources ?? []);
    expect(resources(clusterRole.rules)).toEqual(CLUSTER_RULES);
    expect(resources(role.rules)).toEqual(['leases']);
    // Nothing holds a write verb on Fleet objects: writes go out as the caller.
    for (const r of clusterRole.rules ?? [])
      if (r.apiGroups?.includes('fleet.cattle.io')) expect(r.verbs).toEqual(['get', 'list', 'watch']);
  });

  it('with every rendered rule, the gateway as its service account does all it must', async () => {
    const from = (await stat(auditLog)).size;
    const gw = await startAsServiceAccount();
    try {
      await gw.synced;
      await expect.poll(() => failing(gw), { timeout: 15_000 }).toEqual([]);
      // Bob is authenticated but may list nothing: the filtering is the caller's RBAC.
      const bob = await gql(gw.url, READ, {}, BOB);
      expect(bob.data.gitRepos.totalCount).toBe(0);
      await subscriptionDelivers(gw);
      expect(await forbidden(from)).toEqual([]);
      // Nothing the gateway did asked for Events (the chart grants none).
      const own = (await readFile(auditLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l): Json => JSON.parse(l))
        .filter((e) => e.user?.username === saUser);
      expect(own.length).toBeGreaterThan(0);
      expect(own.filter((e) => e.objectRef?.resource === 'events')).toEqual([]);
      // The staged step went out under alice's name: the gateway's account, impersonating her.
      const stagedWrites = own.filter(
        (e) => e.objectRef?.resource === 'gitrepos' && e.objectRef?.name === 'staged' && e.verb !== 'get',
      );
      expect(stagedWrites.length).toBeGreaterThan(0);
      for (const e of stagedWrites) expect(e.impersonatedUser?.username).toBe('alice');
    } finally {
      await gw.stop();
    }
  }, 60_000);

  /** Each removal, and the feature that must break first (checks run in the order of `checks`). */
  const removals: {
    label: string;
    resource: string;
    cluster: boolean;
    index: number;
    verb?: string;
    breaks: keyof typeof checks;
  }[] = [];
  const breaks = (resource: string): keyof typeof checks => {
    if (resource === 'tokenreviews' || resource === 'subjectaccessreviews') return 'aliceReads';
    if (resource === 'serviceaccounts') return 'serviceAccountRetargets';
    if (['users', 'groups', 'uids'].includes(resource)) return 'aliceRetargets';
    return 'sync';
  };
  CLUSTER_RULES.forEach((resource, index) =>
    removals.push({
      label: `the ${resource} rule`,
      resource,
      cluster: true,
      index,
      breaks: breaks(resource),
    }),
  );
  for (const verb of ['get', 'create', 'update'])
    removals.push({
      label: `leases ${verb}`,
      resource: 'leases',
      cluster: false,
      index: 0,
      verb,
      breaks: 'leads',
    });

  it.each(removals)(
    'without $label, $breaks fails, FORBIDDEN by the API server',
    async ({ resource, cluster, index, verb, breaks: feature }) => {
      const clusterRules = structuredClone(clusterRole.rules ?? []);
      const roleRules = structuredClone(role.rules ?? []);
      const rules = cluster ? clusterRules : roleRules;
      expect(rules[index]?.resources).toEqual([resource]);
      if (verb) rules[index]!.verbs = rules[index]!.verbs.filter((v) => v !== verb);
      else rules.splice(index, 1);
      await applyRules(clusterRules, roleRules);
      await deleteLease();
      const from = (await stat(auditLog)).size;
      const gw = await startAsServiceAccount();
      try {
        // The features are exercised until the refusal shows in the audit log; then one round of
        // the checks must see a feature fail.
        await expect
          .poll(
            async () => {
              const refused = (await forbidden(from)).some((f) => refuses(f, resource, verb));
              if (!refused) await firstFailing(gw);
              return refused;
            },
            { timeout: 20_000, interval: 100 },
          )
          .toBe(true);
        await expect.poll(() => firstFailing(gw), { timeout: 10_000 }).toBe(feature);
      } finally {
        await gw.stop();
        await applyRules(clusterRole.rules ?? [], role.rules ?? []);
      }
    },
    40_000,
  );
});

async function subscriptionDelivers(gw: Gateway): Promise<void> {
  const ws = wsSession(gw.url, ALICE);
  const seen: string[] = [];
  const sub = ws.client.iterate<Json>({
    query:
      'subscription { bundleDeploymentEvents { type bundleDeployment { namespace labels { key value } } } }',
  });
  const pump = (async () => {
    for await (const e of sub) {
      const bd = e.data?.bundleDeploymentEvents?.bundleDeployment;
      if (bd) seen.push(bd.labels.find((l: Json) => l.key === 'mark')?.value ?? '');
    }
  })();
  try {
    await expect.poll(() => gw.eventStats().subscribers, { timeout: 10_000 }).toBeGreaterThan(0);
    await t.kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        group: 'fleet.cattle.io',
        version: 'v1alpha1',
        plural: 'bundledeployments',
        namespace: clusterNamespace('team-a', 'a1'),
        name: 'app-simple',
        body: { metadata: { labels: { mark: 'seen' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('seen');
  } finally {
    await sub.return?.();
    await ws.dispose();
    await pump.catch(() => undefined);
  }
}
