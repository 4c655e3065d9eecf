/** Small helpers the simulated controllers share: diffing, finalizers, keys. */
import type { ResourceType } from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import type { KubeClient } from './client.js';
import { isNotFound } from './client.js';
import { stableJson } from './naming.js';

export function same(a: unknown, b: unknown): boolean {
  return stableJson(a ?? null) === stableJson(b ?? null);
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

export function keyOfObj(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Adds a finalizer with a resourceVersion precondition (a conflict retries the reconcile). */
export async function ensureFinalizer(
  client: KubeClient,
  t: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  const fs = obj.metadata.finalizers ?? [];
  if (fs.includes(finalizer)) return;
  await client.patch(t, obj.metadata.namespace ?? '', obj.metadata.name ?? '', {
    metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: [...fs, finalizer] },
  });
}

/** Removes a finalizer with a resourceVersion precondition; a vanished object is fine. */
export async function removeFinalizer(
  client: KubeClient,
  t: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  const fs = obj.metadata.finalizers ?? [];
  if (!fs.includes(finalizer)) return;
  try {
    await client.patch(t, obj.metadata.namespace ?? '', obj.metadata.name ?? '', {
      metadata: {
        resourceVersion: obj.metadata.resourceVersion,
        finalizers: fs.filter((f) => f !== finalizer),
      },
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Patches status, ignoring an object that vanished meanwhile. */
export async function patchStatusIfExists(
  client: KubeClient,
  t: ResourceType,
  obj: KubeObject,
  status: object,
  resourceVersion?: string,
): Promise<void> {
  try {
    await client.patchStatus(
      t,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      status,
      resourceVersion,
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * A merge-patch value for a BundleSummary: counters that dropped to zero are omitted by Fleet
 * (omitempty), so they must be nulled explicitly or the stored value would keep the old count.
 */
export function summaryPatch(s: object): Record<string, unknown> {
  return {
    notReady: null,
    waitApplied: null,
    errApplied: null,
    outOfSync: null,
    modified: null,
    pending: null,
    nonReadyResources: null,
    ...s,
  };
}
