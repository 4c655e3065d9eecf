/**
 * Why a Bundle has no BundleDeployment for a cluster its targets select although the cluster has
 * its namespace (the MISSING_DEPLOYMENT finding, docs/fleet/targeting.md §4.6). Fleet's bundle reconciler creates missing
 * BDs in `target/partition.go` `UpdatePartitions`, and the Bundle status it writes tells which of
 * its limits held one back; the reason names the one that applies, or says that the status names
 * none. Same rules in every Fleet version since partitions exist (v0.3).
 */
import type { BundleRecord } from '../../store/records.js';

/** `target.DefaultMaxNew`: new BDs one reconcile may create when `rolloutStrategy.maxNew` is unset. */
export const DEFAULT_MAX_NEW = 50;

/**
 * The cause the Bundle's status shows, as a sentence without a final period:
 * - the reconciler has not caught up with the Bundle's generation;
 * - it failed (`Ready` False with reason Error, `updateErrorStatus`), so it created nothing;
 * - it created `maxNew` BDs already (`status.newlyCreated`), the rest follow on the next run;
 * - the rollout stopped because more partitions are unavailable than allowed (it `break`s before
 *   staging later partitions, whose targets get no BD);
 * - none of these: the reconciler has not run since the cluster appeared or got its namespace.
 */
export function missingDeploymentCause(bundle: BundleRecord): string {
  const st = bundle.status;
  if (st.observedGeneration < bundle.generation)
    return `the bundle controller has not reconciled generation ${bundle.generation} yet (status.observedGeneration ${st.observedGeneration})`;
  const failed = st.conditions.find(
    (c) => c.type === 'Ready' && c.status === 'False' && c.reason === 'Error',
  );
  if (failed)
    return `the bundle controller's last reconcile failed, so it created no deployment: ${failed.message ?? ''}`.trim();
  const maxNew = bundle.rolloutStrategy?.maxNew ?? DEFAULT_MAX_NEW;
  if (st.newlyCreated >= maxNew)
    return `the last reconcile created rolloutStrategy.maxNew (${maxNew}) new deployments already (status.newlyCreated ${st.newlyCreated}); the rest follow on the next one`;
  if (st.unavailablePartitions > st.maxUnavailablePartitions)
    return `the rollout stopped: ${st.unavailablePartitions} partitions are unavailable, more than maxUnavailablePartitions (${st.maxUnavailablePartitions}), so later partitions get no new deployment`;
  return 'the Bundle status names no cause (no pending generation, error, maxNew or rollout limit): the bundle controller has not run since the cluster appeared or got its namespace, which is normal for a few seconds; a lasting one is a Fleet problem';
}
