/**
 * What the write commands answer: results with the object as written (or as it stands when the
 * write was refused), and the user errors a caller can fix, with stable codes and field paths.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import { ErrorCode, isFleetGraphError, truncate } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../rules/read-model.js';
import type { RetargetOperation, RetargetStrategy } from './operation.js';
import type { RetargetPlan } from './plan.js';

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

export interface Guarded extends GitRepoRef {
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

/** A DNS label: what Kubernetes accepts as a namespace or GitRepo name. */
export const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export type PatchOutcome = GitRepoRecord | UserError | AcceptedWrite;

export function isAccepted(x: PatchOutcome): x is AcceptedWrite {
  return !('kind' in x) && !('code' in x);
}

export function isRecord(x: PatchOutcome): x is GitRepoRecord {
  return 'kind' in x;
}

export function userError(
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
export function asUserError(err: unknown, log?: Logger): UserError {
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
