/**
 * AlertEngine: turns the alert conditions of rules.ts into alerts with a lifecycle, on the gateway
 * Clock (so tests move a ManualClock instead of waiting):
 *
 *   condition appears → PENDING → (its threshold passes) → FIRING → (condition gone) → RESOLVED
 *
 * A condition that goes away while PENDING is dropped without an event, as Prometheus does with
 * pending alerts. FIRING and RESOLVED transitions are events for listeners (the `alertEvents`
 * subscription, the firing gauge). The engine re-evaluates when told that something changed
 * (`schedule`, batched per turn of the event loop), when asked for alerts, and on its own at the
 * next moment a threshold or a check-in deadline passes.
 */
import type { Clock, TimerHandle } from '../../../../shared/clock.js';
import type { FleetGraphError } from '../../../../shared/errors.js';
import type { ClusterRecord } from '../../../store/records.js';
import { BoundedQueue } from '../events/queue.js';
import type { Inconsistency } from '../../rules/read-model.js';
import type { ChangedRecord, ConsistencyTracker } from '../tracker.js';
import type { AlertCondition, AlertRule, AlertSeverity, AlertThresholds } from './rules.js';
import { alertConditions, nextCheckInDeadline } from './rules.js';

export type AlertState = 'PENDING' | 'FIRING' | 'RESOLVED';

export interface Alert extends AlertCondition {
  readonly state: AlertState;
  /** When it started firing: the moment its threshold passed (gateway clock ms). */
  readonly firedAt?: number | undefined;
  /** When its condition was seen gone (gateway clock ms). */
  readonly resolvedAt?: number | undefined;
}

export interface AlertEvent {
  readonly type: 'FIRING' | 'RESOLVED';
  readonly alert: Alert;
  /** Gateway clock ms of the evaluation that noticed the transition. */
  readonly at: number;
}

export type AlertListener = (event: AlertEvent) => void;

export interface AlertFilter {
  readonly workspace?: string | undefined;
  readonly severity?: AlertSeverity | undefined;
  readonly states?: readonly AlertState[] | undefined;
  readonly rules?: readonly AlertRule[] | undefined;
}

/** Where the engine reads the current state of the fleet from. */
export interface AlertInputs {
  /** Current consistency findings (the ConsistencyTracker's, brought up to date). */
  inconsistencies(): readonly Inconsistency[];
  clusters(): readonly ClusterRecord[];
}

export interface AlertEngineOptions {
  readonly clock: Clock;
  readonly thresholds: AlertThresholds;
  readonly inputs: AlertInputs;
  /** Resolved alerts kept for `alerts({ states: ['RESOLVED'] })`, newest first. Default 500. */
  readonly resolvedHistory?: number | undefined;
  /** Called when a listener throws; the others still run. */
  readonly onListenerError?: ((error: unknown) => void) | undefined;
}

const STATE_ORDER: Readonly<Record<AlertState, number>> = { FIRING: 0, PENDING: 1, RESOLVED: 2 };

export class AlertEngine {
  readonly thresholds: AlertThresholds;
  private readonly clock: Clock;
  private readonly inputs: AlertInputs;
  private readonly historySize: number;
  private readonly onListenerError: (error: unknown) => void;
  private readonly active = new Map<string, Alert>();
  private resolved: Alert[] = [];
  private readonly listeners = new Set<AlertListener>();
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(opts: AlertEngineOptions) {
    this.clock = opts.clock;
    this.thresholds = opts.thresholds;
    this.inputs = opts.inputs;
    this.historySize = opts.resolvedHistory ?? 500;
    this.onListenerError = opts.onListenerError ?? (() => undefined);
  }

  /** The gateway clock's time, for ages. */
  now(): number {
    return this.clock.now();
  }

  /** Listens for FIRING/RESOLVED events; returns the function that stops listening. */
  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * FIRING/RESOLVED events matching `filter` from now on, as a pull stream with a bounded queue
   * (the subscriptions' queue: a subscriber `capacity` events behind is cut off with
   * SUBSCRIBER_TOO_SLOW rather than growing memory). Returning from it stops listening.
   */
  events(
    filter: Omit<AlertFilter, 'states'> = {},
    opts: { capacity?: number; onOverflow?: (error: FleetGraphError) => void } = {},
  ): AsyncIterableIterator<AlertEvent, undefined> {
    let stop = () => {};
    const queue = new BoundedQueue<AlertEvent>({
      capacity: opts.capacity ?? 256,
      onOverflow: opts.onOverflow,
      onClose: () => stop(),
    });
    stop = this.subscribe((e) => {
      const a = e.alert;
      if (filter.workspace !== undefined && a.workspace !== filter.workspace) return;
      if (filter.severity !== undefined && a.severity !== filter.severity) return;
      if (filter.rules !== undefined && !filter.rules.includes(a.rule)) return;
      queue.push(e);
    });
    return queue;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Re-evaluates soon (once per turn of the event loop, however many changes arrive). */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.evaluate();
    });
  }

  /** Brings the alerts up to date with the inputs at the clock's time; returns the events emitted. */
  evaluate(): AlertEvent[] {
    const now = this.clock.now();
    const clusters = this.inputs.clusters();
    const conditions = alertConditions({
      inconsistencies: this.inputs.inconsistencies(),
      clusters,
      now,
      thresholds: this.thresholds,
    });
    const events: AlertEvent[] = [];
    const seen = new Set<string>();
    for (const c of conditions) {
      seen.add(c.id);
      const was = this.active.get(c.id);
      const firing = was?.state === 'FIRING' || now >= c.fireAt;
      const alert: Alert = firing
        ? { ...c, state: 'FIRING', firedAt: was?.firedAt ?? c.fireAt }
        : { ...c, state: 'PENDING' };
      this.active.set(c.id, alert);
      if (firing && was?.state !== 'FIRING') events.push({ type: 'FIRING', alert, at: now });
    }
    for (const [id, was] of this.active) {
      if (seen.has(id)) continue;
      this.active.delete(id);
      if (was.state !== 'FIRING') continue;
      const alert: Alert = { ...was, state: 'RESOLVED', resolvedAt: now };
      this.resolved.unshift(alert);
      events.push({ type: 'RESOLVED', alert, at: now });
    }
    if (this.resolved.length > this.historySize) this.resolved = this.resolved.slice(0, this.historySize);
    this.wakeAt(this.nextDeadline(clusters, now));
    for (const e of events) {
      for (const l of [...this.listeners]) {
        try {
          l(e);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
    return events;
  }

  /** Current alerts (evaluated now): firing first, then pending, then resolved, each by id. */
  alerts(filter: AlertFilter = {}): Alert[] {
    this.evaluate();
    const all = [...this.active.values(), ...this.resolved];
    return all
      .filter(
        (a) =>
          (filter.workspace === undefined || a.workspace === filter.workspace) &&
          (filter.severity === undefined || a.severity === filter.severity) &&
          (filter.states === undefined || filter.states.includes(a.state)) &&
          (filter.rules === undefined || filter.rules.includes(a.rule)),
      )
      .sort(
        (a, b) =>
          STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
          (a.state === 'RESOLVED' ? (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0) : 0) ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
  }

  /** The alerts firing as of the last evaluation (no evaluation: cheap, for metrics scrapes). */
  firing(): Alert[] {
    return [...this.active.values()].filter((a) => a.state === 'FIRING');
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The earliest moment after `now` when something turns without any change arriving. */
  private nextDeadline(clusters: readonly ClusterRecord[], now: number): number | undefined {
    let next = nextCheckInDeadline(clusters, this.thresholds.checkInIntervalMs, now);
    for (const a of this.active.values()) {
      if (a.state === 'PENDING' && a.fireAt > now && (next === undefined || a.fireAt < next)) next = a.fireAt;
    }
    return next;
  }

  private wakeAt(at: number | undefined): void {
    if (this.stopped || at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      if (!this.stopped) this.evaluate();
    }, at - this.clock.now());
  }
}

/**
 * Keeps `engine` current: it re-evaluates when a finding appears or clears, and when a Cluster
 * changes (an agent check-in moves only `status.agent.lastSeen`, which changes no finding, docs/fleet/state.md §5.5).
 * Returns the function that stops following.
 */
export function followFleet(
  engine: AlertEngine,
  sources: {
    readonly tracker: Pick<ConsistencyTracker, 'subscribe'>;
    readonly changes: { subscribe(listener: (change: ChangedRecord) => void): () => void };
  },
): () => void {
  const stops = [
    sources.tracker.subscribe(() => engine.schedule()),
    sources.changes.subscribe((c) => {
      if (c.kind === 'Cluster') engine.schedule();
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
