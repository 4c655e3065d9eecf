/**
 * The HelmOp controllers (docs/fleet/sources.md §9.2), after rancher/fleet
 * `internal/cmd/controller/helmops/reconciler/helmop_controller.go` and `helmop_status.go` as of
 * v0.13: a HelmOp becomes one Bundle of the same name whose spec is the HelmOp's BundleSpec, and
 * its status rolls up the BundleDeployments labelled with its name.
 *
 * Not modelled: chart version resolution against the Helm repository and the polling job (the
 * Bundle and `status.version` carry `spec.helm.version` as written), and Policy restrictions
 * (later releases).
 */
import type { Bundle, BundleSpec, BundleTarget, HelmOp } from '../../apis/fleet.js';
import { BUNDLES, HELMOPS } from '../../apis/gvr.js';
import { FINALIZER_HELMOP, LABEL_BUNDLE_NAMESPACE, LABEL_HELMOP_NAME } from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import { isConflict } from './client.js';
import type { FleetContext } from './context.js';
import { BY_HELMOP } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { gitRepoStatusFromDeployments } from './rollups.js';
import { conditionOf, setCondition } from './state.js';
import {
  ensureFinalizer,
  keyOfObj,
  patchStatusIfExists,
  removeFinalizer,
  same,
  splitKey,
  summaryPatch,
} from './util.js';

/** Fleet requeues a deleting HelmOp until its Bundle is gone. */
const DELETE_REQUEUE_MS = 2_000;

/**
 * helmop_controller.go `validate`: which `spec.helm` combinations Fleet accepts — a `.tgz` chart
 * without repo or version, an `oci://` repo without chart, otherwise both chart and repo.
 */
export function validateHelmOp(h: HelmOp): string | undefined {
  const helm = h.spec?.helm as { chart?: unknown; repo?: unknown; version?: unknown } | undefined;
  if (!helm) return "helm options are empty in the HelmOp's spec";
  const chart = typeof helm.chart === 'string' ? helm.chart : '';
  const repo = typeof helm.repo === 'string' ? helm.repo : '';
  const version = typeof helm.version === 'string' ? helm.version : '';
  const invalid = (why: string) => `helm options invalid: ${why}`;
  if (chart.toLowerCase().endsWith('.tgz')) {
    if (repo) return invalid('tarball chart with a non-empty repo field');
    if (version) return invalid('tarball chart with a non-empty version field');
  } else if (repo.toLowerCase().startsWith('oci://')) {
    if (chart) return invalid('OCI repository with a non-empty chart field');
  } else {
    if (!chart) return invalid('non-OCI repository with an empty chart field');
    if (!repo) return invalid('non-tarball chart with an empty repo field');
  }
  return undefined;
}

/**
 * helmop_controller.go `calculateBundle`: the HelmOp's BundleSpec, unnamed targets named
 * `target000`, `target001`, … by position, per-target Helm repo/chart/version filled from
 * `spec.helm` where empty, the default target `{name: default, clusterGroup: default}` when there
 * is none, no resources, `helmOpOptions` from the HelmOp, and the labels of `spec.labels` (not the
 * HelmOp's own metadata labels) plus `fleet.cattle.io/fleet-helm-name`.
 */
export function bundleForHelmOp(h: HelmOp): Bundle {
  const {
    labels,
    pollingInterval: _polling,
    helmSecretName,
    insecureSkipTLSVerify,
    resources: _resources,
    ...bundleSpec
  } = h.spec ?? {};
  const helm = bundleSpec.helm;
  const targets: BundleTarget[] = (bundleSpec.targets ?? []).map((t, i) => {
    const out: BundleTarget = { ...t, name: t.name || `target${String(i).padStart(3, '0')}` };
    if (t.helm && helm) {
      const th = { ...t.helm };
      for (const k of ['repo', 'chart', 'version'] as const) if (!th[k]) th[k] = helm[k];
      out.helm = th;
    }
    return out;
  });
  const spec: BundleSpec & { helmOpOptions: Record<string, unknown> } = {
    ...bundleSpec,
    targets: targets.length > 0 ? targets : [{ name: 'default', clusterGroup: 'default' }],
    helmOpOptions: {
      ...(helmSecretName ? { helmOpSecretName: helmSecretName } : {}),
      ...(insecureSkipTLSVerify ? { helmOpInsecureSkipTLSVerify: true } : {}),
    },
  };
  return {
    metadata: {
      name: h.metadata.name ?? '',
      namespace: h.metadata.namespace ?? '',
      labels: { ...(labels ?? {}), [LABEL_HELMOP_NAME]: h.metadata.name ?? '' },
    },
    spec,
  };
}

export class HelmOpController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('helmop', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.helmOps.on((type, h, old) => {
      // GenerationChanged, AnnotationChanged or LabelChanged (SetupWithManager); status writes are not.
      if (
        type !== 'MODIFIED' ||
        h.metadata.generation !== old?.metadata.generation ||
        h.metadata.deletionTimestamp !== old?.metadata.deletionTimestamp ||
        !same(h.metadata.labels, old?.metadata.labels) ||
        !same(h.metadata.annotations, old?.metadata.annotations) ||
        !same(h.metadata.finalizers, old?.metadata.finalizers)
      )
        this.queue.add(keyOfObj(h));
    });
    ctx.caches.bundles.on((type, b) => {
      // A deleting HelmOp waits for its Bundles; their removal lets it finish.
      const name = b.metadata.labels?.[LABEL_HELMOP_NAME];
      if (type === 'DELETED' && name) this.queue.add(`${b.metadata.namespace ?? ''}/${name}`);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const h = this.ctx.caches.helmOps.get(ns, name);
    if (!h) return;
    if (h.metadata.deletionTimestamp) {
      // finalize.PurgeBundles: the Bundles labelled with this HelmOp go first.
      const left = this.ctx.caches.bundles.byIndex(BY_HELMOP, key);
      for (const b of left)
        if (!b.metadata.deletionTimestamp) await this.ctx.client.delete(BUNDLES, ns, b.metadata.name ?? '');
      if (left.length > 0) return { requeueAfter: DELETE_REQUEUE_MS };
      await removeFinalizer(this.ctx.client, HELMOPS, h, FINALIZER_HELMOP);
      return;
    }
    await ensureFinalizer(this.ctx.client, HELMOPS, h, FINALIZER_HELMOP);
    const error = validateHelmOp(h) ?? (await this.writeBundle(h));
    await this.setAccepted(h, error);
    // A failed reconcile is retried by controller-runtime; the spec only changes with a new event.
    return;
  }

  /** createUpdateBundle: refuses to take over a Bundle that no HelmOp made; returns the error. */
  private async writeBundle(h: HelmOp): Promise<string | undefined> {
    const ns = h.metadata.namespace ?? '';
    const want = bundleForHelmOp(h);
    const name = want.metadata.name ?? '';
    const cur = this.ctx.caches.bundles.get(ns, name);
    if (cur && !(cur.spec as { helmOpOptions?: unknown } | undefined)?.helmOpOptions)
      return `a non-helmops bundle already exists with name ${name}; aborting`;
    if (!cur) {
      try {
        await this.ctx.client.create(BUNDLES, want);
        return undefined;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    if (cur && same(cur.spec, want.spec) && same(cur.metadata.labels, want.metadata.labels)) return undefined;
    // CreateOrUpdate replaces spec and labels; a merge patch needs explicit nulls for removals.
    const spec: Record<string, unknown> = { ...want.spec };
    for (const k of Object.keys(cur?.spec ?? {})) if (!(k in spec)) spec[k] = null;
    const labels: Record<string, string | null> = { ...want.metadata.labels };
    for (const k of Object.keys(cur?.metadata.labels ?? {})) if (!(k in labels)) labels[k] = null;
    await this.ctx.client.patch(BUNDLES, ns, name, { metadata: { labels }, spec });
    return undefined;
  }

  /** setAcceptedConditionHelm, plus `status.version` (the version the Bundle carries). */
  private async setAccepted(h: HelmOp, error: string | undefined): Promise<void> {
    const next = error
      ? { type: 'Accepted', status: 'False', reason: 'Error', message: error }
      : { type: 'Accepted', status: 'True' };
    const cur = conditionOf(h.status?.conditions, 'Accepted');
    const version = (h.spec?.helm as { version?: unknown } | undefined)?.version;
    const wantVersion = !error && typeof version === 'string' && version ? version : h.status?.version;
    const sameCond =
      cur?.status === next.status &&
      (cur.reason ?? '') === (next.reason ?? '') &&
      (cur.message ?? '') === (next.message ?? '');
    if (sameCond && wantVersion === h.status?.version) return;
    const conditions = setCondition(h.status?.conditions, next, isoNow(this.ctx.clock));
    await patchStatusIfExists(
      this.ctx.client,
      HELMOPS,
      h,
      { conditions, ...(wantVersion ? { version: wantVersion } : {}) },
      // Conditions are written whole: a stale list must not overwrite the status controller's.
      h.metadata.resourceVersion,
    );
  }
}

/**
 * helmop_status.go: rolls the BundleDeployments labelled with a HelmOp's name and namespace up into
 * its status, batched like the GitRepo status (Fleet requeues on Bundle status changes).
 */
export class HelmOpStatusController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('helmop-status', (k) => this.reconcile(k), ctx.clock, ctx.log);
    const delay = ctx.settings.gitRepoStatusDelayMs;
    ctx.caches.helmOps.on((type, h) => {
      if (type === 'ADDED') this.queue.add(keyOfObj(h));
    });
    ctx.caches.bundles.on((_t, b) => {
      const name = b.metadata.labels?.[LABEL_HELMOP_NAME];
      if (name) this.queue.addAfter(`${b.metadata.namespace ?? ''}/${name}`, delay);
    });
    ctx.caches.bundleDeployments.on((_t, bd) => {
      const name = bd.metadata.labels?.[LABEL_HELMOP_NAME];
      const ns = bd.metadata.labels?.[LABEL_BUNDLE_NAMESPACE];
      if (name && ns) this.queue.addAfter(`${ns}/${name}`, delay);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const h = this.ctx.caches.helmOps.get(ns, name);
    if (!h || h.metadata.deletionTimestamp) return;
    const bds = this.ctx.caches.bundleDeployments.byIndex(BY_HELMOP, key);
    const st = gitRepoStatusFromDeployments(bds, {
      gitJobStatus: undefined,
      bundleReady: [],
      conditions: h.status?.conditions,
      now: isoNow(this.ctx.clock),
    });
    const cur = h.status ?? {};
    const changed = (Object.keys(st) as (keyof typeof st)[]).some((k) => !same(st[k], cur[k]));
    if (!changed) return;
    const perCluster: Record<string, unknown> = {};
    for (const k of Object.keys(cur.perClusterResourceCounts ?? {})) perCluster[k] = null;
    await patchStatusIfExists(
      this.ctx.client,
      HELMOPS,
      h,
      {
        ...st,
        summary: summaryPatch(st.summary ?? {}),
        perClusterResourceCounts: { ...perCluster, ...(st.perClusterResourceCounts ?? {}) },
      },
      h.metadata.resourceVersion,
    );
  }
}
