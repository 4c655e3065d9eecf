import { describe, expect, it } from 'vitest';
import type { BundleDependsOn, BundleDeployment } from '../../apis/fleet.js';
import { unmetDependencies } from './agent.js';

const NS = 'cluster-fleet-default-c1';

function bd(
  name: string,
  opts: { state?: 'Ready' | 'NotReady'; labels?: Record<string, string>; dependsOn?: BundleDependsOn[] } = {},
): BundleDeployment {
  return {
    metadata: {
      name,
      namespace: NS,
      labels: {
        ...opts.labels,
        'fleet.cattle.io/bundle-name': name,
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
      },
    },
    spec: { deploymentID: 'a', stagedDeploymentID: 'a', dependsOn: opts.dependsOn ?? [] },
    status: { appliedDeploymentID: 'a', ready: opts.state !== 'NotReady', nonModified: true },
  };
}

// Rows name the Fleet rule: agent/deployer/deployer.go checkDependency lists every BD in the
// cluster namespace that the selector matches, the dependent itself included, after
// metav1.AddLabelToSelector wrote bundle-name/bundle-namespace for `name` into matchLabels.
describe('simulated agent checkDependency', () => {
  it.each<[string, BundleDependsOn, BundleDeployment[], string[]]>([
    [
      'checkDependency: the dependent matches its own selector and is not Ready, so it waits on itself',
      { selector: { matchLabels: { tier: 'data' } } },
      [bd('db', { labels: { tier: 'data' } })],
      ['web'],
    ],
    [
      'AddLabelToSelector: name replaces the bundle-name the selector sets',
      { name: 'db', selector: { matchLabels: { 'fleet.cattle.io/bundle-name': 'cache' } } },
      [bd('db', { state: 'NotReady' }), bd('cache')],
      ['db'],
    ],
    ['checkDependency: no match at all is unmet', { name: 'missing' }, [bd('db')], ['missing']],
  ])('%s', (_rule, dep, others, want) => {
    const web = bd('web', { state: 'NotReady', labels: { tier: 'data' }, dependsOn: [dep] });
    expect(unmetDependencies(web, [web, ...others])).toEqual(want);
  });
});
