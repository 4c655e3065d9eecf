/**
 * Roll-ups (docs/fleet/state.md §5.3–5.6) and BundleDeployment labels (docs/fleet/links.md §3.1) as pure functions over
 * objects read from the API. The controllers only diff the result against what is stored.
 */
import type {
  Bundle,
  BundleDeployment,
  BundleState,
  BundleSummary,
  Cluster,
  ClusterStatus,
  Condition,
  GitRepoStatus,
  ResourceCounts,
} from '../../apis/fleet.js';
import {
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_CLUSTER,
  LABEL_CLUSTER_NAMESPACE,
  LABEL_MANAGED,
  LABEL_REPO_NAME,
} from '../../apis/labels.js';
import {
  addResourceCounts,
  addSummary,
  conditionOf,
  deploymentMessage,
  deploymentState,
  emptyResourceCounts,
  emptySummary,
  incrementState,
  rankOf,
  readyCondition,
  summaryState,
} from './state.js';
import { sha256Hex, stableJson } from './naming.js';

/**
 * Target.BundleDeploymentLabels: the bundle's labels without `kubectl.kubernetes.io/*` and
 * `*cattle.io/*` keys, except that `fleet.cattle.io/*` keys come back, plus the five link labels.
 */
export function bundleDeploymentLabels(
  bundleLabels: Readonly<Record<string, string>> | undefined,
  bundle: { name: string; namespace: string },
  cluster: { name: string; namespace: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(bundleLabels ?? {})) {
    const dropped = k.startsWith('kubectl.kubernetes.io/') || k.includes('cattle.io/');
    if (!dropped || k.startsWith('fleet.cattle.io/')) out[k] = v;
  }
  out[LABEL_BUNDLE_NAME] = bundle.name;
  out[LABEL_BUNDLE_NAMESPACE] = bundle.namespace;
  out[LABEL_MANAGED] = 'true';
  out[LABEL_CLUSTER_NAMESPACE] = cluster.namespace;
  out[LABEL_CLUSTER] = cluster.name;
  return out;
}

/** The BD's `status.display` (docs/fleet/objects.md §2.5): condition status, or "Error: <message>" when reason is Error. */
export function bundleDeploymentDisplay(bd: Pick<BundleDeployment, 'spec' | 'status'>): {
  deployed: string;
  monitored: string;
  state: BundleState;
} {
  const show = (c: Condition | undefined) =>
    !c ? '' : c.reason === 'Error' ? `Error: ${c.message ?? ''}` : c.status;
  return {
    deployed: show(conditionOf(bd.status?.conditions, 'Deployed')),
    monitored: show(conditionOf(bd.status?.conditions, 'Monitored')),
    state: deploymentState(bd),
  };
}

/** One matched target as the bundle reconciler sees it: a cluster and its BD, if any. */
export interface TargetState {
  readonly clusterNamespace: string;
  readonly clusterName: string;
  /** Undefined: no BD yet (namespace unknown, or held back by maxNew) → Pending. */
  readonly bd?: Pick<BundleDeployment, 'spec' | 'status'>;
  /** The deployment ID the reconciler just computed for this target. */
  readonly deploymentId: string;
}

export interface BundleStatusFields {
  summary: BundleSummary;
  display: { readyClusters: string; state: string };
  unavailable: number;
  maxUnavailable: number;
  newlyCreated: number;
  maxNew: number;
}

/**
 * Bundle status from its targets, not from a BD listing (docs/fleet/state.md §5.3). Like v0.16+ (target/target.go
 * `effectiveDeployment`), each target's state and message are computed as if its BD already
 * carried the newly computed deployment ID.
 */
export function bundleStatusFromTargets(
  targets: readonly TargetState[],
  opts: { maxNew: number; newlyCreated: number },
): BundleStatusFields {
  const summary = emptySummary();
  let unavailable = 0;
  for (const t of targets) {
    summary.desiredReady++;
    const name = `${t.clusterNamespace}/${t.clusterName}`;
    if (!t.bd) {
      incrementState(summary, name, 'Pending');
      continue;
    }
    const asIf = { spec: { ...t.bd.spec, deploymentID: t.deploymentId }, status: t.bd.status };
    const state = deploymentState(asIf);
    incrementState(
      summary,
      name,
      state,
      deploymentMessage(asIf),
      t.bd.status?.modifiedStatus,
      t.bd.status?.nonReadyStatus,
    );
    const applied = (t.bd.status?.appliedDeploymentID ?? '') === (t.bd.spec?.deploymentID ?? '');
    if (!applied || !t.bd.status?.ready) unavailable++;
  }
  return {
    summary,
    display: { readyClusters: `${summary.ready}/${summary.desiredReady}`, state: summaryState(summary) },
    unavailable,
    // rolloutStrategy.maxUnavailable defaults to 100% of the targets (docs/fleet/rollout.md §7.1).
    maxUnavailable: Math.max(1, targets.length),
    newlyCreated: opts.newlyCreated,
    maxNew: opts.maxNew,
  };
}

/** The rollout figures of one reconcile (rollout.ts `planRollout`), partitions as target indexes. */
export interface RolloutFigures {
  readonly maxNew: number;
  readonly newlyCreated: number;
  readonly maxUnavailable?: number;
  readonly unavailable?: number;
  readonly maxUnavailablePartitions?: number;
  readonly unavailablePartitions?: number;
  readonly partitions?: readonly {
    readonly name: string;
    readonly targets: readonly number[];
    readonly maxUnavailable: number;
    readonly unavailable: number;
  }[];
}

/**
 * The whole `Bundle.status` the bundle reconciler writes (docs/fleet/state.md §5.3): the summary and display from the
 * targets, the rollout figures (docs/fleet/rollout.md §7.1; without them, one partition `All`
 * with the defaults), the observed generation, the resources' checksum and the Ready condition.
 * Each partition's summary is that of its targets (target/rollout.go `appendPartition`).
 */
export function bundleStatus(
  bundle: Bundle,
  targets: readonly TargetState[],
  rollout: RolloutFigures,
  now: string,
) {
  const st = bundleStatusFromTargets(targets, rollout);
  const all = targets.map((_, i) => i);
  const partitions = rollout.partitions ?? [
    { name: 'All', targets: all, maxUnavailable: st.maxUnavailable, unavailable: st.unavailable },
  ];
  return {
    summary: st.summary,
    display: st.display,
    unavailable: rollout.unavailable ?? st.unavailable,
    maxUnavailable: rollout.maxUnavailable ?? st.maxUnavailable,
    maxNew: st.maxNew,
    newlyCreated: st.newlyCreated,
    unavailablePartitions: rollout.unavailablePartitions ?? 0,
    maxUnavailablePartitions: rollout.maxUnavailablePartitions ?? 0,
    partitions: partitions.map((p) => ({
      name: p.name,
      count: p.targets.length,
      maxUnavailable: p.maxUnavailable,
      unavailable: p.unavailable,
      summary: bundleStatusFromTargets(
        p.targets.map((i) => targets[i]!),
        rollout,
      ).summary,
    })),
    observedGeneration: bundle.metadata.generation ?? 1,
    resourcesSha256Sum: sha256Hex(stableJson(bundle.spec?.resources ?? [])),
    conditions: readyCondition(bundle.status?.conditions, st.summary, 'Cluster', now),
  };
}

function clusterKeyOf(bd: BundleDeployment): string {
  const l = bd.metadata.labels ?? {};
  return `${l[LABEL_CLUSTER_NAMESPACE] ?? ''}/${l[LABEL_CLUSTER] ?? ''}`;
}

/**
 * GitRepo status from its BDs (status.SetFields, docs/fleet/state.md §5.4). `bundleReady` carries the Ready condition of
 * each of the repo's Bundles: a Bundle with Ready=False overrides the GitRepo's own condition.
 */
export function gitRepoStatusFromDeployments(
  bds: readonly BundleDeployment[],
  opts: {
    gitJobStatus: string | undefined;
    bundleReady: readonly (Condition | undefined)[];
    conditions: readonly Condition[] | undefined;
    now: string;
  },
): Pick<
  GitRepoStatus,
  | 'summary'
  | 'display'
  | 'readyClusters'
  | 'desiredReadyClusters'
  | 'resourceCounts'
  | 'perClusterResourceCounts'
  | 'conditions'
> {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const perCluster: Record<string, ResourceCounts> = {};
  const clusterAllReady = new Map<string, boolean>();
  let worst: { state: BundleState; message: string } | undefined;
  const sorted = [...bds].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  for (const bd of sorted) {
    const state = deploymentState(bd);
    const message = deploymentMessage(bd);
    summary.desiredReady++;
    incrementState(
      summary,
      bd.metadata.name ?? '',
      state,
      message,
      bd.status?.modifiedStatus,
      bd.status?.nonReadyStatus,
    );
    addResourceCounts(resourceCounts, bd.status?.resourceCounts);
    const ck = clusterKeyOf(bd);
    perCluster[ck] ??= emptyResourceCounts();
    addResourceCounts(perCluster[ck], bd.status?.resourceCounts);
    clusterAllReady.set(ck, (clusterAllReady.get(ck) ?? true) && state === 'Ready');
    if (state !== 'Ready' && (!worst || rankOf(state) > rankOf(worst.state))) worst = { state, message };
  }
  let conditions = readyCondition(opts.conditions, summary, 'Bundle', opts.now);
  const failed = opts.bundleReady.find((c) => c?.status === 'False');
  if (failed) {
    conditions = conditions.map((c) => (c.type === 'Ready' ? { ...failed } : c));
  }
  const state =
    opts.gitJobStatus !== undefined && opts.gitJobStatus !== 'Current' ? 'GitUpdating' : (worst?.state ?? '');
  const message = worst?.message ?? '';
  return {
    summary,
    display: {
      readyBundleDeployments: `${summary.ready}/${summary.desiredReady}`,
      state,
      message,
      error: message !== '',
    },
    readyClusters: [...clusterAllReady.values()].filter(Boolean).length,
    desiredReadyClusters: clusterAllReady.size,
    resourceCounts,
    perClusterResourceCounts: perCluster,
    conditions,
  };
}

function keyOf(bd: BundleDeployment): string {
  return `${bd.metadata.namespace ?? ''}/${bd.metadata.name ?? ''}`;
}

/**
 * Cluster status from the BDs in its namespace (docs/fleet/state.md §5.5). `existingGitRepos` holds
 * `<namespace>/<name>` of GitRepos that still exist: only those are counted.
 */
export function clusterStatusFromDeployments(
  bds: readonly BundleDeployment[],
  opts: {
    lastSeen: string | undefined;
    existingGitRepos: ReadonlySet<string>;
    conditions: readonly Condition[] | undefined;
    now: string;
  },
): Pick<
  ClusterStatus,
  'summary' | 'resourceCounts' | 'display' | 'readyGitRepos' | 'desiredReadyGitRepos' | 'conditions'
> {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const repoReady = new Map<string, boolean>();
  for (const bd of [...bds].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))) {
    const state = deploymentState(bd);
    summary.desiredReady++;
    incrementState(
      summary,
      bd.metadata.name ?? '',
      state,
      deploymentMessage(bd),
      bd.status?.modifiedStatus,
      bd.status?.nonReadyStatus,
    );
    addResourceCounts(resourceCounts, bd.status?.resourceCounts);
    const l = bd.metadata.labels ?? {};
    const repo = l[LABEL_REPO_NAME];
    if (repo) {
      const k = `${l[LABEL_BUNDLE_NAMESPACE] ?? ''}/${repo}`;
      if (opts.existingGitRepos.has(k)) repoReady.set(k, (repoReady.get(k) ?? false) || state === 'Ready');
    }
  }
  return {
    summary,
    resourceCounts,
    display: {
      readyBundles: `${summary.ready}/${summary.desiredReady}`,
      state: opts.lastSeen ? summaryState(summary) : 'WaitCheckIn',
    },
    readyGitRepos: [...repoReady.values()].filter(Boolean).length,
    desiredReadyGitRepos: repoReady.size,
    conditions: readyCondition(opts.conditions, summary, 'Bundle', opts.now),
  };
}

/** ClusterGroup status from its current members (docs/fleet/state.md §5.6). */
export function clusterGroupStatusFromClusters(
  members: readonly Cluster[],
  opts: { conditions: readonly Condition[] | undefined; now: string },
) {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const nonReady: string[] = [];
  const sorted = [...members].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const c of sorted) {
    const s = c.status?.summary ?? emptySummary();
    if (s.ready !== s.desiredReady) nonReady.push(c.metadata.name ?? '');
    addSummary(summary, s);
    addResourceCounts(resourceCounts, c.status?.resourceCounts);
  }
  const ready = sorted.length - nonReady.length;
  return {
    clusterCount: sorted.length,
    nonReadyClusterCount: nonReady.length,
    nonReadyClusters: nonReady.slice(0, 10),
    summary,
    resourceCounts,
    display: {
      readyClusters: `${ready}/${sorted.length}${nonReady.length > 0 ? ` (${nonReady.join(',')})` : ''}`,
      readyBundles: `${summary.ready}/${summary.desiredReady}`,
      state: summaryState(summary),
    },
    conditions: readyCondition(opts.conditions, summary, 'Bundle', opts.now),
  };
}
