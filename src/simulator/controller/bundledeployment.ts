/**
 * The controller-side BundleDeployment reconciler (docs/fleet/state.md §5.1, docs/fleet/lifecycle.md §6.1 step 4): removes the
 * BD finalizer as soon as a BD is being deleted (the agent never handles finalizers, PR #2431) and
 * keeps `status.display` in step with the BD's state.
 */
import type { BundleDeployment } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS } from '../../apis/gvr.js';
import { FINALIZER_BUNDLE_DEPLOYMENT } from '../../apis/labels.js';
import type { FleetContext } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { bundleDeploymentDisplay } from './rollups.js';
import { keyOfObj, patchStatusIfExists, removeFinalizer, same, splitKey } from './util.js';

export class BundleDeploymentController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('bundledeployment', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.bundleDeployments.on((type, bd) => {
      if (type === 'DELETED') return;
      // Deletion is handled at once; the display waits a moment, as the agent usually reports
      // the same state right away and nothing is left to write.
      if (bd.metadata.deletionTimestamp) this.queue.add(keyOfObj(bd));
      else this.queue.addAfter(keyOfObj(bd), ctx.settings.statusBatchMs);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const bd: BundleDeployment | undefined = this.ctx.caches.bundleDeployments.get(ns, name);
    if (!bd) return;
    if (bd.metadata.deletionTimestamp) {
      await removeFinalizer(this.ctx.client, BUNDLE_DEPLOYMENTS, bd, FINALIZER_BUNDLE_DEPLOYMENT);
      return;
    }
    const display = bundleDeploymentDisplay(bd);
    if (!same(display, bd.status?.display))
      await patchStatusIfExists(this.ctx.client, BUNDLE_DEPLOYMENTS, bd, { display });
  }
}
