/**
 * `--auth kubernetes` against the emulator over real HTTP and WebSocket: every caller is
 * authenticated by TokenReview, sees only what Kubernetes lets them list, and writes as
 * themselves (impersonation), as the emulator's RBAC and audit log show.
 */
import { readFile } from 'node:fs/promises';
import {
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  clusterNamespace,
  gql,
  startAuthGateway,
  wsSession,
  type AuthGateway,
  type Json,
} from './support.js';

let env: AuthGateway;
let url: string;

beforeAll(async () => {
  env = await startAuthGateway();
  url = env.gw.url;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

const READ = `query Read {
  gitRepos(first: 50) { totalCount edges { node { namespace name } } }
  clusters(first: 50) { totalCount edges { node { namespace name } } }
  bundleDeployments(first: 50) { totalCount edges { node { namespace name } } }
  teamB: gitRepo(namespace: "team-b", name: "app") { name }
  teamA: gitRepo(namespace: "team-a", name: "app") {
    name
    bundleDeployments(first: 50) { totalCount edges { node { namespace } } }
  }
  workspaces { name }
}`;

const keys = (conn: { edges: { node: { namespace: string; name: string } }[] }) =>
  conn.edges.map((e) => `${e.node.namespace}/${e.node.name}`).sort();

const RETARGET = `mutation Retarget($ns: String!) {
  retargetGitRepo(input: { namespace: $ns, name: "app", targets: [{ name: "dev", clusterSelector: { matchLabels: [{ key: "env", value: "dev" }] } }] }) {
    userErrors { code message }
    gitRepo { namespace name targets { name } }
  }
}`;

function admin() {
  return env.fx.t.kubeConfig.makeApiClient(CustomObjectsApi);
}

async function teamBVersion(): Promise<string> {
  const o = (await admin().getNamespacedCustomObject({
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    plural: 'gitrepos',
    namespace: 'team-b',
    name: 'app',
  })) as { metadata: { resourceVersion: string }; spec: Record<string, unknown> };
  return JSON.stringify([o.metadata.resourceVersion, o.spec]);
}

describe('authentication', () => {
  it('refuses a request without a token, or with a bad one, with 401 UNAUTHENTICATED and stays responsive', async () => {
    for (const token of [undefined, 'not-a-token', `${ALICE}x`]) {
      const r = await gql(url, '{ gitRepos(first: 1) { totalCount } }', {}, token);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      expect(r.data).toBeUndefined();
    }
    // A write without a token is refused before anything runs.
    const before = await teamBVersion();
    const w = await gql(url, RETARGET, { ns: 'team-b' });
    expect(w.status).toBe(401);
    expect(await teamBVersion()).toBe(before);
    const ok = await gql(url, '{ gitRepos(first: 1) { totalCount } }', {}, env.adminToken);
    expect(ok.status).toBe(200);
    expect(ok.data.gitRepos.totalCount).toBe(2);
  });

  it('closes a WebSocket connection without a valid token with 4401', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const ws = wsSession(url, token);
      const it = ws.client.iterate({
        query: 'subscription { gitRepoChanged(namespace: "team-a", name: "app") { name } }',
      });
      await expect(it.next()).rejects.toBeDefined();
      expect(ws.closes[0]?.code).toBe(4401);
      await ws.dispose();
    }
  });

  it('refuses a Server-Sent Events subscription without a token with 401', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription { gitRepoChanged(namespace: "team-a", name: "app") { name } }',
      }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    await res.body?.cancel();
  });

  it('serves health and readiness without a token', async () => {
    const base = url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('never logs a token', () => {
    const all = env.logLines.join('\n');
    for (const token of [ALICE, BOB, env.adminToken]) expect(all).not.toContain(token);
  });
});

describe('reads are what the caller may list', () => {
  it('shows alice only team-a, with counts and edges that agree with the lists', async () => {
    const r = await gql(url, READ, {}, ALICE);
    expect(r.errors).toBeUndefined();
    const d = r.data;
    expect(keys(d.gitRepos)).toEqual(['team-a/app']);
    expect(d.gitRepos.totalCount).toBe(1);
    expect(keys(d.clusters)).toEqual(['team-a/a1', 'team-a/a2']);
    expect(d.clusters.totalCount).toBe(2);
    expect(
      d.bundleDeployments.edges.map((e: { node: { namespace: string } }) => e.node.namespace).sort(),
    ).toEqual([clusterNamespace('team-a', 'a1'), clusterNamespace('team-a', 'a2')]);
    expect(d.bundleDeployments.totalCount).toBe(2);
    expect(d.teamB).toBeNull();
    expect(d.teamA.bundleDeployments.totalCount).toBe(2);
    expect(d.workspaces.map((w: { name: string }) => w.name)).toEqual(['team-a']);
  });

  it('shows bob nothing, and the administrator everything', async () => {
    const bob = await gql(url, READ, {}, BOB);
    expect(bob.errors).toBeUndefined();
    expect(bob.data.gitRepos.totalCount).toBe(0);
    expect(bob.data.clusters.totalCount).toBe(0);
    expect(bob.data.bundleDeployments.totalCount).toBe(0);
    expect(bob.data.teamA).toBeNull();
    expect(bob.data.workspaces).toEqual([]);
    const all = await gql(url, READ, {}, env.adminToken);
    expect(all.data.gitRepos.totalCount).toBe(2);
    expect(all.data.clusters.totalCount).toBe(3);
    expect(all.data.bundleDeployments.totalCount).toBe(3);
    expect(all.data.teamB).toEqual({ name: 'app' });
  });

  it('answers a lookup alice may not see with null, never an error naming it', async () => {
    const r = await gql(
      url,
      `{ cluster(namespace: "team-b", name: "b1") { name } bundleDeployment(namespace: "${clusterNamespace('team-b', 'b1')}", name: "app-simple") { name } }`,
      {},
      ALICE,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ cluster: null, bundleDeployment: null });
  });
});

describe('writes are the caller’s', () => {
  it('retargets in team-a as alice: the API server’s audit names alice as the impersonated user', async () => {
    const r = await gql(url, RETARGET, { ns: 'team-a' }, ALICE);
    expect(r.errors).toBeUndefined();
    expect(r.data.retargetGitRepo.userErrors).toEqual([]);
    expect(r.data.retargetGitRepo.gitRepo.targets).toEqual([{ name: 'dev' }]);
    const audit = (await readFile(env.fx.auditLog!, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, Json>);
    const patch = audit.find(
      (e) =>
        e['verb'] === 'patch' &&
        e['objectRef']?.resource === 'gitrepos' &&
        e['objectRef']?.namespace === 'team-a',
    );
    expect(patch?.['impersonatedUser']?.username).toBe('alice');
    expect(patch?.['impersonatedUser']?.groups).toEqual(expect.arrayContaining(['team-a-devs', 'readers']));
    expect(patch?.['responseStatus']?.code).toBe(200);
    // The gateway's own audit line names alice and never a token.
    const line = env.logLines
      .map((l) => JSON.parse(l) as Record<string, Json>)
      .find((l) => l['msg'] === 'audit' && l['action'] === 'retarget' && l['outcome'] === 'OK');
    expect(line).toMatchObject({
      principal: 'alice',
      object: { kind: 'GitRepo', namespace: 'team-a', name: 'app' },
      dryRun: false,
      outcome: 'OK',
    });
    expect(line?.['resourceVersion']).toEqual(expect.any(String));
  });

  it('refuses a retarget in team-b as FORBIDDEN, writes nothing and tells nothing of the object', async () => {
    const before = await teamBVersion();
    for (const token of [ALICE, BOB]) {
      const r = await gql(url, RETARGET, { ns: 'team-b' }, token);
      expect(r.data.retargetGitRepo.userErrors.map((e: { code: string }) => e.code)).toEqual(['FORBIDDEN']);
      expect(r.data.retargetGitRepo.gitRepo).toBeNull();
    }
    // FORBIDDEN whether or not the object exists: no NOT_FOUND that would confirm a name.
    const missing = await gql(
      url,
      RETARGET.replace('name: "app"', 'name: "no-such-repo"'),
      { ns: 'team-b' },
      ALICE,
    );
    expect(missing.data.retargetGitRepo.userErrors.map((e: { code: string }) => e.code)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await teamBVersion()).toBe(before);
  });

  it('gives the caller of a refused write the request id its log lines carry, not the API server’s text', async () => {
    const r = await gql(url, RETARGET, { ns: 'team-b' }, ALICE);
    const requestId = r.extensions?.['requestId'];
    expect(requestId).toBe(r.headers.get('x-request-id'));
    expect(JSON.stringify(r)).not.toMatch(/cannot patch resource|is forbidden: User/);
    const mine = env.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['requestId'] === requestId);
    expect(mine.find((l) => l['msg'] === 'audit')).toMatchObject({
      principal: 'alice',
      outcome: 'FORBIDDEN',
    });
  });

  it('refuses a write to an invalid namespace name before anything is sent', async () => {
    const r = await gql(url, RETARGET, { ns: 'Not_A_Namespace' }, env.adminToken);
    expect(r.data.retargetGitRepo.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    ]);
  });
});

describe('a write the API server accepted but the gateway has not seen', () => {
  it('is reported ACCEPTED_NOT_YET_VISIBLE with its resourceVersion, not as an error', async () => {
    env.fx.t.server.faults.silenceWatches({ resource: 'gitrepos' });
    try {
      const r = await gql(
        url,
        `mutation { setGitRepoPaused(input: { namespace: "team-a", name: "app", paused: true }) {
          outcome writtenResourceVersion userErrors { code } } }`,
        {},
        ALICE,
      );
      expect(r.errors).toBeUndefined();
      const p = r.data.setGitRepoPaused;
      expect(p.userErrors).toEqual([]);
      expect(p.outcome).toBe('ACCEPTED_NOT_YET_VISIBLE');
      const o = (await admin().getNamespacedCustomObject({
        group: 'fleet.cattle.io',
        version: 'v1alpha1',
        plural: 'gitrepos',
        namespace: 'team-a',
        name: 'app',
      })) as { metadata: { resourceVersion: string }; spec: { paused?: boolean } };
      expect(o.spec.paused).toBe(true);
      expect(p.writtenResourceVersion).toBe(o.metadata.resourceVersion);
    } finally {
      env.fx.t.server.faults.clear();
      env.fx.t.server.faults.endWatches({ resource: 'gitrepos' });
    }
  }, 30_000);
});

describe('live events and revocation', () => {
  it('delivers alice only events she may list, and stops them within seconds of revoking her RoleBinding', async () => {
    const ws = wsSession(url, ALICE);
    const events: string[] = [];
    const sub = ws.client.iterate<{
      bundleDeploymentEvents: {
        type: string;
        bundleDeployment: { namespace: string; labels: { key: string; value: string }[] } | null;
      };
    }>({
      query: `subscription { bundleDeploymentEvents { type bundleDeployment { namespace labels { key value } } } }`,
    });
    const pump = (async () => {
      for await (const e of sub) {
        const bd = e.data?.bundleDeploymentEvents.bundleDeployment;
        if (bd) events.push(`${bd.namespace}:${bd.labels.find((l) => l.key === 'mark')?.value ?? ''}`);
      }
    })();
    const mark = async (ws_: string, c: string, value: string): Promise<void> => {
      await admin().patchNamespacedCustomObject(
        {
          group: 'fleet.cattle.io',
          version: 'v1alpha1',
          plural: 'bundledeployments',
          namespace: clusterNamespace(ws_, c),
          name: 'app-simple',
          body: { metadata: { labels: { mark: value } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    };
    try {
      // The subscription is registered before anything changes.
      await expect.poll(() => env.gw.eventStats().subscribers, { timeout: 10_000 }).toBeGreaterThan(0);
      // team-b first, then team-a: the team-a event arriving proves the team-b one was withheld.
      await mark('team-b', 'b1', 'one');
      await mark('team-a', 'a1', 'one');
      await expect
        .poll(() => events, { timeout: 10_000 })
        .toContain(`${clusterNamespace('team-a', 'a1')}:one`);
      expect(events.some((e) => e.startsWith(clusterNamespace('team-b', 'b1')))).toBe(false);

      // Revoke alice's right to a1's deployments; her a2 right stays.
      await env.fx.t.kubeConfig.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRoleBinding({
        name: 'alice-deployments',
        namespace: clusterNamespace('team-a', 'a1'),
      });
      await expect
        .poll(async () => (await gql(url, READ, {}, ALICE)).data.bundleDeployments.totalCount as number, {
          timeout: 15_000,
        })
        .toBe(1);
      await mark('team-a', 'a1', 'two');
      await mark('team-a', 'a2', 'two');
      await expect
        .poll(() => events, { timeout: 10_000 })
        .toContain(`${clusterNamespace('team-a', 'a2')}:two`);
      expect(events).not.toContain(`${clusterNamespace('team-a', 'a1')}:two`);
    } finally {
      await sub.return?.();
      await ws.dispose();
      await pump.catch(() => undefined);
    }
  }, 60_000);
});
