/**
 * What each recent resourceVersion of a GitRepo held, learnt from the store's change feed, so a
 * stale `expectedResourceVersion` can be judged: Kubernetes bumps resourceVersion on every write,
 * status included, and Fleet writes GitRepo status often, so the raw precondition would refuse
 * almost every edit of a busy GitRepo. The spec only changes with `metadata.generation` (CRDs with a
 * status subresource, docs/fleet/objects.md §2.2), so an expected version whose generation is the current one
 * means the caller saw the current spec; and when they differ, the remembered spec says what changed.
 */
import type { GitTarget } from '../../../apis/fleet.js';
import type { GitRepoRecord } from '../rules/read-model.js';

export interface SpecView {
  readonly generation: number;
  readonly spec: Readonly<Record<string, string>>;
}

/** The spec fields a caller acts on, each as canonical JSON for comparison. */
export function specView(r: GitRepoRecord): SpecView {
  const spec: Record<string, string> = {
    targets: JSON.stringify(r.targets),
    repo: JSON.stringify(r.repo),
    branch: JSON.stringify(r.branch ?? null),
    revision: JSON.stringify(r.revision ?? null),
    paths: JSON.stringify(r.paths),
    paused: JSON.stringify(r.paused),
    forceSyncGeneration: JSON.stringify(r.forceSyncGeneration),
  };
  return { generation: r.generation, spec };
}

/** Spec fields that differ between two views, as `spec.<field>`. */
export function changedFields(a: SpecView, b: SpecView): string[] {
  return Object.keys(b.spec)
    .filter((k) => a.spec[k] !== b.spec[k])
    .map((k) => `spec.${k}`);
}

export class VersionMemo {
  private readonly byKey = new Map<string, Map<string, SpecView>>();

  constructor(private readonly perObject = 256) {}

  record(r: GitRepoRecord): void {
    let m = this.byKey.get(r.key);
    if (!m) {
      m = new Map<string, SpecView>();
      this.byKey.set(r.key, m);
    }
    m.set(r.resourceVersion, specView(r));
    if (m.size > this.perObject) m.delete(m.keys().next().value!);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  /** The distinct target lists this GitRepo had in the remembered versions. */
  targetHistory(key: string): GitTarget[][] {
    const lists = new Set<string>();
    for (const v of this.byKey.get(key)?.values() ?? []) if (v.spec['targets']) lists.add(v.spec['targets']);
    return [...lists].map((j) => JSON.parse(j) as GitTarget[]);
  }

  get(key: string, resourceVersion: string): SpecView | undefined {
    return this.byKey.get(key)?.get(resourceVersion);
  }
}
