import { describe, expect, it } from 'vitest';
import type { RolloutStrategy } from '../../../apis/fleet.js';
import { LABEL_CONTENT_NAME } from '../../../apis/labels.js';
import type { BundleDeploymentRecord, ClusterRecord } from '../../store/records.js';
import { aBundle, aCluster, aDeployment, aGroup } from '../../../../test/support/fleet-builders.js';
import { isRolloutLimitError, recomputeRollout, rolloutLimit, type RecomputedRollout } from './rollout.js';

describe('rolloutLimit (target/status.go limit)', () => {
  it.each([
    ['a count of 0 gives 1', 0, ['10%'], 1],
    ['nothing given: 100%', 6, [], 6],
    ['integer clamped to [0, count]', 3, [7], 3],
    ['integer 0 is 0', 3, [0], 0],
    ['integer string used as is', 2, ['4'], 4],
    ['percentage rounded down', 7, ['50%'], 3],
    ['percentage at least 1', 3, ['1%'], 1],
    ['percentage ≤ 0 is 1', 3, ['-5%'], 1],
  ] as const)('%s', (_rule, count, vals, want) => {
    expect(rolloutLimit(count, ...vals)).toBe(want);
  });

  it('a string that is neither an integer nor a percentage is refused', () => {
    expect(() => rolloutLimit(3, 'most')).toThrow(/must be int or percentage/);
  });
});

const OLD = 's-old:o';
const NEW = 's-new:o';

/** A BD at `deploymentID`/`stagedDeploymentID`, applied at `applied`, ready or not. */
function bd(
  cluster: ClusterRecord,
  f: { deployed?: string; staged?: string; applied?: string; ready?: boolean; content?: string },
): BundleDeploymentRecord {
  const base = aDeployment({
    bundle: 'app',
    cluster,
    labels: f.content ? { [LABEL_CONTENT_NAME]: f.content } : {},
  });
  return {
    ...base,
    deploymentID: f.deployed ?? NEW,
    stagedDeploymentID: f.staged ?? NEW,
    appliedDeploymentID: f.applied ?? f.deployed ?? NEW,
    ready: f.ready ?? true,
  };
}

const clusters = ['a', 'b', 'c', 'd'].map((name) => aCluster({ name, labels: { name } }));
const [a, b, c, d] = clusters as [ClusterRecord, ClusterRecord, ClusterRecord, ClusterRecord];

function run(
  strategy: RolloutStrategy | undefined,
  rows: [ClusterRecord, BundleDeploymentRecord | null][],
  paused = false,
): RecomputedRollout {
  const r = recomputeRollout(
    aBundle({ name: 'app', rolloutStrategy: strategy, paused }),
    rows.map(([cluster, bundleDeployment]) => ({ cluster, groups: [], bundleDeployment })),
  );
  if (isRolloutLimitError(r)) throw new Error(r.error);
  return r;
}
const holds = (r: RecomputedRollout) => Object.fromEntries(r.holds);

describe('recomputeRollout (target/partition.go UpdatePartitions)', () => {
  it('steady state: all up to date, one partition All at 100%, no holds', () => {
    const r = run(undefined, [
      [a, bd(a, {})],
      [b, bd(b, {})],
    ]);
    expect(r).toMatchObject({ maxUnavailable: 2, unavailable: 0, maxNew: 50, newlyCreated: 0 });
    expect(r.partitions.map((p) => [p.name, p.count, p.maxUnavailable, p.unavailable])).toEqual([
      ['All', 2, 2, 0],
    ]);
    expect(holds(r)).toEqual({});
  });

  it('maxUnavailable reached: the staged, available targets are held back', () => {
    const r = run({ maxUnavailable: 1 }, [
      [a, bd(a, { applied: OLD })], // promoted, still applying: unavailable
      [b, bd(b, { deployed: OLD, applied: OLD })],
      [c, bd(c, { deployed: OLD, applied: OLD })],
    ]);
    expect(r.unavailable).toBe(1);
    expect(holds(r)).toEqual({ 'fleet-default/b': 'MAX_UNAVAILABLE', 'fleet-default/c': 'MAX_UNAVAILABLE' });
    expect(r.partitions[0]?.unavailable).toBe(3);
  });

  it('maxUnavailable: 0 holds back every available target, but not an unavailable one', () => {
    const r = run({ maxUnavailable: 0 }, [
      [a, bd(a, { deployed: OLD, applied: OLD })],
      [b, bd(b, { deployed: OLD, applied: OLD, ready: false })],
    ]);
    expect(holds(r)).toEqual({ 'fleet-default/a': 'MAX_UNAVAILABLE', 'fleet-default/b': 'NEXT_RECONCILE' });
  });

  it('paused Bundle: staged, not promoted', () => {
    const r = run(undefined, [[a, bd(a, { deployed: OLD, applied: OLD })]], true);
    expect(holds(r)).toEqual({ 'fleet-default/a': 'PAUSED' });
  });

  it('maxNew: a cluster without a namespace takes the slot; the next target waits', () => {
    const noNs = aCluster({ name: 'a0', clusterNamespace: undefined });
    const r = run({ maxNew: 1 }, [
      [b, null],
      [noNs, null],
    ]);
    expect(r.newlyCreated).toBe(1);
    expect(holds(r)).toEqual({ 'fleet-default/a0': 'NO_NAMESPACE', 'fleet-default/b': 'MAX_NEW' });
  });

  it('manual partitions: a target in none is never created nor updated', () => {
    const r = run(
      {
        partitions: [
          {
            name: 'ab',
            clusterSelector: { matchExpressions: [{ key: 'name', operator: 'In', values: ['a', 'b'] }] },
          },
        ],
      },
      [
        [a, bd(a, {})],
        [b, null],
        [c, null],
        [d, bd(d, { staged: OLD, deployed: OLD, applied: OLD, content: 's-new' })],
      ],
    );
    expect(r.partitions.map((p) => [p.name, p.clusters])).toEqual([
      ['ab', ['fleet-default/a', 'fleet-default/b']],
    ]);
    expect(holds(r)).toEqual({
      'fleet-default/b': 'NEXT_RECONCILE',
      'fleet-default/c': 'NOT_IN_PARTITION',
      'fleet-default/d': 'NOT_IN_PARTITION',
    });
  });

  it('manual partitions match group by group', () => {
    const g = aGroup({ name: 'eu', labels: { geo: 'eu' }, selector: {} });
    const r = recomputeRollout(
      aBundle({ name: 'app', rolloutStrategy: { partitions: [{ name: 'eu', clusterGroup: 'eu' }] } }),
      [
        { cluster: a, groups: [g], bundleDeployment: bd(a, {}) },
        { cluster: b, groups: [], bundleDeployment: bd(b, {}) },
      ],
    );
    expect(isRolloutLimitError(r) ? r.error : r.partitions[0]?.clusters).toEqual(['fleet-default/a']);
  });

  it('maxUnavailablePartitions: the rollout stops after the first unavailable partition', () => {
    const r = run({ autoPartitionThreshold: 2, autoPartitionSize: 2, maxUnavailable: 0 }, [
      [a, bd(a, { applied: OLD })],
      [b, bd(b, {})],
      [c, bd(c, { staged: OLD, deployed: OLD, applied: OLD, content: 's-new' })],
      [d, null],
    ]);
    expect(r.partitions.map((p) => [p.name, p.maxUnavailable, p.unavailable])).toEqual([
      ['Partition 0 - 2', 0, 1],
      ['Partition 2 - 4', 0, 0],
    ]);
    expect(r).toMatchObject({ unavailablePartitions: 1, maxUnavailablePartitions: 0 });
    expect(holds(r)).toEqual({
      'fleet-default/c': 'PARTITION_NOT_REACHED',
      'fleet-default/d': 'PARTITION_NOT_REACHED',
    });
  });

  it('targets are taken in cluster-name byte order, as Go sorts them', () => {
    const upper = aCluster({ name: 'Z' });
    const r = run({ maxNew: 1 }, [
      [a, null],
      [upper, null],
    ]);
    expect(holds(r)).toEqual({ 'fleet-default/Z': 'NEXT_RECONCILE', 'fleet-default/a': 'MAX_NEW' });
  });

  it('an unreadable limit is the error the reconciler writes', () => {
    const bundle = aBundle({ name: 'app', rolloutStrategy: { maxUnavailable: 'lots' } });
    const r = recomputeRollout(bundle, [{ cluster: a, groups: [], bundleDeployment: null }]);
    expect(isRolloutLimitError(r) && r.error).toMatch(/^failed to reset bundle status from targets: /);
    // limit() returns 1 for a count of 0 before reading the value: no targets, no error.
    expect(isRolloutLimitError(recomputeRollout(bundle, []))).toBe(false);
  });
});
