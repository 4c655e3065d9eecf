/**
 * Deployment state (docs/fleet/state.md §5.1), state ranking and display (docs/fleet/state.md §5.2), and the BundleSummary
 * counters every summary shares (docs/fleet/objects.md §2.1).
 */
import type { BundleState, BundleSummary, NonReadyResource, ResourceCounts } from '../../../apis/fleet.js';
import type { BundleDeploymentRecord, ConditionRecord } from '../../store/records.js';

function condition(bd: BundleDeploymentRecord, type: string): ConditionRecord | undefined {
  return bd.conditions.find((c) => c.type === type);
}

/**
 * docs/fleet/state.md §5.1 `summary.GetDeploymentState`: the checks run in this order; the Ready condition is not
 * consulted. Pending never comes from a BD (it is a Bundle-level state for targets without one).
 * `deploymentID` stands in for `spec.deploymentID` (see {@link effectiveDeploymentID}).
 */
export function deploymentState(
  bd: BundleDeploymentRecord,
  deploymentID: string | undefined = bd.deploymentID,
): BundleState {
  if (bd.appliedDeploymentID !== deploymentID) {
    return condition(bd, 'Deployed')?.status === 'False' ? 'ErrApplied' : 'WaitApplied';
  }
  if (!bd.ready) return 'NotReady';
  if (deploymentID !== bd.stagedDeploymentID) return 'OutOfSync';
  if (!bd.nonModified) return 'Modified';
  return 'Ready';
}

/**
 * The `spec.deploymentID` a Bundle's status judges a BD by (docs/fleet/state.md §5.3; target/target.go
 * `effectiveDeployment`, v0.16+): Fleet computes a target's state as if the BD already carried
 * the deployment ID just computed for it, because the cached spec lags. From outside the
 * controller that ID is the BD's `spec.stagedDeploymentID`, which the reconciler writes for every
 * target it stages, also while a pause or the rollout holds `spec.deploymentID` back. So a
 * held-back target is WaitApplied for its Bundle (the BD itself still reads OutOfSync). Up to
 * v0.15 Fleet used the cached BD as is, and said OutOfSync for both.
 */
export function effectiveDeploymentID(bd: BundleDeploymentRecord): string | undefined {
  return bd.stagedDeploymentID || bd.deploymentID;
}

/**
 * docs/fleet/state.md §5.2 `MessageFromDeployment`: the Deployed condition's message; if empty, Installed's but only
 * while the applied ID is current; if still empty, Monitored's.
 */
export function deploymentMessage(
  bd: BundleDeploymentRecord,
  deploymentID: string | undefined = bd.deploymentID,
): string {
  const deployed = condition(bd, 'Deployed')?.message ?? '';
  if (deployed) return deployed;
  if (bd.appliedDeploymentID === deploymentID) {
    const installed = condition(bd, 'Installed')?.message ?? '';
    if (installed) return installed;
  }
  return condition(bd, 'Monitored')?.message ?? '';
}

/** docs/fleet/state.md §5.2 `StateRank`: higher is worse. */
export const STATE_RANK: Readonly<Record<BundleState, number>> = {
  ErrApplied: 7,
  WaitApplied: 6,
  Modified: 5,
  OutOfSync: 4,
  Pending: 3,
  NotReady: 2,
  Ready: 1,
};

/** All states, worst first. */
export const BUNDLE_STATES: readonly BundleState[] = (Object.keys(STATE_RANK) as BundleState[]).sort(
  (a, b) => STATE_RANK[b] - STATE_RANK[a],
);

export function isBundleState(s: string): s is BundleState {
  return Object.prototype.hasOwnProperty.call(STATE_RANK, s);
}

/** The worse of two states by docs/fleet/state.md §5.2 rank (the first wins ties). */
export function worseState(a: BundleState, b: BundleState): BundleState {
  return STATE_RANK[b] > STATE_RANK[a] ? b : a;
}

/**
 * docs/fleet/state.md §5.2 display state: the highest-ranked state, and an empty string when everything is Ready (or
 * there is nothing).
 */
export function displayState(states: Iterable<BundleState>): string {
  let top: BundleState | undefined;
  for (const s of states) top = top === undefined ? s : worseState(top, s);
  return top === undefined || top === 'Ready' ? '' : top;
}

/** The BundleSummary counter each state increments (docs/fleet/objects.md §2.1). */
const COUNTER: Readonly<Record<BundleState, Exclude<keyof BundleSummary, 'nonReadyResources'>>> = {
  Ready: 'ready',
  NotReady: 'notReady',
  WaitApplied: 'waitApplied',
  ErrApplied: 'errApplied',
  OutOfSync: 'outOfSync',
  Pending: 'pending',
  Modified: 'modified',
};

/** Fleet keeps at most this many entries in `nonReadyResources` (docs/fleet/objects.md §2.1). */
export const MAX_NON_READY_RESOURCES = 10;

export function emptySummary(): BundleSummary {
  return {
    notReady: 0,
    waitApplied: 0,
    errApplied: 0,
    outOfSync: 0,
    modified: 0,
    pending: 0,
    ready: 0,
    desiredReady: 0,
    nonReadyResources: [],
  };
}

/**
 * Counts one item (a target or a BD) under its state and adds 1 to `desiredReady`. A non-Ready item
 * with a name is listed in `nonReadyResources` while fewer than 10 are listed (docs/fleet/objects.md §2.1); `name` is
 * what the parent kind uses (docs/fleet/objects.md §2.1: `clusterNs/clusterName` for a Bundle, the BD name otherwise).
 */
export function countState(summary: BundleSummary, state: BundleState, name: string, message = ''): void {
  const key = COUNTER[state];
  summary[key] = (summary[key] ?? 0) + 1;
  summary.desiredReady += 1;
  if (name && state !== 'Ready') {
    const list = (summary.nonReadyResources ??= []);
    if (list.length < MAX_NON_READY_RESOURCES) list.push({ name, bundleState: state, message });
  }
}

/** Adds `b` into `a` (ClusterGroup totals, docs/fleet/state.md §5.6): counters summed, non-ready lists appended while `a` holds fewer than 10. */
export function addSummary(a: BundleSummary, b: BundleSummary | undefined): void {
  if (!b) return;
  for (const key of Object.values(COUNTER)) a[key] = (a[key] ?? 0) + (b[key] ?? 0);
  a.desiredReady += b.desiredReady;
  const list = (a.nonReadyResources ??= []);
  // docs/fleet/objects.md §2.1: the group total appends each member's whole list while it still holds fewer than 10.
  if (list.length < MAX_NON_READY_RESOURCES) list.push(...(b.nonReadyResources ?? []));
}

/** The states listed in a summary's `nonReadyResources` (what docs/fleet/state.md §5.2 ranks for Bundle, Cluster, ClusterGroup). */
export function nonReadyStates(summary: BundleSummary): BundleState[] {
  return (summary.nonReadyResources ?? [])
    .map((r: NonReadyResource) => r.bundleState)
    .filter((s): s is BundleState => s !== undefined);
}

/** `"<ready>/<desiredReady>"`, as every `display.ready…` field prints it. */
export function readyRatio(summary: BundleSummary): string {
  return `${summary.ready}/${summary.desiredReady}`;
}

export function emptyResourceCounts(): ResourceCounts {
  return {
    ready: 0,
    desiredReady: 0,
    waitApplied: 0,
    modified: 0,
    orphaned: 0,
    missing: 0,
    unknown: 0,
    notReady: 0,
  };
}

export function addResourceCounts(a: ResourceCounts, b: Readonly<ResourceCounts> | undefined): void {
  if (!b) return;
  for (const k of Object.keys(a) as (keyof ResourceCounts)[]) a[k] += b[k] ?? 0;
}

/**
 * docs/fleet/state.md §5.2 `SetReadyConditions` message: for each non-Ready state with a count above 0, the first
 * listed non-ready entry in that state as `State(count) [Kind name: message]` (without `: message`
 * when empty), sorted and joined with "; ". The Ready condition is True exactly when it is empty.
 * `kind` is `Cluster` for a Bundle and `Bundle` for GitRepo, HelmOp, Cluster and ClusterGroup.
 * The per-resource strings Fleet appends (from modified/non-ready status lists) are not kept in
 * the compact records, so they are left out.
 */
export function readyMessage(summary: BundleSummary, kind: 'Cluster' | 'Bundle'): string {
  const pieces: string[] = [];
  for (const state of BUNDLE_STATES) {
    const count = state === 'Ready' ? 0 : (summary[COUNTER[state]] ?? 0);
    if (count <= 0) continue;
    const first = (summary.nonReadyResources ?? []).find((r) => r.bundleState === state);
    if (!first) continue;
    const msg = first.message ? `: ${first.message}` : '';
    pieces.push(`${state}(${count}) [${kind} ${first.name ?? ''}${msg}]`);
  }
  return pieces.sort().join('; ');
}
