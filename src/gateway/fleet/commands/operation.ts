/**
 * A staged retarget's state, persisted on the GitRepo itself as a JSON annotation so that any
 * gateway replica (or this one after a restart) can report it and carry it on. The steps are
 * explicit target lists computed up front; the last step is exactly the requested targets.
 */
import { z } from 'zod';
import type { GitTarget } from '../../../apis/fleet.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import { validateGitTargets } from '../rules/preview.js';
import type { ClusterRecord, GitRepoRecord } from '../rules/read-model.js';
import { canonicalJson, type OperationSigner } from './signing.js';

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
  /** The replica (leader-election identity) that applied the step's targets. */
  readonly appliedBy?: string | undefined;
  /** The replica that recorded the step as converged. */
  readonly convergedBy?: string | undefined;
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
  /** The replica that wrote the record last (its leader-election identity). */
  readonly updatedBy?: string | undefined;
  /**
   * The identity that started it, as Kubernetes authenticated it: the runner writes each later
   * step impersonating this user, so RBAC and audit see the same person for every step.
   */
  readonly startedByUser?: RecordedUser | undefined;
  /** The GitRepo's targets before the operation (tells a Bundle not yet updated from an overridden one). */
  readonly fromTargets?: readonly GitTarget[] | undefined;
  /**
   * HMAC of the parts that never change while the operation runs (`signedPart`), made when the
   * gateway records it: the runner acts only on a record whose signature verifies.
   */
  readonly signature?: string | undefined;
}

export interface RecordedUser {
  readonly name: string;
  readonly uid?: string | undefined;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

const selectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).nullish(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).nullish() }))
      .nullish(),
  })
  .nullable()
  .optional();

const targetSchema = z.strictObject({
  name: z.string().nullish(),
  clusterName: z.string().nullish(),
  clusterSelector: selectorSchema,
  clusterGroup: z.string().nullish(),
  clusterGroupSelector: selectorSchema,
});

const targetsSchema = z.array(targetSchema).superRefine((targets, ctx) => {
  // The same rules a retarget's input passes: a record must never carry what input could not.
  for (const p of validateGitTargets(targets as readonly GitTarget[]).problems)
    ctx.addIssue({ code: 'custom', message: `${p.field}: ${p.message}` });
});

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a time');

const stepSchema = z.object({
  targets: targetsSchema,
  added: z.array(z.string()),
  removed: z.array(z.string()),
  state: z.enum(['PENDING', 'APPLIED', 'CONVERGED']),
  appliedAt: isoTime.optional(),
  convergedAt: isoTime.optional(),
  // Replica identities (leader election): shown, never acted on; bounded like a Lease holder.
  appliedBy: z.string().max(253).optional(),
  convergedBy: z.string().max(253).optional(),
});

/**
 * What a recorded operation must look like before the runner acts on it. The annotation can be
 * edited by anyone who may patch the GitRepo, so it is input like any other: an invalid record is
 * reported FAILED, never executed (it would otherwise write whatever it holds into spec.targets).
 */
const operationSchema = z.object({
  id: z.string().min(1).max(100),
  namespace: z.string().min(1),
  name: z.string().min(1),
  state: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
  strategy: z.object({
    batchSize: z.number().int().min(1),
    pauseBetweenMs: z.number().min(0),
    waitForReady: z.boolean(),
    abortOnFailure: z.boolean(),
    stepTimeoutMs: z.number().positive(),
  }),
  prune: z.boolean(),
  steps: z.array(stepSchema),
  currentStep: z.number().int().min(0),
  startedAt: isoTime,
  updatedAt: isoTime,
  failures: z.array(
    z.object({
      step: z.number().int(),
      bundle: z.string().optional(),
      cluster: z.string().optional(),
      state: z.string().optional(),
      message: z.string(),
    }),
  ),
  message: z.string().optional(),
  startedBy: z.string().optional(),
  updatedBy: z.string().max(253).optional(),
  startedByUser: z
    .object({
      name: z.string().min(1),
      uid: z.string().optional(),
      groups: z.array(z.string()),
      extra: z.record(z.string(), z.array(z.string())).optional(),
    })
    .optional(),
  fromTargets: targetsSchema.optional(),
  signature: z.string().max(200).optional(),
});

/** Why a record whose signature does not verify is FAILED, for a key all replicas share. */
export const TAMPERED_MESSAGE = 'operation record was changed outside fleet-graph; retarget again';

/** The same, when this process made its own key (no --operation-signing-key-file). */
export const UNVERIFIABLE_MESSAGE =
  'operation record was changed outside fleet-graph, or was started by another gateway process and cannot be resumed here without a shared --operation-signing-key-file; retarget again';

/**
 * What the signature covers: everything that says who the runner acts as and what it may write
 * or delete, bound to this GitRepo object (its uid, so a copy onto a re-created GitRepo of the
 * same name does not verify). These parts never change while the operation runs; state,
 * progress, failures and timestamps do, and are not covered.
 */
function signedPart(op: RetargetOperation, uid: string): string {
  return canonicalJson({
    id: op.id,
    namespace: op.namespace,
    name: op.name,
    uid,
    startedBy: op.startedBy,
    startedByUser: op.startedByUser,
    startedAt: op.startedAt,
    strategy: op.strategy,
    prune: op.prune,
    steps: op.steps.map((s) => ({ targets: s.targets, added: s.added, removed: s.removed })),
    fromTargets: op.fromTargets,
  });
}

/**
 * `op` signed for the GitRepo with `uid`. The signature is made over the record as it will be
 * read back (encoded, then parsed by the schema), so whatever the schema normalizes cannot make
 * a genuine record fail to verify.
 */
export function signOperation(
  op: RetargetOperation,
  uid: string,
  signer: OperationSigner,
): RetargetOperation {
  const readBack = operationSchema.parse(JSON.parse(encodeOperation({ ...op, signature: undefined })));
  return { ...op, signature: signer.sign(signedPart(readBack as RetargetOperation, uid)) };
}

/**
 * The operation recorded on a GitRepo, or undefined when there is none. A record that is not
 * valid JSON, does not pass the schema or whose signature does not verify with `signer` comes
 * back FAILED with the reason (and nothing of it is executed): never thrown, never trusted.
 * `signer` null reads the record unverified, for a read-only gateway that holds no key (never
 * for anything that acts on it).
 */
export function operationOf(
  repo: GitRepoRecord,
  signer: OperationSigner | null,
): RetargetOperation | undefined {
  const raw = repo.annotations[RETARGET_OPERATION_ANNOTATION];
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return invalidOperation(repo, undefined, 'not JSON');
  }
  const result = operationSchema.safeParse(parsed);
  if (result.success) {
    const op = result.data as RetargetOperation;
    if (op.namespace !== repo.namespace || op.name !== repo.name)
      return invalidOperation(repo, parsed, 'it names another GitRepo');
    if (op.currentStep > op.steps.length)
      return invalidOperation(repo, parsed, 'currentStep is past the last step');
    if (signer && !signer.verify(signedPart(op, repo.uid), op.signature))
      return invalidOperation(
        repo,
        parsed,
        undefined,
        signer.shared ? TAMPERED_MESSAGE : UNVERIFIABLE_MESSAGE,
      );
    return op;
  }
  const first = result.error.issues[0];
  return invalidOperation(
    repo,
    parsed,
    `${first?.path.join('.') || 'record'}: ${first?.message ?? 'invalid'}`,
  );
}

function invalidOperation(
  repo: GitRepoRecord,
  parsed: unknown,
  why: string | undefined,
  message?: string,
): RetargetOperation {
  const claimed = (parsed as { id?: unknown } | null)?.id;
  const id =
    typeof claimed === 'string' && claimed.length > 0 && claimed.length <= 100
      ? claimed
      : `invalid-${repo.uid}`;
  const at = repo.creationTimestamp || new Date(0).toISOString();
  return {
    id,
    namespace: repo.namespace,
    name: repo.name,
    state: 'FAILED',
    strategy: {
      batchSize: 1,
      pauseBetweenMs: 0,
      waitForReady: false,
      abortOnFailure: true,
      stepTimeoutMs: 1,
    },
    prune: false,
    steps: [],
    currentStep: 0,
    startedAt: at,
    updatedAt: at,
    failures: [],
    message: message ?? `the recorded operation is invalid and was not carried out (${why ?? 'invalid'})`,
  };
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
  signer: OperationSigner | null,
): { repo: GitRepoRecord; op: RetargetOperation } | undefined {
  for (const repo of repos) {
    const op = operationOf(repo, signer);
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
