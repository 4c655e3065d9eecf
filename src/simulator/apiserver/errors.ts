/**
 * Kubernetes API errors as `Status` bodies, with the reasons and codes of
 * k8s.io/apimachinery/pkg/api/errors, so clients that branch on `reason` or `code` behave as
 * against a real API server.
 */
import type { Status } from '../../apis/kube.js';

export interface Cause {
  reason?: string;
  /** The Go field name of `reason` (`StatusCause.Type`); sent beside it for clients that read either. */
  type?: string;
  message?: string;
  field?: string;
}

export interface ResourceRef {
  /** The API group, '' for the core group. */
  group: string;
  /** The plural resource name, as errors name it (`gitrepos.fleet.cattle.io "x" not found`). */
  resource: string;
  kind: string;
}

export class ApiError extends Error {
  readonly headers: Record<string, string> = {};
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
}

function status(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return new ApiError(s);
}

/** `gitrepos.fleet.cattle.io`, or `configmaps` for the core group: how apimachinery names a resource. */
export function qualifiedResource(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** `GitRepo.fleet.cattle.io`, or `ConfigMap`: how Invalid errors name a kind. */
export function qualifiedKind(ref: ResourceRef): string {
  return ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
}

export function notFound(ref: ResourceRef, name: string): ApiError {
  return status(404, 'NotFound', `${qualifiedResource(ref)} "${name}" not found`, {
    name,
    group: ref.group || undefined,
    kind: ref.resource,
  });
}

export function alreadyExists(ref: ResourceRef, name: string): ApiError {
  return status(409, 'AlreadyExists', `${qualifiedResource(ref)} "${name}" already exists`, {
    name,
    group: ref.group || undefined,
    kind: ref.resource,
  });
}

/** The optimistic-concurrency failure (apiserver `storage.NewResourceVersionConflictsError`). */
export function conflict(ref: ResourceRef, name: string, why: string): ApiError {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${name}": ${why}`,
    { name, group: ref.group || undefined, kind: ref.resource },
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with one cause per field, formatted like `field.ErrorList.ToAggregate()`. */
export function invalid(ref: ResourceRef, name: string, causes: Cause[]): ApiError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? '')));
  const joined = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  return status(422, 'Invalid', `${qualifiedKind(ref)} "${name}" is invalid: ${joined}`, {
    name,
    group: ref.group || undefined,
    kind: ref.kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return status(400, 'BadRequest', message);
}

/** A patch that cannot be applied (apiserver answers a generic 422 with the patch library's message). */
export function unprocessable(message: string): ApiError {
  return status(422, 'Invalid', message);
}

export function methodNotAllowed(): ApiError {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function notFoundPath(): ApiError {
  return status(404, 'NotFound', 'the server could not find the requested resource');
}

export function unsupportedMediaType(contentType: string): ApiError {
  return status(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${contentType}`,
  );
}

export function notAcceptable(): ApiError {
  return status(
    406,
    'NotAcceptable',
    'the server was unable to respond with a content type that the client supports',
  );
}

export function unauthorized(): ApiError {
  return status(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(ref: ResourceRef, name: string, message: string): ApiError {
  return status(403, 'Forbidden', `${qualifiedResource(ref)} "${name}" is forbidden: ${message}`, {
    name,
    group: ref.group || undefined,
    kind: ref.resource,
  });
}

/** 410 for a resourceVersion that fell out of the retained history. */
export function gone(message: string): ApiError {
  return status(410, 'Gone', message);
}

/** 410 for an expired `continue` token (apiserver answers reason `Expired`). */
export function expired(message: string): ApiError {
  return status(410, 'Expired', message);
}

/**
 * 504 for a resourceVersion newer than the server has (apiserver pkg/storage/errors.go
 * NewTooLargeResourceVersionError): the watch cache waited for it and gave up. client-go reads the
 * cause and relists with `resourceVersion=""`. In JSON the cause's type is the `reason` key.
 */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return status(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [
      {
        reason: 'ResourceVersionTooLarge',
        type: 'ResourceVersionTooLarge',
        message: 'Too large resource version',
      },
    ],
    retryAfterSeconds: 1,
  });
}

export function internalError(message: string): ApiError {
  return status(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  const e = status(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    {
      retryAfterSeconds,
    },
  );
  e.headers['Retry-After'] = String(retryAfterSeconds);
  return e;
}

export function serviceUnavailable(retryAfterSeconds?: number): ApiError {
  const e = status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
  if (retryAfterSeconds !== undefined) e.headers['Retry-After'] = String(retryAfterSeconds);
  return e;
}

export function faultStatus(code: 500 | 429 | 503, retryAfterSeconds?: number): ApiError {
  if (code === 429) return tooManyRequests(retryAfterSeconds ?? 1);
  if (code === 503) return serviceUnavailable(retryAfterSeconds);
  const e = internalError('injected fault');
  if (retryAfterSeconds !== undefined) e.headers['Retry-After'] = String(retryAfterSeconds);
  return e;
}
