/**
 * The bundle reconciler (docs/fleet/targeting.md §4, §4.6, docs/fleet/state.md §5.3, docs/fleet/lifecycle.md §6.1–6.3): computes a Bundle's targets,
 * creates or updates one BundleDeployment per target whose cluster has a namespace, paced by the
 * rollout strategy (rollout.ts: `maxNew`, partitions, `maxUnavailable`), and writes the Bundle
 * status from the targets.
 * In `prompt` cleanup mode it also deletes every BD of this bundle it did not keep in this pass
 * (cleanupOrphanedBundleDeployments, v0.12.3+); in `legacy` mode it leaves them to the Cluster
 * reconcile. A targeting error sets Ready=False "targeting error: …" and changes no BD.
 */
import type { Bundle, BundleDeployment, BundleDeploymentOptions, Cluster } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES } from '../../apis/gvr.js';
import {
  FINALIZER_BUNDLE,
  FINALIZER_BUNDLE_DEPLOYMENT,
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_CONTENT_NAME,
} from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import { isConflict } from './client.js';
import type { FleetContext } from './context.js';
import { BY_BUNDLE } from './context.js';
import { bundlesForCluster } from './bundles-for-cluster.js';
import { preprocessHelmValues } from './helm-values.js';
import { deploymentId, manifestId } from './naming.js';
import { withTargetNamespaceMetadata } from './options-merge.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { bundleDeploymentLabels, bundleStatus, type TargetState } from './rollups.js';
import { setCondition } from './state.js';
import { planRollout, RolloutError, type RolloutDeployment, type RolloutPlan } from './rollout.js';
import { clusterGroupsForCluster, computeTargets, TargetingError, type ClusterMatch } from './targeting.js';
import {
  ensureFinalizer,
  keyOfObj,
  patchStatusIfExists,
  removeFinalizer,
  same,
  splitKey,
  summaryPatch,
} from './util.js';

/** requeueAfterBundleDeploymentCleanup (docs/fleet/lifecycle.md §6.3). */
const DELETE_REQUEUE_MS = 2_000;

/** The options that make up the deployment ID: diff and correctDrift do not change it (docs/fleet/objects.md §2.5). */
function hashedOptions(o: BundleDeploymentOptions): BundleDeploymentOptions {
  const { diff: _d, correctDrift: _c, ...rest } = o;
  return rest;
}

export function bundleKeyOfDeployment(bd: BundleDeployment): string | undefined {
  const l = bd.metadata.labels ?? {};
  const n = l[LABEL_BUNDLE_NAME];
  const ns = l[LABEL_BUNDLE_NAMESPACE];
  return n && ns ? `${ns}/${n}` : undefined;
}

export class BundleController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('bundle', (k) => this.reconcile(k), ctx.clock, ctx.log);
    const c = ctx.caches;
    c.bundles.on((type, b, old) => {
      if (
        type !== 'MODIFIED' ||
        b.metadata.generation !== old?.metadata.generation ||
        !same(b.metadata.labels, old?.metadata.labels) ||
        b.metadata.deletionTimestamp !== old?.metadata.deletionTimestamp
      )
        this.queue.add(keyOfObj(b));
    });
    c.bundleDeployments.on((type, bd, old) => {
      const k = bundleKeyOfDeployment(bd);
      if (!k) return;
      // A deleted or relabelled BD matters at once (orphan bookkeeping); agent reports only
      // change the status, so a burst of them is coalesced.
      if (type === 'MODIFIED' && bd.metadata.generation === old?.metadata.generation)
        this.queue.addAfter(k, ctx.settings.statusBatchMs);
      else this.queue.add(k);
    });
    // The bundle controller's Cluster watch (clusterChangedPredicate: labels, namespace, pause
    // and the like) fans out to the Bundles the cluster relates to as it is now: in its scope and
    // selecting it (BundlesForCluster's refresh set). A Bundle that stopped selecting it is not
    // re-queued; the Cluster reconciler deletes that BD.
    c.clusters.on((type, cl, old) => {
      if (
        type !== 'MODIFIED' ||
        !same(cl.metadata.labels, old?.metadata.labels) ||
        cl.status?.namespace !== old?.status?.namespace ||
        cl.spec?.paused !== old?.spec?.paused
      )
        for (const b of bundlesForCluster(ctx, cl).refresh) this.queue.add(keyOfObj(b));
    });
    // Fleet's bundle controller does not watch ClusterGroups, BundleNamespaceMappings or
    // Namespaces (every version up to the current one): an edit retargets at the next Bundle,
    // Cluster or BundleDeployment event. `legacy` mode keeps that delay; `prompt` mode reacts at
    // once so that demos and tests show edits without an unrelated event.
    if (ctx.settings.cleanup === 'legacy') return;
    c.clusterGroups.on((type, g, old) => {
      if (type !== 'MODIFIED' || !same(g.spec, old?.spec) || !same(g.metadata.labels, old?.metadata.labels))
        this.enqueueAll();
    });
    c.mappings.on(() => this.enqueueAll());
    c.namespaces.on((type, n, old) => {
      if (type === 'MODIFIED' && same(n.metadata.labels, old?.metadata.labels)) return;
      if (n.metadata.labels?.['fleet.cattle.io/managed'] === 'true') return;
      this.enqueueAll();
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private enqueueAll(): void {
    for (const b of this.ctx.caches.bundles.list()) this.queue.add(keyOfObj(b));
  }

  private deploymentsOf(ns: string, name: string): BundleDeployment[] {
    return this.ctx.caches.bundleDeployments.byIndex(BY_BUNDLE, `${ns}/${name}`);
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const bundle = this.ctx.caches.bundles.get(ns, name);
    // A Bundle that is not found is ignored (client.IgnoreNotFound in every version): BDs left by
    // one that vanished without its finalizer stay until something else deletes them.
    if (!bundle) return;
    const bds = this.deploymentsOf(ns, name);
    if (bundle.metadata.deletionTimestamp) {
      // handleDelete: mark every BD deleted, requeue until none is left, then drop the finalizer.
      for (const bd of bds) {
        if (!bd.metadata.deletionTimestamp)
          await this.ctx.client.delete(
            BUNDLE_DEPLOYMENTS,
            bd.metadata.namespace ?? '',
            bd.metadata.name ?? '',
          );
      }
      if (bds.length > 0) return { requeueAfter: DELETE_REQUEUE_MS };
      await removeFinalizer(this.ctx.client, BUNDLES, bundle, FINALIZER_BUNDLE);
      return;
    }
    await ensureFinalizer(this.ctx.client, BUNDLES, bundle, FINALIZER_BUNDLE);

    const now = isoNow(this.ctx.clock);
    let matches: ClusterMatch[];
    try {
      matches = computeTargets({
        bundle,
        clusters: this.ctx.caches.clusters.list((c) => !c.metadata.deletionTimestamp),
        clusterGroups: this.ctx.caches.clusterGroups.list(),
        mappings: this.ctx.caches.mappings.list(),
        namespaces: this.ctx.caches.namespaces.list(),
      }).map((m) => ({ ...m, options: preprocessHelmValues(m.options, m.cluster) }));
    } catch (e) {
      if (!(e instanceof TargetingError)) throw e;
      const conditions = setCondition(
        bundle.status?.conditions,
        { type: 'Ready', status: 'False', reason: 'Error', message: `targeting error: ${e.message}` },
        now,
      );
      if (!same(conditions, bundle.status?.conditions))
        await patchStatusIfExists(this.ctx.client, BUNDLES, bundle, { conditions });
      return;
    }

    const manifest = manifestId(bundle.spec?.resources);
    const byNamespace = new Map(bds.map((bd) => [bd.metadata.namespace ?? '', bd]));
    // A deployment being deleted counts as absent here; its own removal brings us back.
    const live = (ns: string | undefined) => {
      const bd = ns ? byNamespace.get(ns) : undefined;
      return bd && !bd.metadata.deletionTimestamp ? bd : undefined;
    };
    const ids = matches.map((m) => deploymentId(manifest, hashedOptions(m.options)));
    let plan: RolloutPlan;
    try {
      // Rollout pacing (docs/fleet/rollout.md §7.1): who gets a deployment, who is staged, who is promoted.
      plan = planRollout(
        bundle.spec?.rolloutStrategy,
        matches.map((m, i) => ({
          cluster: m.cluster,
          groups: clusterGroupsForCluster(m.cluster, this.ctx.caches.clusterGroups.list()),
          paused: Boolean(m.cluster.spec?.paused || bundle.spec?.paused),
          deploymentId: ids[i]!,
          options: m.options,
          existing: rolloutFields(live(m.cluster.status?.namespace)),
        })),
      );
    } catch (e) {
      if (!(e instanceof RolloutError)) throw e;
      const conditions = setCondition(
        bundle.status?.conditions,
        { type: 'Ready', status: 'False', reason: 'Error', message: e.message },
        now,
      );
      if (!same(conditions, bundle.status?.conditions))
        await patchStatusIfExists(this.ctx.client, BUNDLES, bundle, { conditions });
      return;
    }
    const kept = new Set<string>();
    // The status is computed from the targets as listed before this pass writes (resetStatus):
    // a deployment made now still counts as Pending.
    const targets: TargetState[] = [];
    for (const [i, m] of matches.entries()) {
      const cluster = m.cluster;
      const clusterNs = cluster.status?.namespace;
      const id = ids[i]!;
      const t = {
        clusterNamespace: cluster.metadata.namespace ?? '',
        clusterName: cluster.metadata.name ?? '',
        deploymentId: id,
      };
      const existing = live(clusterNs);
      const planned = plan.deployments[i];
      if (!clusterNs || !planned) {
        targets.push(t); // no namespace yet, or held back by maxNew: Pending (docs/fleet/targeting.md §4.6)
        continue;
      }
      if (existing) {
        // Recorded before the update so a failed update cannot get a live BD pruned (#4144).
        kept.add(existing.metadata.uid ?? keyOfObj(existing));
        await this.update(bundle, existing, cluster, id, planned.deployment, m.options);
        targets.push({ ...t, bd: existing });
        continue;
      }
      const bd = await this.create(bundle, cluster, clusterNs, id, planned.deployment, m.options);
      if (bd) kept.add(bd.metadata.uid ?? keyOfObj(bd));
      targets.push(t);
    }

    if (this.ctx.settings.cleanup === 'prompt') {
      for (const bd of bds) {
        if (
          kept.has(bd.metadata.uid ?? keyOfObj(bd)) ||
          bd.metadata.deletionTimestamp ||
          bd.spec?.offSchedule
        )
          continue;
        await this.ctx.client.delete(BUNDLE_DEPLOYMENTS, bd.metadata.namespace ?? '', bd.metadata.name ?? '');
      }
    }

    const status = bundleStatus(bundle, targets, plan, now);
    const cur = bundle.status ?? {};
    const changed = (Object.keys(status) as (keyof typeof status)[]).some((k) =>
      k === 'conditions'
        ? !same(
            status.conditions.map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }) => c),
            (cur.conditions ?? []).map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }) => c),
          )
        : !same(status[k], cur[k]),
    );
    if (changed) {
      // `summary` is replaced as a whole: null first clears counters that dropped to zero.
      await patchStatusIfExists(this.ctx.client, BUNDLES, bundle, {
        ...status,
        summary: summaryPatch(status.summary),
      });
    }
  }

  /** The spec Target.BundleDeployment writes: rollout's fields, plus pause, dependsOn and correctDrift. */
  private desiredSpec(
    bundle: Bundle,
    cluster: Cluster,
    d: RolloutDeployment,
    merged: BundleDeploymentOptions,
  ) {
    return {
      stagedOptions: withTargetNamespaceMetadata(bundle, d.stagedOptions ?? {}),
      stagedDeploymentID: d.stagedDeploymentID,
      options: withTargetNamespaceMetadata(bundle, d.options ?? {}),
      deploymentID: d.deploymentID,
      paused: Boolean(cluster.spec?.paused || bundle.spec?.paused),
      dependsOn: bundle.spec?.dependsOn ?? [],
      // From the merged options, so a customization's correctDrift counts (target.go).
      ...(merged.correctDrift ? { correctDrift: merged.correctDrift } : {}),
    };
  }

  private labelsFor(bundle: Bundle, cluster: Cluster, manifest: string): Record<string, string> {
    return {
      ...bundleDeploymentLabels(
        bundle.metadata.labels,
        { name: bundle.metadata.name ?? '', namespace: bundle.metadata.namespace ?? '' },
        { name: cluster.metadata.name ?? '', namespace: cluster.metadata.namespace ?? '' },
      ),
      [LABEL_CONTENT_NAME]: manifest,
    };
  }

  private async create(
    bundle: Bundle,
    cluster: Cluster,
    clusterNs: string,
    id: string,
    d: RolloutDeployment,
    merged: BundleDeploymentOptions,
  ): Promise<BundleDeployment | undefined> {
    const manifest = id.split(':')[0] ?? '';
    const bd: BundleDeployment = {
      metadata: {
        name: bundle.metadata.name ?? '',
        namespace: clusterNs,
        labels: this.labelsFor(bundle, cluster, manifest),
        finalizers: [FINALIZER_BUNDLE_DEPLOYMENT],
      },
      spec: this.desiredSpec(bundle, cluster, d, merged),
    };
    try {
      return await this.ctx.client.create(BUNDLE_DEPLOYMENTS, bd);
    } catch (e) {
      // Already there (our cache lags): the BD's own event brings us back to update it.
      if (isConflict(e)) return undefined;
      throw e;
    }
  }

  private async update(
    bundle: Bundle,
    bd: BundleDeployment,
    cluster: Cluster,
    id: string,
    d: RolloutDeployment,
    merged: BundleDeploymentOptions,
  ): Promise<BundleDeployment> {
    // The content label names the new manifest even when rollout holds the deployment back.
    const manifest = id.split(':')[0] ?? '';
    const spec = this.desiredSpec(bundle, cluster, d, merged);
    const labels = this.labelsFor(bundle, cluster, manifest);
    const specChanged = (Object.keys(spec) as (keyof typeof spec)[]).some(
      (k) => !same(spec[k], bd.spec?.[k]),
    );
    const labelsChanged = !same(labels, bd.metadata.labels);
    if (!specChanged && !labelsChanged) return bd;
    const patchLabels: Record<string, string | null> = { ...labels };
    for (const k of Object.keys(bd.metadata.labels ?? {})) if (!(k in labels)) patchLabels[k] = null;
    // Options maps are replaced wholesale: clear them first so merge patch cannot keep stale keys.
    const body = {
      metadata: { labels: patchLabels },
      spec: {
        ...spec,
        stagedOptions: replaceMap(bd.spec?.stagedOptions, spec.stagedOptions),
        options: replaceMap(bd.spec?.options, spec.options),
      },
    };
    return await this.ctx.client.patch<BundleDeployment>(
      BUNDLE_DEPLOYMENTS,
      bd.metadata.namespace ?? '',
      bd.metadata.name ?? '',
      body,
    );
  }
}

/** What rollout reads of an existing BundleDeployment. */
function rolloutFields(bd: BundleDeployment | undefined): RolloutDeployment | undefined {
  if (!bd) return undefined;
  return {
    deploymentID: bd.spec?.deploymentID ?? '',
    stagedDeploymentID: bd.spec?.stagedDeploymentID ?? '',
    options: bd.spec?.options,
    stagedOptions: bd.spec?.stagedOptions,
    appliedDeploymentID: bd.status?.appliedDeploymentID ?? '',
    ready: bd.status?.ready ?? false,
  };
}

/** A merge-patch value that turns `cur` into exactly `next` (keys missing from `next` become null). */
export function replaceMap(cur: object | undefined, next: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(cur ?? {})) out[k] = null;
  for (const [k, v] of Object.entries(next as Record<string, unknown>)) {
    const c = (cur as Record<string, unknown> | undefined)?.[k];
    out[k] =
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      c !== null &&
      typeof c === 'object' &&
      !Array.isArray(c)
        ? replaceMap(c, v)
        : v;
  }
  return out;
}
