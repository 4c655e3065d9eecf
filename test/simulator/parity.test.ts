/**
 * The simulator and the gateway read Fleet's targeting rules (docs/fleet/targeting.md §4) independently.
 * This runs both over the same table and demands the same answer for every row, so a mistake in
 * either reading shows up as a disagreement.
 */
import { describe, expect, it } from 'vitest';
import type {
  Bundle,
  BundleNamespaceMapping,
  Cluster,
  ClusterGroup,
  Namespace,
} from '../../src/apis/fleet.js';
import {
  BundleMatcher as GatewayMatcher,
  isTargetingError,
} from '../../src/gateway/fleet/rules/targeting.js';
import { aCluster, aGroup, aMapping, aNamespace, snapshotOf } from '../support/fleet-builders.js';
import { FleetView } from '../../src/gateway/fleet/rules/view.js';
import { computeTargets, TargetingError } from '../../src/simulator/controller/targeting.js';
import { TARGETING_CASES, type TargetingCase } from './targeting-cases.js';

const NS = { ws: 'ws', other: 'other' } as const;

function simulatorAnswer(c: TargetingCase): string[] | 'error' {
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
      targetRestrictions: c.restrictions ?? [],
      targetCustomizationMode: c.mode ?? 'FirstMatch',
    },
  };
  try {
    return computeTargets({ bundle, clusters, clusterGroups, mappings, namespaces })
      .map((m) => `${m.cluster.metadata.namespace}/${m.cluster.metadata.name}`)
      .sort();
  } catch (e) {
    if (e instanceof TargetingError) return 'error';
    throw e;
  }
}

function gatewayAnswer(c: TargetingCase): string[] | 'error' {
  const spec = {
    targets: c.targets,
    targetRestrictions: c.restrictions ?? [],
    targetCustomizationMode: c.mode ?? ('FirstMatch' as const),
  };
  if (isTargetingError(GatewayMatcher.compile(spec))) return 'error';
  const snapshot = snapshotOf([
    aNamespace({ name: 'ws' }),
    aNamespace({ name: 'other', labels: c.otherNamespaceLabels ?? {} }),
    ...c.clusters.map((x) =>
      aCluster({ name: x.name, namespace: NS[x.namespace ?? 'ws'], labels: x.labels ?? {} }),
    ),
    ...(c.groups ?? []).map((g) =>
      aGroup({
        name: g.name,
        namespace: NS[g.namespace ?? 'ws'],
        labels: g.labels ?? {},
        selector: g.selector,
      }),
    ),
    ...(c.mappings ?? []).map((m) =>
      aMapping({
        name: m.name,
        namespace: NS[m.namespace ?? 'ws'],
        bundleSelector: m.bundleSelector,
        namespaceSelector: m.namespaceSelector,
      }),
    ),
  ]);
  return new FleetView(snapshot)
    .preview({ ...spec, namespace: 'ws', labels: c.bundleLabels ?? {} })
    .map((p) => `${p.cluster.namespace}/${p.cluster.name}`)
    .sort();
}

describe('simulator and gateway agree on every targeting rule of docs/fleet/targeting.md §4', () => {
  it.each(TARGETING_CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const sim = simulatorAnswer(c);
    expect(gatewayAnswer(c)).toEqual(sim);
    // And both agree with the table.
    const want =
      c.expect === 'error' ? 'error' : c.expect.map((x) => (x.startsWith('other/') ? x : `ws/${x}`)).sort();
    expect(sim).toEqual(want);
  });
});
