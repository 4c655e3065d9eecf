/**
 * What editing a GitRepo's `spec.targets` would do to each of its Bundles: the building block for
 * retarget planning. Per docs/fleet/targeting.md §4.1 and docs/fleet/lifecycle.md §6.1, `fleet apply` rewrites each
 * Bundle's targets as its fleet.yaml customizations followed by the new GitRepo targets, and its
 * restrictions as the new GitRepo targets (the default target when the list is empty); the bundle
 * reconciler then creates BDs for the clusters that match and deletes the others.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type { BundleRecord, ClusterRecord, GitRepoRecord } from '../../store/records.js';
import { bundleSpecWithGitTargets, overridesGitRepoTargets } from './carried-targets.js';
import { assertValidGitTargets } from './preview.js';
import type { PreviewedCluster, TargetedCluster } from './read-model.js';
import type { FleetView } from './view.js';

const byCluster = (a: { cluster: ClusterRecord }, b: { cluster: ClusterRecord }) =>
  a.cluster.name.localeCompare(b.cluster.name) || a.cluster.namespace.localeCompare(b.cluster.namespace);

export interface BundleRetargetPreview {
  readonly bundle: BundleRecord;
  /** fleet.yaml `overrideTargets`: the Bundle keeps its targets whatever the GitRepo says. */
  readonly overridden: boolean;
  /** The clusters its current targets select, with their BDs (Pending when none). */
  readonly before: readonly TargetedCluster[];
  /** The clusters it would select after the edit, with the matching target. */
  readonly after: readonly PreviewedCluster[];
  /** Clusters that would get a new BD. */
  readonly added: readonly ClusterRecord[];
  /** Clusters whose BD (or Pending target) would go: the bundle reconciler deletes those BDs. */
  readonly removed: readonly ClusterRecord[];
  readonly unchanged: readonly ClusterRecord[];
}

/**
 * Per Bundle of the GitRepo, what replacing its targets with `gitTargets` would change. Throws
 * FleetGraphError INVALID_SELECTOR/INVALID_TARGET (with field paths) for invalid targets.
 */
export function previewGitRepoRetarget(
  view: FleetView,
  repo: GitRepoRecord,
  gitTargets: readonly GitTarget[],
): BundleRetargetPreview[] {
  assertValidGitTargets(gitTargets);
  return view.snapshot.bundlesOfGitRepo(repo.namespace, repo.name).map((bundle) => {
    const before = view.targetedClusters(bundle);
    const overridden = overridesGitRepoTargets(bundle, repo);
    const after = overridden
      ? before.map(({ cluster, match }) => ({ cluster, match }))
      : view
          .preview({
            ...bundleSpecWithGitTargets(bundle, gitTargets),
            namespace: bundle.namespace,
            labels: bundle.labels,
          })
          .sort(byCluster);
    const was = new Set(before.map((t) => t.cluster.key));
    const will = new Set(after.map((t) => t.cluster.key));
    return {
      bundle,
      overridden,
      before,
      after,
      added: after.filter((t) => !was.has(t.cluster.key)).map((t) => t.cluster),
      removed: before.filter((t) => !will.has(t.cluster.key)).map((t) => t.cluster),
      unchanged: before.filter((t) => will.has(t.cluster.key)).map((t) => t.cluster),
    };
  });
}
