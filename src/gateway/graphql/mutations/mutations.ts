/**
 * The mutations: `retargetGitRepo` with preview, validation, precondition,
 * staged strategy and pruning; `pruneOrphanedBundleDeployments`, `cancelRetarget`,
 * `setGitRepoPaused`, `forceSyncGitRepo`, `createGitRepo`, `updateGitRepo`, `deleteGitRepo`; the
 * `retargetOperation` query; and the GitRepo fields `forceSyncPending` and `retargetOperation`.
 * Resolvers are one-liners over fleet/commands, which authorizes and validates.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import { InvalidSelectorError } from '../../../apis/selector.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { FleetCommands, UserError } from '../../fleet/commands/index.js';
import { findOperation, operationOf, strategyProblems } from '../../fleet/commands/index.js';
import { builder } from '../builder.js';
import { GitTargetInput, gitTargetsFromInput, type GitTargetInputShape } from '../common/targets.js';
import { signerOf, type GraphQLContext } from '../context.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import {
  CancelRetargetPayloadRef,
  CreateGitRepoPayloadRef,
  DeleteGitRepoPayloadRef,
  GitRepoPayloadRef,
  PrunePayloadRef,
  RetargetGitRepoPayloadRef,
  RetargetOperationRef,
} from './types.js';

/** The caller with where the request came from, for the audit line of the write. */
function callerOf(ctx: GraphQLContext) {
  return { ...ctx.caller, source: ctx.source };
}

function commands(ctx: GraphQLContext): FleetCommands {
  if (!ctx.commands) throw new FleetGraphError(ErrorCode.UNAVAILABLE, 'this gateway serves reads only');
  return ctx.commands;
}

/** Input targets as GitTargets, or the selector problems as INVALID_TARGET user errors with their paths. */
function targetsOf(inputs: readonly GitTargetInputShape[]): GitTarget[] | UserError[] {
  try {
    return gitTargetsFromInput(inputs);
  } catch (e) {
    if (!(e instanceof InvalidSelectorError) && !(e instanceof FleetGraphError)) throw e;
    const problems = e instanceof InvalidSelectorError ? e.problems : (e.details.problems ?? []);
    const list = problems.length > 0 ? problems : [{ field: 'targets', message: e.message }];
    return list.map((p) => ({ code: ErrorCode.INVALID_TARGET, message: p.message, field: p.field }));
  }
}

const isErrors = (x: GitTarget[] | UserError[]): x is UserError[] => x.length > 0 && 'code' in x[0]!;

const PruneModeEnum = builder.enumType('PruneMode', {
  description: 'What a retarget deletes besides what Fleet deletes itself.',
  values: {
    ORPHANS: {
      description:
        "BundleDeployments whose Bundle's current targets no longer select their cluster (what Fleet before v0.12.3 left behind), once the Bundles carry the new targets.",
    },
  } as const,
});

const RetargetStrategyInput = builder.inputType('RetargetStrategyInput', {
  description: 'Apply a retarget in steps, each an explicit target list, waiting for each to converge.',
  fields: (t) => ({
    batchSize: t.int({ required: true, description: 'Clusters added or removed per step (at least 1).' }),
    pauseBetween: t.int({
      required: false,
      description: 'Seconds to wait after a step converged (default 0).',
    }),
    waitForReady: t.boolean({
      required: false,
      description: 'Wait until added BundleDeployments are Ready, not only created (default true).',
    }),
    abortOnFailure: t.boolean({
      required: false,
      description: 'Stop when a deployment is ErrApplied or not Ready within `stepTimeout` (default true).',
    }),
    stepTimeout: t.int({
      required: false,
      description: 'Seconds a step may take to converge (default 600).',
    }),
  }),
});

const RetargetGitRepoInput = builder.inputType('RetargetGitRepoInput', {
  description: "Replace a GitRepo's `spec.targets`, safely.",
  fields: (t) => ({
    namespace: t.string({ required: true, description: 'Namespace (workspace) of the GitRepo.' }),
    name: t.string({ required: true, description: 'Name of the GitRepo.' }),
    targets: t.field({
      type: [GitTargetInput],
      required: true,
      description: 'The new targets (not empty: an empty list would silently mean the `default` group).',
    }),
    expectedResourceVersion: t.string({
      required: false,
      description:
        'Write only if the GitRepo is still at this resourceVersion (else CONFLICT, nothing written).',
    }),
    dryRun: t.boolean({ required: false, description: 'Return the plan and write nothing.' }),
    strategy: t.field({ type: RetargetStrategyInput, required: false, description: 'Apply in steps.' }),
    prune: t.field({
      type: PruneModeEnum,
      required: false,
      description: 'Also delete orphans once Fleet caught up.',
    }),
  }),
});

const GitRepoKeyInput = builder.inputType('GitRepoKeyInput', {
  description: 'Which GitRepo.',
  fields: (t) => ({
    namespace: t.string({ required: true, description: 'Its namespace (workspace).' }),
    name: t.string({ required: true, description: 'Its name.' }),
  }),
});

const guardFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  namespace: t.string({ required: true, description: 'Namespace (workspace) of the GitRepo.' }),
  name: t.string({ required: true, description: 'Name of the GitRepo.' }),
  expectedResourceVersion: t.string({
    required: false,
    description:
      'Write only if the GitRepo is still at this resourceVersion (else CONFLICT, nothing written).',
  }),
  dryRun: t.boolean({ required: false, description: 'Validate and report, write nothing.' }),
});

const SetGitRepoPausedInput = builder.inputType('SetGitRepoPausedInput', {
  description:
    'Pause or resume a GitRepo: while paused, Fleet stages changes but never promotes them (BDs OutOfSync).',
  fields: (t) => ({
    ...guardFields(t),
    paused: t.boolean({ required: true, description: 'True to pause, false to resume.' }),
  }),
});

const ForceSyncGitRepoInput = builder.inputType('ForceSyncGitRepoInput', {
  description: 'Force Fleet to redeploy a GitRepo (bumps `spec.forceSyncGeneration`).',
  fields: (t) => guardFields(t),
});

const DeleteGitRepoInput = builder.inputType('DeleteGitRepoInput', {
  description: 'Delete a GitRepo; Fleet then deletes its Bundles and their BundleDeployments.',
  fields: (t) => guardFields(t),
});

const UpdateGitRepoInput = builder.inputType('UpdateGitRepoInput', {
  description:
    "Change a GitRepo's source. Absent fields are left as they are; null clears branch or revision.",
  fields: (t) => ({
    ...guardFields(t),
    repo: t.string({ required: false, description: 'Git URL.' }),
    branch: t.string({ required: false, description: 'Branch to follow.' }),
    revision: t.string({
      required: false,
      description: 'Revision (commit or tag) to pin; wins over branch.',
    }),
    paths: t.stringList({ required: false, description: 'Paths in the repository holding Bundles.' }),
  }),
});

const CreateGitRepoInput = builder.inputType('CreateGitRepoInput', {
  description: 'Create a GitRepo.',
  fields: (t) => ({
    namespace: t.string({ required: true, description: 'Namespace (workspace) to create it in.' }),
    name: t.string({ required: true, description: 'Its name (a DNS label).' }),
    repo: t.string({ required: true, description: 'Git URL.' }),
    branch: t.string({ required: false, description: 'Branch to follow.' }),
    revision: t.string({ required: false, description: 'Revision to pin.' }),
    paths: t.stringList({ required: false, description: 'Paths in the repository holding Bundles.' }),
    targets: t.field({ type: [GitTargetInput], required: true, description: 'Its targets (not empty).' }),
    paused: t.boolean({ required: false, description: 'Create it paused.' }),
    dryRun: t.boolean({ required: false, description: 'Validate and plan, write nothing.' }),
  }),
});

builder.mutationType({
  description:
    'Writes to Fleet: validated, guarded by resourceVersion, and shown as the gateway then serves them.',
});

builder.mutationFields((t) => ({
  retargetGitRepo: t.field({
    type: RetargetGitRepoPayloadRef,
    description:
      "Replaces a GitRepo's targets: validates, plans (clusters and BundleDeployments added and removed, warnings), and unless `dryRun` writes them — directly, or in steps with `strategy` — optionally pruning orphans.",
    args: { input: t.arg({ type: RetargetGitRepoInput, required: true, description: 'What to change.' }) },
    resolve: async (_r, { input }, ctx) => {
      const targets = targetsOf(input.targets);
      const dryRun = input.dryRun ?? false;
      if (isErrors(targets)) {
        // Report the strategy's problems too, so one round trip shows everything to fix.
        const st = input.strategy;
        targets.push(
          ...strategyProblems({
            batchSize: st?.batchSize,
            pauseBetweenMs: st?.pauseBetween == null ? undefined : st.pauseBetween * 1000,
            stepTimeoutMs: st?.stepTimeout == null ? undefined : st.stepTimeout * 1000,
          }).map((p) => ({ code: ErrorCode.INVALID_ARGUMENT, message: p.message, field: p.field })),
        );
        return {
          gitRepo: ctx.readModel.gitRepo(input.namespace, input.name) ?? null,
          plan: null,
          operation: null,
          userErrors: targets,
          dryRun,
        };
      }
      const s = input.strategy;
      return commands(ctx).retargetGitRepo(callerOf(ctx), {
        ...input,
        targets,
        strategy: s && {
          batchSize: s.batchSize,
          pauseBetweenMs: s.pauseBetween == null ? undefined : s.pauseBetween * 1000,
          waitForReady: s.waitForReady ?? undefined,
          abortOnFailure: s.abortOnFailure ?? undefined,
          stepTimeoutMs: s.stepTimeout == null ? undefined : s.stepTimeout * 1000,
        },
      });
    },
  }),
  cancelRetarget: t.field({
    type: CancelRetargetPayloadRef,
    description:
      'Stops a staged retarget (state CANCELLED); the targets stay those of the last applied step.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    resolve: (_r, a, ctx) => commands(ctx).cancelRetarget(callerOf(ctx), String(a.id)),
  }),
  pruneOrphanedBundleDeployments: t.field({
    type: PrunePayloadRef,
    description:
      "Deletes the GitRepo's BundleDeployments whose Bundle's current targets no longer select their cluster (rancher/fleet#3437); never anything a Bundle still targets.",
    args: {
      gitRepo: t.arg({ type: GitRepoKeyInput, required: true, description: 'The GitRepo.' }),
      dryRun: t.arg.boolean({ required: false, description: 'List the orphans, delete nothing.' }),
    },
    resolve: (_r, a, ctx) =>
      commands(ctx).pruneOrphanedBundleDeployments(callerOf(ctx), a.gitRepo, a.dryRun ?? false),
  }),
  setGitRepoPaused: t.field({
    type: GitRepoPayloadRef,
    description: "Sets a GitRepo's `spec.paused`.",
    args: { input: t.arg({ type: SetGitRepoPausedInput, required: true, description: 'What to change.' }) },
    resolve: (_r, { input }, ctx) => commands(ctx).setGitRepoPaused(callerOf(ctx), input),
  }),
  forceSyncGitRepo: t.field({
    type: GitRepoPayloadRef,
    description:
      'Bumps `spec.forceSyncGeneration` so Fleet redeploys; `gitRepo.forceSyncPending` tells when Fleet has acted on it (`status.updateGeneration`).',
    args: { input: t.arg({ type: ForceSyncGitRepoInput, required: true, description: 'Which GitRepo.' }) },
    resolve: (_r, { input }, ctx) => commands(ctx).forceSyncGitRepo(callerOf(ctx), input),
  }),
  createGitRepo: t.field({
    type: CreateGitRepoPayloadRef,
    description: 'Creates a GitRepo, with the same target validation as a retarget.',
    args: { input: t.arg({ type: CreateGitRepoInput, required: true, description: 'The GitRepo.' }) },
    resolve: async (_r, { input }, ctx) => {
      const targets = targetsOf(input.targets);
      const dryRun = input.dryRun ?? false;
      if (isErrors(targets)) return { gitRepo: null, plan: null, userErrors: targets, dryRun };
      return commands(ctx).createGitRepo(callerOf(ctx), { ...input, targets });
    },
  }),
  updateGitRepo: t.field({
    type: GitRepoPayloadRef,
    description:
      "Changes a GitRepo's source (repo, branch, revision, paths); targets change through `retargetGitRepo`.",
    args: { input: t.arg({ type: UpdateGitRepoInput, required: true, description: 'What to change.' }) },
    resolve: (_r, { input }, ctx) => commands(ctx).updateGitRepo(callerOf(ctx), input),
  }),
  deleteGitRepo: t.field({
    type: DeleteGitRepoPayloadRef,
    description: 'Deletes a GitRepo (Fleet removes its Bundles and BundleDeployments).',
    args: { input: t.arg({ type: DeleteGitRepoInput, required: true, description: 'Which GitRepo.' }) },
    resolve: (_r, { input }, ctx) => commands(ctx).deleteGitRepo(callerOf(ctx), input),
  }),
}));

builder.queryFields((t) => ({
  retargetOperation: t.field({
    type: RetargetOperationRef,
    nullable: true,
    description: 'A staged retarget by id, as recorded on its GitRepo; null when unknown.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    // Read from the operation's own snapshot, like every query (no write side needed).
    resolve: (_r, a, ctx) => findOperation(ctx.readModel.gitRepos(), String(a.id), signerOf(ctx))?.op ?? null,
  }),
}));

builder.objectFields(GitRepoRef, (t) => ({
  forceSyncPending: t.boolean({
    description:
      'True while Fleet has not yet acted on the last `forceSyncGeneration`: its `status.updateGeneration` (the value Fleet last started a new job for) is still behind `spec.forceSyncGeneration`.',
    resolve: (g) => g.forceSyncGeneration > g.status.updateGeneration,
  }),
  retargetOperation: t.field({
    type: RetargetOperationRef,
    nullable: true,
    description: 'The last staged retarget recorded on this GitRepo (running or finished).',
    resolve: (g, _a, ctx) => operationOf(g, signerOf(ctx)) ?? null,
  }),
}));
