/**
 * Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, and PartialObjectMetadata.
 */
import type { KubeObject } from '../../apis/kube.js';
import type { Resource } from './registry.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialMetadata(o: KubeObject): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function rowOf(r: Resource, o: KubeObject, now: number, include: IncludeObject): unknown {
  const cells = r.columns.map((c) => {
    try {
      return c.cell(o, now) ?? null;
    } catch {
      return null;
    }
  });
  return {
    cells,
    object: include === 'Object' ? o : include === 'None' ? null : partialMetadata(o),
  };
}

export function columnDefinitions(r: Resource): unknown[] {
  return r.columns.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format,
    description: c.description,
    priority: c.priority,
  }));
}

export function table(
  r: Resource,
  items: KubeObject[],
  now: number,
  include: IncludeObject,
  meta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  headers = true,
): unknown {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: headers ? columnDefinitions(r) : [],
    rows: items.map((o) => rowOf(r, o, now, include)),
  };
}
