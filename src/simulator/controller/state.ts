/**
 * Fleet's state derivation (docs/fleet/state.md §5.1–5.2): the state of one BundleDeployment, the state
 * ranking, summaries and the Ready condition message. Pure functions.
 */
import type {
  BundleDeployment,
  BundleState,
  BundleSummary,
  Condition,
  ModifiedStatus,
  NonReadyStatus,
  ResourceCounts,
} from '../../apis/fleet.js';

/** StateRank: higher is worse (docs/fleet/state.md §5.2). */
export const STATE_RANK: Readonly<Record<BundleState, number>> = {
  ErrApplied: 7,
  WaitApplied: 6,
  Modified: 5,
  OutOfSync: 4,
  Pending: 3,
  NotReady: 2,
  Ready: 1,
};

export function rankOf(s: string | undefined): number {
  return s && s in STATE_RANK ? STATE_RANK[s as BundleState] : 0;
}

export function conditionOf(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/** summary.GetDeploymentState, in Fleet's order of checks (docs/fleet/state.md §5.1). */
export function deploymentState(bd: Pick<BundleDeployment, 'spec' | 'status'>): BundleState {
  const spec = bd.spec ?? {};
  const status = bd.status ?? {};
  if ((status.appliedDeploymentID ?? '') !== (spec.deploymentID ?? '')) {
    return conditionOf(status.conditions, 'Deployed')?.status === 'False' ? 'ErrApplied' : 'WaitApplied';
  }
  if (!status.ready) return 'NotReady';
  if ((spec.deploymentID ?? '') !== (spec.stagedDeploymentID ?? '')) return 'OutOfSync';
  if (!status.nonModified) return 'Modified';
  return 'Ready';
}

/** MessageFromDeployment: Deployed, else Installed (only when applied is current), else Monitored (docs/fleet/state.md §5.2). */
export function deploymentMessage(bd: Pick<BundleDeployment, 'spec' | 'status'>): string {
  const conds = bd.status?.conditions;
  let msg = conditionOf(conds, 'Deployed')?.message ?? '';
  if (!msg && (bd.status?.appliedDeploymentID ?? '') === (bd.spec?.deploymentID ?? ''))
    msg = conditionOf(conds, 'Installed')?.message ?? '';
  if (!msg) msg = conditionOf(conds, 'Monitored')?.message ?? '';
  return msg;
}

export function emptySummary(): BundleSummary {
  return { ready: 0, desiredReady: 0 };
}

const COUNTER: Record<BundleState, keyof BundleSummary> = {
  Ready: 'ready',
  NotReady: 'notReady',
  WaitApplied: 'waitApplied',
  ErrApplied: 'errApplied',
  OutOfSync: 'outOfSync',
  Pending: 'pending',
  Modified: 'modified',
};

/** summary.IncrementState: count the state; remember at most 10 non-ready entries. */
export function incrementState(
  s: BundleSummary,
  name: string,
  state: BundleState,
  message = '',
  modified?: ModifiedStatus[],
  nonReady?: NonReadyStatus[],
): void {
  const key = COUNTER[state];
  (s as unknown as Record<string, number>)[key] = ((s[key] as number | undefined) ?? 0) + 1;
  if (name && state !== 'Ready') {
    s.nonReadyResources ??= [];
    if (s.nonReadyResources.length < 10) {
      s.nonReadyResources.push({
        name,
        bundleState: state,
        ...(message ? { message } : {}),
        ...(modified?.length ? { modifiedStatus: modified } : {}),
        ...(nonReady?.length ? { nonReadyStatus: nonReady } : {}),
      });
    }
  }
}

/** summary.Increment: add `right` into `left`; whole non-ready lists are appended while under 10. */
export function addSummary(left: BundleSummary, right: BundleSummary | undefined): void {
  if (!right) return;
  for (const k of [
    'notReady',
    'waitApplied',
    'errApplied',
    'outOfSync',
    'modified',
    'pending',
    'ready',
    'desiredReady',
  ] as const) {
    const v = (right[k] ?? 0) + (left[k] ?? 0);
    if (v !== 0 || k === 'ready' || k === 'desiredReady') left[k] = v;
  }
  if ((left.nonReadyResources?.length ?? 0) < 10 && right.nonReadyResources?.length) {
    left.nonReadyResources = [...(left.nonReadyResources ?? []), ...right.nonReadyResources];
  }
}

/** The worst state among the summary's non-ready entries; '' when all are ready (docs/fleet/state.md §5.2). */
export function summaryState(s: BundleSummary | undefined): BundleState | '' {
  let best: BundleState | '' = '';
  for (const r of s?.nonReadyResources ?? []) {
    if (r.bundleState && rankOf(r.bundleState) > rankOf(best)) best = r.bundleState;
  }
  return best;
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

export function addResourceCounts(left: ResourceCounts, right: ResourceCounts | undefined): void {
  if (!right) return;
  for (const k of Object.keys(left) as (keyof ResourceCounts)[]) left[k] += right[k] ?? 0;
}

function resourceId(r: { namespace?: string; name?: string }): string {
  return r.namespace ? `${r.namespace}/${r.name ?? ''}` : (r.name ?? '');
}

/** How Fleet prints one modified resource in messages. */
export function modifiedString(m: ModifiedStatus): string {
  const base = `${(m.kind ?? '').toLowerCase()}.${m.apiVersion ?? ''} ${resourceId(m)}`;
  if (m.delete) return `${base} extra`;
  if (m.missing) return `${base} missing`;
  return `${base} modified ${m.patch ?? ''}`.trimEnd();
}

/** How Fleet prints one non-ready resource in messages. */
export function nonReadyString(n: NonReadyStatus): string {
  const state = n.summary?.state ? `[${n.summary.state}]` : '';
  const msg = (n.summary?.message ?? []).join('; ');
  return [`${(n.kind ?? '').toLowerCase()}.${n.apiVersion ?? ''} ${resourceId(n)}`, state, msg]
    .filter(Boolean)
    .join(' ');
}

/**
 * summary.ReadyMessage: for each state with a count, the first non-ready entry in that state as
 * `State(count) [Kind name]` or `State(count) [Kind name: message]`, followed by up to four
 * modified and four non-ready resource strings; all pieces sorted and joined with "; " (docs/fleet/state.md §5.2).
 */
export function readyMessage(s: BundleSummary, referencedKind: string): string {
  const pieces: string[] = [];
  const counts: [BundleState, number][] = [
    ['OutOfSync', s.outOfSync ?? 0],
    ['NotReady', s.notReady ?? 0],
    ['WaitApplied', s.waitApplied ?? 0],
    ['ErrApplied', s.errApplied ?? 0],
    ['Pending', s.pending ?? 0],
    ['Modified', s.modified ?? 0],
  ];
  for (const [state, count] of counts) {
    if (count <= 0) continue;
    const r = (s.nonReadyResources ?? []).find((x) => x.bundleState === state);
    if (!r) continue;
    pieces.push(
      r.message
        ? `${state}(${count}) [${referencedKind} ${r.name ?? ''}: ${r.message}]`
        : `${state}(${count}) [${referencedKind} ${r.name ?? ''}]`,
    );
    for (const m of (r.modifiedStatus ?? []).slice(0, 4)) pieces.push(modifiedString(m));
    for (const n of (r.nonReadyStatus ?? []).slice(0, 4)) pieces.push(nonReadyString(n));
  }
  return pieces.sort().join('; ');
}

/**
 * Sets a wrangler-style condition: lastUpdateTime moves on every change, lastTransitionTime only
 * when the status flips. Returns the new list (the input is not modified).
 */
export function setCondition(
  conds: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
): Condition[] {
  const list = [...(conds ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  if (
    prev &&
    prev.status === next.status &&
    (prev.reason ?? '') === (next.reason ?? '') &&
    (prev.message ?? '') === (next.message ?? '')
  )
    return list;
  const c: Condition = {
    type: next.type,
    status: next.status,
    ...(next.reason ? { reason: next.reason } : {}),
    ...(next.message ? { message: next.message } : {}),
    lastUpdateTime: now,
    lastTransitionTime: prev && prev.status === next.status ? (prev.lastTransitionTime ?? now) : now,
  };
  if (i >= 0) list[i] = c;
  else list.push(c);
  return list;
}

/** The Ready condition from a summary: True exactly when the message is empty (docs/fleet/state.md §5.2). */
export function readyCondition(
  conds: readonly Condition[] | undefined,
  s: BundleSummary,
  kind: string,
  now: string,
): Condition[] {
  const msg = readyMessage(s, kind);
  return setCondition(conds, { type: 'Ready', status: msg ? 'False' : 'True', message: msg }, now);
}
