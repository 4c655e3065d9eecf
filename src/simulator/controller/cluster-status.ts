/**
 * The Cluster reconciler (docs/fleet/state.md §5.5, docs/fleet/lifecycle.md §6.3): deletes the BDs in the cluster's namespace
 * whose bundle no longer targets the cluster — the only cleanup path before v0.12.3, and still the
 * one for cluster label changes — then rolls the remaining BDs up into the Cluster's status.
 *
 * It runs only on Cluster events (check-ins, label or spec edits) and on BD creation, spec,
 * applied-ID and ready changes, as Fleet's does. That is why, in `legacy` cleanup mode, BDs
 * orphaned by a GitRepo target edit linger until the cluster's next check-in (rancher/fleet#3437).
 */
import type { BundleDeployment, Cluster } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, CLUSTERS } from '../../apis/gvr.js';
import { LABEL_BUNDLE_NAME, LABEL_BUNDLE_NAMESPACE } from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import { clusterKeyOfDeployment } from './agent.js';
import type { FleetContext } from './context.js';
import { BY_NAMESPACE } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { clusterStatusFromDeployments } from './rollups.js';
import { deploymentState, setCondition } from './state.js';
import { BundleMatcher, candidateNamespaces, clusterGroupsForCluster, TargetingError } from './targeting.js';
import { keyOfObj, patchStatusIfExists, same, splitKey, summaryPatch } from './util.js';

export class ClusterStatusController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('cluster', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.clusters.on((type, c, old) => {
      // Our own summary writes do not re-trigger; check-ins, labels, spec and the namespace do.
      if (
        type !== 'MODIFIED' ||
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

  /** Does the BD's bundle still target this cluster? Unknown (targeting error) counts as yes. */
  private stillTargeted(bd: BundleDeployment, cluster: Cluster): boolean {
    const l = bd.metadata.labels ?? {};
    const bundle = this.ctx.caches.bundles.get(l[LABEL_BUNDLE_NAMESPACE], l[LABEL_BUNDLE_NAME] ?? '');
    if (!bundle) return false;
    try {
      const nss = candidateNamespaces(
        bundle,
        this.ctx.caches.mappings.list(),
        this.ctx.caches.namespaces.list(),
      );
      if (!nss.has(cluster.metadata.namespace ?? '')) return false;
      const groups = clusterGroupsForCluster(cluster, this.ctx.caches.clusterGroups.list());
      return new BundleMatcher(bundle).match(cluster, groups) !== undefined;
    } catch (e) {
      if (e instanceof TargetingError) return true;
      throw e;
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const cluster = this.ctx.caches.clusters.get(ns, name);
    if (!cluster || cluster.metadata.deletionTimestamp || !cluster.status?.namespace) return;
    const clusterNs = cluster.status.namespace;
    const remaining: BundleDeployment[] = [];
    for (const bd of this.ctx.caches.bundleDeployments.byIndex(BY_NAMESPACE, clusterNs)) {
      if (bd.metadata.deletionTimestamp) continue;
      if (!bd.spec?.offSchedule && !this.stillTargeted(bd, cluster)) {
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
