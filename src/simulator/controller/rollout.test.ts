import { describe, expect, it } from 'vitest';
import type { Cluster, RolloutStrategy } from '../../apis/fleet.js';
import { limit, planRollout, RolloutError, type RolloutDeployment, type RolloutTarget } from './rollout.js';

describe('limit (target/status.go limit)', () => {
  it.each([
    ['count 0 gives 1', 0, ['50%'], 1],
    ['no value: 100%', 7, [], 7],
    ['first non-nil value wins', 10, [undefined, 3, 5], 3],
    ['integer clamped to the count', 4, [9], 4],
    ['integer 0 stays 0 (maxUnavailable: 0)', 4, [0], 0],
    ['negative integer becomes 0', 4, [-2], 0],
    ['integer string is taken unclamped (IntValue before %)', 3, ['5'], 5],
    ['percentage rounded down', 10, ['25%'], 2],
    ['percentage: trunc(count × p) / 100', 3, ['33.5%'], 1],
    ['percentage rounding to 0 gives 1', 3, ['10%'], 1],
    ['percentage ≤ 0 gives 1', 5, ['0%'], 1],
    ['percentage above 100% capped at the count', 5, ['150%'], 5],
  ] as const)('%s', (_rule, count, vals, want) => {
    expect(limit(count, ...vals)).toBe(want);
  });

  it.each([
    ['"0" is not an integer > 0 and has no %', '0'],
    ['text without %', 'half'],
    ['% with no number', 'x%'],
  ])('an unreadable limit is an error: %s', (_rule, v) => {
    expect(() => limit(4, v)).toThrow(RolloutError);
  });
});

function cluster(name: string, labels: Record<string, string> = {}, namespace = `ns-${name}`): Cluster {
  return {
    metadata: { name, namespace: 'fleet-default', labels },
    spec: {},
    status: namespace ? { namespace } : {},
  };
}

const ready = (id: string): RolloutDeployment => ({
  deploymentID: id,
  stagedDeploymentID: id,
  appliedDeploymentID: id,
  ready: true,
});
const notReady = (id: string): RolloutDeployment => ({ ...ready(id), ready: false });

function targets(
  specs: { name: string; labels?: Record<string, string>; existing?: RolloutDeployment; ns?: string }[],
  id = 'm2:o',
): RolloutTarget[] {
  return specs.map((s) => ({
    cluster: cluster(s.name, s.labels, s.ns),
    groups: [],
    paused: false,
    deploymentId: id,
    options: {},
    existing: s.existing,
  }));
}

const promoted = (plan: ReturnType<typeof planRollout>) =>
  plan.deployments.map((d) => (d ? d.deployment.deploymentID : null));

describe('planRollout (target/partition.go UpdatePartitions, target/rollout.go partitions)', () => {
  it('maxNew: only the first maxNew targets without a deployment get one', () => {
    const plan = planRollout({ maxNew: 2 }, targets([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    expect(plan.newlyCreated).toBe(2);
    expect(plan.deployments.map((d) => d?.created ?? false)).toEqual([true, true, false]);
  });

  it('maxNew: a cluster without a namespace takes a slot (its deployment is never written)', () => {
    const plan = planRollout({ maxNew: 1 }, targets([{ name: 'a', ns: '' }, { name: 'b' }]));
    expect(plan.newlyCreated).toBe(1);
    expect(plan.deployments[0]?.created).toBe(true);
    expect(plan.deployments[1]).toBeUndefined();
  });

  it('maxUnavailable: 1 promotes one available deployment; the rest stay staged', () => {
    const plan = planRollout(
      { maxUnavailable: 1 },
      targets([
        { name: 'a', existing: ready('m1:o') },
        { name: 'b', existing: ready('m1:o') },
      ]),
    );
    expect(promoted(plan)).toEqual(['m2:o', 'm1:o']);
    expect(plan.deployments.map((d) => d?.deployment.stagedDeploymentID)).toEqual(['m2:o', 'm2:o']);
    expect(plan.unavailable).toBe(1);
  });

  it('maxUnavailable: 0 updates only deployments that are unavailable already', () => {
    const plan = planRollout(
      { maxUnavailable: 0 },
      targets([
        { name: 'a', existing: ready('m1:o') },
        { name: 'b', existing: notReady('m1:o') },
      ]),
    );
    expect(promoted(plan)).toEqual(['m1:o', 'm2:o']);
    expect(plan.maxUnavailable).toBe(0);
  });

  it('maxUnavailable as a percentage of the targets (50% of 4 is 2)', () => {
    const plan = planRollout(
      { maxUnavailable: '50%' },
      targets(['a', 'b', 'c', 'd'].map((name) => ({ name, existing: ready('m1:o') }))),
    );
    expect(promoted(plan)).toEqual(['m2:o', 'm2:o', 'm1:o', 'm1:o']);
    expect(plan.partitions.map((p) => [p.name, p.maxUnavailable, p.unavailable])).toEqual([['All', 2, 4]]);
  });

  it('pause: staged, never promoted', () => {
    const t = targets([{ name: 'a', existing: ready('m1:o') }]).map((x) => ({ ...x, paused: true }));
    const plan = planRollout(undefined, t);
    expect(promoted(plan)).toEqual(['m1:o']);
    expect(plan.staged).toEqual([true]);
  });

  it('manual partitions: a target in no partition is neither created nor staged', () => {
    const strategy: RolloutStrategy = {
      partitions: [{ name: 'eu', clusterSelector: { matchLabels: { r: 'eu' } } }],
    };
    const plan = planRollout(
      strategy,
      targets([
        { name: 'a', labels: { r: 'eu' } },
        { name: 'b', labels: { r: 'us' }, existing: ready('m1:o') },
        { name: 'c', labels: { r: 'us' } },
      ]),
    );
    expect(plan.staged).toEqual([true, false, false]);
    expect(plan.deployments[1]?.deployment.stagedDeploymentID).toBe('m1:o');
    expect(plan.deployments[2]).toBeUndefined();
    expect(plan.partitions.map((p) => [p.name, p.targets])).toEqual([['eu', [0]]]);
  });

  it('manual partitions: more unavailable partitions than maxUnavailablePartitions stop the rollout', () => {
    const strategy: RolloutStrategy = {
      partitions: [
        { name: 'canary', clusterName: 'a', maxUnavailable: 0 },
        { name: 'rest', clusterSelector: {} },
      ],
    };
    const plan = planRollout(
      strategy,
      targets([
        { name: 'a', existing: ready('m1:o') },
        { name: 'b', existing: ready('m1:o') },
      ]),
    );
    // The canary is staged but its partition allows no unavailable target, so it is not
    // promoted; not being up to date makes its partition unavailable (1 > 0), and the default
    // maxUnavailablePartitions (0) stops the rollout before "rest".
    expect(plan.unavailablePartitions).toBe(1);
    expect(plan.maxUnavailablePartitions).toBe(0);
    expect(plan.staged).toEqual([true, false]);
    expect(promoted(plan)).toEqual(['m1:o', 'm1:o']);
    expect(plan.partitions.map((p) => [p.name, p.maxUnavailable, p.unavailable])).toEqual([
      ['canary', 0, 1],
      ['rest', 2, 0],
    ]);
  });

  it('manual partition without maxUnavailable falls back to the strategy, then 100%', () => {
    const plan = planRollout(
      { maxUnavailable: 1, partitions: [{ name: 'p', clusterSelector: {} }] },
      targets([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    );
    expect(plan.partitions[0]?.maxUnavailable).toBe(1);
  });

  it('auto partitions at or above autoPartitionThreshold, named by offsets', () => {
    const plan = planRollout(
      { autoPartitionThreshold: 4, autoPartitionSize: 2, maxUnavailablePartitions: 5 },
      targets(['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }))),
    );
    expect(plan.partitions.map((p) => p.name)).toEqual([
      'Partition 0 - 2',
      'Partition 2 - 4',
      'Partition 4 - 5',
    ]);
    expect(plan.maxUnavailablePartitions).toBe(3);
  });

  it('auto partitions are off below the threshold and for an integer size ≤ 0', () => {
    const t = targets(['a', 'b', 'c'].map((name) => ({ name })));
    expect(
      planRollout({ autoPartitionThreshold: 4, autoPartitionSize: 1 }, t).partitions.map((p) => p.name),
    ).toEqual(['All']);
    expect(
      planRollout({ autoPartitionThreshold: 1, autoPartitionSize: 0 }, t).partitions.map((p) => p.name),
    ).toEqual(['All']);
    expect(planRollout({ autoPartitionThreshold: 1, autoPartitionSize: '34%' }, t).partitions).toHaveLength(
      3,
    );
  });

  it('bundle unavailable counts existing deployments only; a new one is unavailable from the start', () => {
    const plan = planRollout(undefined, targets([{ name: 'a' }, { name: 'b', existing: notReady('m2:o') }]));
    expect(plan.unavailable).toBe(1);
    expect(plan.partitions[0]?.unavailable).toBe(2);
  });

  it('errors carry the reconciler prefix', () => {
    expect(() => planRollout({ maxUnavailable: 'x' }, targets([{ name: 'a' }]))).toThrow(
      /^failed to reset bundle status from targets: invalid maxUnavailable/,
    );
    expect(() => planRollout({ maxUnavailablePartitions: 'x' }, targets([{ name: 'a' }]))).toThrow(
      /^failed to update partitions: /,
    );
  });
});
