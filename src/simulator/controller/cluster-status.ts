/**
 * The Cluster reconciler (fleet-model.md §5.5, §6.3): deletes the BDs in the cluster's namespace
 * whose bundle no longer targets the cluster — the only cleanup path before v0.12.3, and still the
 * one for cluster label changes — then rolls the remaining BDs up into the Cluster's status.
 *
 * It runs on every Cluster event (check-ins, label or spec edits, status writes) and on BD
 * creation, spec, applied-ID and ready changes, as Fleet's does. That is why, in `legacy` cleanup mode, BDs
 * orphaned by a GitRepo target edit linger until the cluster's next check-in (rancher/fleet#3437).
 */
import type { BundleDeployment, Cluster } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, CLUSTERS } from '../../apis/gvr.js';
import {
  AGENT_BUNDLE_OBJECTSET_ID,
  ANNOTATION_OBJECTSET_ID,
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
} from '../../apis/labels.js';
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
    // Fleet's Cluster reconciler watches Clusters without a predicate (`For(&fleet.Cluster{})`,
    // every version): any update runs it, including status writes by agent management and its
    // own; a run that changes nothing writes nothing, so its own write ends the chain.
    ctx.caches.clusters.on((_type, c) => this.queue.add(keyOfObj(c)));
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

  /**
   * Does the Cluster reconciler keep this BD (reconciler/cluster_controller.go with
   * target/query.go `BundlesForCluster`, same in every version)? It deletes only the BDs of
   * Bundles that are in the cluster's scope (its namespace, or mapped to it by a
   * BundleNamespaceMapping; agent bundles of other clusters excepted) and whose targets
   * (`BundleMatch.Match`) select no deployment target for it. So it keeps BDs whose Bundle is gone,
   * BDs of Bundles outside its scope, BDs of Bundles with a targeting error, and BDs a
   * `doNotDeploy` target or customization skips: the bundle reconciler deletes those, from
   * v0.12.3 on (`prompt` mode), and before that nothing does.
   */
  private keeps(bd: BundleDeployment, cluster: Cluster): boolean {
    const l = bd.metadata.labels ?? {};
    const bundle = this.ctx.caches.bundles.get(l[LABEL_BUNDLE_NAMESPACE], l[LABEL_BUNDLE_NAME] ?? '');
    if (!bundle) return true;
    const agentBundle = bundle.metadata.annotations?.[ANNOTATION_OBJECTSET_ID] === AGENT_BUNDLE_OBJECTSET_ID;
    if (agentBundle && bundle.metadata.name !== `fleet-agent-${cluster.metadata.name ?? ''}`) return true;
    try {
      const nss = candidateNamespaces(
        bundle,
        this.ctx.caches.mappings.list(),
        this.ctx.caches.namespaces.list(),
      );
      if (!nss.has(cluster.metadata.namespace ?? '')) return true;
      const groups = clusterGroupsForCluster(cluster, this.ctx.caches.clusterGroups.list());
      return new BundleMatcher(bundle).matchedTarget(cluster, groups) !== undefined;
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
      if (!bd.spec?.offSchedule && !this.keeps(bd, cluster)) {
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
