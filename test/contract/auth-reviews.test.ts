/**
 * Contract: the emulator's review APIs (TokenReview, SubjectAccessReview and the self reviews),
 * and RBAC's guards on writes of RBAC objects (escalation prevention, validation), over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, bearer, call, startAuthApiServer, type AuthFixture } from '../support/auth.js';

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

describe('reviews', () => {
  const TR = '/apis/authentication.k8s.io/v1/tokenreviews';
  const SAR = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

  it('TokenReview answers who a token is, with audiences as kube-apiserver does', async () => {
    const ok = await call(url, 'POST', TR, admin, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: ALICE },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1' });
    expect(ok.body.status).toEqual({
      authenticated: true,
      user: {
        username: 'alice',
        uid: 'alice-uid',
        groups: ['team-a-devs', 'readers', 'system:authenticated'],
      },
      audiences: ['https://kubernetes.default.svc'],
    });
    const bad = await call(url, 'POST', TR, admin, { spec: { token: 'nope' } });
    expect(bad.body.status).toEqual({ user: {}, error: 'invalid bearer token' });
    // A static token is good for the API server's own audiences only.
    const aud = await call(url, 'POST', TR, admin, { spec: { token: ALICE, audiences: ['fleet-graph'] } });
    expect(aud.body.status.authenticated).toBeUndefined();
    const both = await call(url, 'POST', TR, admin, {
      spec: { token: ALICE, audiences: ['fleet-graph', 'https://kubernetes.default.svc'] },
    });
    expect(both.body.status.audiences).toEqual(['https://kubernetes.default.svc']);
    const bound = await call(url, 'POST', TR, admin, {
      spec: { token: 'gw-bound-token', audiences: ['fleet-graph'] },
    });
    expect(bound.body.status).toMatchObject({
      authenticated: true,
      user: { username: 'gw' },
      audiences: ['fleet-graph'],
    });
    const unbound = await call(url, 'POST', TR, admin, { spec: { token: 'gw-bound-token' } });
    expect(unbound.body.status.error).toBe(
      'token audiences ["fleet-graph"] is invalid for the target audiences ["https://kubernetes.default.svc"]',
    );
    // A token bound elsewhere cannot be used against the API server itself.
    expect((await call(url, 'GET', '/api', bearer('gw-bound-token'))).status).toBe(401);
    const empty = await call(url, 'POST', TR, admin, { spec: {} });
    expect(empty.status).toBe(400);
  });

  it('creating TokenReview and SubjectAccessReview needs system:auth-delegator', async () => {
    const r = await call(url, 'POST', TR, bearer(BOB), { spec: { token: ALICE } });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      'tokenreviews.authentication.k8s.io is forbidden: User "bob" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
    );
    expect((await call(url, 'GET', TR, admin)).status).toBe(405);
  });

  it('SubjectAccessReview judges the subject given, with the reason RBAC gives', async () => {
    const ask = (user: string, namespace: string, verb = 'patch', groups?: string[]) =>
      call(url, 'POST', SAR, admin, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user,
          ...(groups ? { groups } : {}),
          resourceAttributes: {
            namespace,
            verb,
            group: 'fleet.cattle.io',
            resource: 'gitrepos',
            name: 'app',
          },
        },
      });
    const yes = await ask('alice', 'team-a');
    expect(yes.status).toBe(201);
    expect(yes.body.status).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "alice-gitrepos/team-a" of Role "gitrepo-editor" to User "alice"',
    });
    expect((await ask('alice', 'team-b')).body.status).toEqual({ allowed: false });
    expect((await ask('alice', 'team-a', 'delete')).body.status).toEqual({ allowed: false });
    expect((await ask('someone', 'team-b', 'delete', ['system:masters'])).body.status).toEqual({
      allowed: true,
    });
    const nonResource = await call(url, 'POST', SAR, admin, {
      spec: {
        user: 'bob',
        groups: ['system:authenticated'],
        nonResourceAttributes: { path: '/apis/fleet.cattle.io', verb: 'get' },
      },
    });
    expect(nonResource.body.status).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    });
    const invalid = await call(url, 'POST', SAR, admin, { spec: { resourceAttributes: { verb: 'get' } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toContain(
      'spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });

  it('LocalSubjectAccessReview judges within its namespace only', async () => {
    const LSAR = '/apis/authorization.k8s.io/v1/namespaces/team-a/localsubjectaccessreviews';
    const spec = (namespace: string) => ({
      user: 'alice',
      resourceAttributes: { namespace, verb: 'list', group: 'fleet.cattle.io', resource: 'gitrepos' },
    });
    const ok = await call(url, 'POST', LSAR, admin, { spec: spec('team-a') });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ kind: 'LocalSubjectAccessReview', metadata: { namespace: 'team-a' } });
    expect(ok.body.status.allowed).toBe(true);
    const other = await call(url, 'POST', LSAR, admin, { spec: spec('team-b') });
    expect(other.status).toBe(422);
    expect(other.body.message).toContain('spec.resourceAttributes.namespace');
    // alice holds no system:auth-delegator, so she may not ask about others.
    const sar = await call(url, 'POST', SAR, bearer(ALICE), { spec: spec('team-a') });
    expect(sar.status).toBe(403);
    expect(sar.body.message).toContain('cannot create resource "subjectaccessreviews"');
  });

  it('SelfSubjectAccessReview and SelfSubjectRulesReview answer for the caller', async () => {
    const ssar = await call(
      url,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      bearer(ALICE),
      {
        spec: {
          resourceAttributes: {
            namespace: 'team-a',
            verb: 'watch',
            group: 'fleet.cattle.io',
            resource: 'gitrepos',
          },
        },
      },
    );
    expect(ssar.status).toBe(201);
    expect(ssar.body.status.allowed).toBe(true);
    const ssrr = await call(
      url,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      bearer(ALICE),
      {
        spec: { namespace: 'team-a' },
      },
    );
    expect(ssrr.status).toBe(201);
    expect(ssrr.body.status.incomplete).toBe(false);
    expect(ssrr.body.status.resourceRules).toContainEqual({
      verbs: ['get', 'list', 'watch', 'patch'],
      apiGroups: ['fleet.cattle.io'],
      resources: ['gitrepos'],
    });
    expect(ssrr.body.status.nonResourceRules).toContainEqual(expect.objectContaining({ verbs: ['get'] }));
    const b = await call(
      url,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      bearer(ALICE),
      {
        spec: { namespace: 'team-b' },
      },
    );
    expect(b.body.status.resourceRules).not.toContainEqual(
      expect.objectContaining({ resources: ['gitrepos'] }),
    );
  });
});

describe('RBAC escalation prevention', () => {
  const RB = '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings';
  const ROLES = '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles';
  const binding = (name: string, kind: string, role: string, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: 'team-a' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });

  beforeAll(async () => {
    await call(url, 'POST', ROLES, admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'rbac-writer', namespace: 'team-a' },
      rules: [
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['roles', 'rolebindings'],
          verbs: ['create', 'patch'],
        },
      ],
    });
    await call(url, 'POST', RB, admin, binding('alice-rbac-writer', 'Role', 'rbac-writer', 'alice'));
  });

  it('refuses a binding that grants more than the writer holds, and stores nothing', async () => {
    const r = await call(
      url,
      'POST',
      RB,
      bearer(ALICE),
      binding('self-admin', 'ClusterRole', 'cluster-admin', 'alice'),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      'rolebindings.rbac.authorization.k8s.io "self-admin" is forbidden: user "alice" (groups=["team-a-devs" "readers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    expect(r.body.details).toEqual({
      name: 'self-admin',
      group: 'rbac.authorization.k8s.io',
      kind: 'rolebindings',
    });
    expect((await call(url, 'GET', `${RB}/self-admin`, admin)).status).toBe(404);
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, bearer(BOB))).status).toBe(403);
  });

  it('lets the writer pass on what they hold, and refuses a role or patch beyond it', async () => {
    const ok = await call(
      url,
      'POST',
      RB,
      bearer(ALICE),
      binding('bob-editor', 'Role', 'gitrepo-editor', 'bob'),
    );
    expect(ok.status).toBe(201);
    expect((await call(url, 'GET', `${GITREPOS}/namespaces/team-a/gitrepos`, bearer(BOB))).status).toBe(200);
    const role = await call(url, 'POST', ROLES, bearer(ALICE), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'deleter', namespace: 'team-a' },
      rules: [
        {
          apiGroups: ['fleet.cattle.io'],
          resources: ['gitrepos'],
          verbs: ['get', 'delete', 'deletecollection'],
        },
      ],
    });
    expect(role.status).toBe(403);
    expect(role.body.message).toMatch(
      /not currently held:\n\{APIGroups:\["fleet.cattle.io"\], Resources:\["gitrepos"\], Verbs:\["delete" "deletecollection"\]\}$/,
    );
    const patch = await call(
      url,
      'PATCH',
      `${ROLES}/gitrepo-editor`,
      { ...bearer(ALICE), 'content-type': 'application/json-patch+json' },
      [{ op: 'add', path: '/rules/0/verbs/-', value: 'delete' }],
    );
    expect(patch.status).toBe(403);
    expect(patch.body.message).toContain('Verbs:["delete"]');
    const stored = await call(url, 'GET', `${ROLES}/gitrepo-editor`, admin);
    expect(stored.body.rules[0].verbs).toEqual(['get', 'list', 'watch', 'patch']);
  });
});

describe('RBAC validation', () => {
  const RB = '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings';
  it('refuses a binding without a proper roleRef, and a change of roleRef', async () => {
    const bad = await call(url, 'POST', RB, admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'broken', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Thing' },
      subjects: [{ kind: 'Robot', name: 'r2' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "broken" is invalid: [roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole", roleRef.name: Required value, subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
    );
    const change = await call(
      url,
      'PATCH',
      `${RB}/alice-gitrepos`,
      { ...admin, ...mergePatch },
      {
        roleRef: { name: 'other' },
      },
    );
    expect(change.status).toBe(422);
    expect(change.body.message).toContain(
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
    );
  });

  it('defaults the API group of user subjects', async () => {
    const r = await call(url, 'POST', RB, admin, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'defaulted', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gitrepo-editor' },
      subjects: [{ kind: 'User', name: 'dave' }],
    });
    expect(r.status).toBe(201);
    expect(r.body.subjects).toEqual([{ kind: 'User', name: 'dave', apiGroup: 'rbac.authorization.k8s.io' }]);
  });
});
