/**
 * The write commands: retarget with preview, validation, precondition, staged
 * strategy and pruning; pause, force sync, create, update, delete. Every command goes through one
 * authorization point, validates before writing, writes once (a merge patch guarded by the
 * caller's resourceVersion, so nothing is half-written), and waits until the store has seen its
 * own write (read-your-writes) so the result shows the new object.
 *
 * Problems the caller can fix come back as `userErrors` (stable codes, field paths); only
 * unexpected failures throw.
 *
 * `FleetCommands` is the entry point; the work is split by concern: write-path.ts (refusals,
 * audit, precondition, patch and read-your-writes), retarget-command.ts (retarget, staged
 * operations, cancel), prune-command.ts, gitrepo-commands.ts (pause, force sync, update, create,
 * delete) and results.ts (what the commands answer).
 */
import type { GitRepoRecord } from '../rules/read-model.js';
import {
  create,
  deleteRepo,
  patchCommand,
  sourceProblems,
  sourceSpec,
  type CreateInput,
} from './gitrepo-commands.js';
import { findOperation, type RetargetOperation } from './operation.js';
import type { CommandAction, CommandCaller, CommandDeps } from './port.js';
import { prune } from './prune-command.js';
import type {
  CommandResult,
  GitRepoFields,
  GitRepoRef,
  Guarded,
  OperationResult,
  PruneResult,
  RetargetInput,
  RetargetResult,
  UserError,
} from './results.js';
import { cancel, retarget, type StagedContext } from './retarget-command.js';
import { OperationRunner } from './runner.js';
import { OperationSigner } from './signing.js';
import { VersionMemo } from './versions.js';
import { WritePath } from './write-path.js';

export type {
  AcceptedWrite,
  CommandResult,
  GitRepoFields,
  GitRepoRef,
  OperationResult,
  PruneResult,
  RetargetInput,
  RetargetResult,
  UserError,
} from './results.js';

export class FleetCommands {
  readonly runner: OperationRunner;
  /** Signs the operation records this gateway writes and verifies those it reads. */
  readonly signer: OperationSigner;
  private readonly versions = new VersionMemo();
  private readonly w: WritePath;
  private readonly staged: StagedContext;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: CommandDeps) {
    this.signer = deps.signer ?? OperationSigner.forProcess().signer;
    this.runner = new OperationRunner(deps, this.signer);
    this.w = new WritePath(deps, this.versions);
    this.staged = { w: this.w, runner: this.runner, signer: this.signer };
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

  // ─── retarget ───────────────────────────────────────────────────────────────

  /** Validates, plans and (unless dry run) applies a new `spec.targets`, directly or staged. */
  retargetGitRepo(caller: CommandCaller, input: RetargetInput): Promise<RetargetResult> {
    return this.w.audited(caller, 'retarget', input, input.dryRun ?? false, () =>
      retarget(this.staged, caller, input),
    );
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
    return this.w.audited(caller, 'cancelRetarget', ref, false, () => cancel(this.staged, caller, id));
  }

  // ─── prune ──────────────────────────────────────────────────────────────────

  /** Deletes (or, on a dry run, lists) the GitRepo's orphaned BundleDeployments (prune.ts). */
  pruneOrphanedBundleDeployments(
    caller: CommandCaller,
    ref: GitRepoRef,
    dryRun = false,
  ): Promise<PruneResult> {
    return this.w.audited(caller, 'prune', ref, dryRun, () => prune(this.w, caller, ref, dryRun));
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
    return this.w.audited(caller, action, input, input.dryRun ?? false, () =>
      patchCommand(this.w, caller, action, input, patchOf, problems),
    );
  }

  // ─── create, delete ─────────────────────────────────────────────────────────

  /** Creates a GitRepo; its targets are validated as a retarget's are (an empty list is refused). */
  createGitRepo(caller: CommandCaller, input: CreateInput): Promise<RetargetResult> {
    return this.w.audited(caller, 'create', input, input.dryRun ?? false, () =>
      create(this.w, caller, input),
    );
  }

  /** Deletes a GitRepo (Fleet then deletes its Bundles and their BDs, docs/fleet/lifecycle.md §6.2). */
  deleteGitRepo(caller: CommandCaller, input: Guarded): Promise<CommandResult & { deleted: boolean }> {
    return this.w.audited(caller, 'delete', input, input.dryRun ?? false, () =>
      deleteRepo(this.w, caller, input),
    );
  }
}
