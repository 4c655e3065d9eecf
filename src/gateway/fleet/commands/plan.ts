/**
 * Retarget planning: what replacing a GitRepo's `spec.targets` would do, per
 * Bundle and for the GitRepo as a whole, with the warnings a reviewer needs before applying it.
 * Built on retarget.ts (per-Bundle preview with each Bundle's targets rebuilt as `fleet apply`
 * would, docs/fleet/targeting.md §4.1) and preview.ts (validation with field paths).
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type { FieldProblem } from '../../../shared/errors.js';
import { validateGitTargets, previewTargets } from '../rules/preview.js';
import type { BundleDeploymentRecord, ClusterRecord, GitRepoRecord } from '../rules/read-model.js';
import { previewGitRepoRetarget, type BundleRetargetPreview } from '../rules/retarget.js';
import { sameCriteria } from '../rules/target-lists.js';
import type { FleetView } from '../rules/view.js';

/** One Bundle's part of a plan: the preview plus the BundleDeployments created and deleted. */
export interface BundleRetargetPlan extends BundleRetargetPreview {
  /** Clusters that get a new BundleDeployment of this Bundle (in `Cluster.status.namespace`). */
  readonly create: readonly ClusterRecord[];
  /**
   * Existing BundleDeployments of this Bundle whose cluster the new targets leave out: the bundle
   * reconciler deletes them (Fleet ≥ v0.12.3, docs/fleet/lifecycle.md §6.1; before that they linger until the cluster's
   * next check-in, docs/fleet/lifecycle.md §6.3, unless pruned). Includes orphans that already linger.
   */
  readonly delete: readonly BundleDeploymentRecord[];
}

export interface RetargetPlan {
  readonly gitRepo: GitRepoRecord;
  readonly targets: readonly GitTarget[];
  /** Clusters at least one Bundle of the GitRepo targets after the edit but not before. */
  readonly added: readonly ClusterRecord[];
  /** Clusters no Bundle targets after the edit although at least one did before. */
  readonly removed: readonly ClusterRecord[];
  readonly unchanged: readonly ClusterRecord[];
  readonly bundles: readonly BundleRetargetPlan[];
  readonly warnings: readonly string[];
  /** True when the targets are the GitRepo's current ones (applying changes nothing). */
  readonly noChange: boolean;
}

/** Problems (INVALID_TARGET with field paths) and warnings of a target list, as a retarget judges it. */
export function retargetValidation(targets: readonly GitTarget[]): {
  problems: FieldProblem[];
  warnings: string[];
} {
  const v = validateGitTargets(targets);
  const problems = [...v.problems];
  if (targets.length === 0) {
    // docs/fleet/targeting.md §4.1: an empty list silently becomes {clusterGroup: default}; a retarget must say what it means.
    problems.push({
      field: 'targets',
      message:
        'an empty target list makes Fleet use the default target {clusterGroup: default} (docs/fleet/targeting.md §4.1); list the targets explicitly (a target {clusterGroup: "default"} keeps that behaviour)',
    });
  }
  return { problems, warnings: v.warnings.filter((w) => !w.startsWith('No targets')) };
}

const byName = (a: ClusterRecord, b: ClusterRecord) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/**
 * The plan for replacing `repo`'s targets with `targets` (assumed valid). Per Bundle from
 * retarget.ts; the GitRepo-level sets are the unions over its Bundles, or, for a GitRepo that has
 * no Bundles yet, the preview of its targets alone (docs/fleet/targeting.md §4.1).
 */
export function planRetarget(
  view: FleetView,
  repo: GitRepoRecord,
  targets: readonly GitTarget[],
  warningsIn: readonly string[] = [],
): RetargetPlan {
  const previews = previewGitRepoRetarget(view, repo, targets);
  const bundles: BundleRetargetPlan[] = previews.map((p) => {
    const will = new Set(p.after.map((t) => t.cluster.clusterNamespace).filter(Boolean));
    const existing = view.snapshot.deploymentsOfBundle(p.bundle.namespace, p.bundle.name);
    const has = new Set(existing.map((bd) => bd.namespace));
    return {
      ...p,
      create: p.after
        .filter((t) => !t.cluster.clusterNamespace || !has.has(t.cluster.clusterNamespace))
        .map((t) => t.cluster),
      delete: existing.filter((bd) => !bd.offSchedule && !will.has(bd.namespace)),
    };
  });
  let before: Map<string, ClusterRecord>;
  let after: Map<string, ClusterRecord>;
  if (previews.length > 0) {
    before = new Map(previews.flatMap((p) => p.before.map((t) => [t.cluster.key, t.cluster] as const)));
    after = new Map(previews.flatMap((p) => p.after).map((t) => [t.cluster.key, t.cluster] as const));
  } else {
    const keep = repo.targets.length > 0 ? previewTargets(view, repo.namespace, repo.targets, repo) : [];
    before = new Map(keep.map((t) => [t.cluster.key, t.cluster] as const));
    after = new Map(
      previewTargets(view, repo.namespace, targets, repo).map((t) => [t.cluster.key, t.cluster] as const),
    );
  }
  const added = [...after.values()].filter((c) => !before.has(c.key)).sort(byName);
  const removed = [...before.values()].filter((c) => !after.has(c.key)).sort(byName);
  const unchanged = [...before.values()].filter((c) => after.has(c.key)).sort(byName);

  const warnings = [...warningsIn];
  if (before.size > 0 && after.size === 0)
    warnings.push(`Removes all ${before.size} clusters: nothing stays deployed.`);
  if (added.length > 0) warnings.push(`Adds ${added.length} cluster${added.length === 1 ? '' : 's'}.`);
  if (removed.length > 0)
    warnings.push(`Removes ${removed.length} cluster${removed.length === 1 ? '' : 's'}: ${names(removed)}.`);
  // A cluster that comes in only through a group follows that group's selector from then on (docs/fleet/targeting.md §4.4).
  // Judged on the GitRepo targets alone, where the match's index is the GitTarget's position.
  for (const t of previewTargets(view, repo.namespace, targets, repo)) {
    const g = t.match.targetIndex === undefined ? undefined : targets[t.match.targetIndex];
    if (t.match.clusterGroup && g && !g.clusterName && !g.clusterSelector && !before.has(t.cluster.key))
      warnings.push(
        `Cluster ${t.cluster.name} is selected only through ClusterGroup ${t.match.clusterGroup}: it leaves when the group stops selecting it.`,
      );
  }
  for (const b of bundles) {
    if (b.overridden)
      warnings.push(
        `Bundle ${b.bundle.name} uses fleet.yaml overrideTargets (docs/fleet/targeting.md §4.1): this edit does not change it.`,
      );
  }
  const lingering = bundles.reduce(
    (n, b) => n + b.delete.filter((bd) => !removed.some((c) => c.clusterNamespace === bd.namespace)).length,
    0,
  );
  if (lingering > 0)
    warnings.push(
      `${lingering} BundleDeployment(s) already orphaned (rancher/fleet#3437); prune: ORPHANS removes them.`,
    );
  return {
    gitRepo: repo,
    targets,
    added,
    removed,
    unchanged,
    bundles,
    warnings,
    noChange: sameCriteria(repo.targets, targets),
  };
}

function names(cs: readonly ClusterRecord[]): string {
  const shown = cs.slice(0, 10).map((c) => c.name);
  return cs.length > 10 ? `${shown.join(', ')} and ${cs.length - 10} more` : shown.join(', ');
}
