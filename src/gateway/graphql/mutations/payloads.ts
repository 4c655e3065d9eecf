/**
 * The payloads the mutations return. Every payload carries the object, what was (or would be)
 * done (`outcome`, `writtenResourceVersion`) and `userErrors`.
 */
import type { RetargetOperation, RetargetPlan, UserError } from '../../fleet/commands/index.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../../fleet/rules/read-model.js';
import { builder, type ObjectFieldBuilder } from '../builder.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { UserErrorRef } from './errors.js';
import { RetargetOperationRef, RetargetPlanRef } from './retarget.js';

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
