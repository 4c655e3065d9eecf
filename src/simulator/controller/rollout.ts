/**
 * Rollout pacing, as the bundle reconciler applies it (docs/fleet/rollout.md §7.1): the targets are
 * cut into partitions (target/rollout.go `partitions`), limits are turned into numbers
 * (target/status.go `limit`), and `UpdatePartitions` (target/partition.go) decides, partition by
 * partition, which targets get a new BundleDeployment (at most `maxNew`), which are staged, and
 * which staged changes are promoted to `spec.deploymentID`. Pure: it works on a copy of each
 * target's BundleDeployment fields and returns what to write plus the Bundle's rollout status.
 * Follows the current Fleet (maxNew configurable from v0.16, autoPartitionThreshold from v0.15).
 */
import type { BundleDeploymentOptions, Cluster, RolloutStrategy } from '../../apis/fleet.js';
import { ClusterMatcher, TargetingError, type GroupRef } from './targeting.js';

/** target.DefaultMaxNew. */
export const DEFAULT_MAX_NEW = 50;
/** defAutoPartitionThreshold. */
export const DEFAULT_AUTO_PARTITION_THRESHOLD = 200;
const DEFAULT_LIMIT = '100%';
const DEFAULT_AUTO_PARTITION_SIZE = '25%';
const DEFAULT_MAX_UNAVAILABLE_PARTITIONS = 0;

/** A limit Fleet cannot read (a string that is neither an integer nor a percentage). */
export class RolloutError extends Error {}

type IntOrString = number | string;

/**
 * `limit(count, vals...)`: the first value given wins, else 100%. A count of 0 or less gives 1. An
 * integer is clamped to [0, count]. A string that parses as an integer is taken as is (not
 * clamped: Fleet reads it with IntValue before looking for `%`). A percentage is
 * `trunc(count × p) / 100` rounded down, at least 1 and at most `count`; a percentage ≤ 0 gives 1.
 */
export function limit(count: number, ...vals: (IntOrString | undefined | null)[]): number {
  if (count <= 0) return 1;
  const v = vals.find((x) => x !== undefined && x !== null) ?? DEFAULT_LIMIT;
  if (typeof v === 'number') {
    const i = Math.trunc(v);
    return i > count ? count : i < 0 ? 0 : i;
  }
  // IntValue on a string is strconv.Atoi, 0 when it does not parse.
  const asInt = /^[+-]?\d+$/.test(v) ? Number.parseInt(v, 10) : 0;
  if (asInt > 0) return asInt;
  if (!v.endsWith('%'))
    throw new RolloutError(`invalid maxUnavailable, must be int or percentage (ending with %): ${v}`);
  const text = v.slice(0, -1);
  const percent = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(percent)) throw new RolloutError(`failed to parse ${v}: not a number`);
  if (percent <= 0) return 1;
  const i = Math.trunc(Math.trunc(count * percent) / 100);
  if (i <= 0) return 1;
  return i > count ? count : i;
}

/** The BundleDeployment fields rollout reads and writes. */
export interface RolloutDeployment {
  deploymentID: string;
  stagedDeploymentID: string;
  options?: BundleDeploymentOptions | undefined;
  stagedOptions?: BundleDeploymentOptions | undefined;
  appliedDeploymentID: string;
  ready: boolean;
}

/** One target in the order the reconciler lists them (by cluster name). */
export interface RolloutTarget {
  readonly cluster: Cluster;
  readonly groups: readonly GroupRef[];
  readonly paused: boolean;
  /** The deployment ID just computed for this target, and the options it hashes. */
  readonly deploymentId: string;
  readonly options: BundleDeploymentOptions;
  /** The existing BundleDeployment, if any (read from the cache, before this pass). */
  readonly existing?: RolloutDeployment | undefined;
}

export interface PartitionPlan {
  readonly name: string;
  /** Indexes into the targets. */
  readonly targets: readonly number[];
  readonly maxUnavailable: number;
  unavailable: number;
}

export interface RolloutPlan {
  /**
   * Per target: the BundleDeployment fields after this pass, or undefined when the target has no
   * BundleDeployment (none existed and none was made). `created` marks one made in this pass
   * (for a cluster without a namespace, Fleet makes it in memory only, but it takes a slot).
   */
  readonly deployments: ({ deployment: RolloutDeployment; created: boolean } | undefined)[];
  /** Per target: staged in this pass. */
  readonly staged: boolean[];
  readonly partitions: readonly PartitionPlan[];
  /** How many partitions, in order, this pass went through before it stopped. */
  readonly reached: number;
  readonly maxUnavailable: number;
  readonly unavailable: number;
  readonly maxUnavailablePartitions: number;
  readonly unavailablePartitions: number;
  readonly maxNew: number;
  readonly newlyCreated: number;
}

function isUnavailable(d: RolloutDeployment | undefined): boolean {
  return d !== undefined && (d.appliedDeploymentID !== d.deploymentID || !d.ready);
}

function upToDate(t: RolloutTarget, d: RolloutDeployment | undefined): boolean {
  return (
    d !== undefined &&
    d.stagedDeploymentID === t.deploymentId &&
    d.deploymentID === t.deploymentId &&
    d.appliedDeploymentID === t.deploymentId
  );
}

/** rollout.go `partitions`: manual partitions when any are defined, else automatic ones. */
function partitionsOf(
  strategy: RolloutStrategy,
  targets: readonly RolloutTarget[],
  existing: readonly (RolloutDeployment | undefined)[],
): PartitionPlan[] {
  const make = (name: string, idx: number[], ...max: (IntOrString | undefined)[]): PartitionPlan => ({
    name,
    targets: idx,
    maxUnavailable: limit(idx.length, ...max),
    unavailable: idx.filter((i) => isUnavailable(existing[i])).length,
  });
  const all = targets.map((_, i) => i);
  const manual = strategy.partitions ?? [];
  if (manual.length > 0) {
    // manualPartition: each definition uses the target matcher, group pass by group pass; a
    // target may land in several partitions, and one in none is left out of the rollout.
    return manual.map((p) => {
      let matcher: ClusterMatcher;
      try {
        matcher = new ClusterMatcher(p, `partition ${p.name ?? ''}`);
      } catch (e) {
        if (e instanceof TargetingError) throw new RolloutError(e.message);
        throw e;
      }
      const idx = all.filter((i) => matcher.matchesAnyGroup(targets[i]!.cluster, targets[i]!.groups));
      return make(p.name ?? '', idx, p.maxUnavailable, strategy.maxUnavailable);
    });
  }
  // autoPartition: off for an integer size ≤ 0, or below the threshold (a threshold ≤ 0 too).
  const size = strategy.autoPartitionSize;
  const threshold = strategy.autoPartitionThreshold ?? DEFAULT_AUTO_PARTITION_THRESHOLD;
  if ((typeof size === 'number' && size <= 0) || threshold <= 0 || targets.length < threshold)
    return [make('All', all, strategy.maxUnavailable)];
  const chunk = limit(targets.length, size, DEFAULT_AUTO_PARTITION_SIZE);
  const out: PartitionPlan[] = [];
  for (let offset = 0; offset < targets.length;) {
    const end = Math.min(targets.length - offset, chunk);
    out.push(
      make(`Partition ${offset} - ${offset + end}`, all.slice(offset, offset + end), strategy.maxUnavailable),
    );
    offset += end;
  }
  return out;
}

/**
 * `resetStatus` then `UpdatePartitions`. Throws RolloutError (with the prefix the reconciler puts
 * on its Ready condition) when a limit or a partition selector cannot be read; nothing is written
 * then.
 */
export function planRollout(
  strategy: RolloutStrategy | undefined,
  targets: readonly RolloutTarget[],
): RolloutPlan {
  const s = strategy ?? {};
  const existing = targets.map((t) => t.existing);
  let maxUnavailable: number;
  try {
    maxUnavailable = limit(targets.length, s.maxUnavailable);
  } catch (e) {
    if (e instanceof RolloutError)
      throw new RolloutError(`failed to reset bundle status from targets: ${e.message}`);
    throw e;
  }
  let unavailable = existing.filter(isUnavailable).length;
  let partitions: PartitionPlan[];
  let maxUnavailablePartitions: number;
  try {
    partitions = partitionsOf(s, targets, existing);
    maxUnavailablePartitions = limit(
      partitions.length,
      s.maxUnavailablePartitions,
      DEFAULT_MAX_UNAVAILABLE_PARTITIONS,
    );
  } catch (e) {
    if (e instanceof RolloutError) throw new RolloutError(`failed to update partitions: ${e.message}`);
    throw e;
  }
  const maxNew = s.maxNew ?? DEFAULT_MAX_NEW;
  const work: (RolloutDeployment | undefined)[] = existing.map((d) => (d ? { ...d } : undefined));
  const created = targets.map(() => false);
  const staged = targets.map(() => false);
  let newlyCreated = 0;
  let unavailablePartitions = 0;
  let reached = 0;
  for (const p of partitions) {
    reached++;
    for (const i of p.targets) {
      const t = targets[i]!;
      // Only the first maxNew targets without a deployment get one; a cluster without a
      // namespace takes a slot too, although its deployment is never written.
      if (!work[i] && newlyCreated < maxNew) {
        newlyCreated++;
        created[i] = true;
        work[i] = { deploymentID: '', stagedDeploymentID: '', appliedDeploymentID: '', ready: false };
      }
      const d = work[i];
      if (d) {
        d.stagedOptions = t.options;
        d.stagedDeploymentID = t.deploymentId;
        staged[i] = true;
      }
    }
    for (const i of p.targets) {
      const t = targets[i]!;
      const d = work[i];
      if (!d || t.paused || d.stagedDeploymentID === '') continue;
      if (d.deploymentID === d.stagedDeploymentID) {
        // updateDeploymentFromStaged keeps diff options in sync without a new deployment ID.
        if (JSON.stringify(d.options?.diff) !== JSON.stringify(d.stagedOptions?.diff)) {
          const { diff: _drop, ...rest } = d.options ?? {};
          d.options = d.stagedOptions?.diff ? { ...rest, diff: d.stagedOptions.diff } : rest;
        }
        continue;
      }
      const down = isUnavailable(d);
      if ((unavailable < maxUnavailable || down) && (p.unavailable < p.maxUnavailable || down)) {
        // An available deployment that starts updating counts as unavailable from now on.
        if (!down) {
          unavailable++;
          p.unavailable++;
        }
        d.deploymentID = d.stagedDeploymentID;
        d.options = d.stagedOptions;
      }
    }
    // updatePartitionStatus: stricter than per target, a target must also be up to date.
    p.unavailable = p.targets.filter((i) => !upToDate(targets[i]!, work[i]) || isUnavailable(work[i])).length;
    if (p.unavailable > p.maxUnavailable) unavailablePartitions++;
    if (unavailablePartitions > maxUnavailablePartitions) break;
  }
  return {
    deployments: work.map((d, i) => (d ? { deployment: d, created: created[i]! } : undefined)),
    staged,
    partitions,
    reached,
    maxUnavailable,
    unavailable,
    maxUnavailablePartitions,
    unavailablePartitions,
    maxNew,
    newlyCreated,
  };
}
