import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../shared/clock.js';
import type { ClusterRecord } from '../../../store/records.js';
import type { Inconsistency } from '../../rules/read-model.js';
import { aCluster } from '../../../../../test/support/fleet-builders.js';
import { AlertEngine, type AlertEvent } from './engine.js';
import { alertConditions, DEFAULT_THRESHOLDS } from './rules.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function stale(firstSeenAt: number, name = 'app-web'): Inconsistency {
  return {
    id: `stale:cluster-fleet-default-dev/${name}`,
    kind: 'STALE_DEPLOYMENT',
    cause: 'TARGET_REMOVED',
    workspace: 'fleet-default',
    bundle: { namespace: 'fleet-default', name },
    cluster: { namespace: 'fleet-default', name: 'dev' },
    bundleDeployment: { namespace: 'cluster-fleet-default-dev', name },
    reason: 'orphaned',
    firstSeenAt,
  };
}

function mismatch(firstSeenAt: number): Inconsistency {
  return {
    id: 'mismatch:GitRepo:fleet-default/app:readyClusters',
    kind: 'STATUS_MISMATCH',
    workspace: 'fleet-default',
    gitRepo: { namespace: 'fleet-default', name: 'app' },
    field: 'readyClusters',
    reported: '3',
    actual: '2',
    reason: 'disagrees',
    firstSeenAt,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('alert rules', () => {
  it.each([
    ['a stale deployment fires after the stale threshold', [stale(T0)], [], 'STALE_DEPLOYMENT', T0 + 60_000],
    [
      'a status mismatch fires after the mismatch threshold',
      [mismatch(T0)],
      [],
      'STATUS_MISMATCH',
      T0 + 30_000,
    ],
    [
      'a cluster is overdue one interval after lastSeen and fires after two',
      [],
      [aCluster({ name: 'dev', lastSeen: iso(T0) })],
      'CLUSTER_CHECK_IN_OVERDUE',
      T0 + 30 * MIN,
    ],
  ] as const)('%s', (_name, findings, clusters, rule, fireAt) => {
    const now = T0 + 16 * MIN;
    const [c, ...rest] = alertConditions({
      inconsistencies: findings,
      clusters,
      now,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ rule, fireAt, workspace: 'fleet-default' });
  });

  it('has no check-in condition before one interval passed, nor for clusters being deleted', () => {
    const fresh = aCluster({ name: 'fresh', lastSeen: iso(T0) });
    const going = aCluster({ name: 'going', lastSeen: iso(T0 - 60 * MIN), deletionTimestamp: iso(T0) });
    expect(
      alertConditions({
        inconsistencies: [],
        clusters: [fresh, going],
        now: T0 + 14 * MIN,
        thresholds: DEFAULT_THRESHOLDS,
      }),
    ).toEqual([]);
  });

  it('counts from creation for a cluster that never checked in (WaitCheckIn, docs/fleet/state.md §5.5)', () => {
    const c = aCluster({ name: 'new', lastSeen: undefined, creationTimestamp: iso(T0) });
    const [cond] = alertConditions({
      inconsistencies: [],
      clusters: [c],
      now: T0 + 15 * MIN,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(cond).toMatchObject({ since: T0 + 15 * MIN, fireAt: T0 + 30 * MIN, severity: 'CRITICAL' });
    expect(cond!.summary).toContain('never checked in');
  });
});

describe('AlertEngine', () => {
  function engineWith(clock: ManualClock) {
    let findings: Inconsistency[] = [];
    let clusters: ClusterRecord[] = [];
    const events: AlertEvent[] = [];
    const engine = new AlertEngine({
      clock,
      thresholds: DEFAULT_THRESHOLDS,
      inputs: { inconsistencies: () => findings, clusters: () => clusters },
    });
    engine.subscribe((e) => events.push(e));
    return {
      engine,
      events,
      set: (f: Inconsistency[], c: ClusterRecord[] = clusters) => {
        findings = f;
        clusters = c;
        engine.evaluate();
      },
    };
  }

  it('is pending until the threshold passes on the clock, fires by itself, then resolves', async () => {
    const clock = new ManualClock(T0);
    const { engine, events, set } = engineWith(clock);
    set([stale(T0)]);
    expect(engine.alerts().map((a) => a.state)).toEqual(['PENDING']);
    expect(events).toEqual([]);
    await clock.advance(59_000);
    expect(events).toEqual([]);
    await clock.advance(1_000);
    expect(events.map((e) => [e.type, e.at])).toEqual([['FIRING', T0 + 60_000]]);
    expect(engine.firing()).toHaveLength(1);
    expect(engine.alerts({ states: ['FIRING'] })[0]).toMatchObject({ firedAt: T0 + 60_000, since: T0 });
    await clock.advance(5_000);
    set([]);
    expect(events.map((e) => e.type)).toEqual(['FIRING', 'RESOLVED']);
    expect(engine.alerts()).toEqual([
      expect.objectContaining({ state: 'RESOLVED', resolvedAt: T0 + 65_000, firedAt: T0 + 60_000 }),
    ]);
    expect(engine.alerts({ states: ['FIRING', 'PENDING'] })).toEqual([]);
  });

  it('drops a pending alert without an event when its condition clears in time', async () => {
    const clock = new ManualClock(T0);
    const { engine, events, set } = engineWith(clock);
    set([mismatch(T0)]);
    await clock.advance(29_000);
    set([]);
    await clock.advance(60_000);
    expect(events).toEqual([]);
    expect(engine.alerts()).toEqual([]);
  });

  it('wakes up when a cluster check-in becomes overdue, and resolves at the next check-in', async () => {
    const clock = new ManualClock(T0);
    const { engine, events, set } = engineWith(clock);
    set([], [aCluster({ name: 'dev', lastSeen: iso(T0) })]);
    await clock.advance(16 * MIN);
    expect(engine.alerts()).toEqual([expect.objectContaining({ state: 'PENDING', severity: 'CRITICAL' })]);
    await clock.advance(14 * MIN);
    expect(events.map((e) => e.type)).toEqual(['FIRING']);
    set([], [aCluster({ name: 'dev', lastSeen: iso(clock.now()) })]);
    expect(events.map((e) => e.type)).toEqual(['FIRING', 'RESOLVED']);
  });

  it('filters by workspace, severity, state and rule', () => {
    const clock = new ManualClock(T0 + 20 * MIN);
    const { engine, set } = engineWith(clock);
    set(
      [stale(T0), mismatch(T0 + 20 * MIN)],
      [aCluster({ name: 'x', namespace: 'other', lastSeen: iso(T0) })],
    );
    expect(engine.alerts().map((a) => [a.rule, a.state])).toEqual([
      ['STALE_DEPLOYMENT', 'FIRING'],
      ['CLUSTER_CHECK_IN_OVERDUE', 'PENDING'],
      ['STATUS_MISMATCH', 'PENDING'],
    ]);
    expect(engine.alerts({ workspace: 'other' }).map((a) => a.rule)).toEqual(['CLUSTER_CHECK_IN_OVERDUE']);
    expect(engine.alerts({ severity: 'CRITICAL' }).map((a) => a.rule)).toEqual(['CLUSTER_CHECK_IN_OVERDUE']);
    expect(engine.alerts({ states: ['FIRING'] }).map((a) => a.rule)).toEqual(['STALE_DEPLOYMENT']);
    expect(engine.alerts({ rules: ['STATUS_MISMATCH'] })).toHaveLength(1);
  });

  it('keeps a listener that throws from stopping the others', async () => {
    const clock = new ManualClock(T0);
    const errors: unknown[] = [];
    const engine = new AlertEngine({
      clock,
      thresholds: DEFAULT_THRESHOLDS,
      inputs: { inconsistencies: () => [stale(T0)], clusters: () => [] },
      onListenerError: (e) => errors.push(e),
    });
    const got: string[] = [];
    engine.subscribe(() => {
      throw new Error('boom');
    });
    engine.subscribe((e) => got.push(e.type));
    engine.evaluate();
    await clock.advance(60_000);
    expect(got).toEqual(['FIRING']);
    expect(errors).toHaveLength(1);
    engine.stop();
  });
});

describe('AlertEngine.events', () => {
  it('streams matching FIRING and RESOLVED events and stops listening when the consumer returns', async () => {
    const clock = new ManualClock(T0);
    let findings: Inconsistency[] = [stale(T0), mismatch(T0)];
    const engine = new AlertEngine({
      clock,
      thresholds: DEFAULT_THRESHOLDS,
      inputs: { inconsistencies: () => findings, clusters: () => [] },
    });
    const stream = engine.events({ rules: ['STALE_DEPLOYMENT'] });
    engine.evaluate();
    await clock.advance(60_000);
    findings = [];
    engine.evaluate();
    const first = await stream.next();
    const second = await stream.next();
    expect([first.value?.type, second.value?.type]).toEqual(['FIRING', 'RESOLVED']);
    expect(first.value?.alert.rule).toBe('STALE_DEPLOYMENT');
    expect(engine.listenerCount).toBe(1);
    await stream.return?.();
    expect(engine.listenerCount).toBe(0);
  });
});
