/**
 * Alert rules: which consistency findings and which clusters deserve an operator's attention, and
 * from when. Pure: given the findings (with their `firstSeenAt`), the Clusters and the time, they
 * return the alert conditions that hold, each with the moment it started and the moment it fires.
 *
 * Some disagreement is normal for a few seconds (docs/fleet/operations.md §8.3: GitRepo status trails
 * BundleDeployments by about 3 s; Fleet creates at most `maxNew` BDs per reconcile), so an alert
 * fires only once its condition has lasted longer than a threshold.
 *
 * - STALE_DEPLOYMENT: an orphaned BundleDeployment (docs/fleet/lifecycle.md §6.3, rancher/fleet#3437) older than the
 *   stale threshold (default 60 s; with prompt cleanup, v0.12.3+, orphans go within seconds).
 * - STATUS_MISMATCH: a GitRepo/HelmOp status number that disagreed with the deployments for longer
 *   than the mismatch threshold (default 30 s, ten times Fleet's 3 s status batching).
 * - CLUSTER_CHECK_IN_OVERDUE: a Cluster whose agent has not checked in (`status.agent.lastSeen`)
 *   for longer than twice `agentCheckinInterval` (docs/fleet/state.md §5.5: Fleet has no offline flag; compare
 *   `lastSeen` with the interval). It is pending from one missed interval on.
 */
import type { ClusterRecord } from '../../../store/records.js';
import type { Inconsistency } from '../../rules/read-model.js';

export type AlertRule = 'STALE_DEPLOYMENT' | 'STATUS_MISMATCH' | 'CLUSTER_CHECK_IN_OVERDUE';
export type AlertSeverity = 'WARNING' | 'CRITICAL';

export const ALERT_RULES: readonly AlertRule[] = [
  'STALE_DEPLOYMENT',
  'STATUS_MISMATCH',
  'CLUSTER_CHECK_IN_OVERDUE',
];

/** The severity of each rule: an agent that stopped checking in deploys nothing at all. */
export const SEVERITY: Readonly<Record<AlertRule, AlertSeverity>> = {
  STALE_DEPLOYMENT: 'WARNING',
  STATUS_MISMATCH: 'WARNING',
  CLUSTER_CHECK_IN_OVERDUE: 'CRITICAL',
};

export interface AlertThresholds {
  /** A STALE_DEPLOYMENT finding fires once it is this old. */
  readonly staleDeploymentMs: number;
  /** A STATUS_MISMATCH finding fires once it is this old. */
  readonly statusMismatchMs: number;
  /** Fleet's `agentCheckinInterval` (15 min by default, docs/fleet/state.md §5.5). */
  readonly checkInIntervalMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  staleDeploymentMs: 60_000,
  statusMismatchMs: 30_000,
  checkInIntervalMs: 15 * 60_000,
};

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/** One alert condition that holds now. */
export interface AlertCondition {
  /** Stable while the condition lasts: the rule and what it is about. */
  readonly id: string;
  readonly rule: AlertRule;
  readonly severity: AlertSeverity;
  readonly workspace: string;
  /** One sentence for a human. */
  readonly summary: string;
  /** When the condition started (gateway clock ms). */
  readonly since: number;
  /** When it fires: `since` plus the rule's threshold. */
  readonly fireAt: number;
  /** The finding behind it, for finding-based rules. */
  readonly inconsistencyId?: string | undefined;
  readonly gitRepo?: ObjectRef | undefined;
  readonly bundle?: ObjectRef | undefined;
  readonly cluster?: ObjectRef | undefined;
  readonly bundleDeployment?: ObjectRef | undefined;
}

export interface RuleInput {
  /** The current consistency findings, with the time each was first seen. */
  readonly inconsistencies: readonly Inconsistency[];
  readonly clusters: readonly ClusterRecord[];
  /** Gateway clock ms. */
  readonly now: number;
  readonly thresholds: AlertThresholds;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

function fromFinding(f: Inconsistency, rule: AlertRule, thresholdMs: number): AlertCondition {
  return {
    id: `${rule}:${f.id}`,
    rule,
    severity: SEVERITY[rule],
    workspace: f.workspace,
    summary: `${f.reason} (alert after ${seconds(thresholdMs)})`,
    since: f.firstSeenAt,
    fireAt: f.firstSeenAt + thresholdMs,
    inconsistencyId: f.id,
    gitRepo: f.gitRepo,
    bundle: f.bundle,
    cluster: f.cluster,
    bundleDeployment: f.bundleDeployment,
  };
}

/**
 * When a cluster's check-in became overdue: one interval after `lastSeen`, or after it was created
 * when its agent never checked in (`WaitCheckIn`, docs/fleet/state.md §5.5). Undefined for clusters being deleted.
 */
export function checkInOverdueSince(cluster: ClusterRecord, intervalMs: number): number | undefined {
  if (cluster.deletionTimestamp) return undefined;
  const last = Date.parse(cluster.lastSeen ?? cluster.creationTimestamp);
  return Number.isFinite(last) ? last + intervalMs : undefined;
}

/** Every alert condition that holds at `input.now`, sorted by id. */
export function alertConditions(input: RuleInput): AlertCondition[] {
  const { thresholds: t, now } = input;
  const out: AlertCondition[] = [];
  for (const f of input.inconsistencies) {
    if (f.kind === 'STALE_DEPLOYMENT') out.push(fromFinding(f, 'STALE_DEPLOYMENT', t.staleDeploymentMs));
    else if (f.kind === 'STATUS_MISMATCH') out.push(fromFinding(f, 'STATUS_MISMATCH', t.statusMismatchMs));
  }
  for (const c of input.clusters) {
    const since = checkInOverdueSince(c, t.checkInIntervalMs);
    if (since === undefined || since > now) continue;
    const last = c.lastSeen
      ? `last checked in at ${c.lastSeen}`
      : `has never checked in (created ${c.creationTimestamp})`;
    out.push({
      id: `CLUSTER_CHECK_IN_OVERDUE:${c.key}`,
      rule: 'CLUSTER_CHECK_IN_OVERDUE',
      severity: SEVERITY.CLUSTER_CHECK_IN_OVERDUE,
      workspace: c.namespace,
      summary:
        `The agent of Cluster ${c.key} ${last}; it should check in every ${seconds(t.checkInIntervalMs)} ` +
        `(agentCheckinInterval), and the alert fires after twice that.`,
      since,
      fireAt: since + t.checkInIntervalMs,
      cluster: { namespace: c.namespace, name: c.name },
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The next time a cluster's check-in becomes overdue, after `now` (so the engine can wake up then
 * without a change arriving); undefined when none will.
 */
export function nextCheckInDeadline(
  clusters: readonly ClusterRecord[],
  intervalMs: number,
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const c of clusters) {
    const since = checkInOverdueSince(c, intervalMs);
    if (since !== undefined && since > now && (next === undefined || since < next)) next = since;
  }
  return next;
}
