/**
 * Contract: the emulator as @kubernetes/client-node 1.4 sees it. Each test starts from its own
 * emulator (random port) with the project's Fleet CRDs installed.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   client-node types custom objects as `object`; these tests read arbitrary JSON fields. */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  KubeConfig,
  Watch,
} from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const group = 'fleet.cattle.io';
const version = 'v1alpha1';
const ns = 'fleet-local';

let t: TestApiServer;
let kc: KubeConfig;
let co: CustomObjectsApi;
let core: CoreV1Api;

beforeEach(async () => {
  t = await startTestApiServer({ fleet: true, historySize: 50 });
  kc = t.kubeConfig;
  co = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await t.stop();
});

function gitRepo(name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'GitRepo',
    metadata: { name, namespace: ns, labels },
    spec: { repo: 'https://github.com/rancher/fleet-examples', paths: ['simple'], ...extra },
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: JSON.parse(e.body as string) };
    throw e;
  }
  throw new Error('expected the request to fail');
}

const create = (body: unknown) =>
  co.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'gitrepos', body });
const get = (name: string) =>
  co.getNamespacedCustomObject({ group, version, namespace: ns, plural: 'gitrepos', name });
const mergePatch = (name: string, body: unknown, status = false) =>
  (status ? co.patchNamespacedCustomObjectStatus.bind(co) : co.patchNamespacedCustomObject.bind(co))(
    { group, version, namespace: ns, plural: 'gitrepos', name, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );

interface Seen {
  type: string;
  obj: any;
}

async function watchCollect(path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let done: unknown = 'open';
  const ctl = await new Watch(kc).watch(
    path,
    query,
    (type, obj) => events.push({ type, obj }),
    (err) => {
      done = err ?? null;
    },
  );
  return { events, ctl, done: () => done };
}

describe('kubeconfig', () => {
  it('the written kubeconfig (https + CA + token) works for client-node too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-graph-kc-'));
    try {
      const file = join(dir, 'kubeconfig');
      await t.server.writeKubeconfig(file);
      const fromFile = new KubeConfig();
      fromFile.loadFromFile(file);
      expect(fromFile.getCurrentCluster()!.server).toBe(t.server.httpsUrl);
      const list = await fromFile.makeApiClient(CoreV1Api).listNamespace();
      expect(list.items.map((n) => n.metadata!.name)).toEqual(
        expect.arrayContaining(['default', 'fleet-local', 'fleet-default']),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CRUD and server-set fields', () => {
  it('create assigns uid, creationTimestamp, generation 1 and a resourceVersion; get returns it', async () => {
    const created: any = await create(gitRepo('a'));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.generation).toBe(1);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const got: any = await get('a');
    expect(got).toEqual(created);
  });

  it('one resourceVersion counter increases across kinds', async () => {
    const a: any = await create(gitRepo('a'));
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'c' }, data: { k: 'v' } },
    });
    const b: any = await create(gitRepo('b'));
    expect(Number(cm.metadata!.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1);
    expect(Number(b.metadata.resourceVersion)).toBe(Number(cm.metadata!.resourceVersion) + 1);
  });

  it('AlreadyExists and NotFound are Status bodies with reason and details', async () => {
    await create(gitRepo('a'));
    const dup = await failure(create(gitRepo('a')));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      message: 'gitrepos.fleet.cattle.io "a" already exists',
      details: { name: 'a', group, kind: 'gitrepos' },
    });
    const nf = await failure(get('missing'));
    expect(nf.code).toBe(404);
    expect(nf.body).toMatchObject({
      reason: 'NotFound',
      message: 'gitrepos.fleet.cattle.io "missing" not found',
    });
  });

  it('rejects schema violations with 422 and field causes, storing nothing', async () => {
    const bad = gitRepo('bad', {}, { paused: 'yes' });
    (bad.spec as any).repo = '';
    const r = await failure(create(bad));
    expect(r.code).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.details.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'spec.paused', reason: 'FieldValueTypeInvalid' }),
        expect.objectContaining({ field: 'spec.repo', reason: 'FieldValueInvalid' }),
      ]),
    );
    expect(r.body.message).toContain('GitRepo.fleet.cattle.io "bad" is invalid');
    expect((await failure(get('bad'))).code).toBe(404);
  });

  it('prunes unknown fields and keeps preserved ones', async () => {
    const body: any = gitRepo('p');
    body.spec.unknownField = 1;
    body.spec.bundles = [{ base: 'x', anything: { deep: true } }];
    const created: any = await create(body);
    expect(created.spec.unknownField).toBeUndefined();
    expect(created.spec.bundles[0].anything).toEqual({ deep: true });
  });

  it('creating in a missing namespace is NotFound for the namespace', async () => {
    const body: any = gitRepo('x');
    delete body.metadata.namespace;
    const r = await failure(
      co.createNamespacedCustomObject({
        group,
        version,
        namespace: 'nope',
        plural: 'gitrepos',
        body,
      }),
    );
    expect(r.code).toBe(404);
    expect(r.body.message).toBe('namespaces "nope" not found');
  });
});

describe('updates, generation and the status subresource', () => {
  it('bumps generation on spec changes only; status goes through /status only', async () => {
    const a: any = await create(gitRepo('a'));
    const labelled: any = await mergePatch('a', { metadata: { labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(1);
    const spec: any = await mergePatch('a', { spec: { paused: true } });
    expect(spec.metadata.generation).toBe(2);
    expect(Number(spec.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    const ignored: any = await mergePatch('a', { status: { commit: 'abc' } });
    expect(ignored.status).toBeUndefined();
    const st: any = await mergePatch('a', { status: { commit: 'abc' }, spec: { paused: false } }, true);
    expect(st.status.commit).toBe('abc');
    expect(st.spec.paused).toBe(true);
    expect(st.metadata.generation).toBe(2);
  });

  it('409 Conflict on a stale resourceVersion, for PUT and for merge patch', async () => {
    const a: any = await create(gitRepo('a'));
    await mergePatch('a', { spec: { paused: true } });
    const stale = { ...a, spec: { ...a.spec, branch: 'main' } };
    const put = await failure(
      co.replaceNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        name: 'a',
        body: stale,
      }),
    );
    expect(put.code).toBe(409);
    expect(put.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on gitrepos.fleet.cattle.io "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    const patch = await failure(
      mergePatch('a', { metadata: { resourceVersion: a.metadata.resourceVersion }, spec: { branch: 'x' } }),
    );
    expect(patch.code).toBe(409);
    expect((await get('a')).spec.branch).toBeUndefined();
  });

  it('JSON patch applies and a failing test op is 422; strategic merge on a CR is 415', async () => {
    await create(gitRepo('a'));
    const patched: any = await co.patchNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      name: 'a',
      body: [
        { op: 'add', path: '/spec/paths/-', value: 'more' },
        { op: 'replace', path: '/spec/repo', value: 'https://example.com/r' },
      ],
    });
    expect(patched.spec.paths).toEqual(['simple', 'more']);
    expect(patched.spec.repo).toBe('https://example.com/r');
    const bad = await failure(
      co.patchNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        name: 'a',
        body: [{ op: 'test', path: '/spec/repo', value: 'no' }],
      }),
    );
    expect(bad.code).toBe(422);
    const smp = await failure(
      co.patchNamespacedCustomObject(
        { group, version, namespace: ns, plural: 'gitrepos', name: 'a', body: { spec: { paused: true } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(smp.code).toBe(415);
    expect(smp.body.reason).toBe('UnsupportedMediaType');
  });

  it('strategic merge patch merges finalizers on a built-in kind', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'c', finalizers: ['a/x'] }, data: { k: 'v' } },
    });
    const cm = await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'c', body: { metadata: { finalizers: ['b/y'] }, data: { k2: 'v2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(cm.metadata!.finalizers).toEqual(['a/x', 'b/y']);
    expect(cm.data).toEqual({ k: 'v', k2: 'v2' });
  });
});

describe('finalizers and deletion', () => {
  it('an object with finalizers stays with a deletionTimestamp until the last one goes', async () => {
    const body: any = gitRepo('f');
    body.metadata.finalizers = ['fleet.cattle.io/test'];
    await create(body);
    const del: any = await co.deleteNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      name: 'f',
    });
    expect(del.metadata.deletionTimestamp).toBeTruthy();
    const still: any = await get('f');
    expect(still.metadata.deletionTimestamp).toBeTruthy();
    const add = await failure(
      mergePatch('f', { metadata: { finalizers: ['fleet.cattle.io/test', 'other/x'] } }),
    );
    expect(add.code).toBe(422);
    await mergePatch('f', { metadata: { finalizers: null } });
    expect((await failure(get('f'))).code).toBe(404);
  });

  it('delete preconditions: a wrong uid is a Conflict', async () => {
    await create(gitRepo('d'));
    const r = await failure(
      co.deleteNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        name: 'd',
        body: { preconditions: { uid: 'nope' } },
      }),
    );
    expect(r.code).toBe(409);
    expect(r.body.message).toContain('Precondition failed: UID in precondition: nope');
  });

  it('deleting a namespace removes its contents, then the namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'cluster-x' } } });
    await co.createNamespacedCustomObject({
      group,
      version,
      namespace: 'cluster-x',
      plural: 'bundledeployments',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'BundleDeployment',
        metadata: { name: 'bd' },
        spec: {},
      },
    });
    await core.createNamespacedConfigMap({ namespace: 'cluster-x', body: { metadata: { name: 'c' } } });
    const ns1 = await core.deleteNamespace({ name: 'cluster-x' });
    expect((ns1 as any).status.phase).toBe('Terminating');
    await expect.poll(async () => (await failure(core.readNamespace({ name: 'cluster-x' }))).code).toBe(404);
    const bds: any = await co.listClusterCustomObject({ group, version, plural: 'bundledeployments' });
    expect(bds.items).toHaveLength(0);
  });
});

describe('list', () => {
  it('filters by label and field selectors', async () => {
    await create(gitRepo('a', { env: 'dev', team: 'x' }));
    await create(gitRepo('b', { env: 'prod' }));
    await create(gitRepo('c', {}));
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (
        await co.listNamespacedCustomObject({
          group,
          version,
          namespace: ns,
          plural: 'gitrepos',
          ...q,
        })
      ).items.map((i: any) => i.metadata.name);
    expect(await names({ labelSelector: 'env=dev' })).toEqual(['a']);
    expect(await names({ labelSelector: 'env!=dev' })).toEqual(['b', 'c']);
    expect(await names({ labelSelector: 'env in (dev,prod)' })).toEqual(['a', 'b']);
    expect(await names({ labelSelector: 'env notin (dev)' })).toEqual(['b', 'c']);
    expect(await names({ labelSelector: 'team' })).toEqual(['a']);
    expect(await names({ labelSelector: '!env' })).toEqual(['c']);
    expect(await names({ fieldSelector: 'metadata.name=b' })).toEqual(['b']);
    expect(await names({ fieldSelector: 'metadata.name!=b' })).toEqual(['a', 'c']);
    const bad = await failure(
      co.listNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        fieldSelector: 'spec.repo=x',
      }),
    );
    expect(bad.code).toBe(400);
  });

  it('pages with limit/continue over one snapshot; an expired token is 410', async () => {
    for (let i = 0; i < 7; i++) await create(gitRepo(`r${i}`));
    const p1: any = await co.listNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      limit: 3,
    });
    expect(p1.items.map((i: any) => i.metadata.name)).toEqual(['r0', 'r1', 'r2']);
    expect(p1.metadata.remainingItemCount).toBe(4);
    // Changes after the first page do not show in later pages.
    await create(gitRepo('r9'));
    await co.deleteNamespacedCustomObject({ group, version, namespace: ns, plural: 'gitrepos', name: 'r4' });
    const p2: any = await co.listNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      limit: 3,
      _continue: p1.metadata._continue ?? p1.metadata.continue,
    });
    expect(p2.items.map((i: any) => i.metadata.name)).toEqual(['r3', 'r4', 'r5']);
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    const p3: any = await co.listNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      limit: 3,
      _continue: p2.metadata.continue,
    });
    expect(p3.items.map((i: any) => i.metadata.name)).toEqual(['r6']);
    expect(p3.metadata.continue).toBeUndefined();
    // Push the first page's version out of the 50-event history.
    for (let i = 0; i < 60; i++) await mergePatch('r0', { metadata: { labels: { n: String(i) } } });
    const old = await failure(
      co.listNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        limit: 3,
        _continue: p1.metadata.continue,
      }),
    );
    expect(old.code).toBe(410);
    expect(old.body.reason).toBe('Expired');
  });
});

describe('watch', () => {
  const path = `/apis/${group}/${version}/namespaces/${ns}/gitrepos`;

  it('streams ADDED, MODIFIED, DELETED, and resumes from a resourceVersion without loss', async () => {
    const a: any = await create(gitRepo('a'));
    const w = await watchCollect(path, { resourceVersion: a.metadata.resourceVersion });
    await mergePatch('a', { spec: { paused: true } });
    await create(gitRepo('b'));
    await co.deleteNamespacedCustomObject({ group, version, namespace: ns, plural: 'gitrepos', name: 'a' });
    await expect
      .poll(() => w.events.map((e) => `${e.type}:${e.obj.metadata.name}`))
      .toEqual(['MODIFIED:a', 'ADDED:b', 'DELETED:a']);
    const mid = w.events[0]!.obj.metadata.resourceVersion;
    w.ctl.abort();
    const resumed = await watchCollect(path, { resourceVersion: mid });
    await expect
      .poll(() => resumed.events.map((e) => `${e.type}:${e.obj.metadata.name}`))
      .toEqual(['ADDED:b', 'DELETED:a']);
    resumed.ctl.abort();
  });

  it('without a resourceVersion starts with ADDED for what exists', async () => {
    await create(gitRepo('a'));
    await create(gitRepo('b'));
    const w = await watchCollect(path, {});
    await expect
      .poll(() => w.events.map((e) => `${e.type}:${e.obj.metadata.name}`))
      .toEqual(['ADDED:a', 'ADDED:b']);
    w.ctl.abort();
  });

  it('sends BOOKMARK events when asked, carrying the current resourceVersion', async () => {
    const w = await watchCollect(path, {
      allowWatchBookmarks: true,
      resourceVersion: t.server.resourceVersion,
    });
    await create(gitRepo('a'));
    await expect.poll(() => w.events.some((e) => e.type === 'BOOKMARK'), { timeout: 5000 }).toBe(true);
    const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(Number(bm.obj.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(w.events[0]!.obj.metadata.resourceVersion),
    );
    w.ctl.abort();
  });

  it('label-selected watches see objects enter as ADDED and leave as DELETED', async () => {
    await create(gitRepo('a', { env: 'dev' }));
    const w = await watchCollect(path, {
      labelSelector: 'env=prod',
      resourceVersion: t.server.resourceVersion,
    });
    await mergePatch('a', { metadata: { labels: { env: 'prod' } } });
    await mergePatch('a', { spec: { paused: true } });
    await mergePatch('a', { metadata: { labels: { env: 'dev' } } });
    await expect.poll(() => w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    w.ctl.abort();
  });

  it('ends the stream at timeoutSeconds', async () => {
    const w = await watchCollect(path, { timeoutSeconds: 1, resourceVersion: t.server.resourceVersion });
    await expect.poll(() => w.done(), { timeout: 5000 }).toBeNull();
  });

  it('a version older than the history is 410: ERROR event in the stream (default)', async () => {
    const a: any = await create(gitRepo('a'));
    for (let i = 0; i < 60; i++) await mergePatch('a', { metadata: { labels: { n: String(i) } } });
    const w = await watchCollect(path, { resourceVersion: a.metadata.resourceVersion });
    await expect.poll(() => w.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(w.events[0]!.obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    await expect.poll(() => w.done()).toBeNull();
  });
});
