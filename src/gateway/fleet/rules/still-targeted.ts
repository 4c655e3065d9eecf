/**
 * Is this BundleDeployment still targeted, and if not, why and since when (docs/fleet/lifecycle.md
 * §6.4). The one place that judges it: consistency findings, prune, the recomputed Cluster status,
 * the removal events of subscriptions and the cleanup histogram all ask here.
 *
 * Fleet source followed:
 * - `internal/cmd/controller/reconciler/bundle_controller.go`, `BundleReconciler.Reconcile`: it
 *   keeps the BundleDeployment of every matched target (`handleMatchedTarget` records its UID) and
 *   `cleanupOrphanedBundleDeployments` deletes the others, sparing `spec.offSchedule`; an error
 *   from `Targets` returns before the cleanup, so a targeting error deletes nothing.
 * - `internal/cmd/controller/target/builder.go`, `Manager.Targets`: a target's deployment is the
 *   bundle's BundleDeployment in the cluster's `status.namespace`; clusters being deleted still
 *   match.
 * - The deletion paths (`GitJobReconciler.handleDelete`, `BundleReconciler.handleDelete`,
 *   `ClusterReconciler.handleDelete`, docs/fleet/lifecycle.md §6.2): a deleted GitRepo takes its
 *   Bundles, a deleted Bundle its BundleDeployments, a deleted Cluster its namespace with the
 *   BundleDeployments in it.
 */
import type { BundleDeploymentRecord, BundleRecord, ClusterRecord } from '../../store/records.js';
import type { RemovalReason } from './read-model.js';
import type { FleetView } from './view.js';

/** The judgement on one BundleDeployment over one snapshot. */
export interface TargetingVerdict {
  /** Nothing dooms it: its Bundle and Cluster stay, and the Bundle's targets keep it. */
  readonly targeted: boolean;
  /** Why it is doomed; `UNKNOWN` while it is targeted (nothing visible would remove it). */
  readonly reason: RemovalReason;
  /**
   * Whether the bundle reconciler's next pass keeps it (a matched target in its namespace, or a
   * targeting error, which stops the pass before its cleanup). False when the Bundle is going: its
   * own deletion removes the deployments. A deployment on a cluster being deleted is kept by the
   * pass and goes with the cluster's namespace instead.
   */
  readonly kept: boolean;
  readonly bundle: BundleRecord | undefined;
  readonly cluster: ClusterRecord | undefined;
}

/** Is `bd` still targeted on the snapshot of `view`, and if not, why. */
export function stillTargeted(view: FleetView, bd: BundleDeploymentRecord): TargetingVerdict {
  const snap = view.snapshot;
  const bundle = snap.get('Bundle', `${bd.bundleNamespace}/${bd.bundleName}`);
  const cluster = view.clusterOf(bd);
  if (!bundle || bundle.deletionTimestamp) {
    const repo = bd.repoName ? snap.get('GitRepo', `${bd.bundleNamespace}/${bd.repoName}`) : undefined;
    const repoGoing = !!bd.repoName && (!repo || !!repo.deletionTimestamp);
    const reason = repoGoing ? 'GITREPO_DELETED' : 'BUNDLE_DELETED';
    return { targeted: false, reason, kept: false, bundle, cluster };
  }
  const kept = view.targetingError(bundle) !== undefined || view.targetsNamespace(bundle, bd.namespace);
  if (!cluster || cluster.deletionTimestamp) {
    return { targeted: false, reason: 'CLUSTER_DELETED', kept, bundle, cluster };
  }
  return { targeted: kept, reason: kept ? 'UNKNOWN' : 'TARGET_REMOVED', kept, bundle, cluster };
}

/**
 * The edits that doom deployments, with the time the gateway first saw each: what "since when"
 * needs beyond one snapshot. Kept by a live engine over the change feed (live/dooming-edits.ts).
 */
export interface DoomingEdits {
  /** When the deletion of this object was first seen (deletionTimestamp set, or gone). */
  deletedAt(kind: 'Bundle' | 'Cluster' | 'GitRepo', key: string): number | undefined;
  /** When this Bundle's targets, or this Cluster's labels, last changed. */
  targetingEditedAt(kind: 'Bundle' | 'Cluster', key: string): number | undefined;
}

/** Why and how fast a BundleDeployment went away. */
export interface Removal {
  readonly reason: RemovalReason;
  /**
   * When the gateway first saw the deployment become an orphan (the tracker's STALE finding), or
   * saw the edit that doomed it (its Bundle, Cluster or GitRepo being deleted, or its Bundle's
   * targets or its Cluster's labels changing); the removal itself when neither was seen.
   */
  readonly orphanedSince: number;
  /** Removal observed − orphanedSince, in ms of the gateway clock. */
  readonly cleanupLatencyMs: number;
}

/**
 * The removal of `bd` seen at `removedAt`: its reason (judged on the snapshot after the removal,
 * with `bd` as last seen) and since when it was an orphan. `staleSince` is when the consistency
 * tracker first saw it stale, if it did. A deletion that doomed it dates it first (the finding may
 * have appeared later); for a target change the finding comes first, and failing that the latest
 * edit that can un-target it.
 */
export function removalOf(
  view: FleetView,
  bd: BundleDeploymentRecord,
  removedAt: number,
  staleSince: number | undefined,
  edits: DoomingEdits,
): Removal {
  const { reason } = stillTargeted(view, bd);
  const bundleKey = `${bd.bundleNamespace}/${bd.bundleName}`;
  let deletion: number | undefined;
  let edit: number | undefined;
  switch (reason) {
    case 'GITREPO_DELETED':
      deletion =
        edits.deletedAt('GitRepo', `${bd.bundleNamespace}/${bd.repoName ?? ''}`) ??
        edits.deletedAt('Bundle', bundleKey);
      break;
    case 'BUNDLE_DELETED':
      deletion = edits.deletedAt('Bundle', bundleKey);
      break;
    case 'CLUSTER_DELETED':
      deletion = edits.deletedAt('Cluster', `${bd.clusterNamespace}/${bd.clusterName}`);
      break;
    case 'TARGET_REMOVED': {
      const a = edits.targetingEditedAt('Bundle', bundleKey);
      const b = edits.targetingEditedAt('Cluster', `${bd.clusterNamespace}/${bd.clusterName}`);
      edit = a === undefined ? b : b === undefined ? a : Math.max(a, b);
      break;
    }
    case 'UNKNOWN':
      // Nothing visible doomed it (e.g. deleted by hand): only a stale finding dates it.
      break;
  }
  const since = Math.min(deletion ?? staleSince ?? edit ?? removedAt, removedAt);
  return { reason, orphanedSince: since, cleanupLatencyMs: removedAt - since };
}
