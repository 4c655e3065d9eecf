/**
 * Orphan selection for pruning: BundleDeployments of a GitRepo whose Bundle's own current targets
 * no longer select their cluster — exactly what Fleet before v0.12.3 left behind after a target
 * edit until the cluster's next check-in (docs/fleet/lifecycle.md §6.3, rancher/fleet#3437). Never anything a
 * Bundle still targets, and nothing of a Bundle that does not carry the GitRepo's targets yet.
 */
import type { BundleDeploymentRecord, BundleRecord, GitRepoRecord } from '../rules/read-model.js';
import type { GitTarget } from '../../../apis/fleet.js';
import { bundleCarriesGitRepoTargets } from '../rules/carried-targets.js';
import { stillTargeted } from '../rules/still-targeted.js';
import type { FleetView } from '../rules/view.js';

export interface OrphanSelection {
  /** BundleDeployments safe to delete: their Bundle carries the new targets and no longer selects them. */
  readonly orphans: readonly BundleDeploymentRecord[];
  /** Bundles whose BDs were not judged, each with the reason (not updated yet, targeting error). */
  readonly skipped: readonly { readonly bundle: BundleRecord; readonly reason: string }[];
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
    for (const bd of view.snapshot.deploymentsOfBundle(bundle.namespace, bundle.name)) {
      // Off-schedule BDs are spared by Fleet's own cleanup (docs/fleet/rollout.md §7.2); terminating ones are going anyway.
      if (bd.offSchedule || bd.deletionTimestamp) continue;
      // What Fleet's bundle reconciler would delete in its pass (docs/fleet/lifecycle.md §6.4).
      if (!stillTargeted(view, bd).kept) orphans.push(bd);
    }
  }
  orphans.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { orphans, skipped };
}
