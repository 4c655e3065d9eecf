/**
 * The BundleDeployment lifecycle as fleet-graph sees it first-hand, measured on the gateway clock:
 *
 * - cleanup latency: from the moment a BundleDeployment became an orphan (its STALE_DEPLOYMENT
 *   finding's `firstSeenAt`) to its removal. Before Fleet v0.12.3 only the Cluster reconciler
 *   removed orphans, so this took until the cluster's next agent check-in (up to 15 min by default,
 *   rancher/fleet#3437); since then the bundle reconciler prunes them in the same reconcile
 *   (docs/fleet/lifecycle.md §6.3). When the orphaning change and the removal arrive in the same batch the
 *   finding never shows; then the Bundle's target change, or the removal itself, is the start.
 * - retarget latency: from a GitRepo `spec.targets` edit seen on the watch, to every Bundle of the
 *   GitRepo carrying the new targets (`fleet apply` rewrote them, docs/fleet/lifecycle.md §6.1 step 2), and to the removal
 *   of the last orphan it left (docs/fleet/lifecycle.md §6.1 step 3).
 */
import type { Histogram } from 'prom-client';
import type { GitTarget, TargetCriteria } from '../../../apis/fleet.js';
import type { Clock } from '../../../shared/clock.js';
import { removalReason } from '../rules/consistency.js';
import type { Inconsistency } from '../rules/read-model.js';
import { effectiveGitTargets, overridesGitRepoTargets } from '../rules/retarget.js';
import { FleetView } from '../rules/view.js';
import type { ConsistencyTracker, InconsistencyEvent } from './tracker.js';
import type { BundleDeploymentRecord, BundleRecord, GitRepoRecord } from '../../store/records.js';
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
  readonly tracker: Pick<ConsistencyTracker, 'subscribe' | 'current'>;
  /** Brings the tracker up to date with the store (the gateway's batched consistency flush). */
  readonly refresh: () => void;
  readonly clock: Clock;
}

const CRITERIA: readonly (keyof TargetCriteria)[] = [
  'name',
  'clusterName',
  'clusterSelector',
  'clusterGroup',
  'clusterGroupSelector',
];

const criteria = (list: readonly TargetCriteria[]) =>
  JSON.stringify(list.map((t) => CRITERIA.map((k) => t[k] ?? null)));

/** docs/fleet/targeting.md §4.1: `fleet apply` writes the GitRepo targets (or the default one) as the Bundle's restrictions. */
function carries(bundle: BundleRecord, targets: readonly GitTarget[]): boolean {
  return criteria(bundle.targetRestrictions) === criteria(effectiveGitTargets(targets));
}

interface Edit {
  readonly at: number;
  readonly targets: readonly GitTarget[];
  bundlesAt?: number;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** Follows the store and the tracker and fills the lifecycle histograms. Returns the stop function. */
export function observeLifecycle(src: LifecycleSources, h: LifecycleHistograms): () => void {
  /** Stale findings that cleared since the last batch, by BundleDeployment key. */
  const clearedStale = new Map<string, Inconsistency>();
  /** When each Bundle's targets last changed (gateway clock). */
  const targetsChangedAt = new Map<string, number>();
  const edits = new Map<string, Edit>();
  let removed: { bd: BundleDeploymentRecord; at: number }[] = [];
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

  const onFinding = (e: InconsistencyEvent) => {
    const f = e.inconsistency;
    if (e.type === 'CLEARED' && f.kind === 'STALE_DEPLOYMENT' && f.bundleDeployment)
      clearedStale.set(`${f.bundleDeployment.namespace}/${f.bundleDeployment.name}`, f);
  };

  const onChange = (e: ChangeEvent) => {
    switch (e.kind) {
      case 'Bundle': {
        const before = e.before as BundleRecord | undefined;
        const after = e.after as BundleRecord | undefined;
        if (!after) targetsChangedAt.delete(e.key);
        else if (!before || JSON.stringify(before.targets) !== JSON.stringify(after.targets))
          targetsChangedAt.set(e.key, e.observedAt);
        if (edits.size > 0) schedule();
        break;
      }
      case 'GitRepo': {
        const before = e.before as GitRepoRecord | undefined;
        const after = e.after as GitRepoRecord | undefined;
        if (!after) edits.delete(e.key);
        else if (before && JSON.stringify(before.targets) !== JSON.stringify(after.targets)) {
          // A newer edit supersedes one still in flight: only complete edits are measured.
          edits.set(e.key, { at: e.observedAt, targets: after.targets });
          schedule();
        }
        break;
      }
      case 'BundleDeployment':
        if (e.type === 'DELETED' && e.before) {
          removed.push({ bd: e.before as BundleDeploymentRecord, at: e.observedAt });
          schedule();
        } else if (edits.size > 0) schedule();
        break;
      default:
        break;
    }
  };

  function observeRemovals(view: () => FleetView): void {
    for (const { bd, at } of removed) {
      const finding = clearedStale.get(bd.key);
      if (finding) {
        h.cleanup.observe(
          { workspace: finding.workspace, reason: finding.cause ?? 'UNKNOWN' },
          seconds(at - finding.firstSeenAt),
        );
        continue;
      }
      // Never seen stale: orphaned and removed within one batch, or removed while still targeted.
      const reason = removalReason(view(), bd);
      if (reason === 'UNKNOWN') continue;
      const since =
        reason === 'TARGET_REMOVED'
          ? (targetsChangedAt.get(`${bd.bundleNamespace}/${bd.bundleName}`) ?? at)
          : at;
      h.cleanup.observe({ workspace: bd.bundleNamespace, reason }, seconds(at - since));
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
          bundles.length > 0 &&
          bundles.every((b) => carries(b, edit.targets) || overridesGitRepoTargets(b, repo));
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
    clearedStale.clear();
  }

  const stopFindings = src.tracker.subscribe(onFinding);
  const stopChanges = src.store.subscribe(onChange);
  return () => {
    stopped = true;
    stopFindings();
    stopChanges();
  };
}
