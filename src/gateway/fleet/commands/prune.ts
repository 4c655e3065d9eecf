/**
 * Orphan selection for pruning: BundleDeployments of a GitRepo whose Bundle's own current targets
 * no longer select their cluster — exactly what Fleet before v0.12.3 left behind after a target
 * edit until the cluster's next check-in (docs/fleet/lifecycle.md §6.3, rancher/fleet#3437). Never anything a
 * Bundle still targets, and nothing of a Bundle that does not carry the GitRepo's targets yet.
 */
import type { BundleDeploymentRecord, BundleRecord, GitRepoRecord } from '../rules/read-model.js';
import type { GitTarget } from '../../../apis/fleet.js';
import { bundleSpecWithGitTargets, effectiveGitTargets, overridesGitRepoTargets } from '../rules/retarget.js';
import type { FleetView } from '../rules/view.js';
import { sameTargets } from './plan.js';

export interface OrphanSelection {
  /** BundleDeployments safe to delete: their Bundle carries the new targets and no longer selects them. */
  readonly orphans: readonly BundleDeploymentRecord[];
  /** Bundles whose BDs were not judged, each with the reason (not updated yet, targeting error). */
  readonly skipped: readonly { readonly bundle: BundleRecord; readonly reason: string }[];
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
    sameTargets(bundle.targets, rebuilt.targets) &&
    sameTargets(bundle.targetRestrictions, rebuilt.targetRestrictions)
  )
    return true;
  if (repo.generation !== repo.status.observedGeneration) return false;
  if (earlier.some((t) => sameTargets(bundle.targetRestrictions, effectiveGitTargets(t)))) return false;
  return overridesGitRepoTargets(bundle, repo);
}

/** `earlier`: target lists the GitRepo had before (see bundleCarriesGitRepoTargets). */
export function selectOrphans(
  view: FleetView,
  repo: GitRepoRecord,
  earlier: readonly (readonly GitTarget[])[] = [],
): OrphanSelection {
  const orphans: BundleDeploymentRecord[] = [];
  const skipped: { bundle: BundleRecord; reason: string }[] = [];
  for (const bundle of view.snapshot.bundlesOfGitRepo(repo.namespace, repo.name)) {
    if (bundle.deletionTimestamp) continue; // Fleet's Bundle deletion removes its BDs itself (docs/fleet/lifecycle.md §6.2).
    if (!bundleCarriesGitRepoTargets(bundle, repo, earlier)) {
      skipped.push({
        bundle,
        reason: "Fleet has not written the GitRepo's current targets into this Bundle yet",
      });
      continue;
    }
    if (view.targetingError(bundle)) {
      // docs/fleet/targeting.md §4.3: on a targeting error Fleet neither creates nor deletes BDs; neither do we.
      skipped.push({ bundle, reason: 'the Bundle has a targeting error' });
      continue;
    }
    const targeted = new Set(
      view
        .targetedClusters(bundle)
        .flatMap((t) => (t.cluster.clusterNamespace ? [t.cluster.clusterNamespace] : [])),
    );
    for (const bd of view.snapshot.deploymentsOfBundle(bundle.namespace, bundle.name)) {
      // Off-schedule BDs are spared by Fleet's own cleanup (docs/fleet/rollout.md §7.2); terminating ones are going anyway.
      if (bd.offSchedule || bd.deletionTimestamp) continue;
      if (!targeted.has(bd.namespace)) orphans.push(bd);
    }
  }
  orphans.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { orphans, skipped };
}
