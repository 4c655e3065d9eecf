import { describe, expect, it } from 'vitest';
import { snapshotOf, aCluster } from '../../../test/support/fleet-builders.js';
import type { KindWatchStatus } from '../store/watching.js';
import { freshnessOf, readinessFrom, staleReason } from './health.js';
import { GatewayMetrics } from './metrics.js';
import { estimateCacheBytes } from './watch.js';

function kindStatus(over: Partial<KindWatchStatus> & { lastEventAt?: number }): KindWatchStatus {
  const lastEventAt = over.lastEventAt;
  return {
    kind: 'Cluster',
    synced: true,
    healthy: true,
    state: 'watching',
    relists: 0,
    restarts: 0,
    errors: {},
    objects: 1,
    lastEventAt,
    scopes: [
      {
        kind: 'Cluster',
        namespace: undefined,
        labelSelector: undefined,
        state: 'watching',
        synced: true,
        resourceVersion: '1',
        lists: 1,
        relists: 0,
        restarts: 0,
        errors: {},
        lastEventAt,
        objects: 1,
      },
    ],
    ...over,
  };
}

/** The value of one series in a text exposition, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GatewayMetrics', () => {
  it('reports build info with the version and the Node.js version', async () => {
    const m = new GatewayMetrics({ version: '9.9.9', processMetrics: false });
    const { body, contentType } = await m.render();
    expect(contentType).toContain('text/plain');
    expect(
      value(body, `fleet_graph_build_info{version="9.9.9",node_version="${process.versions.node}"}`),
    ).toBe(1);
  });

  it('mirrors the reflectors cumulative counters as Prometheus counters, growing by the difference', async () => {
    const m = new GatewayMetrics({ version: '1', processMetrics: false });
    let status = [kindStatus({ relists: 2, errors: { watch_http_500: 3 }, lastEventAt: Date.now() })];
    const snap = snapshotOf([aCluster({ name: 'a' })]);
    m.watchHealth({ status: () => status, snapshot: () => snap });
    let body = (await m.render()).body;
    expect(value(body, 'fleet_graph_watch_relists_total{kind="Cluster"}')).toBe(2);
    expect(value(body, 'fleet_graph_watch_errors_total{kind="Cluster",reason="watch_http_500"}')).toBe(3);
    expect(value(body, 'fleet_graph_watch_state{kind="Cluster",state="watching"}')).toBe(1);
    expect(value(body, 'fleet_graph_watch_cache_bytes_estimate{kind="Cluster"}')).toBeGreaterThan(100);
    status = [kindStatus({ relists: 5, errors: { watch_http_500: 4 }, state: 'backoff' })];
    await new Promise((r) => setImmediate(r));
    body = (await m.render()).body;
    expect(value(body, 'fleet_graph_watch_relists_total{kind="Cluster"}')).toBe(5);
    expect(value(body, 'fleet_graph_watch_errors_total{kind="Cluster",reason="watch_http_500"}')).toBe(4);
    expect(value(body, 'fleet_graph_watch_state{kind="Cluster",state="backoff"}')).toBe(1);
    expect(value(body, 'fleet_graph_watch_last_event_age_seconds{kind="Cluster"}')).toBe(-1);
  });

  it('exposes the subscription hooks: dropped, coalesced and queue depths', async () => {
    const m = new GatewayMetrics({ version: '1', processMetrics: false });
    m.subscriptions.dropped('bundleDeploymentEvents', 3);
    m.subscriptions.coalesced('bundleDeploymentEvents');
    const a = m.subscriptions.watchQueue('bundleDeploymentEvents', () => 7);
    m.subscriptions.watchQueue('bundleDeploymentEvents', () => 2);
    let body = (await m.render()).body;
    expect(
      value(body, 'fleet_graph_subscription_events_dropped_total{subscription="bundleDeploymentEvents"}'),
    ).toBe(3);
    expect(
      value(body, 'fleet_graph_subscription_events_coalesced_total{subscription="bundleDeploymentEvents"}'),
    ).toBe(1);
    expect(
      value(body, 'fleet_graph_subscription_queue_depth_max{subscription="bundleDeploymentEvents"}'),
    ).toBe(7);
    expect(value(body, 'fleet_graph_subscription_queued_events{subscription="bundleDeploymentEvents"}')).toBe(
      9,
    );
    a();
    body = (await m.render()).body;
    expect(
      value(body, 'fleet_graph_subscription_queue_depth_max{subscription="bundleDeploymentEvents"}'),
    ).toBe(2);
  });

  it('includes Node process metrics with event-loop lag', async () => {
    const m = new GatewayMetrics({ version: '1' });
    const { body } = await m.render();
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect(body).toContain('process_resident_memory_bytes');
  });
});

describe('readiness staleness', () => {
  it('names kinds whose watch has been silent longer than the threshold, and only those', () => {
    const now = 1_000_000;
    const status = [
      kindStatus({ kind: 'Cluster', lastEventAt: now - 200_000 }),
      kindStatus({ kind: 'Bundle', lastEventAt: now - 1_000 }),
    ].map((s) => ({
      ...s,
      scopes: s.scopes.map((x) => ({ ...x, kind: s.kind, lastEventAt: s.lastEventAt })),
    }));
    expect(staleReason(status, 150_000, now)).toBe('watch silent for longer than 150 s: Cluster (200 s)');
    expect(staleReason(status, 300_000, now)).toBeUndefined();
  });

  it('estimates nothing for an empty kind', () => {
    expect(estimateCacheBytes([])).toBe(0);
  });
});

describe('freshness of a lagging watch', () => {
  const rules = { graceMs: 2_000, silentMs: 360_000 };
  const lagging = (over: { laggingSince?: number; troubleSince?: number }) => {
    const s = kindStatus({ lastEventAt: 1_000 });
    return { ...s, scopes: s.scopes.map((x) => ({ ...x, ...over })) };
  };

  it('is stale at once from when the probe saw the lag, and keeps /readyz ready', () => {
    const f = freshnessOf([lagging({ laggingSince: 900 })], rules, 1_000);
    expect(f).toEqual([{ kind: 'Cluster', synced: true, staleSince: 900, why: 'lagging' }]);
    expect(readinessFrom(f, rules, 1_000)).toEqual({ ready: true });
  });

  it('is named failing when it also fails beyond the grace, so /readyz still fails, since the oldest cause', () => {
    const f = freshnessOf([lagging({ laggingSince: 100, troubleSince: 500 })], rules, 5_000);
    expect(f).toEqual([{ kind: 'Cluster', synced: true, staleSince: 100, why: 'failing' }]);
    expect(readinessFrom(f, rules, 5_000).ready).toBe(false);
  });
});
