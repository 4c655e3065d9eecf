import { describe, expect, it } from 'vitest';
import type { Bundle, BundleTarget, Cluster, ClusterGroup } from '../../apis/fleet.js';
import type { KubeObject } from '../../apis/kube.js';
import { bundlesForCluster } from './bundles-for-cluster.js';
import type { FleetContext } from './context.js';

const cache = <T>(items: T[]) => ({ list: () => items });

function ctxOf(
  bundles: Bundle[],
  groups: ClusterGroup[] = [],
  mappings: KubeObject[] = [],
  namespaces: KubeObject[] = [],
) {
  return {
    caches: {
      bundles: cache(bundles),
      clusterGroups: cache(groups),
      mappings: cache(mappings),
      namespaces: cache(namespaces),
    },
  } as unknown as FleetContext;
}

const b = (
  name: string,
  targets: BundleTarget[],
  namespace = 'fleet-default',
  extra: Partial<Bundle['metadata']> = {},
): Bundle => ({
  metadata: { name, namespace, ...extra },
  spec: { targets },
});
const cluster: Cluster = {
  metadata: { name: 'c1', namespace: 'fleet-default', labels: { env: 'prod' } },
  spec: {},
};

// Rows name the Fleet rule: target/query.go BundlesForCluster (scope, then BundleMatch.Match).
describe('BundlesForCluster', () => {
  it.each<[string, Bundle[], { refresh: string[]; cleanup: string[] }]>([
    [
      'BundleMatch.Match: a selecting Bundle is refreshed, a non-selecting one cleaned up',
      [
        b('prod', [{ clusterSelector: { matchLabels: { env: 'prod' } } }]),
        b('dev', [{ clusterSelector: { matchLabels: { env: 'dev' } } }]),
      ],
      { refresh: ['prod'], cleanup: ['dev'] },
    ],
    [
      'BundleMatch.Match ignores doNotDeploy: the Bundle still relates to the cluster',
      [b('skip', [{ clusterName: 'c1', doNotDeploy: true }])],
      { refresh: ['skip'], cleanup: [] },
    ],
    [
      'getBundlesInScopeForCluster: a Bundle of another namespace, not mapped, is out of scope',
      [b('elsewhere', [{ clusterSelector: {} }], 'other-ws')],
      { refresh: [], cleanup: [] },
    ],
    [
      'getBundlesInScopeForCluster: agent bundles of other clusters are out of scope',
      [
        b('fleet-agent-c2', [{ clusterName: 'c2' }], 'fleet-default', {
          annotations: { 'objectset.rio.cattle.io/id': 'fleet-manage-agent' },
        }),
        b('fleet-agent-c1', [{ clusterName: 'c1' }], 'fleet-default', {
          annotations: { 'objectset.rio.cattle.io/id': 'fleet-manage-agent' },
        }),
      ],
      { refresh: ['fleet-agent-c1'], cleanup: [] },
    ],
    [
      'BundlesForCluster: a Bundle whose targets do not compile is ignored',
      [b('bad', [{ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Nope' }] } }])],
      { refresh: [], cleanup: [] },
    ],
  ])('%s', (_rule, bundles, want) => {
    const got = bundlesForCluster(ctxOf(bundles), cluster);
    expect({
      refresh: got.refresh.map((x) => x.metadata.name),
      cleanup: got.cleanup.map((x) => x.metadata.name),
    }).toEqual(want);
  });
});
