/**
 * Retarget (with its plan, optional staged strategy and pruning) and cancelling a staged retarget
 * (operation.ts, runner.ts), as FleetCommands runs them.
 */
import { randomUUID } from 'node:crypto';
import { isoNow } from '../../../shared/clock.js';
import { ErrorCode } from '../../../shared/errors.js';
import type { GitRepoRecord } from '../rules/read-model.js';
import { FleetView } from '../rules/view.js';
import {
  encodeOperation,
  findOperation,
  operationOf,
  planSteps,
  RETARGET_OPERATION_ANNOTATION,
  signOperation,
  strategyProblems,
  type OperationStep,
  type RetargetOperation,
  type RetargetStrategy,
} from './operation.js';
import { planRetarget, retargetValidation, type RetargetPlan } from './plan.js';
import type { CommandCaller } from './port.js';
import {
  isAccepted,
  isRecord,
  userError,
  type OperationResult,
  type RetargetInput,
  type RetargetResult,
  type UserError,
} from './results.js';
import type { OperationRunner } from './runner.js';
import type { OperationSigner } from './signing.js';
import type { WritePath } from './write-path.js';

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

/** What staged retargets need beyond the write path: the runner that carries them on, and the signer. */
export interface StagedContext {
  readonly w: WritePath;
  readonly runner: OperationRunner;
  readonly signer: OperationSigner;
}

export async function retarget(
  ctx: StagedContext,
  caller: CommandCaller,
  input: RetargetInput,
): Promise<RetargetResult> {
  const { w } = ctx;
  const dryRun = input.dryRun ?? false;
  const fail = (
    errors: UserError[],
    gitRepo: GitRepoRecord | null = w.repo(input) ?? null,
    plan: RetargetPlan | null = null,
  ): RetargetResult => ({
    gitRepo,
    plan,
    operation: null,
    userErrors: errors,
    dryRun,
  });
  const forbidden = await w.denied(caller, 'retarget', input, dryRun);
  // A refused caller gets nothing of the object, not even whether it exists.
  if (forbidden) return fail([forbidden], null);

  const v = retargetValidation(input.targets);
  const errors: UserError[] = v.problems.map((p) => userError(ErrorCode.INVALID_TARGET, p.message, p.field));
  const s = input.strategy;
  errors.push(
    ...strategyProblems({
      batchSize: s?.batchSize,
      pauseBetweenMs: s?.pauseBetweenMs,
      stepTimeoutMs: s?.stepTimeoutMs,
    }).map((p) => userError(ErrorCode.INVALID_ARGUMENT, p.message, p.field)),
  );
  const repo = w.repo(input);
  if (!repo) errors.push(w.notFound(input));
  if (errors.length > 0 || !repo) return fail(errors);

  const running = operationOf(repo, ctx.signer);
  if (running?.state === 'RUNNING')
    return fail([
      userError(
        ErrorCode.CONFLICT,
        `staged retarget ${running.id} is in progress on GitRepo "${repo.key}"; cancel it first`,
        undefined,
        repo.resourceVersion,
      ),
    ]);
  const pre = w.precondition(repo, input.expectedResourceVersion);
  if ('code' in pre) return fail([pre]);

  const view = new FleetView(w.deps.store.snapshot());
  const plan = planRetarget(view, repo, input.targets, v.warnings);
  const staged = s !== null && s !== undefined;
  const prune = input.prune === 'ORPHANS';
  let operation: RetargetOperation | null = null;
  if (staged || prune) {
    const strategy: RetargetStrategy = {
      batchSize: s?.batchSize ?? Number.MAX_SAFE_INTEGER,
      pauseBetweenMs: s?.pauseBetweenMs ?? 0,
      waitForReady: s?.waitForReady ?? true,
      abortOnFailure: s?.abortOnFailure ?? true,
      stepTimeoutMs: s?.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    };
    const before = [...plan.unchanged, ...plan.removed];
    const steps: OperationStep[] = planSteps(
      before,
      plan.added,
      plan.removed,
      input.targets,
      strategy.batchSize,
    );
    const now = isoNow(w.deps.clock);
    operation = {
      id: `rt-${randomUUID()}`,
      namespace: repo.namespace,
      name: repo.name,
      state: 'RUNNING',
      strategy,
      prune,
      // A dry run shows the planned steps, none applied.
      steps: steps.map((st, i) =>
        i === 0 && !dryRun ? { ...st, state: 'APPLIED', appliedAt: now, appliedBy: w.deps.identity } : st,
      ),
      currentStep: 0,
      startedAt: now,
      updatedAt: now,
      failures: [],
      startedBy: caller.kind === 'user' ? caller.name : undefined,
      updatedBy: w.deps.identity,
      // Later steps are written as this user (runner.ts), so RBAC and audit see them throughout.
      startedByUser:
        caller.kind === 'user'
          ? { name: caller.name, uid: caller.uid, groups: [...caller.groups], extra: caller.extra }
          : undefined,
      fromTargets: repo.targets,
    };
    // Bound to this GitRepo object; the runner acts on nothing else (operation.ts signedPart).
    operation = signOperation(operation, repo.uid, ctx.signer);
  }
  if (dryRun) return { gitRepo: repo, plan, operation, userErrors: [], dryRun };

  // One merge patch: the (first step's) targets and, when staged, the operation record. A
  // merge patch replaces lists whole (RFC 7386), which is what a new target list means.
  const first = operation?.steps[0];
  const patch: Record<string, unknown> = { spec: { targets: first ? first.targets : input.targets } };
  if (operation)
    patch['metadata'] = { annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(operation) } };
  const written = await w.patch(caller, input, patch, pre.rv);
  if (isAccepted(written)) {
    if (operation) ctx.runner.wake(repo.key);
    return { gitRepo: repo, plan, operation, userErrors: [], dryRun, accepted: written };
  }
  if (!isRecord(written)) return fail([written], undefined, plan);
  if (operation) ctx.runner.wake(written.key);
  return { gitRepo: written, plan, operation, userErrors: [], dryRun };
}

export async function cancel(
  ctx: StagedContext,
  caller: CommandCaller,
  id: string,
): Promise<OperationResult> {
  const { w } = ctx;
  for (let attempt = 0; ; attempt++) {
    const found = findOperation(w.deps.store.snapshot().list('GitRepo'), id, ctx.signer);
    if (!found)
      return {
        operation: null,
        gitRepo: null,
        userErrors: [userError(ErrorCode.NOT_FOUND, `retarget operation "${id}" not found`, 'id')],
      };
    const { repo, op } = found;
    const forbidden = await w.denied(caller, 'cancelRetarget', repo, false);
    if (forbidden) return { operation: null, gitRepo: null, userErrors: [forbidden] };
    if (op.state !== 'RUNNING')
      return {
        operation: op,
        gitRepo: repo,
        userErrors: [
          userError(
            ErrorCode.CONFLICT,
            `retarget operation "${id}" is already ${op.state}`,
            'id',
            repo.resourceVersion,
          ),
        ],
      };
    const cancelled: RetargetOperation = {
      ...op,
      state: 'CANCELLED',
      updatedAt: isoNow(w.deps.clock),
      message: `cancelled at step ${op.currentStep + 1} of ${op.steps.length}${caller.kind === 'user' ? ` by ${caller.name}` : ''}`,
    };
    const written = await w.patch(
      caller,
      repo,
      { metadata: { annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(cancelled) } } },
      repo.resourceVersion,
    );
    if (isAccepted(written))
      return { operation: cancelled, gitRepo: repo, userErrors: [], accepted: written };
    if (isRecord(written))
      return {
        operation: operationOf(written, ctx.signer) ?? cancelled,
        gitRepo: written,
        userErrors: [],
      };
    // Fleet's status writes race with ours; retry on the fresh object a few times.
    if (written.code !== ErrorCode.CONFLICT || attempt >= 4)
      return { operation: op, gitRepo: repo, userErrors: [written] };
    await w.deps.store
      .waitForVersion('GitRepo', repo.key, written.currentResourceVersion ?? repo.resourceVersion, {
        timeoutMs: w.writeWaitMs,
      })
      .catch(() => undefined);
  }
}
