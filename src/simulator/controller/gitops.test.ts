import { describe, expect, it } from 'vitest';
import type { GitRepo, GitTarget, TargetCriteria } from '../../apis/fleet.js';
import { targetsFromGitRepo } from './gitops.js';

function repoWith(targets: GitTarget[]): GitRepo {
  return {
    metadata: { name: 'r', namespace: 'fleet-default' },
    spec: { repo: 'https://example/r', targets },
  };
}

// Rows name the Fleet rule: gitops/reconciler/targetsyaml.go newTargetsConfigMap marshals the
// GitTargets with encoding/json, and the `omitempty` tags of BundleTarget/LabelSelector drop empty
// strings, empty maps and empty lists, while a non-nil but empty selector pointer stays `{}`.
describe('GitRepo targets as the job writes them into the Bundle', () => {
  it.each<[string, GitTarget, TargetCriteria]>([
    ['targetsyaml.go: clusterName "" is omitted', { name: 'a', clusterName: '' }, { name: 'a' }],
    ['targetsyaml.go: name "" is omitted', { name: '', clusterGroup: 'g' }, { clusterGroup: 'g' }],
    [
      'targetsyaml.go: matchLabels {} is omitted, the selector stays',
      { name: 'a', clusterSelector: { matchLabels: {} } },
      { name: 'a', clusterSelector: {} },
    ],
    [
      'targetsyaml.go: matchExpressions [] is omitted',
      { name: 'a', clusterGroupSelector: { matchLabels: { env: 'p' }, matchExpressions: [] } },
      { name: 'a', clusterGroupSelector: { matchLabels: { env: 'p' } } },
    ],
    [
      'targetsyaml.go: a requirement without values drops values []',
      { name: 'a', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists', values: [] }] } },
      { name: 'a', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } },
    ],
    [
      'targetsyaml.go: a null selector is omitted',
      { name: 'a', clusterSelector: null, clusterGroup: 'g' },
      { name: 'a', clusterGroup: 'g' },
    ],
    [
      'targetsyaml.go: an empty selector {} stays (it selects every cluster)',
      { name: 'a', clusterSelector: {} },
      { name: 'a', clusterSelector: {} },
    ],
  ])('%s', (_rule, target, want) => {
    const { targets, targetRestrictions } = targetsFromGitRepo(repoWith([target]));
    expect(targets).toStrictEqual([want]);
    expect(targetRestrictions).toStrictEqual([want]);
  });
});
