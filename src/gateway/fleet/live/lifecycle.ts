/**
 * The BundleDeployment lifecycle as fleet-graph sees it first-hand, measured on the gateway clock:
 *
 * - cleanup latency: from the moment a BundleDeployment became an orphan (its STALE_DEPLOYMENT
 *   finding's `firstSeenAt`) to its removal, as rules/still-targeted.ts `removalOf` dates it for
 *   the removal events of subscriptions too. Before Fleet v0.12.3 only the Cluster reconciler
 *   removed orphans, so this took until the cluster's next agent check-in (up to 15 min by default,
 *   rancher/fleet#3437); since then the bundle reconciler prunes them in the same reconcile
 *   (docs/fleet/lifecycle.md §6.3). When the orphaning change and the removal arrive in the same batch the
 *   finding never shows; then the edit that doomed it (a deletion, a Bundle target change, a
 *   Cluster relabel), or the removal itself, is the start.
 * - retarget latency: from a GitRepo `spec.targets` edit seen on the watch, to every Bundle of the
 *   GitRepo carrying the new targets (`fleet apply` rewrote them, docs/fleet/lifecycle.md §6.1 step 2), and to the removal
 *   of the last orphan it left (docs/fleet/lifecycle.md §6.1 step 3).
 */
import type { Histogram } from 'prom-client';
import type { GitTarget } from '../../../apis/fleet.js';
import type { Clock } from '../../../shared/clock.js';
import { staleId } from '../rules/consistency.js';
import { bundleCarriesGitRepoTargets } from '../rules/carried-targets.js';
import { removalOf } from '../rules/still-targeted.js';
import { sameCriteria } from '../rules/target-lists.js';
import { FleetView } from '../rules/view.js';
import { DoomingEditLog } from './dooming-edits.js';
import type { ConsistencyTracker } from './tracker.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../../store/records.js';
import type { ChangeEvent, Store } from '../../store/store.js';

/** Buckets that tell a prompt cleanup (seconds) from a legacy one (minutes, up to 15 min and more). */
export const LIFECYCLE_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800];

export interface LifecycleHistograms {
  readonly cleanup: Histogram<'workspace' | 'reason'>;
  readonly retargetBundles: Histogram<'workspace'>;
  readonly retargetCleanup: Histogram<'workspace'>;
}

export interface LifecycleSources {
  readonly store: Pick<Store, 'subscribe' | 'snapshot'>;
  readonly tracker: Pick<ConsistencyTracker, 'current' | 'firstSeenAt'>;
  /** Brings the tracker up to date with the store (the gateway's batched consistency flush). */
  readonly refresh: () => void;
  readonly clock: Clock;
}

interface Edit {
  readonly at: number;
  /** The targets before the edit: a Bundle still carrying them is not updated yet. */
  readonly earlier: readonly GitTarget[];
  bundlesAt?: number;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** Follows the store and the tracker and fills the lifecycle histograms. Returns the stop function. */
export function observeLifecycle(src: LifecycleSources, h: LifecycleHistograms): () => void {
  /** When the edits that doom deployments were first seen: the "since when" of a removal. */
  const dooming = new DoomingEditLog();
  const edits = new Map<string, Edit>();
  let removed: { bd: BundleDeploymentRecord; at: number; staleSince: number | undefined }[] = [];
  let scheduled = false;
  let stopped = false;

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) process();
    });
  };

  const onChange = (e: ChangeEvent) => {
    dooming.note(e);
    switch (e.kind) {
      case 'Bundle':
        if (edits.size > 0) schedule();
        break;
      case 'GitRepo': {
        const before = e.before as GitRepoRecord | undefined;
        const after = e.after as GitRepoRecord | undefined;
        if (!after) edits.delete(e.key);
        else if (before && !sameCriteria(before.targets, after.targets)) {
          // A newer edit supersedes one still in flight: only complete edits are measured.
          edits.set(e.key, { at: e.observedAt, earlier: before.targets });
          schedule();
        }
        break;
      }
      case 'BundleDeployment':
        if (e.type === 'DELETED' && e.before) {
          const bd = e.before as BundleDeploymentRecord;
          // Read now: the tracker drops the finding once it sees the deletion.
          removed.push({ bd, at: e.observedAt, staleSince: src.tracker.firstSeenAt(staleId(bd)) });
          schedule();
        } else if (edits.size > 0) schedule();
        break;
      default:
        break;
    }
  };

  function observeRemovals(view: () => FleetView): void {
    for (const { bd, at, staleSince } of removed) {
      const removal = removalOf(view(), bd, at, staleSince, dooming);
      // Removed while nothing doomed it (e.g. by hand): not a cleanup.
      if (removal.reason === 'UNKNOWN') continue;
      h.cleanup.observe(
        { workspace: bd.bundleNamespace, reason: removal.reason },
        seconds(removal.cleanupLatencyMs),
      );
    }
  }

  function observeEdits(view: () => FleetView, now: number): void {
    for (const [key, edit] of edits) {
      const snap = view().snapshot;
      const repo = snap.get('GitRepo', key);
      if (!repo) {
        edits.delete(key);
        continue;
      }
      if (edit.bundlesAt === undefined) {
        const bundles = snap.bundlesOfGitRepo(repo.namespace, repo.name);
        const done =
          bundles.length > 0 && bundles.every((b) => bundleCarriesGitRepoTargets(b, repo, [edit.earlier]));
        if (!done) continue;
        edit.bundlesAt = now;
        h.retargetBundles.observe({ workspace: repo.namespace }, seconds(now - edit.at));
      }
      const orphans = src.tracker
        .current()
        .some(
          (f) =>
            f.kind === 'STALE_DEPLOYMENT' &&
            f.gitRepo?.namespace === repo.namespace &&
            f.gitRepo.name === repo.name,
        );
      if (orphans) continue;
      h.retargetCleanup.observe({ workspace: repo.namespace }, seconds(now - edit.at));
      edits.delete(key);
    }
  }

  function process(): void {
    src.refresh();
    let v: FleetView | undefined;
    const view = () => (v ??= new FleetView(src.store.snapshot()));
    observeRemovals(view);
    observeEdits(view, src.clock.now());
    removed = [];
  }

  const stopChanges = src.store.subscribe(onChange);
  return () => {
    stopped = true;
    stopChanges();
  };
}
