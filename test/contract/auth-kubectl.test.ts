/**
 * Contract: the real kubectl 1.34 against the emulator's auth — `kubectl create role/rolebinding/
 * clusterrole/clusterrolebinding`, `kubectl auth can-i` (with `--token` and with `--as`) agreeing
 * with what the emulator really does, `kubectl auth whoami`, and the audit log of an impersonated
 * patch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, bearer, call, startAuthApiServer, type AuthFixture } from '../support/auth.js';
import { kubectl as run, kubectlBinary, type KubectlResult } from '../support/kubectl.js';

let f: AuthFixture;
let kubeconfig: string;
let auditLog: string;

beforeAll(async () => {
  await kubectlBinary();
  f = await startAuthApiServer({ audit: true });
  auditLog = f.auditLog!;
  kubeconfig = join(f.dir, 'kubeconfig');
  await f.t.server.writeKubeconfig(kubeconfig);
}, 60_000);

afterAll(async () => {
  await f?.stop();
});

function kubectl(args: string[]): Promise<KubectlResult> {
  return run(args, { kubeconfig, cacheDir: join(f.dir, 'cache') });
}

describe('kubectl create for RBAC kinds', () => {
  it('creates a Role, RoleBinding, ClusterRole and ClusterRoleBinding the emulator then enforces', async () => {
    const steps = [
      [
        'create',
        'role',
        'bundle-reader',
        '-n',
        'team-b',
        '--verb=get,list',
        '--resource=bundles.fleet.cattle.io',
      ],
      ['create', 'rolebinding', 'bob-bundles', '-n', 'team-b', '--role=bundle-reader', '--user=bob'],
      ['create', 'clusterrole', 'ns-reader', '--verb=get', '--resource=namespaces'],
      ['create', 'clusterrolebinding', 'bob-ns', '--clusterrole=ns-reader', '--user=bob'],
    ];
    for (const s of steps) {
      const r = await kubectl(s);
      expect(r.stderr, s.join(' ')).toBe('');
      expect(r.code).toBe(0);
    }
    const got = await call(
      f.t.url,
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/team-b/roles/bundle-reader',
      bearer(f.t.token),
    );
    expect(got.body.rules).toEqual([
      { verbs: ['get', 'list'], apiGroups: ['fleet.cattle.io'], resources: ['bundles'] },
    ]);
    const list = await call(
      f.t.url,
      'GET',
      '/apis/fleet.cattle.io/v1alpha1/namespaces/team-b/bundles',
      bearer(BOB),
    );
    expect(list.status).toBe(200);
    expect((await call(f.t.url, 'GET', '/api/v1/namespaces/team-a', bearer(BOB))).status).toBe(200);
    expect((await call(f.t.url, 'GET', '/api/v1/namespaces', bearer(BOB))).status).toBe(403);
    const table = await kubectl(['get', 'rolebindings', '-n', 'team-b']);
    expect(table.stdout).toMatch(/^NAME\s+ROLE\s+/);
    expect(table.stdout).toContain('Role/bundle-reader');
    const explain = await kubectl(['explain', 'rolebinding.roleRef']);
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toMatch(/KIND:\s+RoleBinding/);
    expect(explain.stdout).toMatch(/name\s+<string> -required-/);
  });
});

interface Case {
  who: 'alice' | 'bob' | 'as-alice';
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  /** The request that does the same, to compare with. */
  method: string;
  path: string;
}

const GR = '/apis/fleet.cattle.io/v1alpha1';
const CASES: Case[] = [
  {
    who: 'alice',
    verb: 'list',
    resource: 'gitrepos',
    namespace: 'team-a',
    method: 'GET',
    path: `${GR}/namespaces/team-a/gitrepos`,
  },
  {
    who: 'alice',
    verb: 'list',
    resource: 'gitrepos',
    namespace: 'team-b',
    method: 'GET',
    path: `${GR}/namespaces/team-b/gitrepos`,
  },
  { who: 'alice', verb: 'list', resource: 'gitrepos', method: 'GET', path: `${GR}/gitrepos` },
  {
    who: 'alice',
    verb: 'get',
    resource: 'gitrepos',
    namespace: 'team-a',
    name: 'app',
    method: 'GET',
    path: `${GR}/namespaces/team-a/gitrepos/app`,
  },
  {
    who: 'alice',
    verb: 'delete',
    resource: 'gitrepos',
    namespace: 'team-a',
    name: 'app',
    method: 'DELETE',
    path: `${GR}/namespaces/team-a/gitrepos/app?dryRun=All`,
  },
  {
    who: 'alice',
    verb: 'get',
    resource: 'secrets',
    namespace: 'team-a',
    name: 'x',
    method: 'GET',
    path: '/api/v1/namespaces/team-a/secrets/x',
  },
  {
    who: 'bob',
    verb: 'list',
    resource: 'gitrepos',
    namespace: 'team-a',
    method: 'GET',
    path: `${GR}/namespaces/team-a/gitrepos`,
  },
  {
    who: 'bob',
    verb: 'get',
    resource: 'namespaces',
    name: 'team-a',
    method: 'GET',
    path: '/api/v1/namespaces/team-a',
  },
  {
    who: 'as-alice',
    verb: 'get',
    resource: 'gitrepos',
    namespace: 'team-a',
    name: 'app',
    method: 'GET',
    path: `${GR}/namespaces/team-a/gitrepos/app`,
  },
  {
    who: 'as-alice',
    verb: 'list',
    resource: 'gitrepos',
    namespace: 'team-b',
    method: 'GET',
    path: `${GR}/namespaces/team-b/gitrepos`,
  },
];

describe('kubectl auth can-i agrees with the emulator', () => {
  it.each(CASES)('$who $verb $resource $namespace $name', async (c) => {
    const identity =
      c.who === 'alice' ? ['--token', ALICE] : c.who === 'bob' ? ['--token', BOB] : ['--as', 'alice'];
    const args = ['auth', 'can-i', c.verb, c.name ? `${c.resource}/${c.name}` : c.resource, ...identity];
    if (c.namespace) args.push('-n', c.namespace);
    const r = await kubectl(args);
    const headers =
      c.who === 'alice'
        ? bearer(ALICE)
        : c.who === 'bob'
          ? bearer(BOB)
          : { ...bearer(f.t.token), 'impersonate-user': 'alice' };
    const real = await call(f.t.url, c.method, c.path, headers);
    const allowed = real.status !== 403;
    expect(r.stdout.trim(), r.stderr).toBe(allowed ? 'yes' : 'no');
    expect(r.code).toBe(allowed ? 0 : 1);
  });

  it('can-i --list shows alice her rules in team-a', async () => {
    const r = await kubectl(['auth', 'can-i', '--list', '-n', 'team-a', '--token', ALICE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gitrepos\.fleet\.cattle\.io\s+\[\]\s+\[\]\s+\[get list watch patch\]/);
  });

  it('whoami names the token file user and the impersonated one', async () => {
    const a = await kubectl(['auth', 'whoami', '--token', ALICE, '-o', 'json']);
    expect(JSON.parse(a.stdout).status.userInfo.username).toBe('alice');
    const b = await kubectl(['auth', 'whoami', '--as', 'bob', '--as-group', 'devs', '-o', 'json']);
    expect(JSON.parse(b.stdout).status.userInfo).toEqual({
      username: 'bob',
      groups: ['devs', 'system:authenticated'],
    });
  });
});

describe('audit log', () => {
  it('records a patch by the admin impersonating alice, and alice refused', async () => {
    const p = await kubectl([
      'patch',
      'gitrepo',
      'app',
      '-n',
      'team-a',
      '--as',
      'alice',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"labels":{"audited":"yes"}}}',
    ]);
    expect(p.stderr).toBe('');
    const denied = await kubectl(['delete', 'gitrepo', 'app', '-n', 'team-b', '--token', ALICE]);
    expect(denied.code).toBe(1);
    const events = async () =>
      (await readFile(auditLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    await expect
      .poll(async () =>
        (await events()).filter((e) => e.verb === 'patch' && e.objectRef?.namespace === 'team-a'),
      )
      .toHaveLength(1);
    const patch = (await events()).find((e) => e.verb === 'patch' && e.objectRef?.namespace === 'team-a')!;
    expect(patch).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      verb: 'patch',
      user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      impersonatedUser: { username: 'alice', groups: ['system:authenticated'] },
      objectRef: {
        resource: 'gitrepos',
        namespace: 'team-a',
        name: 'app',
        apiGroup: 'fleet.cattle.io',
        apiVersion: 'v1alpha1',
      },
      responseStatus: { metadata: {}, code: 200 },
    });
    expect(patch.requestURI).toMatch(
      /^\/apis\/fleet\.cattle\.io\/v1alpha1\/namespaces\/team-a\/gitrepos\/app/,
    );
    expect(patch.sourceIPs).toEqual(['127.0.0.1']);
    expect(patch.userAgent).toMatch(/^kubectl/);
    expect(patch.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(patch.stageTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await expect
      .poll(async () =>
        (await events()).find((e) => e.verb === 'delete' && e.objectRef?.namespace === 'team-b'),
      )
      .toMatchObject({
        user: { username: 'alice' },
        responseStatus: { status: 'Failure', reason: 'Forbidden', code: 403 },
      });
  });

  it('logs a failed authentication once, without a user, as the apiserver does', async () => {
    const r = await call(f.t.url, 'GET', '/api/v1/namespaces?probe=401', {
      ...bearer('stolen'),
      'x-forwarded-for': '203.0.113.7',
    });
    expect(r.status).toBe(401);
    const find = async () =>
      (await readFile(auditLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.requestURI === '/api/v1/namespaces?probe=401');
    await expect.poll(find).toHaveLength(1);
    expect((await find())[0]).toMatchObject({
      stage: 'ResponseStarted',
      verb: 'list',
      user: {},
      sourceIPs: ['203.0.113.7', '127.0.0.1'],
      responseStatus: { metadata: {}, message: 'Authentication failed, attempted: bearer', code: 401 },
    });
  });

  it('logs a watch when its response starts and when it ends', async () => {
    const r = await call(
      f.t.url,
      'GET',
      '/apis/fleet.cattle.io/v1alpha1/namespaces/team-a/gitrepos?watch=true&timeoutSeconds=1',
      bearer(ALICE),
    );
    expect(r.status).toBe(200);
    const lines = async () =>
      (await readFile(auditLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as { verb: string; stage: string; auditID: string; user: { username?: string } },
        )
        .filter((e) => e.verb === 'watch' && e.user.username === 'alice');
    await expect
      .poll(async () => (await lines()).map((e) => e.stage))
      .toEqual(['ResponseStarted', 'ResponseComplete']);
    const [started, complete] = await lines();
    expect(started!.auditID).toBe(complete!.auditID);
    expect(r.headers['audit-id']).toBe(started!.auditID);
  });
});
