import { describe, expect, it } from 'vitest';
import type { GitTarget } from '../../../apis/fleet.js';
import { ErrorCode } from '../../../shared/errors.js';
import type { TargetCriteria } from '../../../apis/fleet.js';
import { bundleSpecWithGitTargets, customizationsOf } from './carried-targets.js';
import { previewGitRepoRetarget } from './retarget.js';
import { sameCriteria } from './target-lists.js';
import {
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { FleetView } from './view.js';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const qa = aCluster({ name: 'qa', labels: { env: 'qa' } });
const prodTargets: GitTarget[] = [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }];
const repo = aGitRepo({ name: 'app', targets: prodTargets });
const web = aGitRepoBundle({
  name: 'app-web',
  repoName: 'app',
  gitTargets: prodTargets,
  customizations: [{ name: 'no-qa', clusterName: 'qa', doNotDeploy: true }],
});
const pinned = aGitRepoBundle({ name: 'app-pinned', repoName: 'app', gitTargets: [{ clusterName: 'dev' }] });
const view = new FleetView(
  snapshotOf([
    prod,
    dev,
    qa,
    repo,
    web,
    pinned,
    aDeployment({ bundle: web, cluster: prod }),
    aDeployment({ bundle: pinned, cluster: dev }),
  ]),
);
const names = (cs: readonly { name: string }[]) => cs.map((c) => c.name);

describe('retarget preview (docs/fleet/targeting.md §4.1, docs/fleet/lifecycle.md §6.1)', () => {
  it('keeps fleet.yaml customizations ahead of the new GitRepo targets', () => {
    expect(customizationsOf(web).map((t) => t.name)).toEqual(['no-qa']);
    const spec = bundleSpecWithGitTargets(web, [{ clusterSelector: {} }]);
    expect(spec.targets.map((t) => t.name ?? '')).toEqual(['no-qa', '']);
    expect(spec.targetRestrictions).toEqual([{ clusterSelector: {} }]);
  });

  it('reports added, removed and unchanged clusters per Bundle; customizations still apply', () => {
    const [pinnedPlan, webPlan] = previewGitRepoRetarget(view, repo, [{ clusterSelector: {} }]);
    expect(webPlan?.bundle.name).toBe('app-web');
    expect(names(webPlan!.added)).toEqual(['dev']); // qa is excluded by the doNotDeploy customization
    expect(names(webPlan!.removed)).toEqual([]);
    expect(names(webPlan!.unchanged)).toEqual(['prod']);
    expect(pinnedPlan?.overridden).toBe(true); // fleet.yaml overrideTargets: its restrictions differ
    expect(names(pinnedPlan!.added)).toEqual([]);
  });

  it('removes clusters no longer selected', () => {
    const webPlan = previewGitRepoRetarget(view, repo, [
      { clusterSelector: { matchLabels: { env: 'dev' } } },
    ])[1]!;
    expect([names(webPlan.added), names(webPlan.removed)]).toEqual([['dev'], ['prod']]);
  });

  it('an empty list means the default group (docs/fleet/targeting.md §4.1)', () => {
    const withDefault = new FleetView(
      snapshotOf([
        prod,
        dev,
        repo,
        web,
        aGroup({ name: 'default', selector: { matchLabels: { env: 'dev' } } }),
      ]),
    );
    const [webPlan] = previewGitRepoRetarget(withDefault, repo, []);
    expect(names(webPlan!.after.map((a) => a.cluster))).toEqual(['dev']);
    expect(webPlan!.after[0]?.match.clusterGroup).toBe('default');
  });

  it('a GitRepo whose new generation Fleet has not applied yet is not taken for an override', () => {
    const editing = { ...repo, generation: 2, targets: [{ clusterSelector: {} }] };
    expect(previewGitRepoRetarget(view, editing, [{ clusterSelector: {} }]).every((p) => !p.overridden)).toBe(
      true,
    );
  });

  it('invalid targets throw with field paths', () => {
    expect(() =>
      previewGitRepoRetarget(view, repo, [{ clusterSelector: { matchLabels: { 'a b': 'x' } } }]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_SELECTOR }));
  });

  // Rows name the Fleet rule: gitops/reconciler/targetsyaml.go marshals GitRepo targets with
  // encoding/json, whose omitempty drops "" strings and empty selector parts; the Bundle therefore
  // holds the canonical form while the GitRepo may keep the spelling its author wrote.
  it.each<[string, TargetCriteria, TargetCriteria, boolean]>([
    ['targetsyaml.go: clusterName "" is no criterion', { name: 'p', clusterName: '' }, { name: 'p' }, true],
    [
      'targetsyaml.go: matchLabels {} is omitted',
      { clusterSelector: { matchLabels: {} } },
      { clusterSelector: {} },
      true,
    ],
    [
      'targetsyaml.go: matchExpressions [] and values [] are omitted',
      { clusterGroupSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: [] }] } },
      { clusterGroupSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
      true,
    ],
    [
      'LabelSelector: matchLabels is a map, its key order is no difference',
      { clusterSelector: { matchLabels: { a: '1', b: '2' } } },
      { clusterSelector: { matchLabels: { b: '2', a: '1' } } },
      true,
    ],
    [
      'targetsyaml.go: an empty selector is kept and differs from none',
      { name: 'p', clusterSelector: {} },
      { name: 'p' },
      false,
    ],
  ])('%s', (_rule, gitTarget, written, same) => {
    expect(sameCriteria([gitTarget], [written])).toBe(same);
  });

  it('a GitRepo spelling its targets non-canonically is not taken for a fleet.yaml override', () => {
    // The GitRepo says `clusterName: ""` and `matchLabels: {}`; the Bundle holds what Fleet wrote.
    const spelled: GitTarget[] = [
      { name: 'prod', clusterName: '', clusterSelector: { matchLabels: { env: 'prod' } } },
    ];
    const written: GitTarget[] = [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }];
    const r = aGitRepo({ name: 'spelled', targets: spelled });
    const b = aGitRepoBundle({ name: 'spelled', repoName: 'spelled', gitTargets: written });
    const v = new FleetView(snapshotOf([prod, dev, r, b, aDeployment({ bundle: b, cluster: prod })]));
    const [plan] = previewGitRepoRetarget(v, r, [{ clusterSelector: { matchLabels: {} } }]);
    expect(plan?.overridden).toBe(false);
    expect(names(plan!.added)).toEqual(['dev']);
  });
});
