/**
 * Contract: the emulator speaks Kubernetes authentication and authorization — static token file,
 * RBAC on every request with kube-apiserver's 403 wording, impersonation, TokenReview and the
 * access reviews — to real HTTP clients (raw node:http and client-node).
 */
import { ApiException, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  bearer,
  call,
  kubeConfigFor,
  startAuthApiServer,
  type AuthFixture,
} from '../support/auth.js';

let f: AuthFixture;
let url: string;
let admin: Record<string, string>;

beforeAll(async () => {
  f = await startAuthApiServer({
    tokens: [{ token: 'gw-bound-token', user: 'gw', audiences: ['fleet-graph'] }],
  });
  url = f.t.url;
  admin = bearer(f.t.token);
});

afterAll(async () => {
  await f.stop();
});

const GITREPOS = '/apis/fleet.cattle.io/v1alpha1';
const mergePatch = { 'content-type': 'application/merge-patch+json' };

describe('authentication', () => {
  it('answers 401 without a token or with an unknown one, and changes nothing', async () => {
    for (const headers of [{}, bearer('nope'), { authorization: 'Basic YTpi' }]) {
      const r = await call(
        url,
        'PATCH',
        `${GITREPOS}/namespaces/team-a/gitrepos/app`,
        { ...headers, ...mergePatch },
        {
          metadata: { labels: { hacked: 'yes' } },
        },
      );
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    const after = await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos/app`, admin);
    expect(after.body.metadata.labels?.hacked).toBeUndefined();
  });

  it('serves /version and the health endpoints without a token, as a real cluster does', async () => {
    for (const p of ['/version', '/healthz', '/livez', '/readyz'])
      expect((await call(url, 'GET', p)).status, p).toBe(200);
    expect((await call(url, 'GET', '/api')).status).toBe(401);
  });

  it('takes the bearer scheme in any case', async () => {
    const r = await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, {
      authorization: `bEaReR ${ALICE}`,
    });
    expect(r.status).toBe(200);
  });

  it('SelfSubjectReview names the caller with the groups of the token file plus system:authenticated', async () => {
    const r = await call(url, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', bearer(ALICE), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toEqual({
      username: 'alice',
      uid: 'alice-uid',
      groups: ['team-a-devs', 'readers', 'system:authenticated'],
    });
    const a = await call(url, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', admin, {});
    expect(a.body.status.userInfo.groups).toContain('system:masters');
  });
});

describe('RBAC', () => {
  it('answers 403 worded as kube-apiserver, with reason and details, and does not write', async () => {
    const r = await call(
      url,
      'PATCH',
      `${GITREPOS}/namespaces/team-b/gitrepos/app`,
      { ...bearer(ALICE), ...mergePatch },
      {
        metadata: { labels: { hacked: 'yes' } },
      },
    );
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'gitrepos.fleet.cattle.io "app" is forbidden: User "alice" cannot patch resource "gitrepos" in API group "fleet.cattle.io" in the namespace "team-b"',
      reason: 'Forbidden',
      details: { name: 'app', group: 'fleet.cattle.io', kind: 'gitrepos' },
      code: 403,
    });
    const after = await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos/app`, admin);
    expect(after.body.metadata.labels?.hacked).toBeUndefined();
    // The server still serves everyone else.
    expect((await call(url, 'GET', '/version')).status).toBe(200);
  });

  it('lets alice list and patch in team-a, and forbids team-b and the cluster scope', async () => {
    const co = kubeConfigFor(url, ALICE).makeApiClient(CustomObjectsApi);
    const list = (await co.listNamespacedCustomObject({
      group: 'fleet.cattle.io',
      version: 'v1alpha1',
      namespace: 'team-a',
      plural: 'gitrepos',
    })) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const patched = await call(
      url,
      'PATCH',
      `${GITREPOS}/namespaces/team-a/gitrepos/app`,
      { ...bearer(ALICE), ...mergePatch },
      {
        metadata: { labels: { owner: 'alice' } },
      },
    );
    expect(patched.status).toBe(200);

    const b = await co
      .listNamespacedCustomObject({
        group: 'fleet.cattle.io',
        version: 'v1alpha1',
        namespace: 'team-b',
        plural: 'gitrepos',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(b).toBeInstanceOf(ApiException);
    expect((b as ApiException<string>).code).toBe(403);
    expect(JSON.parse((b as ApiException<string>).body).message).toBe(
      'gitrepos.fleet.cattle.io is forbidden: User "alice" cannot list resource "gitrepos" in API group "fleet.cattle.io" in the namespace "team-b"',
    );
    const all = await call(url, 'GET', `${GITREPOS}/gitrepos`, bearer(ALICE));
    expect(all.status).toBe(403);
    expect(all.body.message).toBe(
      'gitrepos.fleet.cattle.io is forbidden: User "alice" cannot list resource "gitrepos" in API group "fleet.cattle.io" at the cluster scope',
    );
    const del = await call(url, 'DELETE', `${GITREPOS}/namespaces/team-a/gitrepos/app`, bearer(ALICE));
    expect(del.status).toBe(403);
    const sub = await call(
      url,
      'PUT',
      `${GITREPOS}/namespaces/team-a/gitrepos/app/status`,
      bearer(ALICE),
      {},
    );
    expect(sub.body.message).toContain('cannot update resource "gitrepos/status"');
  });

  it('bob may do nothing but discovery and self reviews', async () => {
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, bearer(BOB))).status).toBe(403);
    expect((await call(url, 'GET', '/apis', bearer(BOB))).status).toBe(200);
    expect((await call(url, 'GET', '/openapi/v3', bearer(BOB))).status).toBe(200);
    const ns = await call(url, 'GET', '/api/v1/namespaces', bearer(BOB));
    expect(ns.body.message).toBe(
      'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
    const path = await call(url, 'GET', '/metrics', bearer(BOB));
    expect(path.status).toBe(403);
    expect(path.body.message).toBe('forbidden: User "bob" cannot get path "/metrics"');
  });

  it('judges a missing resource before finding it missing, as a real server does', async () => {
    const r = await call(url, 'GET', '/apis/example.com/v1/namespaces/team-a/widgets/w', bearer(BOB));
    expect(r.status).toBe(403);
    expect((await call(url, 'GET', '/apis/example.com/v1/namespaces/team-a/widgets/w', admin)).status).toBe(
      404,
    );
  });

  it('watch needs the verb on the namespace', async () => {
    const kc = kubeConfigFor(url, ALICE);
    const events: string[] = [];
    const req = await new Watch(kc).watch(
      `${GITREPOS}/namespaces/team-a/gitrepos`,
      {},
      (type) => events.push(type),
      () => {},
    );
    await expect.poll(() => events).toContain('ADDED');
    req.abort();
    const other = await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos?watch=true`, bearer(ALICE));
    expect(other.status).toBe(403);
    expect(other.body.message).toContain(
      'cannot watch resource "gitrepos" in API group "fleet.cattle.io" in the namespace "team-b"',
    );
  });

  it('a revoked RoleBinding counts from the next request', async () => {
    await call(url, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-b/rolebindings', admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bob-view', namespace: 'team-b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gitrepo-reader' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const missing = await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, bearer(BOB));
    expect(missing.status).toBe(403);
    expect(missing.body.message).toMatch(
      /: RBAC: clusterrole.rbac.authorization.k8s.io "gitrepo-reader" not found$/,
    );
    await call(url, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'gitrepo-reader' },
      rules: [{ apiGroups: ['fleet.cattle.io'], resources: ['gitrepos'], verbs: ['list'] }],
    });
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, bearer(BOB))).status).toBe(200);
    // The ClusterRole is bound in team-b only.
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, bearer(BOB))).status).toBe(403);
    const del = await call(
      url,
      'DELETE',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/team-b/rolebindings/bob-view',
      admin,
    );
    expect(del.status).toBe(200);
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, bearer(BOB))).status).toBe(403);
  });
});

describe('impersonation', () => {
  const asAlice = { 'impersonate-user': 'alice' };

  it('admin may impersonate, and the impersonated identity is the one judged', async () => {
    const ok = await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, { ...admin, ...asAlice });
    expect(ok.status).toBe(200);
    const no = await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, { ...admin, ...asAlice });
    expect(no.status).toBe(403);
    expect(no.body.message).toContain('User "alice" cannot list');
    const who = await call(
      url,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { ...admin, ...asAlice, 'impersonate-uid': 'u-1' },
      {},
    );
    expect(who.body.status.userInfo).toEqual({
      username: 'alice',
      uid: 'u-1',
      groups: ['system:authenticated'],
    });
  });

  it('alice may not impersonate: 403 worded as Kubernetes, nothing done', async () => {
    const r = await call(
      url,
      'PATCH',
      `${GITREPOS}/namespaces/team-b/gitrepos/app`,
      {
        ...bearer(ALICE),
        ...mergePatch,
        'impersonate-user': 'admin',
        'impersonate-group': 'system:masters',
      },
      { metadata: { labels: { hacked: 'yes' } } },
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      'users "admin" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    expect(r.body.details).toEqual({ name: 'admin', kind: 'users' });
    const after = await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos/app`, admin);
    expect(after.body.metadata.labels?.hacked).toBeUndefined();
  });

  it('each repeated Impersonate-Group header is one group, commas are not split, groups are authoritative', async () => {
    const r = await call(
      url,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        ...admin,
        ...asAlice,
        'impersonate-group': ['team-a-devs', 'x,y'],
        'impersonate-extra-scopes': ['read', 'write'],
      },
      {},
    );
    expect(r.body.status.userInfo).toEqual({
      username: 'alice',
      groups: ['team-a-devs', 'x,y', 'system:authenticated'],
      extra: { scopes: ['read', 'write'] },
    });
    // A group granted through a binding works when impersonated.
    await call(url, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-b/rolebindings', admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'xy-group', namespace: 'team-b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'Group', name: 'x,y', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const h = { ...admin, 'impersonate-user': 'carol' };
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, h)).status).toBe(403);
    expect(
      (
        await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, {
          ...h,
          'impersonate-group': ['a', 'x,y'],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(url, 'GET', `${GITREPOS}/namespaces/team-b/gitrepos`, {
          ...h,
          'impersonate-group': 'a, x,y',
        })
      ).status,
    ).toBe(403);
  });

  it('a group without a user is refused as the apiserver refuses it', async () => {
    const r = await call(url, 'GET', '/api/v1/namespaces', {
      ...admin,
      'impersonate-group': 'system:masters',
    });
    expect(r.status).toBe(500);
    expect(r.body.message).toContain('without impersonating a user');
  });

  it('a user allowed to impersonate only some names gets exactly those', async () => {
    await call(url, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'impersonate-alice' },
      rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice'] }],
    });
    await call(url, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bob-impersonates-alice' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonate-alice' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const ok = await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, {
      ...bearer(BOB),
      ...asAlice,
    });
    expect(ok.status).toBe(200);
    const grp = await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, {
      ...bearer(BOB),
      ...asAlice,
      'impersonate-group': 'system:masters',
    });
    expect(grp.status).toBe(403);
    expect(grp.body.message).toBe(
      'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
    const sa = await call(url, 'GET', '/api/v1/namespaces', {
      ...bearer(BOB),
      'impersonate-user': 'system:serviceaccount:team-a:deployer',
    });
    expect(sa.body.message).toBe(
      'serviceaccounts "deployer" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team-a"',
    );
  });
});
