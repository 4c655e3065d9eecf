/**
 * Agent management (docs/fleet/links.md §3.2, docs/fleet/state.md §5.5, docs/fleet/lifecycle.md §6.2): gives every Cluster its per-cluster
 * namespace (created once, labelled managed, with back-pointer annotations, recorded in
 * `status.namespace`), runs the simulated agent's check-ins (`status.agent.lastSeen`, first about
 * 15 s after start, then every check-in interval, none while the cluster is offline), and on
 * deletion removes the cluster namespace — and with it the BDs — before dropping the finalizer.
 */
import type { Cluster, Namespace } from '../../apis/fleet.js';
import { BUNDLES, CLUSTERS, NAMESPACES } from '../../apis/gvr.js';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_CLUSTER_NAMESPACE,
  FINALIZER_CLUSTER,
  LABEL_MANAGED,
} from '../../apis/labels.js';
import type { TimerHandle } from '../../shared/clock.js';
import { isoNow } from '../../shared/clock.js';
import { AGENT_NAMESPACE, agentBundleFor, agentBundleName } from './agentbundle.js';
import { isConflict, statusCode } from './client.js';
import type { FleetContext } from './context.js';
import { clusterNamespaceName } from './naming.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { ensureFinalizer, keyOfObj, patchStatusIfExists, removeFinalizer, splitKey } from './util.js';

export class AgentManagementController {
  readonly queue: WorkQueue;
  private readonly checkIns = new Map<string, TimerHandle>();

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('agentmanagement', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.clusters.on((type, c) => {
      if (type === 'DELETED') {
        this.checkIns.get(keyOfObj(c))?.cancel();
        this.checkIns.delete(keyOfObj(c));
      }
      this.queue.add(keyOfObj(c));
    });
  }

  stop(): void {
    this.queue.stop();
    for (const t of this.checkIns.values()) t.cancel();
    this.checkIns.clear();
  }

  /** Checks in at once (if online) and restarts the interval from now. */
  async checkInNow(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    this.checkIns.get(key)?.cancel();
    this.checkIns.delete(key);
    await this.checkIn(key);
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const cluster = this.ctx.caches.clusters.get(ns, name);
    if (!cluster) return;
    if (cluster.metadata.deletionTimestamp) return this.finalize(cluster);
    await ensureFinalizer(this.ctx.client, CLUSTERS, cluster, FINALIZER_CLUSTER);
    // Computed once and stored; never recomputed when already set (docs/fleet/links.md §3.2).
    const nsName = cluster.status?.namespace || clusterNamespaceName(ns, name);
    if (!this.ctx.caches.namespaces.get(undefined, nsName)) {
      const body: Namespace = {
        metadata: {
          name: nsName,
          labels: { [LABEL_MANAGED]: 'true' },
          annotations: { [ANNOTATION_CLUSTER_NAMESPACE]: ns, [ANNOTATION_CLUSTER]: name },
        },
      };
      try {
        await this.ctx.client.create(NAMESPACES, body);
      } catch (e) {
        if (!isConflict(e) && statusCode(e) !== 409) throw e;
      }
    }
    if (cluster.status?.namespace !== nsName) {
      await patchStatusIfExists(this.ctx.client, CLUSTERS, cluster, { namespace: nsName });
    }
    if (this.ctx.settings.agentBundles) await this.ensureAgentBundle(cluster);
    this.scheduleCheckIn(key, cluster);
  }

  private async ensureAgentBundle(cluster: Cluster): Promise<void> {
    const want = agentBundleFor(cluster);
    const cur = this.ctx.caches.bundles.get(want.metadata.namespace, want.metadata.name ?? '');
    if (cur) return;
    try {
      await this.ctx.client.create(BUNDLES, want);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }

  private async finalize(cluster: Cluster): Promise<ReconcileResult> {
    const key = keyOfObj(cluster);
    this.checkIns.get(key)?.cancel();
    this.checkIns.delete(key);
    // The agent bundle goes with its cluster (docs/fleet/lifecycle.md §6.2).
    await this.ctx.client.delete(
      BUNDLES,
      cluster.metadata.namespace ?? '',
      agentBundleName(cluster.metadata.name ?? ''),
    );
    const nsName = cluster.status?.namespace;
    if (nsName) {
      const ns = this.ctx.caches.namespaces.get(undefined, nsName);
      if (ns && !ns.metadata.deletionTimestamp) await this.ctx.client.delete(NAMESPACES, '', nsName);
    }
    await removeFinalizer(this.ctx.client, CLUSTERS, cluster, FINALIZER_CLUSTER);
  }

  private scheduleCheckIn(key: string, cluster: Cluster): void {
    if (this.checkIns.has(key)) return;
    const s = this.ctx.settings;
    const last = cluster.status?.agent?.lastSeen ? Date.parse(cluster.status.agent.lastSeen) : NaN;
    const due = Number.isNaN(last)
      ? s.firstCheckInDelayMs
      : Math.max(0, last + s.checkInIntervalMs - this.ctx.clock.now());
    this.arm(key, due);
  }

  private arm(key: string, ms: number): void {
    const handle = this.ctx.clock.setTimeout(() => {
      this.checkIns.delete(key);
      this.checkIn(key).catch((e: unknown) => this.ctx.log.debug({ err: e, key }, 'check-in failed'));
    }, ms);
    this.checkIns.set(key, handle);
  }

  private async checkIn(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cluster = this.ctx.caches.clusters.get(ns, name);
    if (!cluster || cluster.metadata.deletionTimestamp) return;
    // The next check-in is due an interval from now whether or not this one happens: an offline
    // agent simply misses its slots.
    this.arm(key, this.ctx.settings.checkInIntervalMs);
    if (this.ctx.faults.isOffline(key)) return;
    await patchStatusIfExists(this.ctx.client, CLUSTERS, cluster, {
      agent: { lastSeen: isoNow(this.ctx.clock), namespace: AGENT_NAMESPACE },
    });
  }
}
