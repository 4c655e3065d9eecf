/**
 * The gateway's only way to the Kubernetes API: @kubernetes/client-node 1.4.0 over HTTP.
 * Small on purpose: a page of a list, a watch stream, a GET of one object, and a merge patch with
 * a resourceVersion precondition. Every call can be aborted (client-node's generated APIs accept a
 * middleware, which is how the AbortSignal reaches the request).
 */
import type {
  ConfigurationOptions,
  KubeConfig,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import type { ResourceType } from '../../apis/gvr.js';
import type { KubeList, KubeObject, Status, WatchEventType } from '../../apis/kube.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import { makeImpersonatingApiClient, type Impersonation } from './impersonation.js';

export interface ListPageOptions {
  readonly limit?: number | undefined;
  /** A label selector in string form (`key in (a,b)`), applied by the server. */
  readonly labelSelector?: string | undefined;
  readonly continueToken?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface WatchOptions {
  readonly resourceVersion: string;
  readonly labelSelector?: string | undefined;
  readonly timeoutSeconds: number;
  readonly allowWatchBookmarks?: boolean;
}

export type WatchLineHandler = (type: WatchEventType, object: KubeObject) => void;

/** An HTTP or transport failure, classified for backoff decisions and metrics. */
export class KubeRequestError extends Error {
  constructor(
    /** HTTP status, or 0 for a transport failure (refused, reset, aborted). */
    readonly status: number,
    message: string,
    readonly reason: string,
    /** Seconds from a Retry-After header or Status details, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

/** Normalises whatever client-node threw into a KubeRequestError. */
export function toKubeError(err: unknown): KubeRequestError {
  if (err instanceof KubeRequestError) return err;
  if (err instanceof ApiException) {
    const e = err as ApiException<unknown>;
    const body = parseBody(e.body);
    const retry = Number(e.headers?.['retry-after'] ?? body?.details?.retryAfterSeconds);
    return new KubeRequestError(
      e.code,
      body?.message ?? `HTTP ${e.code}`,
      body?.reason ?? `http_${e.code}`,
      Number.isFinite(retry) ? retry : undefined,
    );
  }
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number') {
    return new KubeRequestError(
      statusCode,
      (err as Error).message || `HTTP ${statusCode}`,
      `http_${statusCode}`,
    );
  }
  const e = err as { name?: string; code?: string; message?: string } | null;
  const reason = e?.name === 'AbortError' ? 'aborted' : (e?.code ?? 'network');
  return new KubeRequestError(0, e?.message ?? String(err), reason);
}

function parseBody(body: unknown): Partial<Status> | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Partial<Status>;
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? body : undefined;
}

/** client-node middleware that hands our AbortSignal to the request. */
export function withSignal(
  signal: AbortSignal | undefined,
  base?: ConfigurationOptions,
): ConfigurationOptions | undefined {
  if (!signal) return base;
  return {
    ...base,
    middleware: [
      ...(base?.middleware ?? []),
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** Dates from client-node's typed core models back into the RFC3339 strings the API sent. */
function plainMeta(meta: Record<string, unknown>): KubeObject['metadata'] {
  const out: Record<string, unknown> = { ...meta };
  for (const k of ['creationTimestamp', 'deletionTimestamp']) {
    const v = out[k];
    if (v instanceof Date) out[k] = v.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return out;
}

function plainNamespace(ns: { metadata?: object; status?: object }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: plainMeta((ns.metadata ?? {}) as Record<string, unknown>),
    ...(ns.status ? { status: ns.status } : {}),
  };
}

export class KubeClient {
  /** Fleet's objects; impersonating the given user when there is one. */
  readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly watcher: Watch;

  /** With `impersonate`, every call through this client acts as that user (impersonation.ts). */
  constructor(
    readonly kubeConfig: KubeConfig,
    impersonate?: Impersonation,
  ) {
    this.custom = impersonate
      ? makeImpersonatingApiClient(kubeConfig, CustomObjectsApi, impersonate)
      : kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = impersonate
      ? makeImpersonatingApiClient(kubeConfig, CoreV1Api, impersonate)
      : kubeConfig.makeApiClient(CoreV1Api);
    this.watcher = new Watch(kubeConfig);
  }

  /** One page of a list. Pages after the first belong to the first page's snapshot (its continue token). */
  async listPage(
    type: ResourceType,
    namespace: string | undefined,
    opts: ListPageOptions = {},
  ): Promise<KubeList> {
    const options = withSignal(opts.signal);
    try {
      if (type.group === '' && type.plural === 'namespaces') {
        const list = await this.core.listNamespace(
          { limit: opts.limit, _continue: opts.continueToken },
          options,
        );
        return {
          apiVersion: 'v1',
          kind: 'NamespaceList',
          metadata: {
            resourceVersion: list.metadata?.resourceVersion,
            continue: list.metadata?._continue,
            remainingItemCount: list.metadata?.remainingItemCount,
          },
          items: list.items.map(plainNamespace),
        };
      }
      assertCustom(type);
      const base = { group: type.group, version: type.version, plural: type.plural };
      const page = { limit: opts.limit, _continue: opts.continueToken, labelSelector: opts.labelSelector };
      const list = (
        type.namespaced && namespace !== undefined
          ? await this.custom.listNamespacedCustomObject({ ...base, ...page, namespace }, options)
          : await this.custom.listClusterCustomObject({ ...base, ...page }, options)
      ) as KubeList;
      return { ...list, metadata: list.metadata ?? {}, items: list.items ?? [] };
    } catch (err) {
      throw toKubeError(err);
    }
  }

  /**
   * Opens a watch. `onLine` gets every event line (BOOKMARK and ERROR included); `onDone` is
   * called once, with null for a clean close by the server or an error. Resolves to the controller
   * that aborts the stream, once the response headers arrived (client-node's Watch cannot be
   * aborted before that: the caller must be ready for a late controller).
   */
  async watch(
    type: ResourceType,
    namespace: string | undefined,
    opts: WatchOptions,
    onLine: WatchLineHandler,
    onDone: (err: KubeRequestError | null) => void,
  ): Promise<AbortController> {
    const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
    const path =
      type.namespaced && namespace !== undefined
        ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`
        : `${base}/${type.plural}`;
    return this.watcher.watch(
      path,
      {
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
        timeoutSeconds: opts.timeoutSeconds,
      },
      (eventType: string, object: unknown) => onLine(eventType as WatchEventType, object as KubeObject),
      (err: unknown) => onDone(err === null || err === undefined ? null : toKubeError(err)),
    );
  }

  /** The raw object, or null when it does not exist. */
  async getObject(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    const options = withSignal(signal);
    try {
      if (type.group === '' && type.plural === 'namespaces') {
        return plainNamespace(await this.core.readNamespace({ name }, options));
      }
      assertCustom(type);
      const base = { group: type.group, version: type.version, plural: type.plural, name };
      return (
        type.namespaced
          ? await this.custom.getNamespacedCustomObject({ ...base, namespace: namespace ?? '' }, options)
          : await this.custom.getClusterCustomObject(base, options)
      ) as KubeObject;
    } catch (err) {
      const e = toKubeError(err);
      if (e.status === 404) return null;
      throw e;
    }
  }

  /**
   * A JSON merge patch (RFC 7386) of a Fleet object. With `resourceVersion`, the patch carries it
   * in `metadata`, which the API server treats as a precondition: 409 Conflict when the object
   * changed since (optimistic concurrency). Errors: CONFLICT, NOT_FOUND, FORBIDDEN,
   * INVALID_ARGUMENT (400/422), UNAVAILABLE (anything else).
   */
  async mergePatch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: Record<string, unknown>,
    opts: { resourceVersion?: string; signal?: AbortSignal } = {},
  ): Promise<KubeObject> {
    assertCustom(type);
    const body = opts.resourceVersion
      ? {
          ...patch,
          metadata: {
            ...((patch.metadata as Record<string, unknown> | undefined) ?? {}),
            resourceVersion: opts.resourceVersion,
          },
        }
      : patch;
    // docs/libraries.md §1.3: the generated client defaults to json-patch; merge patch needs the header.
    const options = withSignal(opts.signal, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const base = { group: type.group, version: type.version, plural: type.plural, name, body };
    try {
      return (
        type.namespaced
          ? await this.custom.patchNamespacedCustomObject({ ...base, namespace: namespace ?? '' }, options)
          : await this.custom.patchClusterCustomObject(base, options)
      ) as KubeObject;
    } catch (err) {
      throw patchError(type, namespace, name, toKubeError(err));
    }
  }
}

function assertCustom(type: ResourceType): void {
  if (type.group === '') throw new Error(`core resource ${type.plural} is not supported by this call`);
}

function patchError(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  e: KubeRequestError,
): FleetGraphError {
  const key = namespace ? `${namespace}/${name}` : name;
  const details = { kind: type.kind, key, status: e.status };
  switch (e.status) {
    case 409:
      return new FleetGraphError(
        ErrorCode.CONFLICT,
        `${type.kind} "${key}" was changed by someone else`,
        details,
        e.message,
      );
    case 404:
      return new FleetGraphError(ErrorCode.NOT_FOUND, `${type.kind} "${key}" not found`, details, e.message);
    case 403:
      return new FleetGraphError(
        ErrorCode.FORBIDDEN,
        `not allowed to change ${type.kind} "${key}"`,
        details,
        e.message,
      );
    case 400:
    case 422:
      return new FleetGraphError(
        ErrorCode.INVALID_ARGUMENT,
        `${type.kind} "${key}" was rejected as invalid by the Kubernetes API`,
        details,
        e.message,
      );
    default:
      return new FleetGraphError(
        ErrorCode.UNAVAILABLE,
        `the Kubernetes API could not change ${type.kind} "${key}"; retry later`,
        details,
        e.message,
      );
  }
}
