/**
 * The Cluster reconciler (docs/fleet/state.md §5.5, docs/fleet/lifecycle.md §6.3): deletes the BDs in the cluster's namespace
 * whose bundle no longer targets the cluster — the only cleanup path before v0.12.3, and still the
 * one for cluster label changes — then rolls the remaining BDs up into the Cluster's status.
 *
 * In `legacy` mode it runs on any Cluster update but its own status writes (in `prompt` mode on
 * check-ins, label, spec and namespace changes only), and on BD creation, spec, applied-ID and
 * ready changes. That is why, in `legacy` cleanup mode, BDs orphaned by a GitRepo target edit
 * linger until the cluster's next update by someone else, usually its check-in (rancher/fleet#3437).
 */
import type { BundleDeployment } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, CLUSTERS } from '../../apis/gvr.js';
import { LABEL_BUNDLE_NAME, LABEL_BUNDLE_NAMESPACE } from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import { clusterKeyOfDeployment } from './agent.js';
import { bundlesForCluster } from './bundles-for-cluster.js';
import type { FleetContext } from './context.js';
import { BY_NAMESPACE } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { clusterStatusFromDeployments } from './rollups.js';
import { deploymentState, setCondition } from './state.js';
import { keyOfObj, patchStatusIfExists, same, splitKey, summaryPatch } from './util.js';

function bundleKeyOf(bd: BundleDeployment): string {
  const l = bd.metadata.labels ?? {};
  return `${l[LABEL_BUNDLE_NAMESPACE] ?? ''}/${l[LABEL_BUNDLE_NAME] ?? ''}`;
}

export class ClusterStatusController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('cluster', (k) => this.reconcile(k), ctx.clock, ctx.log);
    // Fleet's Cluster reconciler watches Clusters without a predicate (`For(&fleet.Cluster{})`,
    // every version), so any update runs it. `legacy` mode (≤ v0.12.0, where this is the only
    // cleanup) runs it on every update made by someone else — annotation edits included — but not
    // on the status this controller writes itself: the simulator writes Cluster status on more
    // occasions than Fleet does, and counting those ended the orphan linger (#3437) at a write
    // Fleet would not have made. `prompt` mode, where the bundle reconciler cleans up, runs it
    // only on check-ins, label, spec and namespace changes.
    const legacy = ctx.settings.cleanup === 'legacy';
    ctx.caches.clusters.on((type, c, old) => {
      if (
        type !== 'MODIFIED' ||
        (legacy && !same(c.metadata.annotations, old?.metadata.annotations)) ||
        !same(c.metadata.labels, old?.metadata.labels) ||
        c.metadata.generation !== old?.metadata.generation ||
        c.status?.agent?.lastSeen !== old?.status?.agent?.lastSeen ||
        c.status?.namespace !== old?.status?.namespace
      )
        this.queue.add(keyOfObj(c));
    });
    ctx.caches.bundleDeployments.on((type, bd, old) => {
      const trigger =
        type === 'ADDED' ||
        (type === 'DELETED' && Boolean(bd.status?.appliedDeploymentID)) ||
        (type === 'MODIFIED' &&
          (bd.metadata.generation !== old?.metadata.generation ||
            bd.status?.appliedDeploymentID !== old?.status?.appliedDeploymentID ||
            bd.status?.ready !== old?.status?.ready ||
            deploymentState(bd) !== (old ? deploymentState(old) : undefined)));
      if (trigger) this.queue.addAfter(clusterKeyOfDeployment(bd), ctx.settings.statusBatchMs);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const cluster = this.ctx.caches.clusters.get(ns, name);
    if (!cluster || cluster.metadata.deletionTimestamp || !cluster.status?.namespace) return;
    const clusterNs = cluster.status.namespace;
    // It deletes only the BDs of in-scope Bundles that no longer target the cluster; it keeps BDs
    // whose Bundle is gone, of Bundles outside its scope or with bad targets, and BDs a doNotDeploy
    // target skips (the bundle reconciler prunes those from v0.12.3, `prompt`; before, nothing).
    const cleanup = new Set(bundlesForCluster(this.ctx, cluster).cleanup.map((b) => keyOfObj(b)));
    const remaining: BundleDeployment[] = [];
    for (const bd of this.ctx.caches.bundleDeployments.byIndex(BY_NAMESPACE, clusterNs)) {
      if (bd.metadata.deletionTimestamp) continue;
      if (!bd.spec?.offSchedule && cleanup.has(bundleKeyOf(bd))) {
        await this.ctx.client.delete(BUNDLE_DEPLOYMENTS, clusterNs, bd.metadata.name ?? '');
        continue;
      }
      remaining.push(bd);
    }
    const repos = new Set(
      this.ctx.caches.gitRepos.list((r) => !r.metadata.deletionTimestamp).map((r) => keyOfObj(r)),
    );
    const st = clusterStatusFromDeployments(remaining, {
      lastSeen: cluster.status.agent?.lastSeen,
      existingGitRepos: repos,
      conditions: cluster.status.conditions,
      now: isoNow(this.ctx.clock),
    });
    const now = isoNow(this.ctx.clock);
    const conditions = setCondition(st.conditions, { type: 'Processed', status: 'True' }, now);
    const cur = cluster.status;
    const changed =
      !same(st.summary, cur.summary) ||
      !same(st.display, cur.display) ||
      !same(st.resourceCounts, cur.resourceCounts) ||
      st.readyGitRepos !== cur.readyGitRepos ||
      st.desiredReadyGitRepos !== cur.desiredReadyGitRepos ||
      !same(conditions, cur.conditions);
    if (!changed) return;
    await patchStatusIfExists(this.ctx.client, CLUSTERS, cluster, {
      ...st,
      conditions,
      summary: summaryPatch(st.summary ?? {}),
    });
  }
}
