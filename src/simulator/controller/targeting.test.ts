import { describe, expect, it } from 'vitest';
import type { Bundle, BundleNamespaceMapping, Cluster, ClusterGroup, Namespace } from '../../apis/fleet.js';
import { TARGETING_CASES, type TargetingCase } from '../../../test/simulator/targeting-cases.js';
import { computeTargets, mergeOptions, TargetingError } from './targeting.js';

const NS = { ws: 'ws', other: 'other' } as const;

function inputOf(c: TargetingCase) {
  const clusters: Cluster[] = c.clusters.map((x) => ({
    metadata: { name: x.name, namespace: NS[x.namespace ?? 'ws'], labels: x.labels ?? {} },
    spec: {},
  }));
  const clusterGroups: ClusterGroup[] = (c.groups ?? []).map((g) => ({
    metadata: { name: g.name, namespace: NS[g.namespace ?? 'ws'], labels: g.labels ?? {} },
    spec: { selector: g.selector },
  }));
  const mappings: BundleNamespaceMapping[] = (c.mappings ?? []).map((m) => ({
    metadata: { name: m.name, namespace: NS[m.namespace ?? 'ws'] },
    bundleSelector: m.bundleSelector,
    namespaceSelector: m.namespaceSelector,
  }));
  const namespaces: Namespace[] = [
    { metadata: { name: 'ws', labels: {} } },
    { metadata: { name: 'other', labels: c.otherNamespaceLabels ?? {} } },
  ];
  const bundle: Bundle = {
    metadata: { name: 'b', namespace: 'ws', labels: c.bundleLabels ?? {} },
    spec: {
      targets: c.targets,
      ...(c.restrictions ? { targetRestrictions: c.restrictions } : {}),
      ...(c.mode ? { targetCustomizationMode: c.mode } : {}),
    },
  };
  return { bundle, clusters, clusterGroups, mappings, namespaces };
}

describe('computeTargets: one row per rule of docs/fleet/targeting.md §4', () => {
  it('has at least 25 rows', () => {
    expect(TARGETING_CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(TARGETING_CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const input = inputOf(c);
    if (c.expect === 'error') {
      expect(() => computeTargets(input)).toThrow(TargetingError);
      return;
    }
    const got = computeTargets(input).map((m) =>
      m.cluster.metadata.namespace === 'ws' ? m.cluster.metadata.name : `other/${m.cluster.metadata.name}`,
    );
    expect(got.sort()).toEqual([...c.expect].sort());
    if (c.expectNamespace) {
      const byName = Object.fromEntries(
        computeTargets(input).map((m) => [m.cluster.metadata.name, m.options.defaultNamespace ?? '']),
      );
      expect(byName).toEqual(c.expectNamespace);
    }
  });
});

describe('mergeOptions (options.Merge)', () => {
  it('deep-merges maps, ORs booleans and replaces non-empty scalars', () => {
    expect(
      mergeOptions(
        { defaultNamespace: 'a', keepResources: true, helm: { values: { x: 1, y: { z: 1 } } } },
        { defaultNamespace: '', keepResources: false, helm: { values: { y: { w: 2 } } } },
      ),
    ).toEqual({ defaultNamespace: 'a', keepResources: true, helm: { values: { x: 1, y: { z: 1, w: 2 } } } });
    expect(mergeOptions({ namespace: 'a' }, { namespace: 'b' })).toEqual({ namespace: 'b' });
  });
});
