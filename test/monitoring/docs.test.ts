/**
 * The monitoring docs stay true to the code: every fleet_graph_ metric the gateway registers is in
 * the README's table, and every metric the README or the example PrometheusRule names exists.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../support/fleet-builders.js';
import { GatewayMetrics } from '../../src/gateway/metrics/index.js';
import { ManualClock } from '../../src/shared/clock.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const rules = readFileSync(new URL('../../docs/monitoring/prometheus-rule.yaml', import.meta.url), 'utf8');

function registered(): string[] {
  const m = new GatewayMetrics({ version: '0', processMetrics: false });
  const snap = snapshotOf([]);
  const none = () => () => undefined;
  m.watchHealth({ status: () => [], snapshot: () => snap });
  m.consistency({
    tracker: { current: () => [], firstSeenAt: () => undefined },
    store: { snapshot: () => snap, subscribe: none },
    refresh: () => undefined,
    clock: new ManualClock(),
  });
  m.alerts({ firing: () => [], snapshot: () => snap });
  m.eventEngine(() => ({ buffered: 0, subscribers: 0, deepestQueue: 0 }));
  m.leader({ identity: 'host_0', isLeader: () => true, transitions: () => 1 });
  const names = m.registry.getMetricsAsArray().map((x) => x.name);
  m.stop();
  return names.filter((n) => n.startsWith('fleet_graph_')).sort();
}

/** Metric names in a text, with histogram series suffixes taken off. */
const named = (text: string) =>
  [
    ...new Set(
      [...text.matchAll(/fleet_graph_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
    ),
  ].sort();

describe('monitoring docs', () => {
  const names = registered();

  it('the README documents every metric the gateway registers, and only those', () => {
    const section = readme.slice(readme.indexOf('## Monitoring'), readme.indexOf('### Alerts'));
    expect(named(section)).toEqual(names);
  });

  it('the example PrometheusRule is a PrometheusRule and names only metrics that exist', () => {
    const doc = parse(rules) as {
      kind: string;
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    expect(doc.kind).toBe('PrometheusRule');
    const exprs = doc.spec.groups.flatMap((g) => g.rules.map((r) => r.expr)).join('\n');
    expect(named(exprs).filter((n) => !names.includes(n))).toEqual([]);
    expect(exprs).toContain('fleet_graph_alerts_firing');
  });
});
