import { describe, expect, it } from 'vitest';
import type { BundleDependsOn, BundleState } from '../../../apis/fleet.js';
import {
  acceptedStates,
  blockersOf,
  cyclesThrough,
  deploymentLabelsOf,
  resolveDependsOn,
} from './dependencies.js';
import { aBundle, aCluster, aDeployment } from '../../../../test/support/fleet-builders.js';

const cluster = aCluster({ name: 'c1' });
const other = aCluster({ name: 'c2' });
const db = aBundle({ name: 'db', labels: { tier: 'data', 'management.cattle.io/x': 'y' } });
const cache = aBundle({ name: 'cache', labels: { tier: 'data' } });
const elsewhere = aBundle({ name: 'db', namespace: 'other-ws' });
const web = (dependsOn: BundleDependsOn[]) => aBundle({ name: 'web', dependsOn });

describe('dependsOn resolution (docs/fleet/objects.md §2.10)', () => {
  const all = [cache, db, elsewhere];
  const rows: { rule: string; dependsOn: BundleDependsOn[]; want: string[][] }[] = [
    {
      rule: 'by name, in the same namespace only',
      dependsOn: [{ name: 'db' }],
      want: [['fleet-default/db']],
    },
    {
      rule: 'by selector against the BD labels the bundle would get',
      dependsOn: [{ selector: { matchLabels: { tier: 'data' } } }],
      want: [['fleet-default/cache', 'fleet-default/db']],
    },
    {
      rule: 'name and selector are ANDed',
      dependsOn: [{ name: 'db', selector: { matchLabels: { tier: 'web' } } }],
      want: [[]],
    },
    { rule: 'an entry with neither name nor selector is skipped', dependsOn: [{}], want: [] },
    {
      rule: 'deployer.go checkDependency: name replaces the bundle-name a selector sets (AddLabelToSelector)',
      dependsOn: [
        { name: 'db', selector: { matchLabels: { 'fleet.cattle.io/bundle-name': 'cache', tier: 'data' } } },
      ],
      want: [['fleet-default/db']],
    },
    {
      rule: "deployer.go checkDependency: name pins the dependent's bundle-namespace over the selector's",
      dependsOn: [
        { name: 'db', selector: { matchLabels: { 'fleet.cattle.io/bundle-namespace': 'other-ws' } } },
      ],
      want: [['fleet-default/db']],
    },
    {
      rule: '*cattle.io/ labels other than fleet.cattle.io/ do not reach BDs (docs/fleet/links.md §3.1)',
      dependsOn: [{ selector: { matchLabels: { 'management.cattle.io/x': 'y' } } }],
      want: [[]],
    },
  ];
  it.each(rows)('$rule', ({ dependsOn, want }) => {
    expect(resolveDependsOn(web(dependsOn), all).map((d) => d.bundles.map((b) => b.key))).toEqual(want);
  });

  it('deployer.go checkDependency: the match set includes the dependent itself', () => {
    const w = aBundle({
      name: 'web',
      labels: { tier: 'data' },
      dependsOn: [{ selector: { matchLabels: { tier: 'data' } } }],
    });
    expect(resolveDependsOn(w, [...all, w]).map((d) => d.bundles.map((b) => b.key))).toEqual([
      ['fleet-default/cache', 'fleet-default/db', 'fleet-default/web'],
    ]);
  });

  it('empty acceptedStates means Ready', () => {
    expect(acceptedStates({ name: 'db' })).toEqual(['Ready']);
    expect(acceptedStates({ name: 'db', acceptedStates: ['Ready', 'Modified'] })).toEqual([
      'Ready',
      'Modified',
    ]);
  });

  it('an invalid selector resolves to nothing and says why', () => {
    const [d] = resolveDependsOn(
      web([{ selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }]),
      all,
    );
    expect(d?.bundles).toEqual([]);
    expect(d?.error).toMatch(/values/);
  });

  it('BD labels keep fleet.cattle.io/ keys and add bundle-name, bundle-namespace, managed', () => {
    const b = aBundle({
      name: 'x',
      labels: { 'fleet.cattle.io/commit': 'abc', 'kubectl.kubernetes.io/last': 'z', team: 'a' },
    });
    expect(deploymentLabelsOf(b)).toEqual({
      'fleet.cattle.io/commit': 'abc',
      team: 'a',
      'fleet.cattle.io/bundle-name': 'x',
      'fleet.cattle.io/bundle-namespace': 'fleet-default',
      'fleet.cattle.io/managed': 'true',
    });
  });
});

describe('per-deployment blockers, judged on the same cluster (docs/fleet/objects.md §2.10)', () => {
  const webBd = (dependsOn: BundleDependsOn[]) => aDeployment({ bundle: web(dependsOn), cluster });
  const dbOn = (c: typeof cluster, state: BundleState) => aDeployment({ bundle: db, cluster: c, state });
  const rows: {
    rule: string;
    dependsOn: BundleDependsOn[];
    sameCluster: ReturnType<typeof dbOn>[];
    want: { missing: boolean; notReady: string[] }[];
    reason?: RegExp;
  }[] = [
    {
      rule: 'a Ready dependency does not block',
      dependsOn: [{ name: 'db' }],
      sameCluster: [dbOn(cluster, 'Ready')],
      want: [],
    },
    {
      rule: 'a NotReady dependency blocks',
      dependsOn: [{ name: 'db' }],
      sameCluster: [dbOn(cluster, 'NotReady')],
      want: [{ missing: false, notReady: ['db'] }],
      reason: /not ready: \[db \(NotReady\)\]/,
    },
    {
      rule: 'acceptedStates widen what counts',
      dependsOn: [{ name: 'db', acceptedStates: ['Ready', 'Modified'] }],
      sameCluster: [dbOn(cluster, 'Modified')],
      want: [],
    },
    {
      rule: 'no matching BD on the cluster is missing',
      dependsOn: [{ name: 'db' }],
      sameCluster: [],
      want: [{ missing: true, notReady: [] }],
      reason: /No bundles matching labels/,
    },
    { rule: 'an empty entry is skipped', dependsOn: [{}], sameCluster: [], want: [] },
  ];
  it.each(rows)('$rule', ({ dependsOn, sameCluster, want, reason }) => {
    const bd = webBd(dependsOn);
    const got = blockersOf(bd, [bd, ...sameCluster]);
    expect(got.map((b) => ({ missing: b.missing, notReady: b.notReady.map((x) => x.name) }))).toEqual(want);
    if (reason) expect(got[0]?.reason).toMatch(reason);
  });

  it('deployer.go checkDependency: a selector that selects the dependent makes it wait on itself', () => {
    const self = aDeployment({
      bundle: aBundle({ name: 'web', dependsOn: [{ selector: {} }] }),
      cluster,
      state: 'WaitApplied',
    });
    const got = blockersOf(self, [self, dbOn(cluster, 'Ready')]);
    expect(got.map((b) => b.notReady.map((x) => x.name))).toEqual([['web']]);
  });

  it('a dependency Ready on another cluster does not help', () => {
    const bd = webBd([{ name: 'db' }]);
    // The caller passes only the BDs of bd's own namespace; db on c2 lives elsewhere.
    expect(dbOn(other, 'Ready').namespace).not.toBe(bd.namespace);
    expect(blockersOf(bd, [bd])[0]?.missing).toBe(true);
  });
});

describe('dependency cycles', () => {
  const graph: Record<string, string[]> = { a: ['b'], b: ['c', 'a'], c: ['a'], d: ['d'], e: ['a'] };
  const edges = (k: string) => graph[k] ?? [];
  it.each([
    { start: 'a', want: [['a', 'b']] },
    {
      start: 'b',
      want: [
        ['b', 'a'],
        ['b', 'c', 'a'],
      ],
    },
    { start: 'd', want: [['d']] },
    { start: 'e', want: [] },
  ])('cycles through $start', ({ start, want }) => expect(cyclesThrough(start, edges)).toEqual(want));
});
