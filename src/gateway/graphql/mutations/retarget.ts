/**
 * What a retarget plans and runs: per-Bundle and whole plans, and the staged operation with its
 * state, steps, strategy and failures.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type {
  BundleRetargetPlan,
  OperationFailure,
  OperationStep,
  RetargetOperation,
  RetargetPlan,
} from '../../fleet/commands/index.js';
import { builder } from '../builder.js';
import { BundleRef } from '../bundle/ref.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { GitTargetRef } from '../common/targets.js';
import { GitRepoRef } from '../gitrepo/ref.js';

export const BundleRetargetPlanRef = builder.objectRef<BundleRetargetPlan>('BundleRetargetPlan').implement({
  description:
    "What a retarget does to one Bundle: its targets rebuilt as `fleet apply` would (fleet.yaml customizations kept, the GitRepo's targets replaced) and the BundleDeployments Fleet then creates and deletes.",
  fields: (t) => ({
    bundle: t.field({ type: BundleRef, description: 'The Bundle.', resolve: (p) => p.bundle }),
    overridden: t.exposeBoolean('overridden', {
      description: 'True when fleet.yaml `overrideTargets` fixes its targets: the edit does not change it.',
    }),
    addedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters it will newly target.',
      resolve: (p) => p.added,
    }),
    removedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters it will stop targeting.',
      resolve: (p) => p.removed,
    }),
    unchangedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters it targets before and after.',
      resolve: (p) => p.unchanged,
    }),
    bundleDeploymentsToCreate: t.field({
      type: [ClusterRef],
      description:
        'Clusters that will get a new BundleDeployment of this Bundle (in their `status.namespace`).',
      resolve: (p) => p.create,
    }),
    bundleDeploymentsToDelete: t.field({
      type: [BundleDeploymentRef],
      description:
        'Existing BundleDeployments the new targets leave out: Fleet ≥ 0.12.3 deletes them in the same reconcile; older Fleet leaves them until check-in unless `prune: ORPHANS`.',
      resolve: (p) => p.delete,
    }),
  }),
});

export const RetargetPlanRef = builder.objectRef<RetargetPlan>('RetargetPlan').implement({
  description:
    "What replacing a GitRepo's targets does, computed with Fleet's rules before anything is written.",
  fields: (t) => ({
    targets: t.field({
      type: [GitTargetRef],
      description: 'The requested targets.',
      resolve: (p) => p.targets as GitTarget[],
    }),
    addedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters the GitRepo will newly reach.',
      resolve: (p) => p.added,
    }),
    removedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters the GitRepo will no longer reach.',
      resolve: (p) => p.removed,
    }),
    unchangedClusters: t.field({
      type: [ClusterRef],
      description: 'Clusters reached before and after.',
      resolve: (p) => p.unchanged,
    }),
    bundles: t.field({
      type: [BundleRetargetPlanRef],
      description: 'Per Bundle of the GitRepo.',
      resolve: (p) => p.bundles,
    }),
    warnings: t.stringList({
      description:
        'Valid but probably unintended effects: removes all clusters, adds N clusters, group-only selection, targets matching nothing…',
      resolve: (p) => p.warnings,
    }),
    noChange: t.exposeBoolean('noChange', {
      description: "True when the targets equal the GitRepo's current ones.",
    }),
  }),
});

export const OperationStateEnum = builder.enumType('RetargetOperationState', {
  description: 'Where a staged retarget is.',
  values: {
    RUNNING: { description: 'Steps are being applied.' },
    SUCCEEDED: { description: 'Every step converged; the GitRepo has the requested targets.' },
    FAILED: {
      description:
        'Stopped on a failure (see `failures` and `message`); targets stay those of the last applied step.',
    },
    CANCELLED: { description: 'Stopped by `cancelRetarget`; targets stay those of the last applied step.' },
  } as const,
});

export const StepStateEnum = builder.enumType('RetargetStepState', {
  description: 'Where one step of a staged retarget is.',
  values: {
    PENDING: { description: 'Not applied yet.' },
    APPLIED: { description: 'Its targets are written; waiting for Fleet to converge.' },
    CONVERGED: { description: 'Added deployments exist (Ready when asked) and removed ones are gone.' },
  } as const,
});

const StepRef = builder.objectRef<OperationStep>('RetargetStep').implement({
  description: 'One step of a staged retarget: an explicit target list.',
  fields: (t) => ({
    targets: t.field({
      type: [GitTargetRef],
      description: 'The GitRepo targets this step writes.',
      resolve: (s) => s.targets as GitTarget[],
    }),
    addedClusters: t.stringList({
      description: 'Names of the clusters this step adds.',
      resolve: (s) => s.added,
    }),
    removedClusters: t.stringList({
      description: 'Names of the clusters this step removes.',
      resolve: (s) => s.removed,
    }),
    state: t.field({ type: StepStateEnum, description: 'Where the step is.', resolve: (s) => s.state }),
    appliedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its targets were written.',
      resolve: (s) => s.appliedAt ?? null,
    }),
    convergedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it converged.',
      resolve: (s) => s.convergedAt ?? null,
    }),
    appliedBy: t.string({
      nullable: true,
      description:
        'The gateway replica that wrote its targets (its leader-election identity, `<hostname>_<id>`); null when not applied yet.',
      resolve: (s) => s.appliedBy ?? null,
    }),
    convergedBy: t.string({
      nullable: true,
      description:
        'The gateway replica that recorded it as converged; differs from appliedBy when leadership moved meanwhile.',
      resolve: (s) => s.convergedBy ?? null,
    }),
  }),
});

const FailureRef = builder.objectRef<OperationFailure>('RetargetFailure').implement({
  description: 'A deployment that failed or did not become Ready during a step.',
  fields: (t) => ({
    step: t.int({ description: 'Index of the step (0-based).', resolve: (f) => f.step }),
    bundle: t.string({ nullable: true, description: 'Bundle name.', resolve: (f) => f.bundle ?? null }),
    cluster: t.string({ nullable: true, description: 'Cluster name.', resolve: (f) => f.cluster ?? null }),
    state: t.string({
      nullable: true,
      description: 'Its state then (ErrApplied, NotReady, Pending…).',
      resolve: (f) => f.state ?? null,
    }),
    message: t.exposeString('message', { description: 'What happened.' }),
  }),
});

const StrategyRef = builder.objectRef<RetargetOperation['strategy']>('RetargetStrategy').implement({
  description: 'How a staged retarget proceeds.',
  fields: (t) => ({
    batchSize: t.int({
      description: 'Clusters added or removed per step.',
      resolve: (s) => Math.min(s.batchSize, 2 ** 31 - 1),
    }),
    pauseBetween: t.int({
      description: 'Seconds waited after a step converged.',
      resolve: (s) => Math.round(s.pauseBetweenMs / 1000),
    }),
    waitForReady: t.exposeBoolean('waitForReady', {
      description: 'Added deployments must be Ready, not only created.',
    }),
    abortOnFailure: t.exposeBoolean('abortOnFailure', {
      description: 'A failed deployment stops the operation.',
    }),
    stepTimeout: t.int({
      description: 'Seconds a step may take before its stragglers count as failures.',
      resolve: (s) => Math.round(s.stepTimeoutMs / 1000),
    }),
  }),
});

export const RetargetOperationRef = builder.objectRef<RetargetOperation>('RetargetOperation').implement({
  description:
    'A staged retarget, recorded on the GitRepo itself (annotation `fleet-graph.io/retarget-operation`) so any gateway replica can report and resume it.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Its id, for `retargetOperation` and `cancelRetarget`.' }),
    gitRepo: t.field({
      type: GitRepoRef,
      nullable: true,
      description: 'The GitRepo being retargeted; null when it is gone.',
      resolve: (o, _a, ctx) => ctx.readModel.gitRepo(o.namespace, o.name) ?? null,
    }),
    state: t.field({ type: OperationStateEnum, description: 'Where it is.', resolve: (o) => o.state }),
    strategy: t.field({ type: StrategyRef, description: 'How it proceeds.', resolve: (o) => o.strategy }),
    prune: t.exposeBoolean('prune', {
      description: 'Orphaned BundleDeployments are deleted after each step.',
    }),
    steps: t.field({
      type: [StepRef],
      description: 'The steps, in order; the last one writes exactly the requested targets.',
      resolve: (o) => o.steps,
    }),
    currentStep: t.exposeInt('currentStep', {
      description: 'Index of the step in progress (the number of steps once done).',
    }),
    startedAt: t.field({ type: 'DateTime', description: 'When it started.', resolve: (o) => o.startedAt }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it last changed.',
      resolve: (o) => o.updatedAt,
    }),
    updatedBy: t.string({
      nullable: true,
      description: 'The gateway replica that last wrote the record (its leader-election identity).',
      resolve: (o) => o.updatedBy ?? null,
    }),
    failures: t.field({
      type: [FailureRef],
      description: 'Deployments that failed along the way.',
      resolve: (o) => o.failures,
    }),
    message: t.string({
      nullable: true,
      description: 'Why it stopped, or what a step waited for.',
      resolve: (o) => o.message ?? null,
    }),
    startedBy: t.string({
      nullable: true,
      description: 'The caller who started it, when known.',
      resolve: (o) => o.startedBy ?? null,
    }),
  }),
});
