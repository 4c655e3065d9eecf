import { describe, expect, it } from 'vitest';
import type { GitTarget } from '../../apis/fleet.js';
import { ErrorCode } from '../../shared/errors.js';
import { bundleSpecWithGitTargets, customizationsOf, previewGitRepoRetarget } from './retarget.js';
import { aCluster, aDeployment, aGitRepo, aGitRepoBundle, aGroup, snapshotOf } from './testing.js';
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
});
