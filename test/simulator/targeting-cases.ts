/**
 * One row per targeting rule of docs/fleet/targeting.md §4. Shared by the pure unit test beside
 * src/simulator/controller/targeting.ts and the end-to-end test through the emulator's API.
 *
 * Namespaces are written as the tokens `ws` (the bundle's workspace) and `other` (a second
 * workspace); the end-to-end test renames them per row so rows cannot see each other.
 */
import type { BundleTarget, TargetCriteria } from '../../src/apis/fleet.js';
import type { LabelSelector } from '../../src/apis/selector.js';

export interface CaseCluster {
  name: string;
  namespace?: 'ws' | 'other';
  labels?: Record<string, string>;
}

export interface CaseGroup {
  name: string;
  namespace?: 'ws' | 'other';
  labels?: Record<string, string>;
  selector: LabelSelector | null;
}

export interface CaseMapping {
  name: string;
  /** Where the mapping lives; Fleet only honours mappings in the bundle's namespace. */
  namespace?: 'ws' | 'other';
  bundleSelector: LabelSelector | null;
  namespaceSelector: LabelSelector | null;
}

export interface TargetingCase {
  rule: string;
  clusters: CaseCluster[];
  groups?: CaseGroup[];
  mappings?: CaseMapping[];
  /** Labels on the `other` namespace object. */
  otherNamespaceLabels?: Record<string, string>;
  bundleLabels?: Record<string, string>;
  targets: BundleTarget[];
  restrictions?: TargetCriteria[];
  mode?: 'FirstMatch' | 'AllMatches';
  /** Expected clusters with a BD, as `name` (in ws) or `other/name`; or 'error' for a targeting error. */
  expect: string[] | 'error';
  /** Expected `defaultNamespace` of the chosen options, per expected cluster. */
  expectNamespace?: Record<string, string>;
}

const three: CaseCluster[] = [
  { name: 'a', labels: { env: 'prod', region: 'eu' } },
  { name: 'b', labels: { env: 'dev', region: 'eu' } },
  { name: 'c', labels: { env: 'prod', region: 'us' } },
];

export const TARGETING_CASES: TargetingCase[] = [
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterName matches metadata.name',
    clusters: three,
    targets: [{ name: 't', clusterName: 'b' }],
    expect: ['b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterName also matches the Rancher display-name label',
    clusters: [
      { name: 'c-x1', labels: { 'management.cattle.io/cluster-display-name': 'pretty' } },
      { name: 'c-x2' },
    ],
    targets: [{ name: 't', clusterName: 'pretty' }],
    expect: ['c-x1'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector matchLabels',
    clusters: three,
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector In',
    clusters: three,
    targets: [
      {
        name: 't',
        clusterSelector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['us', 'ap'] }] },
      },
    ],
    expect: ['c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector NotIn matches clusters without the key',
    clusters: [...three, { name: 'd' }],
    targets: [
      {
        name: 't',
        clusterSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      },
    ],
    expect: ['b', 'd'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector Exists',
    clusters: [...three, { name: 'd' }],
    targets: [{ name: 't', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } }],
    expect: ['a', 'b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 clusterSelector DoesNotExist',
    clusters: [...three, { name: 'd' }],
    targets: [
      { name: 't', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } },
    ],
    expect: ['d'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 matchLabels and matchExpressions are ANDed',
    clusters: three,
    targets: [
      {
        name: 't',
        clusterSelector: {
          matchLabels: { env: 'prod' },
          matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }],
        },
      },
    ],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 an empty selector {} matches every cluster, even unlabelled ones',
    clusters: [...three, { name: 'd' }],
    targets: [{ name: 't', clusterSelector: {} }],
    expect: ['a', 'b', 'c', 'd'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 a target without criteria matches nothing',
    clusters: three,
    targets: [{ name: 't' }],
    expect: [],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 a null selector adds no criterion',
    clusters: three,
    targets: [{ name: 't', clusterName: 'a', clusterSelector: null }],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 all criteria of one target must hold (AND)',
    clusters: three,
    targets: [{ name: 't', clusterName: 'a', clusterSelector: { matchLabels: { env: 'dev' } } }],
    expect: [],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 targets are ORed',
    clusters: three,
    targets: [
      { name: 't1', clusterName: 'a' },
      { name: 't2', clusterSelector: { matchLabels: { env: 'dev' } } },
    ],
    expect: ['a', 'b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 an invalid operator is a targeting error',
    clusters: three,
    targets: [
      {
        name: 't',
        clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] },
      },
    ],
    expect: 'error',
  },
  {
    rule: 'docs/fleet/targeting.md §4.3 In without values is a targeting error',
    clusters: three,
    targets: [
      { name: 't', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] } },
    ],
    expect: 'error',
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 clusterGroup selects the members of a group',
    clusters: three,
    groups: [{ name: 'eu', selector: { matchLabels: { region: 'eu' } } }],
    targets: [{ name: 't', clusterGroup: 'eu' }],
    expect: ['a', 'b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a group with a null selector has no members',
    clusters: three,
    groups: [{ name: 'none', selector: null }],
    targets: [{ name: 't', clusterGroup: 'none' }],
    expect: [],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a group with selector {} contains every cluster of its namespace',
    clusters: [...three, { name: 'x', namespace: 'other' }],
    groups: [{ name: 'all', selector: {} }],
    mappings: [{ name: 'm', bundleSelector: {}, namespaceSelector: {} }],
    targets: [{ name: 't', clusterGroup: 'all' }],
    expect: ['a', 'b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a group with an invalid selector is skipped, not an error',
    clusters: three,
    groups: [{ name: 'bad', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] } }],
    targets: [
      { name: 't1', clusterGroup: 'bad' },
      { name: 't2', clusterName: 'c' },
    ],
    expect: ['c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 clusterGroupSelector tests the group’s own labels, not its selector',
    clusters: three,
    groups: [
      { name: 'g-eu', labels: { tier: 'gold' }, selector: { matchLabels: { region: 'eu' } } },
      { name: 'g-us', labels: { tier: 'silver' }, selector: { matchLabels: { region: 'us' } } },
    ],
    targets: [{ name: 't', clusterGroupSelector: { matchLabels: { tier: 'gold' } } }],
    expect: ['a', 'b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 clusterGroupSelector {} passes even for clusters in no group',
    clusters: three,
    targets: [{ name: 't', clusterGroupSelector: {} }],
    expect: ['a', 'b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 a non-empty clusterGroupSelector fails for clusters in no group',
    clusters: three,
    groups: [{ name: 'g', labels: { tier: 'gold' }, selector: { matchLabels: { env: 'dev' } } }],
    targets: [
      { name: 't', clusterGroupSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } },
    ],
    expect: ['b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.4 group criteria must hold for the same group',
    clusters: three,
    groups: [
      { name: 'group-a', labels: { region: 'x' }, selector: { matchLabels: { env: 'prod' } } },
      { name: 'group-b', labels: { region: 'eu' }, selector: { matchLabels: { env: 'prod' } } },
    ],
    targets: [
      { name: 't', clusterGroup: 'group-a', clusterGroupSelector: { matchLabels: { region: 'eu' } } },
    ],
    expect: [],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 group membership is limited to the group’s own namespace',
    clusters: [{ name: 'a' }, { name: 'x', namespace: 'other' }],
    groups: [{ name: 'g', namespace: 'other', selector: {} }],
    mappings: [{ name: 'm', bundleSelector: {}, namespaceSelector: {} }],
    targets: [{ name: 't', clusterGroup: 'g' }],
    expect: ['other/x'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 clusters in other namespaces are not candidates without a mapping',
    clusters: [
      { name: 'a', labels: { env: 'prod' } },
      { name: 'x', namespace: 'other', labels: { env: 'prod' } },
    ],
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a BundleNamespaceMapping adds the namespaces it selects',
    clusters: [
      { name: 'a', labels: { env: 'prod' } },
      { name: 'x', namespace: 'other', labels: { env: 'prod' } },
    ],
    otherNamespaceLabels: { shared: 'yes' },
    mappings: [
      {
        name: 'm',
        bundleSelector: { matchLabels: { app: 'web' } },
        namespaceSelector: { matchLabels: { shared: 'yes' } },
      },
    ],
    bundleLabels: { app: 'web' },
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a', 'other/x'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a mapping whose bundleSelector does not match the bundle adds nothing',
    clusters: [
      { name: 'a', labels: { env: 'prod' } },
      { name: 'x', namespace: 'other', labels: { env: 'prod' } },
    ],
    mappings: [{ name: 'm', bundleSelector: { matchLabels: { app: 'db' } }, namespaceSelector: {} }],
    bundleLabels: { app: 'web' },
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a mapping with a null selector never matches',
    clusters: [
      { name: 'a', labels: { env: 'prod' } },
      { name: 'x', namespace: 'other', labels: { env: 'prod' } },
    ],
    mappings: [{ name: 'm', bundleSelector: {}, namespaceSelector: null }],
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a mapping outside the bundle’s namespace is ignored',
    clusters: [
      { name: 'a', labels: { env: 'prod' } },
      { name: 'x', namespace: 'other', labels: { env: 'prod' } },
    ],
    mappings: [{ name: 'm', namespace: 'other', bundleSelector: {}, namespaceSelector: {} }],
    targets: [{ name: 't', clusterSelector: { matchLabels: { env: 'prod' } } }],
    expect: ['a'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.2 a mapping can select a namespace by kubernetes.io/metadata.name',
    clusters: [{ name: 'x', namespace: 'other', labels: { env: 'prod' } }],
    mappings: [
      {
        name: 'm',
        bundleSelector: {},
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }] },
      },
    ],
    targets: [{ name: 't', clusterSelector: {} }],
    expect: ['other/x'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 restrictions narrow: a target outside every restriction deploys nowhere',
    clusters: three,
    targets: [{ name: 't', clusterSelector: {} }],
    restrictions: [{ name: 'r', clusterSelector: { matchLabels: { region: 'eu' } } }],
    expect: ['a', 'b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 restriction and target are checked in the same group pass',
    clusters: [{ name: 'a', labels: { x: '1' } }],
    groups: [
      { name: 'group-a', selector: {} },
      { name: 'group-b', selector: {} },
    ],
    targets: [{ name: 't', clusterGroup: 'group-a' }],
    restrictions: [{ name: 'r', clusterGroup: 'group-b' }],
    expect: [],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 doNotDeploy on the matched deployment target skips the cluster',
    clusters: three,
    targets: [
      { name: 'skip', clusterName: 'a', doNotDeploy: true },
      { name: 'all', clusterSelector: {} },
    ],
    expect: ['b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 the first matching target supplies the options',
    clusters: three,
    targets: [
      { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } }, defaultNamespace: 'eu-ns' },
      { name: 'all', clusterSelector: {}, defaultNamespace: 'all-ns' },
    ],
    expect: ['a', 'b', 'c'],
    expectNamespace: { a: 'eu-ns', b: 'eu-ns', c: 'all-ns' },
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 customizations never add clusters',
    clusters: three,
    targets: [
      { name: 'cust', clusterName: 'c', defaultNamespace: 'custom' },
      { name: 'gitrepo', clusterSelector: { matchLabels: { region: 'eu' } } },
    ],
    restrictions: [{ name: 'gitrepo', clusterSelector: { matchLabels: { region: 'eu' } } }],
    expect: ['a', 'b'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 FirstMatch: the first matching customization replaces the options',
    clusters: three,
    targets: [
      { name: 'c1', clusterSelector: { matchLabels: { env: 'prod' } }, defaultNamespace: 'prod-ns' },
      { name: 'c2', clusterName: 'a', defaultNamespace: 'a-ns' },
      { name: 'gitrepo', clusterSelector: {}, defaultNamespace: 'base' },
    ],
    restrictions: [{ name: 'gitrepo', clusterSelector: {} }],
    expect: ['a', 'b', 'c'],
    expectNamespace: { a: 'prod-ns', b: 'base', c: 'prod-ns' },
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 FirstMatch: a broader customization before a doNotDeploy one hides it',
    clusters: three,
    targets: [
      { name: 'c1', clusterSelector: { matchLabels: { env: 'prod' } }, defaultNamespace: 'prod-ns' },
      { name: 'c2', clusterName: 'a', doNotDeploy: true },
      { name: 'gitrepo', clusterSelector: {} },
    ],
    restrictions: [{ name: 'gitrepo', clusterSelector: {} }],
    expect: ['a', 'b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 FirstMatch: a matching doNotDeploy customization skips the cluster',
    clusters: three,
    targets: [
      { name: 'c1', clusterName: 'a', doNotDeploy: true },
      { name: 'gitrepo', clusterSelector: {} },
    ],
    restrictions: [{ name: 'gitrepo', clusterSelector: {} }],
    expect: ['b', 'c'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.5 AllMatches: any matching doNotDeploy customization skips the cluster',
    clusters: three,
    mode: 'AllMatches',
    targets: [
      { name: 'c1', clusterSelector: { matchLabels: { env: 'prod' } }, defaultNamespace: 'prod-ns' },
      { name: 'c2', clusterName: 'a', doNotDeploy: true },
      { name: 'gitrepo', clusterSelector: {} },
    ],
    restrictions: [{ name: 'gitrepo', clusterSelector: {} }],
    expect: ['b', 'c'],
    expectNamespace: { b: '', c: 'prod-ns' },
  },
  {
    rule: 'docs/fleet/targeting.md §4.1 the default target (clusterGroup default) selects the default group',
    clusters: [{ name: 'local', labels: { name: 'local' } }, { name: 'other-cluster' }],
    groups: [{ name: 'default', selector: { matchLabels: { name: 'local' } } }],
    targets: [{ name: 'default', clusterGroup: 'default' }],
    restrictions: [{ name: 'default', clusterGroup: 'default' }],
    expect: ['local'],
  },
  {
    rule: 'docs/fleet/targeting.md §4.1 the default target deploys nowhere when the workspace has no default group',
    clusters: three,
    targets: [{ name: 'default', clusterGroup: 'default' }],
    restrictions: [{ name: 'default', clusterGroup: 'default' }],
    expect: [],
  },
];
