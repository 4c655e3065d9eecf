/**
 * Rollout pacing recomputed from a snapshot (docs/fleet/rollout.md §7.1): the figures Fleet's
 * bundle reconciler writes to `Bundle.status` (`maxUnavailable`, `unavailable`, `partitions`,
 * `maxUnavailablePartitions`, `unavailablePartitions`, `maxNew`, `newlyCreated`) and, for each
 * target, what holds it back. Follows `target/partition.go` `UpdatePartitions`, `target/rollout.go`
 * `partitions`/`autoPartition`/`manualPartition` and `target/status.go` `limit`, current Fleet
 * (maxNew configurable from v0.16, autoPartitionThreshold from v0.15).
 *
 * This is what the reconciler's next pass would compute over the deployments as they are now:
 * once Fleet has caught up, that is exactly its written status. The one thing the gateway cannot
 * know is a target's newly computed deployment ID; it takes the BD's staged ID, or a marker newer
 * than it when the BD's content label already names a newer manifest
 * ({@link effectiveDeploymentID}).
 */
import type { RolloutStrategy } from '../../../apis/fleet.js';
import { InvalidSelectorError } from '../../../apis/selector.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
} from '../../store/records.js';
import { effectiveDeploymentID } from './state.js';
import { compileCriteria, criteriaMatch, groupPasses, type CompiledCriteria } from './targeting.js';

/** `target.DefaultMaxNew`. */
export const DEFAULT_MAX_NEW = 50;
const DEFAULT_AUTO_PARTITION_THRESHOLD = 200;

/**
 * Why a target's deployment is not (yet) what its Bundle asks for:
 * - NO_NAMESPACE: no deployment, the cluster has no `status.namespace` yet (it still takes a
 *   `maxNew` slot);
 * - MAX_NEW: no deployment, this pass's `maxNew` slots went to targets listed before it;
 * - NOT_IN_PARTITION: manual partitions are defined and none selects it, so it is never created,
 *   staged or updated;
 * - PARTITION_NOT_REACHED: the rollout stopped (too many unavailable partitions) before its partition;
 * - MAX_UNAVAILABLE: staged but not promoted, the Bundle's or the partition's `maxUnavailable` is reached;
 * - PAUSED: staged but not promoted, the Bundle or the Cluster is paused;
 * - NEXT_RECONCILE: nothing holds it; Fleet's next pass creates, stages or promotes it.
 */
export type RolloutHold =
  | 'NO_NAMESPACE'
  | 'MAX_NEW'
  | 'NOT_IN_PARTITION'
  | 'PARTITION_NOT_REACHED'
  | 'MAX_UNAVAILABLE'
  | 'PAUSED'
  | 'NEXT_RECONCILE';

/** A target as the rule reads it, in any order (the rule sorts by cluster name like Fleet). */
export interface RolloutTargetInput {
  readonly cluster: ClusterRecord;
  readonly groups: readonly ClusterGroupRecord[];
  readonly bundleDeployment: BundleDeploymentRecord | null;
}

export interface RecomputedPartition {
  readonly name: string;
  readonly count: number;
  readonly maxUnavailable: number;
  readonly unavailable: number;
  /** Keys (`namespace/name`) of its targets' clusters, in rollout order. */
  readonly clusters: readonly string[];
}

export interface RecomputedRollout {
  readonly maxUnavailable: number;
  readonly unavailable: number;
  readonly maxUnavailablePartitions: number;
  readonly unavailablePartitions: number;
  readonly maxNew: number;
  readonly newlyCreated: number;
  readonly partitions: readonly RecomputedPartition[];
  /** Per cluster key, what holds the target back; targets that are where they should be are absent. */
  readonly holds: ReadonlyMap<string, RolloutHold>;
}

/** A limit the reconciler cannot read: it writes this as the Bundle's Ready condition and creates nothing. */
export interface RolloutLimitError {
  readonly error: string;
}

export function isRolloutLimitError(x: RecomputedRollout | RolloutLimitError): x is RolloutLimitError {
  return 'error' in x;
}

class LimitError extends Error {}

/**
 * `limit(count, vals...)` (target/status.go): the first value given, else 100%. A count ≤ 0 gives
 * 1; an integer is clamped to [0, count]; a string that reads as an integer is used as is; a
 * percentage is `trunc(count × p) / 100` rounded down, between 1 and count (≤ 0% gives 1).
 */
export function rolloutLimit(count: number, ...vals: (number | string | undefined | null)[]): number {
  if (count <= 0) return 1;
  let v: number | string = '100%';
  for (const x of vals) {
    if (x !== undefined && x !== null) {
      v = x;
      break;
    }
  }
  if (typeof v === 'number') return Math.min(count, Math.max(0, Math.trunc(v)));
  const whole = /^[+-]?[0-9]+$/.test(v) ? Number(v) : 0;
  if (whole > 0) return whole;
  if (!v.endsWith('%'))
    throw new LimitError(`invalid maxUnavailable, must be int or percentage (ending with %): ${v}`);
  const num = v.slice(0, -1);
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(num))
    throw new LimitError(`failed to parse ${v}: not a number`);
  const pct = Number(num);
  if (pct <= 0) return 1;
  const n = Math.floor(Math.trunc(count * pct) / 100);
  return n <= 0 ? 1 : Math.min(n, count);
}

interface Work {
  readonly key: string;
  readonly input: RolloutTargetInput;
  /** The target's deployment ID as far as the gateway can tell. */
  readonly id: string;
  readonly paused: boolean;
  dep:
    | { deploymentID: string; stagedDeploymentID: string; appliedDeploymentID: string; ready: boolean }
    | undefined;
  created: boolean;
  processed: boolean;
  partitions: number;
}

const down = (d: Work['dep']) => d !== undefined && (d.appliedDeploymentID !== d.deploymentID || !d.ready);
const upToDate = (w: Work) =>
  w.dep !== undefined &&
  w.dep.stagedDeploymentID === w.id &&
  w.dep.deploymentID === w.id &&
  w.dep.appliedDeploymentID === w.id;

/** Go's string order (bytes), as `sort.Slice` on cluster names; the namespace only breaks ties. */
const byName = (a: Work, b: Work) => {
  const an = a.input.cluster.name;
  const bn = b.input.cluster.name;
  if (an !== bn) return an < bn ? -1 : 1;
  return a.input.cluster.namespace < b.input.cluster.namespace ? -1 : 1;
};

/** Fleet's rollout pass over a Bundle's targets; an unreadable limit or partition selector is an error. */
export function recomputeRollout(
  bundle: Pick<BundleRecord, 'rolloutStrategy' | 'paused'>,
  targets: readonly RolloutTargetInput[],
): RecomputedRollout | RolloutLimitError {
  const s: RolloutStrategy = bundle.rolloutStrategy ?? {};
  const work: Work[] = targets
    .map((t): Work => {
      const bd = t.bundleDeployment;
      return {
        key: t.cluster.key,
        input: t,
        id: bd ? (effectiveDeploymentID(bd) ?? '') : '',
        paused: bundle.paused || t.cluster.paused,
        dep: bd
          ? {
              deploymentID: bd.deploymentID,
              stagedDeploymentID: bd.stagedDeploymentID,
              appliedDeploymentID: bd.appliedDeploymentID,
              ready: bd.ready,
            }
          : undefined,
        created: false,
        processed: false,
        partitions: 0,
      };
    })
    .sort(byName);

  let maxUnavailable: number;
  try {
    maxUnavailable = rolloutLimit(work.length, s.maxUnavailable);
  } catch (e) {
    if (e instanceof LimitError) return { error: `failed to reset bundle status from targets: ${e.message}` };
    throw e;
  }
  let unavailable = work.filter((w) => down(w.dep)).length;

  type Part = { name: string; members: Work[]; maxUnavailable: number; unavailable: number };
  let parts: Part[];
  let maxUnavailablePartitions: number;
  try {
    const part = (name: string, members: Work[], ...max: (number | string | undefined)[]): Part => ({
      name,
      members,
      maxUnavailable: rolloutLimit(members.length, ...max),
      unavailable: members.filter((w) => down(w.dep)).length,
    });
    if (s.partitions && s.partitions.length > 0) {
      parts = s.partitions.map((p, i) => {
        let c: CompiledCriteria;
        try {
          c = compileCriteria(p, `rolloutStrategy.partitions[${i}]`);
        } catch (e) {
          if (e instanceof InvalidSelectorError) throw new LimitError(e.message);
          throw e;
        }
        const members = work.filter((w) =>
          groupPasses(w.input.groups).some((g) => criteriaMatch(c, w.input.cluster, g)),
        );
        return part(p.name ?? '', members, p.maxUnavailable, s.maxUnavailable);
      });
    } else {
      const size = s.autoPartitionSize;
      const threshold = s.autoPartitionThreshold ?? DEFAULT_AUTO_PARTITION_THRESHOLD;
      if ((typeof size === 'number' && size <= 0) || threshold <= 0 || work.length < threshold) {
        parts = [part('All', work, s.maxUnavailable)];
      } else {
        const chunk = rolloutLimit(work.length, size, '25%');
        parts = [];
        for (let from = 0; from < work.length; from += chunk) {
          const to = Math.min(work.length, from + chunk);
          parts.push(part(`Partition ${from} - ${to}`, work.slice(from, to), s.maxUnavailable));
        }
      }
    }
    maxUnavailablePartitions = rolloutLimit(parts.length, s.maxUnavailablePartitions, 0);
  } catch (e) {
    if (e instanceof LimitError) return { error: `failed to update partitions: ${e.message}` };
    throw e;
  }

  const maxNew = s.maxNew ?? DEFAULT_MAX_NEW;
  let newlyCreated = 0;
  let unavailablePartitions = 0;
  for (const p of parts) for (const w of p.members) w.partitions++;
  for (const p of parts) {
    for (const w of p.members) {
      w.processed = true;
      if (!w.dep && newlyCreated < maxNew) {
        newlyCreated++;
        w.created = true;
        w.dep = { deploymentID: '', stagedDeploymentID: '', appliedDeploymentID: '', ready: false };
      }
      if (w.dep) w.dep.stagedDeploymentID = w.id;
    }
    for (const w of p.members) {
      const d = w.dep;
      if (!d || w.paused || d.stagedDeploymentID === '' || d.deploymentID === d.stagedDeploymentID) continue;
      const wasDown = down(d);
      if ((unavailable < maxUnavailable || wasDown) && (p.unavailable < p.maxUnavailable || wasDown)) {
        if (!wasDown) {
          unavailable++;
          p.unavailable++;
        }
        d.deploymentID = d.stagedDeploymentID;
      }
    }
    p.unavailable = p.members.filter((w) => !upToDate(w) || down(w.dep)).length;
    if (p.unavailable > p.maxUnavailable) unavailablePartitions++;
    if (unavailablePartitions > maxUnavailablePartitions) break;
  }

  const holds = new Map<string, RolloutHold>();
  for (const w of work) {
    const hold = holdOf(w);
    if (hold) holds.set(w.key, hold);
  }
  return {
    maxUnavailable,
    unavailable,
    maxUnavailablePartitions,
    unavailablePartitions,
    maxNew,
    newlyCreated,
    partitions: parts.map((p) => ({
      name: p.name,
      count: p.members.length,
      maxUnavailable: p.maxUnavailable,
      unavailable: p.unavailable,
      clusters: p.members.map((w) => w.key),
    })),
    holds,
  };
}

function holdOf(w: Work): RolloutHold | undefined {
  const bd = w.input.bundleDeployment;
  const skipped: RolloutHold = w.partitions === 0 ? 'NOT_IN_PARTITION' : 'PARTITION_NOT_REACHED';
  if (!bd) {
    if (!w.processed) return skipped;
    if (!w.input.cluster.clusterNamespace) return 'NO_NAMESPACE';
    return w.created ? 'NEXT_RECONCILE' : 'MAX_NEW';
  }
  if (!w.processed)
    return bd.stagedDeploymentID !== w.id || bd.deploymentID !== bd.stagedDeploymentID ? skipped : undefined;
  const d = w.dep!;
  if (d.deploymentID !== d.stagedDeploymentID) return w.paused ? 'PAUSED' : 'MAX_UNAVAILABLE';
  return d.stagedDeploymentID !== bd.stagedDeploymentID || d.deploymentID !== bd.deploymentID
    ? 'NEXT_RECONCILE'
    : undefined;
}
