import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/kube.js';
import { ManualClock } from '../../shared/clock.js';
import type { ChangeEvent } from './store.js';
import { createStore } from './store.js';

let rv = 100;
const nextRv = () => String(++rv);

function bd(clusterNs: string, bundle: string, extra: { repo?: string; state?: string; rv?: string } = {}) {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: {
      name: bundle,
      namespace: clusterNs,
      uid: `uid-${clusterNs}-${bundle}`,
      resourceVersion: extra.rv ?? nextRv(),
      labels: {
        'fleet.cattle.io/bundle-name': bundle,
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
        'fleet.cattle.io/cluster': clusterNs.replace('cluster-', ''),
        'fleet.cattle.io/cluster-namespace': 'fleet-default',
        ...(extra.repo ? { 'fleet.cattle.io/repo-name': extra.repo } : {}),
      },
      managedFields: [{ manager: 'x' }],
    },
    spec: { deploymentID: 's-abc:1' },
    status: { ready: extra.state === 'Ready', display: { state: extra.state ?? 'NotReady' } },
  } as KubeObject;
}

function bundle(name: string, repo?: string) {
  return {
    metadata: {
      name,
      namespace: 'fleet-default',
      uid: `uid-b-${name}`,
      resourceVersion: nextRv(),
      labels: repo ? { 'fleet.cattle.io/repo-name': repo } : {},
    },
    spec: { targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }] },
  } as KubeObject;
}

function cluster(name: string, clusterNs: string) {
  return {
    metadata: {
      name,
      namespace: 'fleet-default',
      uid: `uid-c-${name}`,
      resourceVersion: nextRv(),
      labels: { env: 'prod' },
    },
    spec: {},
    status: { namespace: clusterNs },
  } as KubeObject;
}

function newStore() {
  const clock = new ManualClock(1_000);
  const store = createStore({ clock });
  const events: ChangeEvent[] = [];
  store.subscribe((e) => events.push(e));
  return { clock, store, events };
}

describe('store records', () => {
  it('keeps only the record fields, frozen, and interns repeated strings', () => {
    const { store } = newStore();
    store.apply('BundleDeployment', 'ADDED', bd('cluster-a', 'app', { repo: 'repo1' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-b', 'app', { repo: 'repo1' }));
    const snap = store.snapshot();
    const a = snap.get('BundleDeployment', 'cluster-a/app')!;
    const b = snap.get('BundleDeployment', 'cluster-b/app')!;
    expect(a).toMatchObject({
      kind: 'BundleDeployment',
      bundleName: 'app',
      bundleNamespace: 'fleet-default',
      clusterName: 'a',
      repoName: 'repo1',
      deploymentID: 's-abc:1',
      reportedState: 'NotReady',
    });
    expect(a).not.toHaveProperty('managedFields');
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.labels)).toBe(true);
    expect(() => {
      (a as { paused: boolean }).paused = true;
    }).toThrow(TypeError);
    // Shared sub-values: same condition list / dependsOn objects across records.
    expect(a.dependsOn).toBe(b.dependsOn);
  });
});

describe('store indexes', () => {
  it('answers every named index, sorted by key', () => {
    const { store } = newStore();
    store.apply('Cluster', 'ADDED', cluster('c1', 'cluster-c1'));
    store.apply('Cluster', 'ADDED', cluster('c2', 'cluster-c2'));
    store.apply('Bundle', 'ADDED', bundle('b2', 'repo1'));
    store.apply('Bundle', 'ADDED', bundle('b1', 'repo1'));
    store.apply('Bundle', 'ADDED', bundle('other'));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-c2', 'b1', { repo: 'repo1' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-c1', 'b1', { repo: 'repo1' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-c1', 'b2', { repo: 'repo1' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-c1', 'other'));
    const s = store.snapshot();
    expect(s.deploymentsOfBundle('fleet-default', 'b1').map((r) => r.key)).toEqual([
      'cluster-c1/b1',
      'cluster-c2/b1',
    ]);
    expect(s.deploymentsOfGitRepo('fleet-default', 'repo1').map((r) => r.key)).toEqual([
      'cluster-c1/b1',
      'cluster-c1/b2',
      'cluster-c2/b1',
    ]);
    expect(s.deploymentsInNamespace('cluster-c1').map((r) => r.key)).toEqual([
      'cluster-c1/b1',
      'cluster-c1/b2',
      'cluster-c1/other',
    ]);
    expect(s.bundlesOfGitRepo('fleet-default', 'repo1').map((r) => r.name)).toEqual(['b1', 'b2']);
    expect(s.clusterByClusterNamespace('cluster-c2')?.name).toBe('c2');
    expect(s.clusterByClusterNamespace('nope')).toBeUndefined();
    expect(s.list('Cluster', 'fleet-default').map((r) => r.name)).toEqual(['c1', 'c2']);
    expect(s.list('BundleDeployment').map((r) => r.key)).toEqual([
      'cluster-c1/b1',
      'cluster-c1/b2',
      'cluster-c1/other',
      'cluster-c2/b1',
    ]);
    expect(s.workspaces()).toEqual(['fleet-default']);
    expect(s.deploymentsOfHelmOp('fleet-default', 'x')).toEqual([]);
  });

  it('moves a record between index keys when its indexed field changes', () => {
    const { store } = newStore();
    store.apply('Cluster', 'ADDED', cluster('c1', 'cluster-old'));
    const moved = cluster('c1', 'cluster-new');
    store.apply('Cluster', 'MODIFIED', moved);
    const s = store.snapshot();
    expect(s.clusterByClusterNamespace('cluster-old')).toBeUndefined();
    expect(s.clusterByClusterNamespace('cluster-new')?.name).toBe('c1');
  });

  it('lists all namespaces in key order even when one namespace is a prefix of another', () => {
    const { store } = newStore();
    store.apply('BundleDeployment', 'ADDED', bd('a', 'y'));
    store.apply('BundleDeployment', 'ADDED', bd('a-b', 'x'));
    const keys = store
      .snapshot()
      .list('BundleDeployment')
      .map((r) => r.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(['a-b/x', 'a/y']);
  });
});

describe('store snapshots', () => {
  it('a snapshot taken before a change does not see it, and is reused until a change', () => {
    const { store } = newStore();
    store.apply('BundleDeployment', 'ADDED', bd('cluster-a', 'app', { state: 'NotReady' }));
    const before = store.snapshot();
    expect(store.snapshot()).toBe(before);
    store.apply('BundleDeployment', 'MODIFIED', bd('cluster-a', 'app', { state: 'Ready' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-b', 'app'));
    store.apply('BundleDeployment', 'DELETED', bd('cluster-a', 'app'));
    const after = store.snapshot();
    expect(after).not.toBe(before);
    expect(before.get('BundleDeployment', 'cluster-a/app')?.reportedState).toBe('NotReady');
    expect(before.get('BundleDeployment', 'cluster-b/app')).toBeUndefined();
    expect(before.deploymentsOfBundle('fleet-default', 'app').map((r) => r.key)).toEqual(['cluster-a/app']);
    expect(before.list('BundleDeployment')).toHaveLength(1);
    expect(after.get('BundleDeployment', 'cluster-a/app')).toBeUndefined();
    expect(after.deploymentsOfBundle('fleet-default', 'app').map((r) => r.key)).toEqual(['cluster-b/app']);
    expect(after.revision).toBe(before.revision + 3);
    expect(Object.isFrozen(after.list('BundleDeployment'))).toBe(true);
  });

  it('keeps old snapshots intact across many buckets of changes', () => {
    const { store } = newStore();
    for (let i = 0; i < 2000; i++) store.apply('BundleDeployment', 'ADDED', bd(`cluster-${i % 50}`, `b${i}`));
    const s1 = store.snapshot();
    for (let i = 0; i < 2000; i += 2)
      store.apply('BundleDeployment', 'DELETED', bd(`cluster-${i % 50}`, `b${i}`));
    const s2 = store.snapshot();
    expect(s1.list('BundleDeployment')).toHaveLength(2000);
    expect(s2.list('BundleDeployment')).toHaveLength(1000);
    expect(s1.deploymentsInNamespace('cluster-0')).toHaveLength(40);
    expect(s2.deploymentsInNamespace('cluster-0')).toHaveLength(0);
    expect(s2.deploymentsInNamespace('cluster-1')).toHaveLength(40);
  });
});

describe('change feed', () => {
  it('delivers typed events in order with before/after and the gateway time', async () => {
    const { store, events, clock } = newStore();
    store.apply('BundleDeployment', 'ADDED', bd('cluster-a', 'app', { state: 'NotReady', rv: '10' }));
    await clock.advance(5);
    store.apply('BundleDeployment', 'MODIFIED', bd('cluster-a', 'app', { state: 'Ready', rv: '11' }));
    store.apply('BundleDeployment', 'DELETED', bd('cluster-a', 'app', { state: 'Ready', rv: '12' }));
    expect(events.map((e) => [e.type, e.resourceVersion, e.revision])).toEqual([
      ['ADDED', '10', 1],
      ['MODIFIED', '11', 2],
      ['DELETED', '12', 3],
    ]);
    const [added, modified, deleted] = events as [ChangeEvent, ChangeEvent, ChangeEvent];
    expect(added.before).toBeUndefined();
    expect(added.observedAt).toBe(1_000);
    expect(modified.observedAt).toBe(1_005);
    expect(modified.before).toBe(added.after);
    expect((modified.after as { reportedState?: string }).reportedState).toBe('Ready');
    expect(deleted.before).toBe(modified.after);
    expect(deleted.after).toBeUndefined();
    expect(events.every((e) => !e.viaRelist)).toBe(true);
  });

  it('suppresses a MODIFIED that changed nothing the record keeps, but keeps the new version', () => {
    const { store, events } = newStore();
    store.apply('BundleDeployment', 'ADDED', bd('cluster-a', 'app', { rv: '20' }));
    store.apply('BundleDeployment', 'MODIFIED', bd('cluster-a', 'app', { rv: '21' }));
    expect(events).toHaveLength(1);
    expect(store.snapshot().get('BundleDeployment', 'cluster-a/app')?.resourceVersion).toBe('21');
  });

  it('a throwing subscriber does not stop others or the store', () => {
    const { store, events } = newStore();
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.apply('Bundle', 'ADDED', bundle('x'));
    expect(events).toHaveLength(1);
    expect(store.snapshot().list('Bundle')).toHaveLength(1);
  });

  it('unsubscribe stops delivery', () => {
    const { store } = newStore();
    const seen: string[] = [];
    const off = store.subscribe((e) => seen.push(e.key));
    store.apply('Bundle', 'ADDED', bundle('x'));
    off();
    store.apply('Bundle', 'ADDED', bundle('y'));
    expect(seen).toEqual(['fleet-default/x']);
  });
});

describe('relist', () => {
  it('upserts what changed, skips what did not, and deletes what vanished in scope only', () => {
    const { store, events } = newStore();
    const keep = bd('cluster-a', 'keep', { rv: '30' });
    const change = bd('cluster-a', 'change', { rv: '31' });
    store.apply('BundleDeployment', 'ADDED', keep);
    store.apply('BundleDeployment', 'ADDED', change);
    store.apply('BundleDeployment', 'ADDED', bd('cluster-a', 'gone', { rv: '32' }));
    store.apply('BundleDeployment', 'ADDED', bd('cluster-b', 'elsewhere', { rv: '33' }));
    events.length = 0;
    store.replaceAll(
      'BundleDeployment',
      'cluster-a',
      [keep, bd('cluster-a', 'change', { rv: '40', state: 'Ready' }), bd('cluster-a', 'new', { rv: '41' })],
      '50',
    );
    expect(events.map((e) => [e.type, e.key, e.viaRelist, e.resourceVersion])).toEqual([
      ['MODIFIED', 'cluster-a/change', true, '40'],
      ['ADDED', 'cluster-a/new', true, '41'],
      ['DELETED', 'cluster-a/gone', true, '50'],
    ]);
    expect(store.snapshot().get('BundleDeployment', 'cluster-b/elsewhere')).toBeDefined();
    // An all-namespaces relist deletes across namespaces.
    store.replaceAll('BundleDeployment', undefined, [], '60');
    expect(store.snapshot().list('BundleDeployment')).toHaveLength(0);
  });
});

describe('sync state and versions', () => {
  it('reports synced, objects and last event time per kind', async () => {
    const { store, clock } = newStore();
    expect(store.syncState().Bundle).toEqual({ synced: false, objects: 0, lastEventAt: undefined });
    await clock.advance(10);
    store.replaceAll('Bundle', undefined, [bundle('a'), bundle('b')], '1');
    store.markSynced('Bundle');
    expect(store.syncState().Bundle).toEqual({ synced: true, objects: 2, lastEventAt: 1_010 });
  });

  it('waitForVersion resolves when the watch brings the version back, or times out', async () => {
    const { store } = newStore();
    store.apply('Bundle', 'ADDED', {
      ...bundle('a'),
      metadata: { ...bundle('a').metadata, resourceVersion: '5' },
    });
    const waiting = store.waitForVersion('Bundle', 'fleet-default/a', '7');
    store.apply('Bundle', 'MODIFIED', {
      ...bundle('a'),
      metadata: { ...bundle('a').metadata, resourceVersion: '6' },
    });
    store.apply('Bundle', 'MODIFIED', {
      ...bundle('a'),
      metadata: { ...bundle('a').metadata, resourceVersion: '7' },
    });
    await expect(waiting).resolves.toMatchObject({ resourceVersion: '7' });
    await expect(store.waitForVersion('Bundle', 'fleet-default/a', '6')).resolves.toMatchObject({
      resourceVersion: '7',
    });
    await expect(
      store.waitForVersion('Bundle', 'fleet-default/a', '99', { timeoutMs: 5 }),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });
});
