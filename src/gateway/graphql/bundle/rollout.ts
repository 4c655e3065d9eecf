/**
 * Rollout pacing of a Bundle (docs/fleet/rollout.md §7.1) as fleet-graph recomputes it: the
 * figures Fleet writes to `Bundle.status` and what holds each target back. This is the one place
 * that maps the rule's hold names to the schema's enum.
 */
import type { RecomputedPartition, RecomputedRollout, RolloutHold } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';

const HOLDS: Record<RolloutHold, { value: RolloutHold; description: string }> = {
  NO_NAMESPACE: {
    value: 'NO_NAMESPACE',
    description:
      'No BundleDeployment: the Cluster has no `status.namespace` yet. It still uses up one of the `maxNew` slots.',
  },
  MAX_NEW: {
    value: 'MAX_NEW',
    description:
      'No BundleDeployment: the `maxNew` new deployments one reconcile may create went to targets listed before it.',
  },
  NOT_IN_PARTITION: {
    value: 'NOT_IN_PARTITION',
    description:
      'Manual `partitions` are set and none selects this cluster: Fleet never creates, stages or updates its deployment.',
  },
  PARTITION_NOT_REACHED: {
    value: 'PARTITION_NOT_REACHED',
    description:
      'The rollout stops before its partition because more partitions are unavailable than `maxUnavailablePartitions`.',
  },
  MAX_UNAVAILABLE: {
    value: 'MAX_UNAVAILABLE',
    description: "Staged but not deployed: the Bundle's or its partition's `maxUnavailable` is reached.",
  },
  PAUSED: { value: 'PAUSED', description: 'Staged but not deployed: the Bundle or the Cluster is paused.' },
  NEXT_RECONCILE: {
    value: 'NEXT_RECONCILE',
    description: "Nothing holds it back; Fleet's next reconcile of the Bundle creates, stages or deploys it.",
  },
};

export const RolloutHoldEnum = builder.enumType('RolloutHold', {
  description:
    "What holds a target's rollout back, by Fleet's rollout rules (maxNew, partitions, maxUnavailable, pause).",
  values: HOLDS,
});

const RolloutPartitionRef = builder.objectRef<RecomputedPartition>('RolloutPartition').implement({
  description: 'One rollout partition, as Fleet lists it in `status.partitions`.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: "Its name: `All`, `Partition <from> - <to>`, or the manual partition's name.",
    }),
    count: t.exposeInt('count', { description: 'Targets in it.' }),
    maxUnavailable: t.exposeInt('maxUnavailable', {
      description: 'Targets that may be unavailable in it, as a number.',
    }),
    unavailable: t.exposeInt('unavailable', {
      description:
        'Targets in it that are unavailable or not up to date (as of the last partition Fleet reached).',
    }),
  }),
});

export const BundleRolloutRef = builder.objectRef<RecomputedRollout>('BundleRollout').implement({
  description:
    "A Bundle's rollout figures recomputed by fleet-graph with Fleet's rules over the deployments now; once Fleet has caught up they equal its `status`.",
  fields: (t) => ({
    maxUnavailable: t.exposeInt('maxUnavailable', {
      description: '`rolloutStrategy.maxUnavailable` as a number of targets (default 100%).',
    }),
    unavailable: t.exposeInt('unavailable', {
      description: 'Deployments unavailable (not applied or not ready), plus those the pass starts updating.',
    }),
    maxUnavailablePartitions: t.exposeInt('maxUnavailablePartitions', {
      description: '`rolloutStrategy.maxUnavailablePartitions` as a number of partitions (default 0).',
    }),
    unavailablePartitions: t.exposeInt('unavailablePartitions', {
      description:
        'Partitions with more unavailable targets than they allow; above the maximum the rollout stops.',
    }),
    maxNew: t.exposeInt('maxNew', { description: 'New deployments one reconcile may create (default 50).' }),
    newlyCreated: t.exposeInt('newlyCreated', {
      description: 'New deployments the pass creates (clusters without a namespace included).',
    }),
    partitions: t.field({
      type: [RolloutPartitionRef],
      description: 'The partitions, in rollout order.',
      resolve: (r) => r.partitions,
    }),
  }),
});
