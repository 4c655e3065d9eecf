import { describe, expect, it } from 'vitest';
import type { BundleTarget, TargetCriteria } from '../../../apis/fleet.js';
import type { ClusterGroupRecord } from '../../store/records.js';
import { groupsOfCluster } from './groups.js';
import { BundleMatcher, isTargetingError } from './targeting.js';
import type { TargetingSpec } from './targeting.js';
import { aCluster, aGroup } from '../../../../test/support/fleet-builders.js';

const prod = aCluster({ name: 'prod-1', labels: { env: 'prod', region: 'eu' } });
const displayNamed = aCluster({
  name: 'c-m-abc123',
  labels: { 'management.cattle.io/cluster-display-name': 'frontend' },
});
const bare = aCluster({ name: 'bare' });

const euGroup = aGroup({ name: 'eu', labels: { region: 'eu' }, selector: { matchLabels: { region: 'eu' } } });
const allGroup = aGroup({ name: 'all', labels: { scope: 'all' }, selector: {} });
const groupsOfProd = groupsOfCluster(prod, [euGroup, allGroup]);

interface Row {
  rule: string;
  cluster?: typeof prod;
  groups?: ClusterGroupRecord[];
  targets: BundleTarget[];
  restrictions?: TargetCriteria[];
  mode?: 'FirstMatch' | 'AllMatches';
  matched: boolean;
  targetIndex?: number;
  group?: string;
  customizationIndex?: number;
  doNotDeploy?: boolean;
  reason: RegExp;
}

const rows: Row[] = [
  // docs/fleet/targeting.md §4.3 one criterion set
  {
    rule: 'docs/fleet/targeting.md §4.3 empty target {} has no criteria and matches nothing',
    targets: [{}],
    matched: false,
    reason: /no criteria/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 a target with only a name matches nothing',
    targets: [{ name: 'x' }],
    matched: false,
    reason: /"x" has no criteria/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterName equals metadata.name',
    targets: [{ clusterName: 'prod-1' }],
    matched: true,
    targetIndex: 0,
    reason: /Target targets\[0\] matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterName mismatch',
    targets: [{ clusterName: 'other' }],
    matched: false,
    reason: /clusterName "other" is neither/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterName matches the Rancher display-name label',
    cluster: displayNamed,
    targets: [{ clusterName: 'frontend' }],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector {} matches everything, even a cluster with no labels',
    cluster: bare,
    targets: [{ clusterSelector: {} }],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 null clusterSelector adds no criterion (target is empty)',
    targets: [{ clusterSelector: null }],
    matched: false,
    reason: /no criteria/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 matchLabels selects by label',
    targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 matchLabels and matchExpressions are ANDed',
    targets: [
      {
        clusterSelector: {
          matchLabels: { env: 'prod' },
          matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }],
        },
      },
    ],
    matched: false,
    reason: /clusterSelector "env=prod,region=us" does not match/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 NotIn matches when the key is absent',
    cluster: bare,
    targets: [
      { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } },
    ],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 DoesNotExist needs the key absent',
    targets: [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } }],
    matched: false,
    reason: /does not match/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 Exists needs the key present',
    targets: [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } }],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 all criteria must hold (AND): name ok, selector fails',
    targets: [{ clusterName: 'prod-1', clusterSelector: { matchLabels: { env: 'dev' } } }],
    matched: false,
    reason: /clusterSelector "env=dev"/,
  },
  // docs/fleet/targeting.md §4.4 groups
  {
    rule: 'docs/fleet/targeting.md §4.4 no group: clusterGroup criterion fails',
    cluster: bare,
    targets: [{ clusterGroup: 'eu' }],
    matched: false,
    reason: /in no cluster group/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 no group: clusterGroupSelector {} passes',
    cluster: bare,
    targets: [{ clusterGroupSelector: {} }],
    matched: true,
    targetIndex: 0,
    reason: /matches by clusterGroupSelector "\{\} \(everything\)", which holds on the empty labels/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 no group: non-empty clusterGroupSelector fails',
    cluster: bare,
    targets: [{ clusterGroupSelector: { matchLabels: { region: 'eu' } } }],
    matched: false,
    reason: /in no cluster group/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 clusterGroup matches a group the cluster is in',
    groups: groupsOfProd,
    targets: [{ clusterGroup: 'eu' }],
    matched: true,
    targetIndex: 0,
    group: 'eu',
    reason: /matches by cluster group "eu"\.$/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 clusterGroupSelector tests the group labels, not its selector',
    groups: groupsOfProd,
    targets: [{ clusterGroupSelector: { matchLabels: { scope: 'all' } } }],
    matched: true,
    targetIndex: 0,
    group: 'all',
    reason: /group "all"/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 group criteria must hold for the same group',
    groups: groupsOfProd,
    targets: [{ clusterGroup: 'eu', clusterGroupSelector: { matchLabels: { scope: 'all' } } }],
    matched: false,
    reason: /no cluster group of the cluster \(eu, all\) satisfies/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 clusterGroup plus a label the same group carries matches',
    groups: groupsOfProd,
    targets: [{ clusterGroup: 'eu', clusterGroupSelector: { matchLabels: { region: 'eu' } } }],
    matched: true,
    targetIndex: 0,
    group: 'eu',
    reason: /group "eu"/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 no group: clusterGroupSelector DoesNotExist holds on the empty group labels',
    cluster: bare,
    targets: [{ clusterGroupSelector: { matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] } }],
    matched: true,
    targetIndex: 0,
    reason: /matches by clusterGroupSelector "!region"/,
  },
  // docs/fleet/targeting.md §4.5 bundle-level choice
  {
    rule: 'docs/fleet/targeting.md §4.5 OR across targets; the first matching target wins',
    targets: [
      { name: 'dev', clusterSelector: { matchLabels: { env: 'dev' } } },
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
      { name: 'all', clusterSelector: {} },
    ],
    matched: true,
    targetIndex: 1,
    reason: /"prod" \(targets\[1\]\)/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 no targets at all',
    targets: [],
    matched: false,
    reason: /no deployment targets/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 restriction allow-list in the same group passes',
    groups: groupsOfProd,
    targets: [{ clusterGroup: 'eu' }],
    restrictions: [{ clusterGroup: 'eu' }],
    matched: true,
    targetIndex: 0,
    group: 'eu',
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 restrictions only narrow: target matches, no restriction does',
    targets: [{ clusterSelector: {} }],
    restrictions: [{ clusterName: 'other' }],
    matched: false,
    reason: /no targetRestriction allows/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 target in group A and restriction in group B fail together',
    groups: groupsOfProd,
    targets: [{ clusterGroup: 'eu' }],
    restrictions: [{ clusterGroup: 'all' }],
    matched: false,
    reason: /no targetRestriction/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 R restrictions: the first T−R targets are customizations',
    targets: [
      { name: 'custom', clusterSelector: { matchLabels: { env: 'prod' } } },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ name: 'git', clusterSelector: {} }],
    matched: true,
    targetIndex: 1,
    customizationIndex: 0,
    reason:
      /"git" \(targets\[1\]\) matches by clusterSelector "\{\} \(everything\)"; customization "custom" \(targets\[0\]\) replaces its options/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 customizations never add clusters',
    targets: [
      { name: 'custom', clusterSelector: {} },
      { name: 'git', clusterName: 'other' },
    ],
    restrictions: [{ name: 'git', clusterName: 'other' }],
    matched: false,
    reason: /Only customization "custom" .* never add clusters/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 R = 0: every target is a deployment target, none a customization',
    targets: [
      { name: 'a', clusterSelector: {} },
      { name: 'b', clusterSelector: {} },
    ],
    matched: true,
    targetIndex: 0,
    reason: /^Target "a" \(targets\[0\]\) matches by clusterSelector "\{\} \(everything\)"\.$/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 doNotDeploy on the matched deployment target skips the cluster',
    targets: [{ name: 'skip', clusterSelector: {}, doNotDeploy: true }],
    matched: false,
    targetIndex: 0,
    doNotDeploy: true,
    reason: /has doNotDeploy/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 doNotDeploy on a later target does not matter when an earlier one wins',
    targets: [{ clusterName: 'prod-1' }, { clusterSelector: {}, doNotDeploy: true }],
    matched: true,
    targetIndex: 0,
    reason: /matches/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 FirstMatch: first matching customization with doNotDeploy skips',
    targets: [
      { name: 'nope', clusterSelector: { matchLabels: { env: 'prod' } }, doNotDeploy: true },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ clusterSelector: {} }],
    matched: false,
    targetIndex: 1,
    customizationIndex: 0,
    doNotDeploy: true,
    reason: /customization "nope" .* has doNotDeploy/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 FirstMatch: a broader customization listed first hides a doNotDeploy one',
    targets: [
      { name: 'broad', clusterSelector: {} },
      { name: 'nope', clusterName: 'prod-1', doNotDeploy: true },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ clusterSelector: {} }],
    matched: true,
    targetIndex: 2,
    customizationIndex: 0,
    reason: /"broad"/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 AllMatches: any matching doNotDeploy customization skips',
    mode: 'AllMatches',
    targets: [
      { name: 'broad', clusterSelector: {} },
      { name: 'nope', clusterName: 'prod-1', doNotDeploy: true },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ clusterSelector: {} }],
    matched: false,
    targetIndex: 2,
    customizationIndex: 0,
    doNotDeploy: true,
    reason: /"nope" .* has doNotDeploy/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 AllMatches: every matching customization is merged in order',
    mode: 'AllMatches',
    targets: [
      { name: 'c1', clusterSelector: {} },
      { name: 'c2', clusterName: 'prod-1' },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ clusterSelector: {} }],
    matched: true,
    targetIndex: 2,
    customizationIndex: 0,
    reason: /"c1" \(targets\[0\]\), customization "c2" \(targets\[1\]\) are merged/,
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 customizations ignore restrictions',
    targets: [
      { name: 'custom', clusterName: 'prod-1' },
      { name: 'git', clusterSelector: {} },
    ],
    restrictions: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
    matched: true,
    targetIndex: 1,
    customizationIndex: 0,
    reason: /replaces its options/,
  },
];

// Rows name the Fleet rule: matcher/clustermatcher.go tries each criterion set once per group of
// the cluster (docs/fleet/targeting.md §4.4), but the match names only the criteria that took part: a target without a
// group criterion matches whatever group pass Fleet was in, so no group is named.
rows.push(
  {
    rule: 'clustermatcher.go: clusterName alone, cluster in groups: no group is named',
    groups: groupsOfProd,
    targets: [{ name: 'one', clusterName: 'prod-1' }],
    matched: true,
    targetIndex: 0,
    reason: /^Target "one" \(targets\[0\]\) matches by clusterName "prod-1"\.$/,
  },
  {
    rule: 'clustermatcher.go: clusterSelector alone, cluster in groups: no group is named',
    groups: groupsOfProd,
    targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
    matched: true,
    targetIndex: 0,
    reason: /^Target targets\[0\] matches by clusterSelector "env=prod"\.$/,
  },
  {
    rule: 'clustermatcher.go: clusterSelector and clusterGroup: both are named',
    groups: groupsOfProd,
    targets: [{ clusterSelector: { matchLabels: { env: 'prod' } }, clusterGroup: 'eu' }],
    matched: true,
    targetIndex: 0,
    group: 'eu',
    reason: /matches by clusterSelector "env=prod" and cluster group "eu"\.$/,
  },
  {
    rule: 'clustermatcher.go: clusterGroupSelector names the group whose labels matched',
    groups: groupsOfProd,
    targets: [{ clusterGroupSelector: { matchLabels: { scope: 'all' } } }],
    matched: true,
    targetIndex: 0,
    group: 'all',
    reason: /matches by cluster group "all" \(clusterGroupSelector "scope=all"\)\.$/,
  },
);

describe('BundleMatcher (docs/fleet/targeting.md §4.3–4.5)', () => {
  it.each(rows)('$rule', (row) => {
    const spec: TargetingSpec = {
      targets: row.targets,
      targetRestrictions: row.restrictions ?? [],
      targetCustomizationMode: row.mode ?? 'FirstMatch',
    };
    const m = BundleMatcher.compile(spec);
    if (isTargetingError(m)) throw new Error(m.message);
    const got = m.match(row.cluster ?? prod, row.groups ?? []);
    expect(got.matched).toBe(row.matched);
    expect(got.doNotDeploy).toBe(row.doNotDeploy ?? false);
    expect(got.targetIndex).toBe(row.targetIndex);
    expect(got.clusterGroup).toBe(row.group);
    expect(got.customizationIndex).toBe(row.customizationIndex);
    expect(got.reason).toMatch(row.reason);
  });

  it('docs/fleet/targeting.md §4.3 an invalid selector anywhere is the whole bundle targeting error, with field paths', () => {
    const m = BundleMatcher.compile({
      targets: [
        { clusterName: 'x' },
        { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } },
      ],
      targetRestrictions: [{ clusterGroupSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }],
      targetCustomizationMode: 'FirstMatch',
    });
    expect(isTargetingError(m)).toBe(true);
    if (!isTargetingError(m)) return;
    expect(m.message).toMatch(/^targeting error/);
    expect(m.problems.map((p) => p.field)).toEqual([
      'targets[1].clusterSelector.matchExpressions[0].operator',
      'targetRestrictions[0].clusterGroupSelector.matchExpressions[0].values',
    ]);
  });

  it('docs/fleet/targeting.md §4.3 Exists with values is invalid', () => {
    const m = BundleMatcher.compile({
      targets: [{ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }],
      targetRestrictions: [],
      targetCustomizationMode: 'FirstMatch',
    });
    expect(isTargetingError(m) && m.problems[0]?.field).toBe(
      'targets[0].clusterSelector.matchExpressions[0].values',
    );
  });
});
