/**
 * Summaries Fleet derives from targets or deployments: Bundle (docs/fleet/state.md §5.3), GitRepo and
 * HelmOp (docs/fleet/state.md §5.4), Cluster (docs/fleet/state.md §5.5) and ClusterGroup (docs/fleet/state.md §5.6). Pure functions over lists.
 */
import type { BundleState, BundleSummary, ResourceCounts } from '../../../apis/fleet.js';
import type { BundleDeploymentRecord, ClusterRecord } from '../../store/records.js';
import type { RecomputedStatus, TargetedCluster } from './read-model.js';
import {
  STATE_RANK,
  addResourceCounts,
  addSummary,
  countState,
  deploymentMessage,
  deploymentState,
  displayState,
  effectiveDeploymentID,
  emptyResourceCounts,
  emptySummary,
  nonReadyStates,
  readyRatio,
} from './state.js';

/** Bundle status fields recomputed from targets (docs/fleet/state.md §5.3). */
export interface RecomputedBundleStatus {
  readonly summary: BundleSummary;
  readonly display: { readonly readyClusters: string; readonly state: string };
}

/**
 * docs/fleet/state.md §5.3: each matched target counts under its state (Pending when it has no BD) and adds 1 to
 * `desiredReady`; non-ready entries are named `clusterNs/clusterName`. `display.state` is the
 * top-ranked state among `nonReadyResources` (docs/fleet/state.md §5.2). As in v0.16+ (#4780), state and message are
 * those of the BD with its staged deployment ID ({@link effectiveDeploymentID}): a paused or
 * held-back target is WaitApplied here, not OutOfSync.
 */
export function bundleStatusFromTargets(targets: readonly TargetedCluster[]): RecomputedBundleStatus {
  const summary = emptySummary();
  for (const t of targets) {
    const bd = t.bundleDeployment;
    const id = bd ? effectiveDeploymentID(bd) : undefined;
    const state = bd ? deploymentState(bd, id) : t.state;
    const message = bd ? deploymentMessage(bd, id) : '';
    countState(summary, state, `${t.cluster.namespace}/${t.cluster.name}`, message);
  }
  return {
    summary,
    display: { readyClusters: readyRatio(summary), state: displayState(nonReadyStates(summary)) },
  };
}

/** docs/fleet/state.md §5.4 GitRepo display state is overridden to this whenever `gitJobStatus` ≠ `Current`. */
export const GIT_UPDATING = 'GitUpdating';

/**
 * docs/fleet/state.md §5.4 `status.SetFields`, from the BDs a GitRepo (repo-name + bundle-namespace) or HelmOp
 * (fleet-helm-name + bundle-namespace) selects. Pending targets without a BD are not counted.
 * Pass `gitJobStatus` only for GitRepos (HelmOps have no GitUpdating override).
 */
export function statusFromDeployments(
  bds: readonly BundleDeploymentRecord[],
  gitRepo?: { readonly gitJobStatus?: string | undefined },
): RecomputedStatus {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const clusters = new Map<string, boolean>();
  let worst: { state: BundleState; bd: BundleDeploymentRecord } | undefined;
  for (const bd of bds) {
    const state = deploymentState(bd);
    countState(summary, state, bd.name, deploymentMessage(bd));
    addResourceCounts(resourceCounts, bd.resourceCounts);
    // readyClusters: clusters on which every BD of this GitRepo is Ready.
    const cluster = `${bd.clusterNamespace}/${bd.clusterName}`;
    clusters.set(cluster, (clusters.get(cluster) ?? true) && state === 'Ready');
    if (!worst || STATE_RANK[state] > STATE_RANK[worst.state]) worst = { state, bd };
  }
  const failing = worst && worst.state !== 'Ready' ? worst : undefined;
  const message = failing ? deploymentMessage(failing.bd) : '';
  let state = failing?.state ?? '';
  if (gitRepo && gitRepo.gitJobStatus !== 'Current') state = GIT_UPDATING;
  return {
    summary,
    readyClusters: [...clusters.values()].filter(Boolean).length,
    desiredReadyClusters: clusters.size,
    display: { readyBundleDeployments: readyRatio(summary), state, message, error: message !== '' },
    resourceCounts,
  };
}

/** Cluster status fields recomputed from its BDs (docs/fleet/state.md §5.5). */
export interface RecomputedClusterStatus {
  readonly summary: BundleSummary;
  readonly resourceCounts: ResourceCounts;
  readonly display: { readonly readyBundles: string; readonly state: string };
  readonly readyGitRepos: number;
  readonly desiredReadyGitRepos: number;
  readonly readyHelmOps: number;
  readonly desiredReadyHelmOps: number;
}

/** docs/fleet/state.md §5.5: the agent has never checked in. */
export const WAIT_CHECK_IN = 'WaitCheckIn';

function neverSeen(lastSeen: string | undefined): boolean {
  return !lastSeen || Date.parse(lastSeen) <= Date.parse('0001-01-01T00:00:00Z');
}

/**
 * docs/fleet/state.md §5.5, over the BDs in the cluster's namespace that its Bundles still target (the reconciler
 * deletes the others first and leaves them out). GitRepos and HelmOps count only while they
 * exist, and one Ready BD makes the whole GitRepo ready on this cluster (Fleet ORs the flags).
 */
export function clusterStatusFromDeployments(
  cluster: ClusterRecord,
  bds: readonly BundleDeploymentRecord[],
  exists: {
    gitRepo(namespace: string, name: string): boolean;
    helmOp(namespace: string, name: string): boolean;
  },
): RecomputedClusterStatus {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const repos = new Map<string, boolean>();
  const ops = new Map<string, boolean>();
  for (const bd of bds) {
    const state = deploymentState(bd);
    countState(summary, state, bd.name, deploymentMessage(bd));
    addResourceCounts(resourceCounts, bd.resourceCounts);
    const ready = state === 'Ready';
    if (bd.repoName && exists.gitRepo(bd.bundleNamespace, bd.repoName)) {
      const k = `${bd.bundleNamespace}/${bd.repoName}`;
      repos.set(k, (repos.get(k) ?? false) || ready);
    }
    if (bd.helmOpName && exists.helmOp(bd.bundleNamespace, bd.helmOpName)) {
      const k = `${bd.bundleNamespace}/${bd.helmOpName}`;
      ops.set(k, (ops.get(k) ?? false) || ready);
    }
  }
  const count = (m: Map<string, boolean>) => [...m.values()].filter(Boolean).length;
  return {
    summary,
    resourceCounts,
    display: {
      readyBundles: readyRatio(summary),
      state: neverSeen(cluster.lastSeen) ? WAIT_CHECK_IN : displayState(nonReadyStates(summary)),
    },
    readyGitRepos: count(repos),
    desiredReadyGitRepos: repos.size,
    readyHelmOps: count(ops),
    desiredReadyHelmOps: ops.size,
  };
}

/** ClusterGroup status fields recomputed from its members (docs/fleet/state.md §5.6). */
export interface RecomputedGroupStatus {
  readonly clusterCount: number;
  readonly nonReadyClusterCount: number;
  /** At most 10 names. */
  readonly nonReadyClusters: readonly string[];
  readonly summary: BundleSummary;
  readonly resourceCounts: ResourceCounts;
  readonly display: { readonly readyClusters: string; readonly readyBundles: string; readonly state: string };
}

/**
 * docs/fleet/state.md §5.6, over the clusters the group's selector matches (null selector: none), each with its
 * summary: a cluster is non-ready when `ready ≠ desiredReady`; summary and resource counts are sums.
 */
export function groupStatusFromMembers(
  members: readonly { name: string; summary: BundleSummary; resourceCounts?: ResourceCounts | undefined }[],
): RecomputedGroupStatus {
  const summary = emptySummary();
  const resourceCounts = emptyResourceCounts();
  const nonReady: string[] = [];
  for (const m of members) {
    addSummary(summary, m.summary);
    addResourceCounts(resourceCounts, m.resourceCounts);
    if (m.summary.ready !== m.summary.desiredReady) nonReady.push(m.name);
  }
  const nonReadyClusters = nonReady.slice(0, 10);
  const ready = members.length - nonReady.length;
  const suffix = nonReadyClusters.length > 0 ? ` (${nonReadyClusters.join(',')})` : '';
  return {
    clusterCount: members.length,
    nonReadyClusterCount: nonReady.length,
    nonReadyClusters,
    summary,
    resourceCounts,
    display: {
      readyClusters: `${ready}/${members.length}${suffix}`,
      readyBundles: readyRatio(summary),
      state: displayState(nonReadyStates(summary)),
    },
  };
}
