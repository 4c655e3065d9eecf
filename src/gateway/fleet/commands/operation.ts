/**
 * A staged retarget's state, persisted on the GitRepo itself as a JSON annotation so that any
 * gateway replica (or this one after a restart) can report it and carry it on. The steps are
 * explicit target lists computed up front; the last step is exactly the requested targets.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { ClusterRecord, GitRepoRecord } from '../read-model.js';

export const RETARGET_OPERATION_ANNOTATION = 'fleet-graph.io/retarget-operation';

export type OperationState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type StepState = 'PENDING' | 'APPLIED' | 'CONVERGED';

export interface RetargetStrategy {
  /** Clusters added or removed per step (≥ 1). */
  readonly batchSize: number;
  /** Time to wait after a step converged before the next one (ms of the gateway clock, ≥ 0). */
  readonly pauseBetweenMs: number;
  /** Wait until added BundleDeployments are Ready, not only created. */
  readonly waitForReady: boolean;
  /** Stop the operation when a deployment of the step fails (ErrApplied, or not Ready within the bound). */
  readonly abortOnFailure: boolean;
  /** How long a step may take to converge before its stragglers count as failures (ms). */
  readonly stepTimeoutMs: number;
}

export interface OperationStep {
  readonly targets: readonly GitTarget[];
  /** Cluster names this step adds and removes (GitRepo-level, docs/fleet/targeting.md §4.1). */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly state: StepState;
  readonly appliedAt?: string | undefined;
  readonly convergedAt?: string | undefined;
}

export interface OperationFailure {
  readonly step: number;
  readonly bundle?: string | undefined;
  readonly cluster?: string | undefined;
  readonly state?: string | undefined;
  readonly message: string;
}

export interface RetargetOperation {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly state: OperationState;
  readonly strategy: RetargetStrategy;
  /** Prune orphans after each step once the Bundles carry its targets. */
  readonly prune: boolean;
  readonly steps: readonly OperationStep[];
  /** Index of the step in progress (steps.length once done). */
  readonly currentStep: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly failures: readonly OperationFailure[];
  readonly message?: string | undefined;
  /** Who started it. */
  readonly startedBy?: string | undefined;
  /** The GitRepo's targets before the operation (tells a Bundle not yet updated from an overridden one). */
  readonly fromTargets?: readonly GitTarget[] | undefined;
}

/** The operation recorded on a GitRepo, or undefined; an unreadable annotation is reported, not thrown. */
export function operationOf(repo: GitRepoRecord): RetargetOperation | undefined {
  const raw = repo.annotations[RETARGET_OPERATION_ANNOTATION];
  if (!raw) return undefined;
  try {
    const op = JSON.parse(raw) as RetargetOperation;
    if (typeof op.id !== 'string' || !Array.isArray(op.steps)) return undefined;
    return op;
  } catch {
    return undefined;
  }
}

export function encodeOperation(op: RetargetOperation): string {
  return JSON.stringify(op);
}

/** The strategy's problems, with field paths (batchSize 0, negative pause… are impossible). */
export function strategyProblems(s: {
  batchSize?: number | null | undefined;
  pauseBetweenMs?: number | null | undefined;
  stepTimeoutMs?: number | null | undefined;
}): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (s.batchSize != null && (!Number.isInteger(s.batchSize) || s.batchSize < 1))
    out.push({ field: 'strategy.batchSize', message: `must be a whole number ≥ 1, got ${s.batchSize}` });
  if (s.pauseBetweenMs != null && !(s.pauseBetweenMs >= 0))
    out.push({
      field: 'strategy.pauseBetween',
      message: `must be ≥ 0 seconds, got ${s.pauseBetweenMs / 1000}`,
    });
  if (s.stepTimeoutMs != null && !(s.stepTimeoutMs > 0))
    out.push({
      field: 'strategy.stepTimeout',
      message: `must be > 0 seconds, got ${s.stepTimeoutMs / 1000}`,
    });
  return out;
}

/** The Fleet-valid name of an intermediate step's target (a DNS label). */
function stepTargetName(cluster: ClusterRecord): string {
  return `fleet-graph-${cluster.name}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * Splits a retarget into steps of at most `batchSize` cluster changes: additions first (capacity
 * before removal), then removals. Intermediate steps select their clusters by name (docs/fleet/targeting.md §4.3
 * `clusterName`); the last step is exactly `targets`, so the operation ends where a direct edit
 * would. With nothing to change, one step.
 */
export function planSteps(
  before: readonly ClusterRecord[],
  added: readonly ClusterRecord[],
  removed: readonly ClusterRecord[],
  targets: readonly GitTarget[],
  batchSize: number,
): OperationStep[] {
  const changes = [...added.map((c) => ({ c, add: true })), ...removed.map((c) => ({ c, add: false }))];
  const count = Math.max(1, Math.ceil(changes.length / batchSize));
  const current = new Map(before.map((c) => [c.key, c]));
  const steps: OperationStep[] = [];
  for (let i = 0; i < count; i++) {
    const batch = changes.slice(i * batchSize, (i + 1) * batchSize);
    for (const { c, add } of batch) {
      if (add) current.set(c.key, c);
      else current.delete(c.key);
    }
    const last = i === count - 1;
    const explicit = [...current.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => ({ name: stepTargetName(c), clusterName: c.name }));
    steps.push({
      targets: last ? targets : explicit,
      added: batch.filter((x) => x.add).map((x) => x.c.name),
      removed: batch.filter((x) => !x.add).map((x) => x.c.name),
      state: 'PENDING',
    });
  }
  return steps;
}

export function findOperation(
  repos: readonly GitRepoRecord[],
  id: string,
): { repo: GitRepoRecord; op: RetargetOperation } | undefined {
  for (const repo of repos) {
    const op = operationOf(repo);
    if (op?.id === id) return { repo, op };
  }
  return undefined;
}

export function operationNotFound(id: string): FleetGraphError {
  return new FleetGraphError(ErrorCode.NOT_FOUND, `retarget operation "${id}" not found`, {
    kind: 'RetargetOperation',
    key: id,
  });
}
