import { describe, expect, it } from 'vitest';
import type { GitTarget } from '../../../apis/fleet.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import { previewTargets, validateGitTargets } from './preview.js';
import {
  aCluster,
  aGroup,
  aMapping,
  aNamespace,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { FleetView } from './view.js';

const snap = snapshotOf([
  aCluster({ name: 'local', namespace: 'fleet-local', labels: { name: 'local' } }),
  aGroup({ name: 'default', namespace: 'fleet-local', selector: { matchLabels: { name: 'local' } } }),
  aCluster({ name: 'prod-eu', labels: { env: 'prod', region: 'eu' } }),
  aCluster({ name: 'prod-us', labels: { env: 'prod', region: 'us' } }),
  aCluster({ name: 'c-xyz', labels: { env: 'dev', 'management.cattle.io/cluster-display-name': 'dev-box' } }),
  aGroup({ name: 'eu', labels: { tier: 'gold' }, selector: { matchLabels: { region: 'eu' } } }),
  aGroup({ name: 'nobody', selector: null }),
  aCluster({ name: 'shared-1', namespace: 'shared' }),
  aNamespace({ name: 'shared', labels: { exported: 'yes' } }),
  aMapping({
    name: 'export-team',
    bundleSelector: { matchLabels: { team: 'one' } },
    namespaceSelector: { matchLabels: { exported: 'yes' } },
  }),
  aMapping({
    name: 'export-repo',
    bundleSelector: { matchLabels: { 'fleet.cattle.io/repo-name': 'shared-app' } },
    namespaceSelector: { matchLabels: { exported: 'yes' } },
  }),
]);
const view = new FleetView(snap);
const preview = (ns: string, targets: GitTarget[], labels?: Record<string, string>, name?: string) =>
  previewTargets(view, ns, targets, { name, labels }).map((p) => `${p.cluster.namespace}/${p.cluster.name}`);

describe('previewTargets (docs/fleet/targeting.md §4.1–4.5)', () => {
  const rows: {
    rule: string;
    ns?: string;
    targets: GitTarget[];
    labels?: Record<string, string>;
    name?: string;
    want: string[];
  }[] = [
    {
      rule: 'docs/fleet/targeting.md §4.1 empty list means clusterGroup default: fleet-local reaches local',
      ns: 'fleet-local',
      targets: [],
      want: ['fleet-local/local'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.1 empty list elsewhere reaches nothing without a default group',
      targets: [],
      want: [],
    },
    {
      rule: 'docs/fleet/targeting.md §4.1 a list of empty targets reaches nothing',
      targets: [{ name: 'x' }],
      want: [],
    },
    {
      rule: 'docs/fleet/targeting.md §4.3 {} selects every cluster of the workspace',
      targets: [{ clusterSelector: {} }],
      want: ['fleet-default/c-xyz', 'fleet-default/prod-eu', 'fleet-default/prod-us'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.3 selector by label',
      targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
      want: ['fleet-default/prod-eu', 'fleet-default/prod-us'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.3 clusterName by display name',
      targets: [{ clusterName: 'dev-box' }],
      want: ['fleet-default/c-xyz'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.4 clusterGroup',
      targets: [{ clusterGroup: 'eu' }],
      want: ['fleet-default/prod-eu'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.2 clusterGroupSelector tests group labels',
      targets: [{ clusterGroupSelector: { matchLabels: { tier: 'gold' } } }],
      want: ['fleet-default/prod-eu'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.2 a null-selector group has no members',
      targets: [{ clusterGroup: 'nobody' }],
      want: [],
    },
    {
      rule: 'docs/fleet/targeting.md §4.5 OR across targets',
      targets: [{ clusterName: 'prod-us' }, { clusterGroup: 'eu' }],
      want: ['fleet-default/prod-eu', 'fleet-default/prod-us'],
    },
    {
      rule: 'docs/fleet/targeting.md §4.2 mapped namespaces are candidates when the labels match',
      targets: [{ clusterSelector: {} }],
      labels: { team: 'one' },
      want: ['fleet-default/c-xyz', 'fleet-default/prod-eu', 'fleet-default/prod-us', 'shared/shared-1'],
    },
    {
      rule: 'gitops/reconciler/gitjob.go: Bundles carry repo-name, which a mapping may select on',
      targets: [{ clusterSelector: {} }],
      name: 'shared-app',
      want: ['fleet-default/c-xyz', 'fleet-default/prod-eu', 'fleet-default/prod-us', 'shared/shared-1'],
    },
    {
      rule: 'gitops/reconciler/gitjob.go: repo-name is the GitRepo name, whatever its labels say',
      targets: [{ clusterSelector: {} }],
      name: 'other-app',
      labels: { 'fleet.cattle.io/repo-name': 'shared-app' },
      want: ['fleet-default/c-xyz', 'fleet-default/prod-eu', 'fleet-default/prod-us'],
    },
  ];
  it.each(rows)('$rule', ({ ns, targets, labels, name, want }) =>
    expect(preview(ns ?? 'fleet-default', targets, labels, name)).toEqual(want),
  );

  it('reports the matching target for each cluster', () => {
    const [first] = previewTargets(view, 'fleet-default', [{ name: 'eu', clusterGroup: 'eu' }]);
    expect(first?.match).toMatchObject({
      matched: true,
      targetIndex: 0,
      targetName: 'eu',
      clusterGroup: 'eu',
    });
  });

  it('throws INVALID_SELECTOR with field paths for a bad selector', () => {
    const bad: GitTarget[] = [
      { clusterName: 'a' },
      { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] } },
    ];
    const err = (() => {
      try {
        previewTargets(view, 'fleet-default', bad);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FleetGraphError);
    expect((err as FleetGraphError).code).toBe(ErrorCode.INVALID_SELECTOR);
    expect((err as FleetGraphError).details.problems?.[0]?.field).toBe(
      'targets[1].clusterSelector.matchExpressions[0].operator',
    );
  });

  it('throws INVALID_TARGET for a bad group name', () => {
    expect(() => previewTargets(view, 'fleet-default', [{ clusterGroup: 'Not_Valid' }])).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TARGET }),
    );
  });
});

describe('validateGitTargets', () => {
  const rows: { rule: string; targets: GitTarget[]; problems?: string[]; warning?: RegExp }[] = [
    {
      rule: 'valid targets have no problems or warnings',
      targets: [{ name: 'a', clusterSelector: { matchLabels: { env: 'prod' } } }],
      problems: [],
    },
    {
      rule: 'an empty list warns about the default group',
      targets: [],
      problems: [],
      warning: /default target/,
    },
    {
      rule: 'an empty target warns it matches nothing',
      targets: [{}],
      problems: [],
      warning: /targets\[0\] has no criteria/,
    },
    {
      rule: '{} clusterSelector warns it selects everything',
      targets: [{ clusterSelector: {} }],
      problems: [],
      warning: /selects every cluster/,
    },
    {
      rule: 'duplicate criteria warn',
      targets: [{ clusterName: 'a' }, { clusterName: 'a' }],
      problems: [],
      warning: /same criteria as targets\[0\]/,
    },
    {
      rule: 'duplicate names are problems',
      targets: [
        { name: 'x', clusterName: 'a' },
        { name: 'x', clusterName: 'b' },
      ],
      problems: ['targets[1].name'],
    },
    {
      rule: 'In without values',
      targets: [{ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }],
      problems: ['targets[0].clusterSelector.matchExpressions[0].values'],
    },
    {
      rule: 'Exists with values',
      targets: [
        { clusterGroupSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] } },
      ],
      problems: ['targets[0].clusterGroupSelector.matchExpressions[0].values'],
    },
    {
      rule: 'an invalid label key',
      targets: [{ clusterSelector: { matchLabels: { 'bad key': 'x' } } }],
      problems: ['targets[0].clusterSelector.matchLabels'],
    },
    {
      rule: 'doNotDeploy is not a GitTarget field',
      targets: [{ clusterName: 'a', doNotDeploy: true } as GitTarget],
      problems: ['targets[0].doNotDeploy'],
    },
    {
      rule: 'an invalid clusterName',
      targets: [{ clusterName: 'not a name!' }],
      problems: ['targets[0].clusterName'],
    },
  ];
  it.each(rows)('$rule', ({ targets, problems, warning }) => {
    const v = validateGitTargets(targets);
    expect(v.problems.map((p) => p.field)).toEqual(problems ?? []);
    if (warning) expect(v.warnings.join('\n')).toMatch(warning);
    else expect(v.warnings).toEqual([]);
  });
});
