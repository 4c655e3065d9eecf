import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/kube.js';
import { BUNDLE_DEPLOYMENT_SHARED_FIELDS, sameExceptVersion, toRecord } from './build.js';
import { Interner } from './intern.js';

const meta = (name: string, namespace = 'fleet-default', extra: Record<string, unknown> = {}) => ({
  name,
  namespace,
  uid: `uid-${name}`,
  resourceVersion: '7',
  generation: 2,
  creationTimestamp: '2026-01-01T00:00:00Z',
  labels: { env: 'prod' },
  managedFields: [{ manager: 'kubectl' }],
  ...extra,
});

describe('records from raw objects', () => {
  it('GitRepo keeps spec targets and the reported status', () => {
    const r = toRecord(new Interner(), 'GitRepo', {
      metadata: meta('repo', 'fleet-default', { annotations: { a: 'b' } }),
      spec: {
        repo: 'https://git',
        branch: 'main',
        paths: ['x'],
        targets: [{ clusterSelector: {} }],
        paused: true,
      },
      status: {
        observedGeneration: 2,
        commit: 'abc',
        readyClusters: 1,
        desiredReadyClusters: 2,
        display: { readyBundleDeployments: '1/2' },
        conditions: [{ type: 'Ready', status: 'False', message: 'x', lastTransitionTime: 't' }],
        summary: { ready: 1, desiredReady: 2 },
      },
    } as KubeObject);
    expect(r).toMatchObject({
      kind: 'GitRepo',
      key: 'fleet-default/repo',
      generation: 2,
      repo: 'https://git',
      paused: true,
      annotations: { a: 'b' },
      targets: [{ clusterSelector: {} }],
      status: { commit: 'abc', readyClusters: 1, display: { readyBundleDeployments: '1/2' } },
    });
    if (r.kind !== 'GitRepo') throw new Error('kind');
    // Conditions keep only the record's fields (no lastTransitionTime).
    expect(r.status.conditions).toEqual([{ type: 'Ready', status: 'False', message: 'x' }]);
    expect(Object.isFrozen(r.targets[0])).toBe(true);
    expect(r).not.toHaveProperty('managedFields');
  });

  it('Bundle: repo label, agent bundle annotation, default customization mode', () => {
    const r = toRecord(new Interner(), 'Bundle', {
      metadata: meta('fleet-agent-c1', 'fleet-default', {
        labels: { 'fleet.cattle.io/repo-name': 'r' },
        annotations: { 'objectset.rio.cattle.io/id': 'fleet-manage-agent' },
      }),
      spec: {
        targets: [{ clusterName: 'c1' }],
        dependsOn: [{ name: 'base' }],
        resources: [{ content: 'big' }],
      },
    } as KubeObject);
    expect(r).toMatchObject({
      kind: 'Bundle',
      repoName: 'r',
      agentBundle: true,
      targetCustomizationMode: 'FirstMatch',
      dependsOn: [{ name: 'base' }],
      targetRestrictions: [],
    });
    expect(JSON.stringify(r)).not.toContain('big');
  });

  it('ClusterGroup keeps a null selector apart from an empty one', () => {
    const i = new Interner();
    const none = toRecord(i, 'ClusterGroup', { metadata: meta('g1'), spec: {} } as KubeObject);
    const all = toRecord(i, 'ClusterGroup', { metadata: meta('g2'), spec: { selector: {} } } as KubeObject);
    expect(none).toMatchObject({ selector: null });
    expect(all).toMatchObject({ selector: {} });
  });

  it('Cluster exposes status.namespace and the agent check-in', () => {
    const r = toRecord(new Interner(), 'Cluster', {
      metadata: meta('c1'),
      spec: { paused: true },
      status: { namespace: 'cluster-x', agent: { lastSeen: '2026-01-02T00:00:00Z' }, readyGitRepos: 3 },
    } as KubeObject);
    expect(r).toMatchObject({
      clusterNamespace: 'cluster-x',
      paused: true,
      lastSeen: '2026-01-02T00:00:00Z',
      status: { readyGitRepos: 3 },
    });
  });

  it('BundleDeployment: label links, IDs, counts; a plain JSON view with every field', () => {
    const r = toRecord(new Interner(), 'BundleDeployment', {
      metadata: meta('app', 'cluster-x', {
        labels: {
          'fleet.cattle.io/bundle-name': 'app',
          'fleet.cattle.io/bundle-namespace': 'fleet-default',
          'fleet.cattle.io/cluster': 'c1',
          'fleet.cattle.io/cluster-namespace': 'fleet-default',
          'fleet.cattle.io/fleet-helm-name': 'h',
        },
        deletionTimestamp: '2026-01-03T00:00:00Z',
      }),
      spec: { deploymentID: 'd2', stagedDeploymentID: 'd3', paused: true, offSchedule: true },
      status: {
        appliedDeploymentID: 'd1',
        ready: false,
        nonModified: true,
        display: { state: 'WaitApplied' },
        nonReadyStatus: [{}, {}],
        modifiedStatus: [{}],
      },
    } as KubeObject);
    const expected = {
      kind: 'BundleDeployment',
      key: 'cluster-x/app',
      namespace: 'cluster-x',
      generation: 2,
      bundleName: 'app',
      bundleNamespace: 'fleet-default',
      clusterName: 'c1',
      clusterNamespace: 'fleet-default',
      helmOpName: 'h',
      deploymentID: 'd2',
      stagedDeploymentID: 'd3',
      appliedDeploymentID: 'd1',
      paused: true,
      offSchedule: true,
      ready: false,
      nonModified: true,
      reportedState: 'WaitApplied',
      nonReadyCount: 2,
      modifiedCount: 1,
      deletionTimestamp: '2026-01-03T00:00:00Z',
    };
    expect(r).toMatchObject(expected);
    expect(JSON.parse(JSON.stringify(r))).toMatchObject(expected);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('Namespace timestamps given as Date (client-node typed lists) become RFC3339 strings', () => {
    const r = toRecord(new Interner(), 'Namespace', {
      metadata: { name: 'ns', creationTimestamp: new Date('2026-01-01T00:00:00Z') as unknown as string },
    });
    expect(r).toMatchObject({ key: 'ns', namespace: '', creationTimestamp: '2026-01-01T00:00:00Z' });
  });

  it('sameExceptVersion ignores only the resourceVersion', () => {
    const i = new Interner();
    const o = (rv: string, state: string) =>
      ({
        metadata: meta('app', 'cluster-x', { resourceVersion: rv }),
        spec: {},
        status: { display: { state } },
      }) as KubeObject;
    const a = toRecord(i, 'BundleDeployment', o('1', 'Ready'));
    expect(sameExceptVersion(a, toRecord(i, 'BundleDeployment', o('2', 'Ready')))).toBe(true);
    expect(sameExceptVersion(a, toRecord(i, 'BundleDeployment', o('3', 'NotReady')))).toBe(false);
  });
});

describe('BundleDeployment shared parts', () => {
  type SharedField = (typeof BUNDLE_DEPLOYMENT_SHARED_FIELDS)[number];
  type Raw = {
    metadata: { generation: number; labels: Record<string, string> };
    spec: Record<string, unknown>;
    status: Record<string, unknown>;
  };
  const base = (): Raw => ({
    metadata: {
      ...meta('app', 'cluster-x'),
      labels: {
        'fleet.cattle.io/bundle-name': 'app',
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
        'fleet.cattle.io/cluster-namespace': 'fleet-default',
        'fleet.cattle.io/repo-name': 'repo',
        'fleet.cattle.io/fleet-helm-name': 'h',
      },
    },
    spec: { deploymentID: 'd1', stagedDeploymentID: 'd1', paused: false, offSchedule: false, dependsOn: [] },
    status: {
      appliedDeploymentID: 'd1',
      ready: true,
      nonModified: true,
      display: { state: 'Ready' },
      resourceCounts: {
        ready: 1,
        desiredReady: 1,
        waitApplied: 0,
        modified: 0,
        orphaned: 0,
        missing: 0,
        unknown: 0,
        notReady: 0,
      },
      nonReadyStatus: [],
      modifiedStatus: [],
    },
  });
  // One edit per shared field, each changing only that field. The record type requires a row for
  // every shared field, so a new one cannot be added without a row here.
  const edits: Record<SharedField, (o: Raw) => void> = {
    generation: (o) => (o.metadata.generation = 3),
    bundleName: (o) => (o.metadata.labels['fleet.cattle.io/bundle-name'] = 'other'),
    bundleNamespace: (o) => (o.metadata.labels['fleet.cattle.io/bundle-namespace'] = 'ws'),
    clusterNamespace: (o) => (o.metadata.labels['fleet.cattle.io/cluster-namespace'] = 'ws'),
    repoName: (o) => delete o.metadata.labels['fleet.cattle.io/repo-name'],
    helmOpName: (o) => (o.metadata.labels['fleet.cattle.io/fleet-helm-name'] = 'h2'),
    deploymentID: (o) => (o.spec.deploymentID = 'd2'),
    stagedDeploymentID: (o) => (o.spec.stagedDeploymentID = 'd2'),
    appliedDeploymentID: (o) => (o.status.appliedDeploymentID = 'd0'),
    paused: (o) => (o.spec.paused = true),
    offSchedule: (o) => (o.spec.offSchedule = true),
    dependsOn: (o) => (o.spec.dependsOn = [{ name: 'db' }]),
    ready: (o) => (o.status.ready = false),
    nonModified: (o) => (o.status.nonModified = false),
    reportedState: (o) => (o.status.display = { state: 'Modified' }),
    resourceCounts: (o) => ((o.status.resourceCounts as Record<string, number>).notReady = 1),
    nonReadyCount: (o) => (o.status.nonReadyStatus = [{}]),
    modifiedCount: (o) => (o.status.modifiedStatus = [{}]),
  };

  it('has an edit for every shared field', () => {
    expect(Object.keys(edits).sort()).toEqual([...BUNDLE_DEPLOYMENT_SHARED_FIELDS].sort());
  });

  it.each(BUNDLE_DEPLOYMENT_SHARED_FIELDS.map((f) => [f]))(
    'two deployments that differ only in %s each keep their own value',
    (field) => {
      const interner = new Interner();
      const plain = toRecord(interner, 'BundleDeployment', base());
      const raw = base();
      edits[field](raw);
      const edited = toRecord(interner, 'BundleDeployment', raw);
      const again = toRecord(interner, 'BundleDeployment', base());
      const read = (r: unknown) => JSON.stringify((r as Record<SharedField, unknown>)[field]);
      expect(read(edited)).not.toBe(read(plain));
      expect(read(again)).toBe(read(plain));
      for (const other of BUNDLE_DEPLOYMENT_SHARED_FIELDS.filter((f) => f !== field)) {
        expect(JSON.stringify((edited as unknown as Record<string, unknown>)[other])).toBe(
          JSON.stringify((plain as unknown as Record<string, unknown>)[other]),
        );
      }
    },
  );
});
