/**
 * The write commands (project issue #5): retarget with preview, validation, precondition, staged
 * strategy and pruning; pause, force sync, create, update, delete. Every command goes through one
 * authorization point, validates before writing, writes once (a merge patch guarded by the
 * caller's resourceVersion, so nothing is half-written), and waits until the store has seen its
 * own write (read-your-writes) so the result shows the new object.
 *
 * Problems the caller can fix come back as `userErrors` (stable codes, field paths); only
 * unexpected failures throw.
 */
import { randomUUID } from 'node:crypto';
import type { GitRepoSpec, GitTarget } from '../../../apis/fleet.js';
import { isoNow } from '../../../shared/clock.js';
import { ErrorCode, isFleetGraphError, truncate } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../rules/read-model.js';
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
import {
  ALLOW_ALL,
  type CommandAction,
  type CommandCaller,
  type CommandDeps,
  type FleetWriter,
} from './port.js';
import { planRetarget, retargetValidation, type RetargetPlan } from './plan.js';
import { selectOrphans } from './prune.js';
import { OperationRunner } from './runner.js';
import { OperationSigner } from './signing.js';
import { changedFields, specView, VersionMemo } from './versions.js';

export interface UserError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Path of the offending input, e.g. `targets[1].clusterSelector.matchExpressions[0].operator`. */
  readonly field?: string | undefined;
  /** For CONFLICT: the object's resourceVersion now. */
  readonly currentResourceVersion?: string | undefined;
}

export interface GitRepoRef {
  readonly namespace: string;
  readonly name: string;
}

interface Guarded extends GitRepoRef {
  readonly expectedResourceVersion?: string | null | undefined;
  readonly dryRun?: boolean | null | undefined;
}

export interface RetargetInput extends Guarded {
  readonly targets: readonly GitTarget[];
  readonly strategy?:
    (Partial<Omit<RetargetStrategy, 'batchSize'>> & { batchSize?: number | null }) | null | undefined;
  readonly prune?: 'ORPHANS' | null | undefined;
}

export interface CommandResult {
  /** The GitRepo after the command (as the store holds it once the write came back), or as it is. */
  readonly gitRepo: GitRepoRecord | null;
  readonly userErrors: readonly UserError[];
  readonly dryRun: boolean;
  /**
   * Set when the API server accepted the write but the gateway's watch has not brought it back
   * within the wait: the write happened (this is its resourceVersion), `gitRepo` is still the old
   * state. Not an error: reading again shortly shows it.
   */
  readonly accepted?: AcceptedWrite | undefined;
}

/** A write the API server accepted that the store has not seen yet. */
export interface AcceptedWrite {
  readonly resourceVersion: string;
}

export interface RetargetResult extends CommandResult {
  readonly plan: RetargetPlan | null;
  /** The staged operation started (or, on a dry run with a strategy, its planned steps). */
  readonly operation: RetargetOperation | null;
}

export interface PruneResult extends CommandResult {
  /** The orphans found (deleted unless dry run). */
  readonly orphans: readonly BundleDeploymentRecord[];
  /** Bundles whose deployments were not judged, with why. */
  readonly skipped: readonly { readonly bundle: string; readonly reason: string }[];
}

export interface OperationResult {
  readonly operation: RetargetOperation | null;
  readonly gitRepo: GitRepoRecord | null;
  readonly userErrors: readonly UserError[];
  readonly accepted?: AcceptedWrite | undefined;
}

/** The audit line's `outcome` for a write that was sent and accepted but not seen yet. */
export const ACCEPTED_NOT_YET_VISIBLE = 'ACCEPTED_NOT_YET_VISIBLE';

export interface GitRepoFields {
  readonly repo?: string | null | undefined;
  readonly branch?: string | null | undefined;
  readonly revision?: string | null | undefined;
  readonly paths?: readonly string[] | null | undefined;
}

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type PatchOutcome = GitRepoRecord | UserError | AcceptedWrite;

function isAccepted(x: PatchOutcome): x is AcceptedWrite {
  return !('kind' in x) && !('code' in x);
}

function isRecord(x: PatchOutcome): x is GitRepoRecord {
  return 'kind' in x;
}

function userError(
  code: ErrorCode,
  message: string,
  field?: string,
  currentResourceVersion?: string,
): UserError {
  return { code, message, field, currentResourceVersion };
}

/**
 * A thrown domain error the caller can act on, as a user error; anything else is rethrown. What
 * the caller must not see (the API server's own words) goes to the log, truncated.
 */
function asUserError(err: unknown, log?: Logger): UserError {
  if (!isFleetGraphError(err)) throw err;
  if (err.internal !== undefined) {
    log?.info({ code: err.code, ...err.details, detail: truncate(err.internal) }, 'write refused');
  }
  switch (err.code) {
    case ErrorCode.CONFLICT:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.FORBIDDEN:
    case ErrorCode.INVALID_ARGUMENT:
    case ErrorCode.INVALID_TARGET:
    case ErrorCode.INVALID_SELECTOR:
    case ErrorCode.TIMEOUT:
    case ErrorCode.UNAVAILABLE:
      return userError(err.code, err.message);
    default:
      throw err;
  }
}

export class FleetCommands {
  readonly runner: OperationRunner;
  /** Signs the operation records this gateway writes and verifies those it reads. */
  readonly signer: OperationSigner;
  private readonly writeWaitMs: number;

  private readonly versions = new VersionMemo();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: CommandDeps) {
    this.signer = deps.signer ?? OperationSigner.forProcess().signer;
    this.runner = new OperationRunner(deps, this.signer);
    this.writeWaitMs = deps.writeWaitMs ?? 10_000;
    // Remember what each GitRepo version held, to judge stale preconditions (versions.ts).
    for (const r of deps.store.snapshot().list('GitRepo')) this.versions.record(r);
    this.unsubscribe = deps.store.subscribe((e) => {
      if (e.kind !== 'GitRepo') return;
      if (e.after) this.versions.record(e.after as GitRepoRecord);
      else this.versions.forget(e.key);
    });
  }

  /** Resumes staged operations recorded on GitRepos (call once the store is synced). */
  start(): void {
    this.runner.start();
  }

  stop(): void {
    this.runner.stop();
    this.unsubscribe();
  }

  // ─── helpers ────────────────────────────────────────────────────────────────

  /**
   * Refusals decided before anything is sent, in an order that leaks nothing: the namespace must
   * be a valid name inside the watched workspaces (static configuration), then the caller must be
   * allowed the write (so FORBIDDEN comes before NOT_FOUND, whether or not the object exists).
   */
  private async denied(caller: CommandCaller, action: CommandAction, ref: GitRepoRef, dryRun: boolean) {
    const bound = this.outOfBounds(ref.namespace);
    if (bound) return bound;
    if (!this.writerOf(caller))
      return userError(
        ErrorCode.FORBIDDEN,
        `an anonymous caller may not ${action} GitRepo ${ref.namespace}/${ref.name}`,
      );
    const verdict = await (this.deps.authorize ?? ALLOW_ALL)(caller, { action, ...ref, dryRun });
    if (verdict === true) return undefined;
    const who = caller.kind === 'user' ? `user "${caller.name}"` : 'anonymous caller';
    const why = typeof verdict === 'string' ? `: ${verdict}` : '';
    return userError(
      ErrorCode.FORBIDDEN,
      `${who} may not ${action} GitRepo ${ref.namespace}/${ref.name}${why}`,
    );
  }

  /** INVALID_ARGUMENT for a namespace that is not a DNS label or not a watched workspace. */
  private outOfBounds(namespace: string): UserError | undefined {
    if (!NAME.test(namespace) || namespace.length > 63)
      return userError(
        ErrorCode.INVALID_ARGUMENT,
        `"${namespace}" is not a valid namespace name`,
        'namespace',
      );
    const allowed = this.deps.namespaces ?? [];
    if (allowed.length > 0 && !allowed.includes(namespace))
      return userError(
        ErrorCode.INVALID_ARGUMENT,
        `namespace "${namespace}" is not one of the workspaces this gateway serves (${allowed.join(', ')})`,
        'namespace',
      );
    return undefined;
  }

  /** The writer acting as `caller`; undefined when they may not write (anonymous under authentication). */
  private writerOf(caller: CommandCaller): FleetWriter | undefined {
    return this.deps.writerFor ? this.deps.writerFor(caller) : this.deps.writer;
  }

  /** One structured line per write command: who, from where, what, and how it ended. */
  private async audited<
    R extends {
      userErrors: readonly UserError[];
      gitRepo?: GitRepoRecord | null;
      accepted?: AcceptedWrite | undefined;
    },
  >(
    caller: CommandCaller,
    action: CommandAction,
    ref: GitRepoRef,
    dryRun: boolean,
    run: () => Promise<R>,
  ): Promise<R> {
    let result: R | undefined;
    try {
      result = await run();
      return result;
    } finally {
      const outcome = !result
        ? ErrorCode.INTERNAL
        : (result.userErrors[0]?.code ?? (result.accepted ? ACCEPTED_NOT_YET_VISIBLE : 'OK'));
      this.deps.logger.info(
        {
          principal: caller.kind === 'user' ? caller.name : 'anonymous',
          groups: caller.kind === 'user' ? caller.groups : [],
          sourceAddress: caller.source?.address,
          origin: caller.source?.origin,
          userAgent: caller.source?.userAgent,
          action,
          object: { kind: 'GitRepo', namespace: ref.namespace, name: ref.name },
          dryRun,
          outcome,
          resourceVersion: result?.accepted?.resourceVersion ?? result?.gitRepo?.resourceVersion,
        },
        'audit',
      );
    }
  }

  private repo(ref: GitRepoRef): GitRepoRecord | undefined {
    return this.deps.store.snapshot().get('GitRepo', `${ref.namespace}/${ref.name}`);
  }

  private notFound(ref: GitRepoRef): UserError {
    return userError(ErrorCode.NOT_FOUND, `GitRepo "${ref.namespace}/${ref.name}" not found`, 'name');
  }

  /** The stale-precondition error, naming what the caller would overwrite. */
  private conflict(repo: GitRepoRecord, expected: string): UserError {
    const seen = this.versions.get(repo.key, expected);
    const changed = seen ? changedFields(seen, specView(repo)) : [];
    const what = changed.length > 0 ? `${changed.join(', ')} changed` : 'changed';
    return userError(
      ErrorCode.CONFLICT,
      `GitRepo "${repo.key}" ${what} since resourceVersion ${expected} (now ${repo.resourceVersion}, generation ${repo.generation}); current targets: ${JSON.stringify(repo.targets)}. Read it again and retry.`,
      'expectedResourceVersion',
      repo.resourceVersion,
    );
  }

  /**
   * The precondition to write with, or CONFLICT. A version whose spec (generation) is the current
   * one only missed status or metadata writes, which the edit does not overwrite: the write is
   * then guarded by the current version instead, so a spec change racing with it still conflicts.
   */
  private precondition(
    repo: GitRepoRecord,
    expected: string | null | undefined,
  ): { rv: string | undefined } | UserError {
    if (!expected) return { rv: undefined };
    if (expected === repo.resourceVersion) return { rv: expected };
    const seen = this.versions.get(repo.key, expected);
    if (seen && seen.generation === repo.generation) return { rv: repo.resourceVersion };
    return this.conflict(repo, expected);
  }

  /** A CONFLICT from the API server, completed with the current object once the store has it. */
  private conflictFromServer(ref: GitRepoRef, expected: string): UserError {
    const repo = this.repo(ref);
    if (!repo) return this.notFound(ref);
    if (repo.resourceVersion !== expected) return this.conflict(repo, expected);
    // The API server is ahead of the gateway's watch: what changed is not known here yet.
    return userError(
      ErrorCode.CONFLICT,
      `GitRepo "${repo.key}" changed on the API server since resourceVersion ${expected}; the gateway has not seen the change yet. Read it again and retry.`,
      'expectedResourceVersion',
    );
  }

  /**
   * Patch as the caller, then wait for the store to hold the write. Returns the new record, a user
   * error, or — when the store has not seen the accepted write within the wait — its resourceVersion.
   */
  private async patch(
    caller: CommandCaller,
    ref: GitRepoRef,
    patch: Record<string, unknown>,
    expected: string | null | undefined,
  ): Promise<PatchOutcome> {
    const writer = this.writerOf(caller);
    if (!writer)
      return userError(
        ErrorCode.FORBIDDEN,
        `an anonymous caller may not change GitRepo ${ref.namespace}/${ref.name}`,
      );
    try {
      const w = await writer.patchGitRepo(ref.namespace, ref.name, patch, expected ?? undefined);
      try {
        const rec = await this.deps.store.waitForVersion(
          'GitRepo',
          `${ref.namespace}/${ref.name}`,
          w.resourceVersion,
          {
            timeoutMs: this.writeWaitMs,
          },
        );
        return rec ?? this.notFound(ref);
      } catch (err) {
        if (isFleetGraphError(err) && err.code === ErrorCode.TIMEOUT)
          return { resourceVersion: w.resourceVersion };
        throw err;
      }
    } catch (err) {
      if (isFleetGraphError(err) && err.code === ErrorCode.CONFLICT && expected)
        return this.conflictFromServer(ref, expected);
      return asUserError(err, this.deps.logger);
    }
  }

  // ─── retarget ───────────────────────────────────────────────────────────────

  /** Validates, plans and (unless dry run) applies a new `spec.targets`, directly or staged. */
  retargetGitRepo(caller: CommandCaller, input: RetargetInput): Promise<RetargetResult> {
    return this.audited(caller, 'retarget', input, input.dryRun ?? false, () => this.retarget(caller, input));
  }

  private async retarget(caller: CommandCaller, input: RetargetInput): Promise<RetargetResult> {
    const dryRun = input.dryRun ?? false;
    const fail = (
      errors: UserError[],
      gitRepo: GitRepoRecord | null = this.repo(input) ?? null,
      plan: RetargetPlan | null = null,
    ): RetargetResult => ({
      gitRepo,
      plan,
      operation: null,
      userErrors: errors,
      dryRun,
    });
    const forbidden = await this.denied(caller, 'retarget', input, dryRun);
    // A refused caller gets nothing of the object, not even whether it exists.
    if (forbidden) return fail([forbidden], null);

    const v = retargetValidation(input.targets);
    const errors: UserError[] = v.problems.map((p) =>
      userError(ErrorCode.INVALID_TARGET, p.message, p.field),
    );
    const s = input.strategy;
    errors.push(
      ...strategyProblems({
        batchSize: s?.batchSize,
        pauseBetweenMs: s?.pauseBetweenMs,
        stepTimeoutMs: s?.stepTimeoutMs,
      }).map((p) => userError(ErrorCode.INVALID_ARGUMENT, p.message, p.field)),
    );
    const repo = this.repo(input);
    if (!repo) errors.push(this.notFound(input));
    if (errors.length > 0 || !repo) return fail(errors);

    const running = operationOf(repo, this.signer);
    if (running?.state === 'RUNNING')
      return fail([
        userError(
          ErrorCode.CONFLICT,
          `staged retarget ${running.id} is in progress on GitRepo "${repo.key}"; cancel it first`,
          undefined,
          repo.resourceVersion,
        ),
      ]);
    const pre = this.precondition(repo, input.expectedResourceVersion);
    if ('code' in pre) return fail([pre]);

    const view = new FleetView(this.deps.store.snapshot());
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
      const now = isoNow(this.deps.clock);
      operation = {
        id: `rt-${randomUUID()}`,
        namespace: repo.namespace,
        name: repo.name,
        state: 'RUNNING',
        strategy,
        prune,
        // A dry run shows the planned steps, none applied.
        steps: steps.map((st, i) =>
          i === 0 && !dryRun
            ? { ...st, state: 'APPLIED', appliedAt: now, appliedBy: this.deps.identity }
            : st,
        ),
        currentStep: 0,
        startedAt: now,
        updatedAt: now,
        failures: [],
        startedBy: caller.kind === 'user' ? caller.name : undefined,
        updatedBy: this.deps.identity,
        // Later steps are written as this user (runner.ts), so RBAC and audit see them throughout.
        startedByUser:
          caller.kind === 'user'
            ? { name: caller.name, uid: caller.uid, groups: [...caller.groups], extra: caller.extra }
            : undefined,
        fromTargets: repo.targets,
      };
      // Bound to this GitRepo object; the runner acts on nothing else (operation.ts signedPart).
      operation = signOperation(operation, repo.uid, this.signer);
    }
    if (dryRun) return { gitRepo: repo, plan, operation, userErrors: [], dryRun };

    // One merge patch: the (first step's) targets and, when staged, the operation record. A
    // merge patch replaces lists whole (RFC 7386), which is what a new target list means.
    const first = operation?.steps[0];
    const patch: Record<string, unknown> = { spec: { targets: first ? first.targets : input.targets } };
    if (operation)
      patch['metadata'] = { annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(operation) } };
    const written = await this.patch(caller, input, patch, pre.rv);
    if (isAccepted(written)) {
      if (operation) this.runner.wake(repo.key);
      return { gitRepo: repo, plan, operation, userErrors: [], dryRun, accepted: written };
    }
    if (!isRecord(written)) return fail([written], undefined, plan);
    if (operation) this.runner.wake(written.key);
    return { gitRepo: written, plan, operation, userErrors: [], dryRun };
  }

  /** The staged operation with this id, wherever it is recorded. */
  retargetOperation(id: string): { operation: RetargetOperation; gitRepo: GitRepoRecord } | undefined {
    const found = findOperation(this.deps.store.snapshot().list('GitRepo'), id, this.signer);
    return found && { operation: found.op, gitRepo: found.repo };
  }

  /** Stops a staged operation: state CANCELLED; the targets stay those of the last applied step. */
  async cancelRetarget(caller: CommandCaller, id: string): Promise<OperationResult> {
    const found = findOperation(this.deps.store.snapshot().list('GitRepo'), id, this.signer);
    const ref = found ? found.repo : { namespace: '', name: '' };
    return this.audited(caller, 'cancelRetarget', ref, false, () => this.cancel(caller, id));
  }

  private async cancel(caller: CommandCaller, id: string): Promise<OperationResult> {
    for (let attempt = 0; ; attempt++) {
      const found = findOperation(this.deps.store.snapshot().list('GitRepo'), id, this.signer);
      if (!found)
        return {
          operation: null,
          gitRepo: null,
          userErrors: [userError(ErrorCode.NOT_FOUND, `retarget operation "${id}" not found`, 'id')],
        };
      const { repo, op } = found;
      const forbidden = await this.denied(caller, 'cancelRetarget', repo, false);
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
        updatedAt: isoNow(this.deps.clock),
        message: `cancelled at step ${op.currentStep + 1} of ${op.steps.length}${caller.kind === 'user' ? ` by ${caller.name}` : ''}`,
      };
      const written = await this.patch(
        caller,
        repo,
        { metadata: { annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(cancelled) } } },
        repo.resourceVersion,
      );
      if (isAccepted(written))
        return { operation: cancelled, gitRepo: repo, userErrors: [], accepted: written };
      if (isRecord(written))
        return {
          operation: operationOf(written, this.signer) ?? cancelled,
          gitRepo: written,
          userErrors: [],
        };
      // Fleet's status writes race with ours; retry on the fresh object a few times.
      if (written.code !== ErrorCode.CONFLICT || attempt >= 4)
        return { operation: op, gitRepo: repo, userErrors: [written] };
      await this.deps.store
        .waitForVersion('GitRepo', repo.key, written.currentResourceVersion ?? repo.resourceVersion, {
          timeoutMs: this.writeWaitMs,
        })
        .catch(() => undefined);
    }
  }

  // ─── prune ──────────────────────────────────────────────────────────────────

  /** Deletes (or, on a dry run, lists) the GitRepo's orphaned BundleDeployments (prune.ts). */
  pruneOrphanedBundleDeployments(
    caller: CommandCaller,
    ref: GitRepoRef,
    dryRun = false,
  ): Promise<PruneResult> {
    return this.audited(caller, 'prune', ref, dryRun, () => this.prune(caller, ref, dryRun));
  }

  private async prune(caller: CommandCaller, ref: GitRepoRef, dryRun: boolean): Promise<PruneResult> {
    const empty = { orphans: [], skipped: [], dryRun };
    const forbidden = await this.denied(caller, 'prune', ref, dryRun);
    if (forbidden) return { ...empty, gitRepo: null, userErrors: [forbidden] };
    const repo = this.repo(ref);
    if (!repo) return { ...empty, gitRepo: null, userErrors: [this.notFound(ref)] };
    const view = new FleetView(this.deps.store.snapshot());
    const sel = selectOrphans(view, repo, this.versions.targetHistory(repo.key));
    const skipped = sel.skipped.map((s) => ({ bundle: s.bundle.name, reason: s.reason }));
    if (dryRun) return { gitRepo: repo, orphans: sel.orphans, skipped, userErrors: [], dryRun };
    const userErrors: UserError[] = [];
    const deleted: BundleDeploymentRecord[] = [];
    for (const orphan of sel.orphans) {
      try {
        const bd = await this.deleteOrphan(caller, repo, orphan);
        if (bd) deleted.push(bd);
      } catch (err) {
        const ue = asUserError(err, this.deps.logger);
        if (ue.code !== ErrorCode.NOT_FOUND)
          userErrors.push({ ...ue, field: `orphans[${orphan.namespace}/${orphan.name}]` });
      }
    }
    // Read-your-writes: wait until the store saw each deletion: the object gone (or replaced by
    // a new uid), or a newer version of it (the finalizer-held tombstone). Already-seen deletions
    // count at once; waiting for a version of an object that no longer exists never ends.
    await Promise.all(
      deleted.map((bd) =>
        this.deps.store
          .waitForDeletion('BundleDeployment', bd.key, bd.uid, {
            resourceVersion: String(Number(bd.resourceVersion) + 1),
            timeoutMs: this.writeWaitMs,
          })
          .catch(() => undefined),
      ),
    );
    return { gitRepo: this.repo(ref) ?? null, orphans: deleted, skipped, userErrors, dryRun };
  }

  /**
   * Deletes one orphan, guarded by the uid and resourceVersion it was judged on. Agents rewrite a
   * deployment's status all the time, so a conflict usually means only that: the store is given
   * time to see the newer version, the deployment is judged again on that state, and the delete is
   * retried while it is still an orphan. Returns the record deleted, or undefined when it no
   * longer is one.
   */
  private async deleteOrphan(
    caller: CommandCaller,
    repo: GitRepoRecord,
    orphan: BundleDeploymentRecord,
  ): Promise<BundleDeploymentRecord | undefined> {
    let bd = orphan;
    for (let attempt = 1; ; attempt++) {
      try {
        const writer = this.writerOf(caller);
        if (!writer) return undefined;
        await writer.deleteBundleDeployment(bd.namespace, bd.name, {
          uid: bd.uid,
          resourceVersion: bd.resourceVersion,
        });
        return bd;
      } catch (err) {
        if (!isFleetGraphError(err) || err.code !== ErrorCode.CONFLICT || attempt >= 3) throw err;
      }
      await this.deps.store
        .waitForDeletion('BundleDeployment', bd.key, bd.uid, {
          resourceVersion: String(Number(bd.resourceVersion) + 1),
          timeoutMs: this.writeWaitMs,
        })
        .catch(() => undefined);
      const view = new FleetView(this.deps.store.snapshot());
      const again = selectOrphans(view, repo, this.versions.targetHistory(repo.key)).orphans.find(
        (o) => o.key === bd.key && o.uid === bd.uid,
      );
      if (!again) return undefined;
      bd = again;
    }
  }

  // ─── pause, force sync ──────────────────────────────────────────────────────

  /** Sets `spec.paused` (docs/fleet/rollout.md §7.2: Bundles and their BDs stop receiving changes while paused). */
  async setGitRepoPaused(
    caller: CommandCaller,
    input: Guarded & { paused: boolean },
  ): Promise<CommandResult> {
    return this.simplePatch(caller, 'pause', input, () => ({ spec: { paused: input.paused } }));
  }

  /**
   * Bumps `spec.forceSyncGeneration` (docs/fleet/lifecycle.md §6.1, docs/fleet/rollout.md §7.2): Fleet runs a new job and redeploys every BD;
   * `status.updateGeneration` records when it has acted on it.
   */
  async forceSyncGitRepo(caller: CommandCaller, input: Guarded): Promise<CommandResult> {
    return this.simplePatch(caller, 'forceSync', input, (repo) => ({
      spec: { forceSyncGeneration: repo.forceSyncGeneration + 1 },
    }));
  }

  /** Changes the source fields of a GitRepo (repo, branch, revision, paths). */
  async updateGitRepo(caller: CommandCaller, input: Guarded & GitRepoFields): Promise<CommandResult> {
    const problems = sourceProblems(input, false);
    return this.simplePatch(caller, 'update', input, () => ({ spec: sourceSpec(input) }), problems);
  }

  private simplePatch(
    caller: CommandCaller,
    action: CommandAction,
    input: Guarded,
    patchOf: (repo: GitRepoRecord) => Record<string, unknown>,
    problems: UserError[] = [],
  ): Promise<CommandResult> {
    return this.audited(caller, action, input, input.dryRun ?? false, () =>
      this.patchCommand(caller, action, input, patchOf, problems),
    );
  }

  private async patchCommand(
    caller: CommandCaller,
    action: CommandAction,
    input: Guarded,
    patchOf: (repo: GitRepoRecord) => Record<string, unknown>,
    problems: UserError[],
  ): Promise<CommandResult> {
    const dryRun = input.dryRun ?? false;
    const forbidden = await this.denied(caller, action, input, dryRun);
    const repo = this.repo(input);
    if (forbidden) return { gitRepo: null, userErrors: [forbidden], dryRun };
    if (!repo) problems = [...problems, this.notFound(input)];
    if (problems.length > 0 || !repo) return { gitRepo: repo ?? null, userErrors: problems, dryRun };
    const pre = this.precondition(repo, input.expectedResourceVersion);
    if ('code' in pre) return { gitRepo: repo, userErrors: [pre], dryRun };
    if (dryRun) return { gitRepo: repo, userErrors: [], dryRun };
    const written = await this.patch(caller, input, patchOf(repo), pre.rv);
    if (isAccepted(written)) return { gitRepo: repo, userErrors: [], dryRun, accepted: written };
    if (!isRecord(written)) return { gitRepo: this.repo(input) ?? null, userErrors: [written], dryRun };
    return { gitRepo: written, userErrors: [], dryRun };
  }

  // ─── create, delete ─────────────────────────────────────────────────────────

  /** Creates a GitRepo; its targets are validated as a retarget's are (an empty list is refused). */
  createGitRepo(
    caller: CommandCaller,
    input: GitRepoRef &
      GitRepoFields & { targets: readonly GitTarget[]; paused?: boolean | null; dryRun?: boolean | null },
  ): Promise<RetargetResult> {
    return this.audited(caller, 'create', input, input.dryRun ?? false, () => this.create(caller, input));
  }

  private async create(
    caller: CommandCaller,
    input: GitRepoRef &
      GitRepoFields & { targets: readonly GitTarget[]; paused?: boolean | null; dryRun?: boolean | null },
  ): Promise<RetargetResult> {
    const dryRun = input.dryRun ?? false;
    const forbidden = await this.denied(caller, 'create', input, dryRun);
    if (forbidden) return { gitRepo: null, plan: null, operation: null, userErrors: [forbidden], dryRun };
    const v = retargetValidation(input.targets);
    const errors = [
      ...(NAME.test(input.name) && input.name.length <= 63
        ? []
        : [
            userError(
              ErrorCode.INVALID_ARGUMENT,
              `"${input.name}" is not a valid GitRepo name (a DNS label)`,
              'name',
            ),
          ]),
      ...sourceProblems(input, true),
      ...v.problems.map((p) => userError(ErrorCode.INVALID_TARGET, p.message, p.field)),
    ];
    if (this.repo(input))
      errors.push(
        userError(
          ErrorCode.CONFLICT,
          `GitRepo "${input.namespace}/${input.name}" already exists`,
          'name',
          this.repo(input)?.resourceVersion,
        ),
      );
    if (errors.length > 0)
      return { gitRepo: this.repo(input) ?? null, plan: null, operation: null, userErrors: errors, dryRun };
    const spec: GitRepoSpec = { ...sourceSpec(input), repo: input.repo ?? '', targets: [...input.targets] };
    if (input.paused) spec.paused = true;
    // The plan of a new GitRepo: what its targets would reach (it has no Bundles yet, docs/fleet/targeting.md §4.1).
    const draft = draftRepo(input.namespace, input.name, spec);
    const plan = planRetarget(new FleetView(this.deps.store.snapshot()), draft, input.targets, v.warnings);
    if (dryRun) return { gitRepo: null, plan, operation: null, userErrors: [], dryRun };
    let w;
    try {
      w = await this.writerOf(caller)!.createGitRepo(input.namespace, input.name, spec);
    } catch (err) {
      return {
        gitRepo: null,
        plan,
        operation: null,
        userErrors: [asUserError(err, this.deps.logger)],
        dryRun,
      };
    }
    // Created: from here on the answer is never an error, at worst "accepted, not seen yet".
    const rec = await this.deps.store
      .waitForVersion('GitRepo', `${input.namespace}/${input.name}`, w.resourceVersion, {
        timeoutMs: this.writeWaitMs,
      })
      .catch(() => undefined);
    if (!rec)
      return {
        gitRepo: null,
        plan,
        operation: null,
        userErrors: [],
        dryRun,
        accepted: { resourceVersion: w.resourceVersion },
      };
    return { gitRepo: rec, plan, operation: null, userErrors: [], dryRun };
  }

  /** Deletes a GitRepo (Fleet then deletes its Bundles and their BDs, docs/fleet/lifecycle.md §6.2). */
  deleteGitRepo(caller: CommandCaller, input: Guarded): Promise<CommandResult & { deleted: boolean }> {
    return this.audited(caller, 'delete', input, input.dryRun ?? false, () => this.delete(caller, input));
  }

  private async delete(caller: CommandCaller, input: Guarded): Promise<CommandResult & { deleted: boolean }> {
    const dryRun = input.dryRun ?? false;
    const forbidden = await this.denied(caller, 'delete', input, dryRun);
    const repo = this.repo(input);
    if (forbidden) return { gitRepo: null, userErrors: [forbidden], dryRun, deleted: false };
    if (!repo) return { gitRepo: null, userErrors: [this.notFound(input)], dryRun, deleted: false };
    const pre = this.precondition(repo, input.expectedResourceVersion);
    if ('code' in pre) return { gitRepo: repo, userErrors: [pre], dryRun, deleted: false };
    if (dryRun) return { gitRepo: repo, userErrors: [], dryRun, deleted: false };
    const expected = pre.rv;
    try {
      await this.writerOf(caller)!.deleteGitRepo(
        input.namespace,
        input.name,
        expected ? { resourceVersion: expected } : undefined,
      );
    } catch (err) {
      if (isFleetGraphError(err) && err.code === ErrorCode.CONFLICT && expected)
        return {
          gitRepo: repo,
          userErrors: [this.conflictFromServer(input, expected)],
          dryRun,
          deleted: false,
        };
      return { gitRepo: repo, userErrors: [asUserError(err, this.deps.logger)], dryRun, deleted: false };
    }
    // Read-your-writes: the store shows it gone, or terminating while Fleet's finalizer runs (docs/fleet/lifecycle.md §6.2).
    await this.deps.store
      .waitForDeletion('GitRepo', repo.key, repo.uid, {
        resourceVersion: String(Number(repo.resourceVersion) + 1),
        timeoutMs: this.writeWaitMs,
      })
      .catch(() => undefined);
    return { gitRepo: this.repo(input) ?? repo, userErrors: [], dryRun, deleted: true };
  }
}

function sourceProblems(input: GitRepoFields, creating: boolean): UserError[] {
  const out: UserError[] = [];
  if (creating && !input.repo)
    out.push(
      userError(
        ErrorCode.INVALID_ARGUMENT,
        'repo is required (at least one character, docs/fleet/objects.md §2.2)',
        'repo',
      ),
    );
  if (!creating && input.repo === '')
    out.push(userError(ErrorCode.INVALID_ARGUMENT, 'repo must not be empty', 'repo'));
  (input.paths ?? []).forEach((p, i) => {
    if (p.trim() === '')
      out.push(userError(ErrorCode.INVALID_ARGUMENT, 'a path must not be empty', `paths[${i}]`));
  });
  if (input.branch && input.revision)
    out.push(
      userError(
        ErrorCode.INVALID_ARGUMENT,
        'set either branch or revision, not both (revision wins in Fleet)',
        'revision',
      ),
    );
  return out;
}

function sourceSpec(input: GitRepoFields): Partial<GitRepoSpec> & Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (input.repo != null) spec['repo'] = input.repo;
  if (input.branch !== undefined) spec['branch'] = input.branch;
  if (input.revision !== undefined) spec['revision'] = input.revision;
  if (input.paths != null) spec['paths'] = [...input.paths];
  return spec;
}

function draftRepo(namespace: string, name: string, spec: GitRepoSpec): GitRepoRecord {
  return {
    kind: 'GitRepo',
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid: '',
    resourceVersion: '',
    generation: 0,
    labels: {},
    annotations: {},
    creationTimestamp: '',
    repo: spec.repo,
    paths: spec.paths ?? [],
    targets: [],
    paused: spec.paused ?? false,
    forceSyncGeneration: 0,
    status: {
      observedGeneration: 0,
      updateGeneration: 0,
      readyClusters: 0,
      desiredReadyClusters: 0,
      summary: undefined,
      display: {},
      conditions: [],
      resourceCounts: undefined,
    },
  };
}
