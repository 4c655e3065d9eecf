/**
 * The simulated Fleet's only way to the emulator: its HTTP API through @kubernetes/client-node,
 * like the real controllers. Merge patches carry the merge-patch content type explicitly (the
 * generated client would send json-patch, docs/libraries.md §1.3); status goes through /status.
 */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ResourceType } from '../../apis/gvr.js';
import { collectionPath } from '../../apis/gvr.js';
import type { KubeList, KubeObject } from '../../apis/kube.js';

export function statusCode(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  const c =
    (e as { code?: unknown; statusCode?: unknown } | null)?.statusCode ??
    (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

export const isNotFound = (e: unknown) => statusCode(e) === 404;
export const isConflict = (e: unknown) => statusCode(e) === 409;

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubeClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly watcher: Watch;

  constructor(readonly kubeConfig: KubeConfig) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.watcher = new Watch(kubeConfig);
  }

  async list<T extends KubeObject>(t: ResourceType): Promise<KubeList<T>> {
    if (t.group === '') {
      if (t.plural !== 'namespaces') throw new Error(`unsupported core type ${t.plural}`);
      return (await this.core.listNamespace()) as unknown as KubeList<T>;
    }
    return (await this.custom.listClusterCustomObject({
      group: t.group,
      version: t.version,
      plural: t.plural,
    })) as KubeList<T>;
  }

  async create<T extends KubeObject>(t: ResourceType, obj: T): Promise<T> {
    const body = { apiVersion: t.group ? `${t.group}/${t.version}` : t.version, kind: t.kind, ...obj };
    if (t.group === '') {
      if (t.plural !== 'namespaces') throw new Error(`unsupported core type ${t.plural}`);
      return (await this.core.createNamespace({ body: body as never })) as unknown as T;
    }
    return (await this.custom.createNamespacedCustomObject({
      group: t.group,
      version: t.version,
      plural: t.plural,
      namespace: obj.metadata.namespace ?? '',
      body,
    })) as T;
  }

  /** A JSON merge patch (RFC 7386). Include `metadata.resourceVersion` for a precondition. */
  async patch<T extends KubeObject>(
    t: ResourceType,
    namespace: string,
    name: string,
    body: object,
  ): Promise<T> {
    return (await this.custom.patchNamespacedCustomObject(
      { group: t.group, version: t.version, plural: t.plural, namespace, name, body },
      MERGE,
    )) as T;
  }

  async patchStatus<T extends KubeObject>(
    t: ResourceType,
    namespace: string,
    name: string,
    status: object,
    resourceVersion?: string,
  ): Promise<T> {
    // With a resourceVersion the write is refused (409) when the object moved on since it was read.
    const body = resourceVersion ? { metadata: { resourceVersion }, status } : { status };
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { group: t.group, version: t.version, plural: t.plural, namespace, name, body },
      MERGE,
    )) as T;
  }

  /** Deletes; a missing object is not an error. */
  async delete(t: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      if (t.group === '') await this.core.deleteNamespace({ name });
      else
        await this.custom.deleteNamespacedCustomObject({
          group: t.group,
          version: t.version,
          plural: t.plural,
          namespace,
          name,
        });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Starts a watch from `resourceVersion`; resolves with the controller that aborts it. */
  watch(
    t: ResourceType,
    resourceVersion: string,
    onEvent: (type: string, obj: KubeObject) => void,
    onDone: (err: unknown) => void,
  ): Promise<AbortController> {
    return this.watcher.watch(
      collectionPath(t),
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
      (type: string, obj: unknown) => onEvent(type, obj as KubeObject),
      (err: unknown) => onDone(err),
    );
  }
}
