/**
 * The types the mutations return: user errors, retarget plans, staged operations, payloads. Every
 * payload carries the object, what was (or would be) done, and `userErrors` with stable codes and
 * field paths, so automation can act on problems without parsing top-level errors.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type {
  BundleRetargetPlan,
  OperationFailure,
  OperationStep,
  RetargetOperation,
  RetargetPlan,
  UserError,
} from '../../fleet/commands/index.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../../fleet/rules/read-model.js';
import { builder, type ObjectFieldBuilder } from '../builder.js';
import { BundleRef } from '../bundle/ref.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { GitTargetRef } from '../common/targets.js';
import { GitRepoRef } from '../gitrepo/ref.js';

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation did not (fully) do what was asked. Stable: automation may branch on it.',
  values: {
    INVALID_TARGET: {
      description: 'A target is invalid (selector syntax, names, duplicates, an empty list).',
    },
    INVALID_ARGUMENT: { description: 'Another input is invalid (strategy values, names, paths).' },
    CONFLICT: {
      description:
        'The object changed since `expectedResourceVersion` (or an operation is already running); nothing was written.',
    },
    NOT_FOUND: { description: 'The GitRepo (or operation) does not exist.' },
    FORBIDDEN: { description: 'The caller may not do this.' },
    TIMEOUT: { description: 'The write was made but did not come back through the watch in time.' },
    UNAVAILABLE: { description: 'The Kubernetes API could not be reached or failed.' },
  } as const,
});

type UserErrorCodeName =
  'INVALID_TARGET' | 'INVALID_ARGUMENT' | 'CONFLICT' | 'NOT_FOUND' | 'FORBIDDEN' | 'TIMEOUT' | 'UNAVAILABLE';

/** Domain codes as the public enum (a selector problem is a target problem to the caller). */
export function publicCode(code: string): UserErrorCodeName {
  if (code === 'INVALID_SELECTOR') return 'INVALID_TARGET';
  const known: readonly string[] = [
    'INVALID_TARGET',
    'INVALID_ARGUMENT',
    'CONFLICT',
    'NOT_FOUND',
    'FORBIDDEN',
    'TIMEOUT',
  ];
  return known.includes(code) ? (code as UserErrorCodeName) : 'UNAVAILABLE';
}

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'A problem the caller can fix, with a stable code and the path of the offending input.',
  fields: (t) => ({
    code: t.field({
      type: UserErrorCodeEnum,
      description: 'Stable error code.',
      resolve: (e) => publicCode(e.code),
    }),
    message: t.exposeString('message', { description: 'What is wrong, in one sentence.' }),
    field: t.string({
      nullable: true,
      description:
        'Path of the offending input, e.g. `targets[1].clusterSelector.matchExpressions[0].operator`.',
      resolve: (e) => e.field ?? null,
    }),
    currentResourceVersion: t.string({
      nullable: true,
      description: "For CONFLICT: the object's resourceVersion now, to retry against after reading it again.",
      resolve: (e) => e.currentResourceVersion ?? null,
    }),
  }),
});

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

interface Payload {
  readonly gitRepo: GitRepoRecord | null;
  readonly userErrors: readonly UserError[];
  readonly dryRun: boolean;
  /** Set when the API server accepted the write but the gateway has not seen it come back yet. */
  readonly accepted?: { readonly resourceVersion: string } | undefined;
  readonly orphans?: readonly unknown[];
  readonly deleted?: boolean;
}

export const WriteOutcomeEnum = builder.enumType('WriteOutcome', {
  description: 'What a mutation did on the API server.',
  values: {
    WRITTEN: {
      description: 'Written, and the gateway already serves the result (read-your-writes).',
    },
    ACCEPTED_NOT_YET_VISIBLE: {
      description:
        'The API server accepted the write (see `writtenResourceVersion`), but the gateway has not seen it come back within the wait; read again shortly. Not an error: never retry it as one.',
    },
    NOTHING_WRITTEN: { description: 'Nothing was written: a dry run, or refused (see `userErrors`).' },
  },
});

type WriteOutcome = 'WRITTEN' | 'ACCEPTED_NOT_YET_VISIBLE' | 'NOTHING_WRITTEN';

function outcomeOf(p: Payload): WriteOutcome {
  if (p.accepted) return 'ACCEPTED_NOT_YET_VISIBLE';
  if (p.dryRun) return 'NOTHING_WRITTEN';
  if (p.deleted === false) return 'NOTHING_WRITTEN';
  if (p.userErrors.length > 0 && !(p.orphans && p.orphans.length > 0)) return 'NOTHING_WRITTEN';
  return 'WRITTEN';
}

/** `outcome` and `writtenResourceVersion`, shared by every payload. */
function writeFields<P extends Payload>(t: ObjectFieldBuilder<P>) {
  return {
    outcome: t.field({
      type: WriteOutcomeEnum,
      description: 'Whether the write happened, and whether the gateway serves it yet.',
      resolve: (p) => outcomeOf(p),
    }),
    writtenResourceVersion: t.string({
      nullable: true,
      description:
        "The object's resourceVersion after the write (WRITTEN, ACCEPTED_NOT_YET_VISIBLE); null when nothing was written.",
      resolve: (p) => {
        const o = outcomeOf(p);
        if (o === 'ACCEPTED_NOT_YET_VISIBLE') return p.accepted?.resourceVersion ?? null;
        return o === 'WRITTEN' ? (p.gitRepo?.resourceVersion ?? null) : null;
      },
    }),
  };
}

/** `userErrors`, shared by every payload (CancelRetargetPayload has no GitRepo, but has these). */
function userErrorsField<P extends { readonly userErrors: readonly UserError[] }>(t: ObjectFieldBuilder<P>) {
  return t.field({
    type: [UserErrorRef],
    description: 'Problems that kept the mutation from doing what was asked; empty on success.',
    resolve: (p) => p.userErrors,
  });
}

/**
 * The three fields every GitRepo payload shares, built once so their descriptions cannot drift.
 * Callers place them around their own fields (the printed schema keeps field order: gitRepo
 * first, userErrors and dryRun last).
 */
function payloadFields<P extends Payload>(
  t: ObjectFieldBuilder<P>,
  gitRepoDescription = 'The GitRepo after the mutation (as the gateway now serves it), or as it is when nothing was written.',
) {
  return {
    gitRepo: t.field({
      type: GitRepoRef,
      nullable: true,
      description: gitRepoDescription,
      resolve: (p) => p.gitRepo,
    }),
    userErrors: userErrorsField(t),
    dryRun: t.boolean({ description: 'True when nothing was written.', resolve: (p) => p.dryRun }),
    ...writeFields(t),
  };
}

export const GitRepoPayloadRef = builder.objectRef<Payload>('GitRepoPayload').implement({
  description: 'The result of a GitRepo mutation.',
  fields: (t) => payloadFields(t),
});

export const RetargetGitRepoPayloadRef = builder
  .objectRef<Payload & { plan: RetargetPlan | null; operation: RetargetOperation | null }>(
    'RetargetGitRepoPayload',
  )
  .implement({
    description:
      'The result of `retargetGitRepo`: the GitRepo, the plan, the staged operation, and user errors.',
    fields: (t) => {
      const { gitRepo, userErrors, dryRun, outcome, writtenResourceVersion } = payloadFields(t);
      return {
        gitRepo,
        plan: t.field({
          type: RetargetPlanRef,
          nullable: true,
          description: 'What the retarget does (null when the input was invalid).',
          resolve: (p) => p.plan,
        }),
        operation: t.field({
          type: RetargetOperationRef,
          nullable: true,
          description: 'The staged operation (with `strategy` or `prune`); on a dry run, its planned steps.',
          resolve: (p) => p.operation,
        }),
        userErrors,
        dryRun,
        outcome,
        writtenResourceVersion,
      };
    },
  });

export const CreateGitRepoPayloadRef = builder
  .objectRef<Payload & { plan: RetargetPlan | null }>('CreateGitRepoPayload')
  .implement({
    description: 'The result of `createGitRepo`: the new GitRepo and what its targets reach.',
    fields: (t) => {
      const { gitRepo, userErrors, dryRun, outcome, writtenResourceVersion } = payloadFields(t);
      return {
        gitRepo,
        plan: t.field({
          type: RetargetPlanRef,
          nullable: true,
          description: 'The clusters its targets reach, with warnings.',
          resolve: (p) => p.plan,
        }),
        userErrors,
        dryRun,
        outcome,
        writtenResourceVersion,
      };
    },
  });

export const DeleteGitRepoPayloadRef = builder
  .objectRef<Payload & { deleted: boolean }>('DeleteGitRepoPayload')
  .implement({
    description: 'The result of `deleteGitRepo`.',
    fields: (t) => {
      // After a delete the GitRepo is only as last seen, not as the mutation left it.
      const { gitRepo, userErrors, dryRun, outcome, writtenResourceVersion } = payloadFields(
        t,
        'The GitRepo as last seen (terminating while Fleet deletes its Bundles).',
      );
      return {
        gitRepo,
        deleted: t.exposeBoolean('deleted', { description: 'True when the deletion was accepted.' }),
        userErrors,
        dryRun,
        outcome,
        writtenResourceVersion,
      };
    },
  });

const SkippedRef = builder.objectRef<{ bundle: string; reason: string }>('PruneSkippedBundle').implement({
  description: 'A Bundle whose BundleDeployments were not judged, with why.',
  fields: (t) => ({
    bundle: t.exposeString('bundle', { description: 'Bundle name.' }),
    reason: t.exposeString('reason', { description: 'Why it was skipped.' }),
  }),
});

export const PrunePayloadRef = builder
  .objectRef<
    Payload & {
      orphans: readonly BundleDeploymentRecord[];
      skipped: readonly { bundle: string; reason: string }[];
    }
  >('PruneOrphanedBundleDeploymentsPayload')
  .implement({
    description: 'The result of `pruneOrphanedBundleDeployments`.',
    fields: (t) => {
      const { gitRepo, userErrors, dryRun, outcome, writtenResourceVersion } = payloadFields(t);
      return {
        gitRepo,
        orphans: t.field({
          type: [BundleDeploymentRef],
          description:
            "BundleDeployments whose Bundle's current targets no longer select their cluster: deleted, or on a dry run, would be.",
          resolve: (p) => p.orphans,
        }),
        skippedBundles: t.field({
          type: [SkippedRef],
          description: 'Bundles not judged (not updated by Fleet yet, targeting error).',
          resolve: (p) => p.skipped,
        }),
        userErrors,
        dryRun,
        outcome,
        writtenResourceVersion,
      };
    },
  });

export const CancelRetargetPayloadRef = builder
  .objectRef<{ operation: RetargetOperation | null; userErrors: readonly UserError[] }>(
    'CancelRetargetPayload',
  )
  .implement({
    description: 'The result of `cancelRetarget`.',
    fields: (t) => ({
      operation: t.field({
        type: RetargetOperationRef,
        nullable: true,
        description: 'The operation after cancelling.',
        resolve: (p) => p.operation,
      }),
      userErrors: userErrorsField(t),
    }),
  });
