/**
 * The targets a GitRepo carries into its Bundles (docs/fleet/targeting.md §4.1): the effective
 * GitRepo targets, the targeting `fleet apply` writes for a Bundle from them, and whether a
 * Bundle carries them already or overrides them. Used by retarget previews and plans, by prune
 * (which judges only Bundles that carry the current targets) and by the retarget latency
 * histogram (which waits until every Bundle does).
 *
 * Fleet source followed: `internal/cmd/controller/gitops/reconciler/targetsyaml.go`
 * (`newTargetsConfigMap`: each GitTarget becomes a target and a restriction; the default target
 * for an empty list) and `internal/bundlereader/read.go` (the fleet.yaml targets and
 * customizations go first; `overrideTargets` replaces the GitRepo's).
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type { BundleRecord, GitRepoRecord } from '../../store/records.js';
import { DEFAULT_GIT_TARGET } from './preview.js';
import { sameCriteria } from './target-lists.js';
import type { TargetingSpec } from './targeting.js';

/** docs/fleet/targeting.md §4.1: the GitRepo targets as Fleet uses them (the default target when the list is empty). */
export function effectiveGitTargets(targets: readonly GitTarget[]): readonly GitTarget[] {
  return targets.length > 0 ? targets : [DEFAULT_GIT_TARGET];
}

/**
 * docs/fleet/targeting.md §4.5 by position: the first T−R targets of a Bundle with R > 0 restrictions are its fleet.yaml
 * customizations; `fleet apply` keeps them ahead of the GitRepo targets.
 */
export function customizationsOf(bundle: BundleRecord): BundleRecord['targets'] {
  const r = bundle.targetRestrictions.length;
  return r > 0 ? bundle.targets.slice(0, Math.max(0, bundle.targets.length - r)) : [];
}

/** The targeting `fleet apply` would write for this Bundle with the GitRepo targets `gitTargets` (docs/fleet/targeting.md §4.1). */
export function bundleSpecWithGitTargets(
  bundle: BundleRecord,
  gitTargets: readonly GitTarget[],
): TargetingSpec {
  const effective = effectiveGitTargets(gitTargets);
  return {
    targets: [...customizationsOf(bundle), ...effective],
    targetRestrictions: effective,
    targetCustomizationMode: bundle.targetCustomizationMode,
  };
}

/**
 * True when the Bundle's restrictions are not the GitRepo's current targets although Fleet has
 * observed the GitRepo's latest generation: fleet.yaml `overrideTargets` replaced them (docs/fleet/targeting.md §4.1), so
 * editing the GitRepo's targets does not change this Bundle.
 */
export function overridesGitRepoTargets(bundle: BundleRecord, repo: GitRepoRecord): boolean {
  const applied = repo.generation === repo.status.observedGeneration;
  return applied && !sameCriteria(bundle.targetRestrictions, effectiveGitTargets(repo.targets));
}

/**
 * True when `fleet apply` has written the GitRepo's current targets into this Bundle (docs/fleet/targeting.md §4.1):
 * customizations followed by the GitRepo targets, restrictions equal to them. A Bundle with
 * fleet.yaml `overrideTargets` keeps its own and counts as carrying them once Fleet observed the
 * GitRepo's generation. But Fleet records `observedGeneration` when it starts the job, before the
 * job rewrites the Bundles, so restrictions equal to one of the GitRepo's `earlier` target lists
 * mean "not updated yet", not "overridden".
 */
export function bundleCarriesGitRepoTargets(
  bundle: BundleRecord,
  repo: GitRepoRecord,
  earlier: readonly (readonly GitTarget[])[] = [],
): boolean {
  // Exactly the rebuilt targets: carried, whether or not Fleet has written its status yet.
  const rebuilt = bundleSpecWithGitTargets(bundle, repo.targets);
  if (
    sameCriteria(bundle.targets, rebuilt.targets) &&
    sameCriteria(bundle.targetRestrictions, rebuilt.targetRestrictions)
  )
    return true;
  if (repo.generation !== repo.status.observedGeneration) return false;
  if (earlier.some((t) => sameCriteria(bundle.targetRestrictions, effectiveGitTargets(t)))) return false;
  return overridesGitRepoTargets(bundle, repo);
}
