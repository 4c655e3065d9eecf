/**
 * Errors with stable codes. Domain code throws these; the GraphQL boundary maps them to
 * `extensions.code`. Anything else is an internal error: masked for callers, logged in full.
 */
export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_TARGET: 'INVALID_TARGET',
  INVALID_SELECTOR: 'INVALID_SELECTOR',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_ID: 'INVALID_ID',
  INVALID_CURSOR: 'INVALID_CURSOR',
  FORBIDDEN: 'FORBIDDEN',
  UNAVAILABLE: 'UNAVAILABLE',
  TIMEOUT: 'TIMEOUT',
  INVALID_CONFIG: 'INVALID_CONFIG',
  INTERNAL: 'INTERNAL',
  /** A subscriber fell too far behind its event stream and was cut off. */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  /** A connection or client asked for more subscriptions or connections than allowed. */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** One operation asked for details (reads from the API server) of more objects than allowed. */
  TOO_MANY_DETAIL_READS: 'TOO_MANY_DETAIL_READS',
  /**
   * A GitRepoRestriction of the namespace refuses the GitRepo: Fleet would set `Accepted=False`
   * and write no Bundles for it, whatever its targets.
   */
  RESTRICTED: 'RESTRICTED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldProblem {
  /** Path of the offending input, e.g. `targets[1].clusterSelector.matchExpressions[0].operator`. */
  readonly field: string;
  readonly message: string;
}

export class FleetGraphError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { problems?: readonly FieldProblem[]; [k: string]: unknown } = {},
    /**
     * What went wrong in words callers must not see (an API server's verbatim answer, an internal
     * address): for the log only. `message` and `details` are what callers get.
     */
    readonly internal?: string,
  ) {
    super(message);
    this.name = 'FleetGraphError';
  }
}

/** At most `max` characters of text from outside (an attacker's input, a remote error), for logs. */
export function truncate(text: string, max = 256): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export function notFound(kind: string, key: string): FleetGraphError {
  return new FleetGraphError(ErrorCode.NOT_FOUND, `${kind} "${key}" not found`, { kind, key });
}

export function isFleetGraphError(e: unknown): e is FleetGraphError {
  return e instanceof FleetGraphError;
}
