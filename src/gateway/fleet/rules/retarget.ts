/**
 * What editing a GitRepo's `spec.targets` would do to each of its Bundles: the building block for
 * retarget planning. Per docs/fleet/targeting.md §4.1 and docs/fleet/lifecycle.md §6.1, `fleet apply` rewrites each
 * Bundle's targets as its fleet.yaml customizations followed by the new GitRepo targets, and its
 * restrictions as the new GitRepo targets (the default target when the list is empty); the bundle
 * reconciler then creates BDs for the clusters that match and deletes the others.
 */
import type { GitTarget, TargetCriteria } from '../../../apis/fleet.js';
import type { BundleRecord, ClusterRecord, GitRepoRecord } from '../../store/records.js';
import { DEFAULT_GIT_TARGET, assertValidGitTargets } from './preview.js';
import type { PreviewedCluster, TargetedCluster } from './read-model.js';
import type { TargetingSpec } from './targeting.js';
import type { FleetView } from './view.js';

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
 * A selector in the form the gitjob writes it: Go's json.Marshal drops an empty `matchLabels`,
 * `matchExpressions` or requirement `values` (omitempty) but keeps an empty selector `{}`, which
 * selects every cluster (gitops/reconciler/targetsyaml.go). Label keys are sorted because a map
 * has no order.
 */
function canonicalSelector(sel: TargetCriteria['clusterSelector']): unknown {
  if (sel === null || sel === undefined) return null;
  const labels = Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const exprs = (sel.matchExpressions ?? []).map((r) => [r.key, r.operator, r.values ?? []]);
  return [labels, exprs];
}

/** One target's criteria as Fleet would have written them: `""` strings are omitted like absent ones. */
function canonicalCriteria(t: TargetCriteria): unknown {
  return [
    t.name || null,
    t.clusterName || null,
    canonicalSelector(t.clusterSelector),
    t.clusterGroup || null,
    canonicalSelector(t.clusterGroupSelector),
  ];
}

/**
 * Whether two target lists are the same once written by the gitjob, so that a GitRepo target
 * spelled `clusterName: ""` or `matchLabels: {}` is recognised in the Bundle Fleet wrote from it.
 */
export function sameCriteria(a: readonly TargetCriteria[], b: readonly TargetCriteria[]): boolean {
  const norm = (list: readonly TargetCriteria[]) => JSON.stringify(list.map(canonicalCriteria));
  return norm(a) === norm(b);
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
