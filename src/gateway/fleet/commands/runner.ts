/**
 * Carries staged retargets forward. The state lives in the GitRepo's annotation (operation.ts),
 * so this runner holds nothing that cannot be rebuilt: on start it resumes every RUNNING operation
 * it finds, and it picks up operations another replica started. Each evaluation reads the current
 * snapshot and makes at most one write to the GitRepo, guarded by its resourceVersion, so two
 * replicas racing on one operation cannot both advance it (the loser's write gets 409 and
 * re-evaluates); orphan deletions carry uid and resourceVersion preconditions, so repeating one is
 * harmless. With several replicas only the leader runs it (gateway.ts starts and stops it as
 * leadership comes and goes); every step records the replica that applied and converged it.
 */
import { isoNow } from '../../../shared/clock.js';
import { ErrorCode, isFleetGraphError } from '../../../shared/errors.js';
import type { GitRepoRecord } from '../rules/read-model.js';
import { FleetView, stateOf } from '../rules/view.js';
import {
  encodeOperation,
  operationOf,
  RETARGET_OPERATION_ANNOTATION,
  type OperationFailure,
  type OperationStep,
  type RetargetOperation,
} from './operation.js';
import type { CommandCaller, CommandDeps, FleetWriter } from './port.js';
import type { OperationSigner } from './signing.js';
import { bundleCarriesGitRepoTargets } from '../rules/carried-targets.js';
import { sameCriteria } from '../rules/target-lists.js';
import { selectOrphans } from './prune.js';

/** What one evaluation concluded about the step in progress. */
interface StepProgress {
  readonly converged: boolean;
  readonly failures: OperationFailure[];
  readonly waitingFor: string;
}

export class OperationRunner {
  private readonly tracked = new Map<
    string,
    { running: boolean; again: boolean; timer?: { cancel(): void } }
  >();
  private unsubscribe: (() => void) | undefined;
  private stopped = true;
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: CommandDeps,
    /** Verifies each record before it is acted on (an unverified one is FAILED, never run). */
    private readonly signer: OperationSigner,
  ) {}

  /** Whether it is carrying operations (started and not stopped). */
  get running(): boolean {
    return !this.stopped;
  }

  /**
   * Resumes every RUNNING operation in the store and follows GitRepo changes from now on. May be
   * called again after stop (a replica that regains leadership).
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const repo of this.deps.store.snapshot().list('GitRepo')) this.consider(repo);
    this.unsubscribe = this.deps.store.subscribe((e) => {
      if (e.kind === 'GitRepo') {
        if (e.after) this.consider(e.after as GitRepoRecord);
        return;
      }
      // Bundles and BundleDeployments move a step towards convergence: wake the GitRepo's operation.
      const after = (e.after ?? e.before) as
        { repoName?: string; namespace: string; bundleNamespace?: string } | undefined;
      if (!after?.repoName) return;
      const key = `${after.bundleNamespace ?? after.namespace}/${after.repoName}`;
      if (this.tracked.has(key)) this.wake(key);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const t of this.tracked.values()) t.timer?.cancel();
    for (const r of this.retries) clearTimeout(r);
    this.retries.clear();
    this.tracked.clear();
  }

  /** Resolves once no evaluation is in progress (after stop, before the Lease is released). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Keys of GitRepos with an operation this runner is carrying. */
  get active(): readonly string[] {
    return [...this.tracked.keys()];
  }

  private consider(repo: GitRepoRecord): void {
    if (this.stopped) return;
    const op = operationOf(repo, this.signer);
    if (op?.state === 'RUNNING') {
      if (!this.tracked.has(repo.key)) this.tracked.set(repo.key, { running: false, again: false });
      this.wake(repo.key);
    } else if (this.tracked.has(repo.key)) {
      this.tracked.get(repo.key)?.timer?.cancel();
      this.tracked.delete(repo.key);
    }
  }

  /** Coalesces wake-ups: one evaluation at a time per GitRepo, re-run once if woken meanwhile. */
  wake(key: string): void {
    const t = this.tracked.get(key);
    if (!t || this.stopped) return;
    if (t.running) {
      t.again = true;
      return;
    }
    t.running = true;
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.evaluate(key))
      .catch((err: unknown) =>
        this.deps.logger.error({ err, gitRepo: key }, 'retarget operation step failed'),
      )
      .finally(() => {
        this.inFlight.delete(run);
        t.running = false;
        if (t.again) {
          t.again = false;
          this.wake(key);
        }
      });
    this.inFlight.add(run);
  }

  private wakeAt(key: string, at: number): void {
    const t = this.tracked.get(key);
    if (!t) return;
    t.timer?.cancel();
    t.timer = this.deps.clock.setTimeout(() => this.wake(key), Math.max(0, at - this.deps.clock.now()));
  }

  /**
   * The writer acting as whoever started the operation, so each later step is authorized and
   * audited as theirs; undefined when that is nobody the gateway may act as (an operation recorded
   * without a user while authentication is on).
   */
  private writerOf(op: RetargetOperation): FleetWriter | undefined {
    if (!this.deps.writerFor) return this.deps.writer;
    const u = op.startedByUser;
    const caller: CommandCaller = u
      ? { kind: 'user', name: u.name, uid: u.uid, groups: u.groups, extra: u.extra }
      : { kind: 'anonymous' };
    return this.deps.writerFor(caller);
  }

  private async evaluate(key: string): Promise<void> {
    if (this.stopped) return;
    const snapshot = this.deps.store.snapshot();
    const repo = snapshot.get('GitRepo', key);
    const op = repo && operationOf(repo, this.signer);
    if (!repo || !op || op.state !== 'RUNNING') return;
    const writer = this.writerOf(op);
    if (!writer) {
      this.deps.logger.warn(
        { gitRepo: key, operation: op.id },
        'staged retarget records no user to act as; not carried on (cancel it, or retarget again)',
      );
      return;
    }
    const write = (o: RetargetOperation, apply?: OperationStep) => this.write(writer, repo, o, apply);
    const now = this.deps.clock.now();
    const i = op.currentStep;
    const step = op.steps[i];
    if (!step) return write({ ...op, state: 'SUCCEEDED' });
    if (step.state === 'PENDING')
      return write(
        withStep(op, i, {
          state: 'APPLIED',
          appliedAt: isoNow(this.deps.clock),
          appliedBy: this.deps.identity,
        }),
        step,
      );
    if (step.state === 'CONVERGED') {
      const next = op.steps[i + 1];
      if (!next) return write({ ...op, state: 'SUCCEEDED', currentStep: op.steps.length });
      const due = Date.parse(step.convergedAt ?? '') + op.strategy.pauseBetweenMs;
      if (now < due) return this.wakeAt(key, due);
      const advanced = withStep({ ...op, currentStep: i + 1 }, i + 1, {
        state: 'APPLIED',
        appliedAt: isoNow(this.deps.clock),
        appliedBy: this.deps.identity,
      });
      return write(advanced, next);
    }
    // APPLIED: the targets must still be the step's; someone else's edit ends the operation.
    if (!sameCriteria(repo.targets, step.targets)) {
      return write({
        ...op,
        state: 'FAILED',
        message: `step ${i + 1}: spec.targets was changed outside the operation`,
      });
    }
    const progress = await this.progress(writer, repo, op, step, i);
    const appliedAt = Date.parse(step.appliedAt ?? '') || now;
    const timedOut = now - appliedAt >= op.strategy.stepTimeoutMs;
    const failed = progress.failures.filter((f) => f.state === 'ErrApplied');
    if (op.strategy.abortOnFailure && (failed.length > 0 || (timedOut && !progress.converged))) {
      const failures = failed.length > 0 ? failed : progress.failures;
      return write({
        ...op,
        state: 'FAILED',
        failures: [...op.failures, ...failures],
        message: `step ${i + 1} failed: ${failures[0]?.message ?? progress.waitingFor}`,
      });
    }
    if (progress.converged || timedOut) {
      const failures = progress.converged ? [] : progress.failures;
      const done = withStep({ ...op, failures: [...op.failures, ...failures] }, i, {
        state: 'CONVERGED',
        convergedAt: isoNow(this.deps.clock),
        convergedBy: this.deps.identity,
      });
      return write({
        ...done,
        message: progress.converged ? undefined : `step ${i + 1}: ${progress.waitingFor}`,
      });
    }
    this.wakeAt(key, appliedAt + op.strategy.stepTimeoutMs);
  }

  /**
   * Has the step converged? Fleet observed the GitRepo generation, every Bundle carries the step's
   * targets (docs/fleet/targeting.md §4.1, docs/fleet/lifecycle.md §6.1), every targeted cluster has its BD (Ready when asked), and no BD is left
   * on a cluster the targets dropped (pruned here when asked, docs/fleet/lifecycle.md §6.3).
   */
  private async progress(
    writer: FleetWriter,
    repo: GitRepoRecord,
    op: RetargetOperation,
    step: OperationStep,
    i: number,
  ): Promise<StepProgress> {
    const view = new FleetView(this.deps.store.snapshot());
    const bundles = view.snapshot.bundlesOfGitRepo(repo.namespace, repo.name);
    const failures: OperationFailure[] = [];
    if (repo.status.observedGeneration < repo.generation)
      return { converged: false, failures, waitingFor: 'Fleet has not observed the new targets yet' };
    // Every list the GitRepo had before this step: a Bundle still restricted to one is not updated yet.
    const earlier = [
      ...(op.fromTargets ? [op.fromTargets] : []),
      ...op.steps.filter((_s, j) => j !== i).map((s) => s.targets),
    ];
    const behind = bundles.filter((b) => !bundleCarriesGitRepoTargets(b, repo, earlier));
    if (behind.length > 0 || bundles.length === 0)
      return {
        converged: false,
        failures,
        waitingFor: `Bundles not updated yet: ${behind.map((b) => b.name).join(', ') || 'none created'}`,
      };
    const orphans = selectOrphans(view, repo, earlier).orphans;
    if (op.prune && orphans.length > 0) {
      for (const bd of orphans) {
        if (this.stopped) break;
        try {
          await writer.deleteBundleDeployment(bd.namespace, bd.name, {
            uid: bd.uid,
            resourceVersion: bd.resourceVersion,
          });
        } catch (err) {
          // Gone or changed meanwhile: the next evaluation judges it again on fresh state.
          if (
            !isFleetGraphError(err) ||
            (err.code !== ErrorCode.NOT_FOUND && err.code !== ErrorCode.CONFLICT)
          )
            throw err;
        }
      }
      return { converged: false, failures, waitingFor: 'pruned orphans are being removed' };
    }
    const waiting: string[] = [];
    const added = new Set(step.added);
    for (const bundle of bundles) {
      for (const t of view.targetedClusters(bundle)) {
        const state = t.bundleDeployment ? stateOf(t.bundleDeployment) : 'Pending';
        const ok = t.bundleDeployment !== null && (!op.strategy.waitForReady || state === 'Ready');
        if (ok) continue;
        waiting.push(`${bundle.name}@${t.cluster.name}`);
        if (added.has(t.cluster.name) || state === 'ErrApplied')
          failures.push({
            step: i,
            bundle: bundle.name,
            cluster: t.cluster.name,
            state,
            message: `BundleDeployment of ${bundle.name} on ${t.cluster.name} is ${state}`,
          });
      }
    }
    // Without prune, removals wait for Fleet: at once since v0.12.3, at the cluster's next
    // check-in before (docs/fleet/lifecycle.md §6.3) — which can exceed the step timeout; the message says so.
    for (const bd of orphans)
      waiting.push(
        `${bd.bundleName}@${bd.clusterName} (removal${op.prune ? '' : '; prune: ORPHANS removes it on Fleet < 0.12.3'})`,
      );
    return {
      converged: waiting.length === 0,
      failures,
      waitingFor:
        waiting.length > 0
          ? `waiting for ${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ` and ${waiting.length - 5} more` : ''}`
          : '',
    };
  }

  /** One guarded write of the annotation (and the step's targets when a step is being applied). */
  private async write(
    writer: FleetWriter,
    repo: GitRepoRecord,
    op: RetargetOperation,
    apply?: OperationStep,
  ): Promise<void> {
    // Leadership lost while this evaluation read its snapshot: leave the step to the new leader.
    if (this.stopped) return;
    const next = { ...op, updatedAt: isoNow(this.deps.clock), updatedBy: this.deps.identity };
    const patch: Record<string, unknown> = {
      metadata: { annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(next) } },
    };
    if (apply) patch['spec'] = { targets: apply.targets };
    try {
      const w = await writer.patchGitRepo(repo.namespace, repo.name, patch, repo.resourceVersion);
      await this.deps.store.waitForVersion('GitRepo', repo.key, w.resourceVersion, {
        timeoutMs: this.deps.writeWaitMs,
      });
    } catch (err) {
      if (isFleetGraphError(err) && (err.code === ErrorCode.CONFLICT || err.code === ErrorCode.TIMEOUT)) {
        // The store is behind the API server; its next GitRepo event wakes us. A fallback retry
        // covers a conflict whose event we already consumed.
        const r = setTimeout(() => {
          this.retries.delete(r);
          this.wake(repo.key);
        }, 200);
        this.retries.add(r);
        return;
      }
      if (isFleetGraphError(err) && err.code === ErrorCode.NOT_FOUND) return;
      throw err;
    }
  }
}

function withStep(op: RetargetOperation, i: number, change: Partial<OperationStep>): RetargetOperation {
  return { ...op, steps: op.steps.map((s, j) => (j === i ? { ...s, ...change } : s)) };
}
