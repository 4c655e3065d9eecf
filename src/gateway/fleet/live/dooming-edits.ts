/**
 * The memory behind "since when" (rules/still-targeted.ts `removalOf`): when the gateway first saw
 * each edit that can doom a BundleDeployment, noted from the store's change feed. The event engine
 * and the cleanup histogram each keep one over the same feed, so a removal reports the same
 * latency in a subscription and in the metrics.
 */
import type { ChangeEvent } from '../../store/store.js';
import type { DoomingEdits } from '../rules/still-targeted.js';

/** Insertion-ordered map that forgets its oldest entries past `max` (times of edits seen, records gone). */
export class Recent<V = number> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  /** Keeps the first value seen unless `replace`. */
  set(key: string, at: V, replace = false): void {
    if (!replace && this.map.has(key)) return;
    this.map.delete(key);
    this.map.set(key, at);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/** How many edits of each sort are remembered: far more than deployments can be doomed at once. */
export const EDIT_MEMORY = 20_000;

const sameJson = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Edits that doom deployments (docs/fleet/lifecycle.md §6.1–6.2, §6.4), as first seen on the change feed. */
export class DoomingEditLog implements DoomingEdits {
  /** When deletions (deletionTimestamp or DELETED) of Bundles, Clusters and GitRepos were first seen. */
  private readonly deletions = new Recent(EDIT_MEMORY);
  /** When a Bundle's targets, or a Cluster's labels, last changed. */
  private readonly targetingEdits = new Recent(EDIT_MEMORY);

  /** Records what `e` dooms; call it for every change, in feed order. */
  note(e: ChangeEvent): void {
    const { kind, key, before, after, observedAt } = e;
    if (kind !== 'Bundle' && kind !== 'Cluster' && kind !== 'GitRepo') return;
    if (e.type === 'DELETED' || (after?.deletionTimestamp && !before?.deletionTimestamp)) {
      this.deletions.set(`${kind}:${key}`, observedAt);
    }
    if (e.type !== 'MODIFIED' || !before || !after) return;
    if (before.kind === 'Bundle' && after.kind === 'Bundle') {
      // Targets and restrictions both decide what the Bundle selects (docs/fleet/targeting.md §4.5).
      if (
        !sameJson(before.targets, after.targets) ||
        !sameJson(before.targetRestrictions, after.targetRestrictions)
      ) {
        this.targetingEdits.set(`Bundle:${key}`, observedAt, true);
      }
    } else if (
      before.kind === 'Cluster' &&
      after.kind === 'Cluster' &&
      !sameJson(before.labels, after.labels)
    ) {
      this.targetingEdits.set(`Cluster:${key}`, observedAt, true);
    }
  }

  deletedAt(kind: 'Bundle' | 'Cluster' | 'GitRepo', key: string): number | undefined {
    return this.deletions.get(`${kind}:${key}`);
  }

  targetingEditedAt(kind: 'Bundle' | 'Cluster', key: string): number | undefined {
    return this.targetingEdits.get(`${kind}:${key}`);
  }
}
