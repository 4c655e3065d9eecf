/**
 * The ClusterGroup reconciler (docs/fleet/state.md §5.6): sums the statuses of the clusters its selector
 * currently matches in its namespace (a null selector matches none), and lists the non-ready ones.
 */
import type { ClusterGroup } from '../../apis/fleet.js';
import { CLUSTER_GROUPS } from '../../apis/gvr.js';
import { compileLabelSelector } from '../../apis/selector.js';
import { isoNow } from '../../shared/clock.js';
import type { FleetContext } from './context.js';
import { BY_NAMESPACE } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { clusterGroupStatusFromClusters } from './rollups.js';
import { keyOfObj, patchStatusIfExists, same, splitKey, summaryPatch } from './util.js';

export class ClusterGroupStatusController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('clustergroup', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.clusterGroups.on((type, g, old) => {
      if (type !== 'MODIFIED' || !same(g.spec, old?.spec) || !same(g.metadata.labels, old?.metadata.labels))
        this.queue.add(keyOfObj(g));
    });
    ctx.caches.clusters.on((_t, c) => {
      for (const g of ctx.caches.clusterGroups.byIndex(BY_NAMESPACE, c.metadata.namespace ?? ''))
        this.queue.addAfter(keyOfObj(g), ctx.settings.statusBatchMs);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private members(g: ClusterGroup) {
    const sel = g.spec?.selector;
    if (!sel) return [];
    try {
      const s = compileLabelSelector(sel);
      return this.ctx.caches.clusters.list(
        (c) =>
          c.metadata.namespace === g.metadata.namespace &&
          !c.metadata.deletionTimestamp &&
          s.matches(c.metadata.labels),
      );
    } catch {
      return [];
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const g = this.ctx.caches.clusterGroups.get(ns, name);
    if (!g || g.metadata.deletionTimestamp) return;
    const st = clusterGroupStatusFromClusters(this.members(g), {
      conditions: g.status?.conditions,
      now: isoNow(this.ctx.clock),
    });
    const cur = g.status ?? {};
    const changed = (Object.keys(st) as (keyof typeof st)[]).some((k) => !same(st[k], cur[k]));
    if (!changed) return;
    await patchStatusIfExists(this.ctx.client, CLUSTER_GROUPS, g, {
      ...st,
      summary: summaryPatch(st.summary),
    });
  }
}
