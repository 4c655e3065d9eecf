/**
 * Why a Bundle has no BundleDeployment for a cluster its targets select although the cluster has
 * its namespace (the MISSING_DEPLOYMENT finding, docs/fleet/targeting.md §4.6). Fleet's bundle reconciler creates missing
 * BDs in `target/partition.go` `UpdatePartitions`; the Bundle status tells whether it ran, and the
 * same pass recomputed over the targets now (rules/rollout.ts) tells which limit holds this
 * cluster back, if any. The reason names that one, never a limit that does not apply to it.
 */
import type { BundleRecord, ClusterRecord } from '../../store/records.js';
import type { RecomputedRollout, RolloutLimitError } from './rollout.js';
import { DEFAULT_MAX_NEW, isRolloutLimitError } from './rollout.js';

/**
 * The cause, as a sentence without a final period. First what the Bundle status shows about the
 * reconciler itself:
 * - it has not caught up with the Bundle's generation;
 * - it failed (`Ready` False with reason Error, `updateErrorStatus`), so it created nothing;
 * then what its rollout pass, run over the targets now (rules/rollout.ts), does with this cluster:
 * - a rollout limit it cannot read fails every pass;
 * - manual partitions exist and none selects the cluster: never created;
 * - the pass stops at an unavailable partition before the cluster's partition;
 * - the `maxNew` slots go to targets listed before it (clusters without a namespace take one
 *   each, without getting a deployment);
 * - none of these: the next pass creates it (the reconciler has not run since the cluster
 *   appeared or got its namespace).
 */
export function missingDeploymentCause(
  bundle: BundleRecord,
  cluster: ClusterRecord,
  rollout: RecomputedRollout | RolloutLimitError | undefined,
): string {
  const st = bundle.status;
  if (st.observedGeneration < bundle.generation)
    return `the bundle controller has not reconciled generation ${bundle.generation} yet (status.observedGeneration ${st.observedGeneration})`;
  const failed = st.conditions.find(
    (c) => c.type === 'Ready' && c.status === 'False' && c.reason === 'Error',
  );
  if (failed)
    return `the bundle controller's last reconcile failed, so it created no deployment: ${failed.message ?? ''}`.trim();
  if (rollout && isRolloutLimitError(rollout))
    return `the bundle controller cannot read its rollout strategy, so it creates no deployment: ${rollout.error}`;
  const hold = rollout?.holds.get(cluster.key);
  const maxNew = bundle.rolloutStrategy?.maxNew ?? DEFAULT_MAX_NEW;
  if (rollout && hold === 'NOT_IN_PARTITION')
    return `rolloutStrategy.partitions (${rollout.partitions.map((p) => `"${p.name}"`).join(', ')}) has no partition that selects this cluster, and Fleet creates no deployment outside them`;
  if (rollout && hold === 'PARTITION_NOT_REACHED') {
    const { unavailablePartitions: u, maxUnavailablePartitions: m } = rollout;
    return `the rollout stops before this cluster's partition: ${u} partitions are unavailable, more than maxUnavailablePartitions (${m})`;
  }
  if (rollout && hold === 'MAX_NEW') {
    const noNamespace = rollout.partitions
      .flatMap((p) => p.clusters)
      .filter((k, i, all) => all.indexOf(k) === i && rollout.holds.get(k) === 'NO_NAMESPACE').length;
    const taken =
      noNamespace > 0 ? `, ${noNamespace} of them by clusters without a namespace, which get none` : '';
    return `each reconcile creates at most rolloutStrategy.maxNew (${maxNew}) deployments and its slots go to targets listed before this cluster${taken}; the rest follow on later reconciles`;
  }
  return 'nothing holds it back (no pending generation, error, partition or maxNew limit): the bundle controller has not run since the cluster appeared or got its namespace, which is normal for a few seconds; a lasting one is a Fleet problem';
}
