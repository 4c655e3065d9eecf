/**
 * Monitoring end to end against the Kubernetes API emulator (the simulated Fleet is off: the test
 * writes Fleet's objects itself), scraping /metrics over HTTP: build info, a stale deployment
 * raising the finding gauge, its alert firing after the threshold on the gateway's ManualClock
 * (Query.alerts, the alertEvents subscription over graphql-ws, the firing gauge) and clearing with
 * the cleanup histogram observing the removal, cluster check-in alerts, GraphQL operation metrics
 * and log lines, watch-health counters under fault injection, and /readyz through an outage.
 */
import { readFileSync } from 'node:fs';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../../src/gateway/gateway.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter, clusterNs } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway } from '../gateway/simulated.js';
import { run } from '../gateway/support.js';
import { graphql } from '../gql/index.js';
import type { AlertEventsSubscription, MonitoringRemovalsSubscription } from '../gql/graphql.js';
import { capturingLogger, duplicateKeys, metric, scrape, sample } from './support.js';

const WS = 'fleet-default';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const Alerts = graphql(`
  query MonitoringAlerts($rule: AlertRule, $state: AlertState) {
    version
    alerts(rule: $rule, state: $state) {
      id
      rule
      severity
      state
      workspace
      since
      firedAt
      resolvedAt
      ageSeconds
      thresholdSeconds
      clusterRef {
        name
      }
      bundleDeploymentRef {
        name
      }
    }
  }
`);

const AlertEvents = graphql(`
  subscription AlertEvents($rule: AlertRule) {
    alertEvents(rule: $rule) {
      type
      at
      alert {
        rule
        state
        clusterRef {
          name
        }
      }
    }
  }
`);

const Removals = graphql(`
  subscription MonitoringRemovals {
    bundleDeploymentEvents(filter: { types: [REMOVED] }) {
      type
      removal {
        reason
        cleanupLatencyMs
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let kube: FleetWriter;
let clock: ManualClock;
let ws: Client;
const logs = capturingLogger();

const staleGauge = async () =>
  metric(gw, 'fleet_graph_inconsistencies', { workspace: WS, kind: 'STALE_DEPLOYMENT' });

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  sim = await startEmptySimulation({ cleanup: 'prompt', clock, controllers: false });
  gw = await startSyncedGateway(sim, {
    logger: logs.logger,
    clock,
    watchTuning: {
      backoff: { initialMs: 20, maxMs: 200 },
      minReconnectDelayMs: 10,
      maxReconnectDelayMs: 100,
    },
  });
  kube = new FleetWriter(sim.kubeConfig);
  ws = createClient({ url: gw.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
});

afterAll(async () => {
  await ws?.dispose();
  await gw?.stop();
  await sim?.stop();
});

describe('monitoring over the emulator', () => {
  it('serves /metrics with build info that agrees with the version query and package.json', async () => {
    const text = await scrape(gw);
    expect(
      sample(text, 'fleet_graph_build_info', { version: pkg.version, node_version: process.versions.node }),
    ).toBe(1);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(text, 'fleet_graph_watch_synced', { kind: 'BundleDeployment' })).toBe(1);
    const r = await run(gw.url, Alerts, {});
    expect(r.data?.version).toBe(pkg.version);
  });

  it('raises the stale gauge, fires the alert after 60 s on the clock, and resolves it with a cleanup observation', async () => {
    const events: AlertEventsSubscription['alertEvents'][] = [];
    const stream = ws.iterate<AlertEventsSubscription>({
      query: print(AlertEvents),
      variables: { rule: 'STALE_DEPLOYMENT' },
    });
    const reading = (async () => {
      for await (const r of stream) {
        if (r.data) events.push(r.data.alertEvents);
        if (events.length === 2) break;
      }
    })();

    // The subscriptions' REMOVED events measure the same cleanup latency: both must agree.
    const removals: [string | undefined, number | undefined][] = [];
    const removalStream = ws.iterate<MonitoringRemovalsSubscription>({ query: print(Removals) });
    const readingRemovals = (async () => {
      for await (const r of removalStream) {
        const removal = r.data?.bundleDeploymentEvents.removal;
        removals.push([removal?.reason, removal?.cleanupLatencyMs]);
        break;
      }
    })();

    await kube.cluster('prod', { env: 'prod' });
    await kube.cluster('dev', { env: 'dev' });
    const targets = [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }];
    await kube.create('bundles', WS, {
      metadata: { name: 'app-main', labels: { 'fleet.cattle.io/repo-name': 'app' } },
      spec: { targets, targetRestrictions: targets },
    });
    await kube.deployment('app-main', 'prod', 'app');
    // An orphan: the Bundle no longer targets dev (rancher/fleet#3437).
    await kube.deployment('app-main', 'dev', 'app');
    await expect.poll(staleGauge, { timeout: 10_000 }).toBe(1);
    const pending = await run(gw.url, Alerts, { rule: 'STALE_DEPLOYMENT' });
    expect(pending.data?.alerts).toEqual([
      expect.objectContaining({
        state: 'PENDING',
        severity: 'WARNING',
        thresholdSeconds: 60,
        firedAt: null,
        clusterRef: { name: 'dev' },
        bundleDeploymentRef: { name: 'app-main' },
      }),
    ]);

    await clock.advance(59_000);
    expect((await run(gw.url, Alerts, { rule: 'STALE_DEPLOYMENT' })).data?.alerts[0]?.state).toBe('PENDING');
    expect(await metric(gw, 'fleet_graph_alerts_firing', { rule: 'STALE_DEPLOYMENT', workspace: WS })).toBe(
      0,
    );
    await clock.advance(1_000);
    const firing = (await run(gw.url, Alerts, { rule: 'STALE_DEPLOYMENT', state: 'FIRING' })).data!.alerts;
    expect(firing).toHaveLength(1);
    expect(firing[0]!.firedAt).toBe('2026-01-01T00:01:00.000Z');
    expect(await metric(gw, 'fleet_graph_alerts_firing', { rule: 'STALE_DEPLOYMENT', workspace: WS })).toBe(
      1,
    );
    expect(
      await metric(gw, 'fleet_graph_inconsistency_oldest_age_seconds', {
        workspace: WS,
        kind: 'STALE_DEPLOYMENT',
      }),
    ).toBe(60);

    await clock.advance(30_000);
    await kube.delete('bundledeployments', clusterNs('dev'), 'app-main');
    await expect.poll(staleGauge, { timeout: 10_000 }).toBe(0);
    const resolved = (await run(gw.url, Alerts, { rule: 'STALE_DEPLOYMENT' })).data!.alerts;
    expect(resolved).toEqual([expect.objectContaining({ state: 'RESOLVED', ageSeconds: 90 })]);
    expect(await metric(gw, 'fleet_graph_alerts_firing', { rule: 'STALE_DEPLOYMENT', workspace: WS })).toBe(
      0,
    );
    // Orphaned 90 s before its removal: in the 120 s bucket, not in the 60 s one.
    const text = await scrape(gw);
    const bucket = (le: string) =>
      sample(text, 'fleet_graph_bundledeployment_cleanup_seconds_bucket', {
        le,
        workspace: WS,
        reason: 'TARGET_REMOVED',
      });
    expect([bucket('60'), bucket('120')]).toEqual([0, 1]);
    await readingRemovals;
    expect(removals).toEqual([['TARGET_REMOVED', 90_000]]);
    expect(
      sample(text, 'fleet_graph_bundledeployment_cleanup_seconds_sum', {
        workspace: WS,
        reason: 'TARGET_REMOVED',
      }),
    ).toBe(90);

    await reading;
    expect(events.map((e) => [e.type, e.alert.state, e.alert.clusterRef?.name])).toEqual([
      ['FIRING', 'FIRING', 'dev'],
      ['RESOLVED', 'RESOLVED', 'dev'],
    ]);
    expect(events[0]!.at).toBe('2026-01-01T00:01:00.000Z');
  });

  it('fires a critical alert for clusters whose agent missed two check-in intervals', async () => {
    // The fixture clusters last checked in at 00:00; the clock is at 00:01:30 by now.
    await clock.advance(14 * 60_000);
    const overdue = await run(gw.url, Alerts, { rule: 'CLUSTER_CHECK_IN_OVERDUE' });
    expect(overdue.data!.alerts.map((a) => [a.clusterRef?.name, a.state])).toEqual([
      ['dev', 'PENDING'],
      ['prod', 'PENDING'],
    ]);
    await clock.advance(15 * 60_000);
    expect(
      await metric(gw, 'fleet_graph_alerts_firing', { rule: 'CLUSTER_CHECK_IN_OVERDUE', workspace: WS }),
    ).toBe(2);
    await kube.status('clusters', WS, 'dev', { agent: { lastSeen: new Date(clock.now()).toISOString() } });
    await expect
      .poll(
        () => metric(gw, 'fleet_graph_alerts_firing', { rule: 'CLUSTER_CHECK_IN_OVERDUE', workspace: WS }),
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    const all = (await run(gw.url, Alerts, { rule: 'CLUSTER_CHECK_IN_OVERDUE' })).data!.alerts;
    expect(all.map((a) => [a.clusterRef?.name, a.state, a.severity])).toEqual([
      ['prod', 'FIRING', 'CRITICAL'],
      ['dev', 'RESOLVED', 'CRITICAL'],
    ]);
  });

  it('measures GraphQL operations by name and error code, and logs one line per operation with its request id', async () => {
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'monitoring-req-1',
        authorization: 'Bearer very-secret-token',
      },
      body: JSON.stringify({ query: 'query NodeProbe { node(id: "not-an-id") { id } }' }),
    });
    expect(res.headers.get('x-request-id')).toBe('monitoring-req-1');
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
    await run(gw.url, Alerts, {});
    const text = await scrape(gw);
    expect(
      sample(text, 'fleet_graph_graphql_operation_duration_seconds_count', {
        operation: 'NodeProbe',
        type: 'query',
      }),
    ).toBe(1);
    expect(
      sample(text, 'fleet_graph_graphql_errors_total', { operation: 'NodeProbe', code: 'INVALID_ID' }),
    ).toBe(1);
    expect(
      sample(text, 'fleet_graph_graphql_operation_duration_seconds_count', {
        operation: 'MonitoringAlerts',
        type: 'query',
      }),
    ).toBeGreaterThanOrEqual(1);
    // The subscription of the alert test ended: counted while it lasted, not active any more.
    expect(sample(text, 'fleet_graph_subscriptions_active', { subscription: 'alertEvents' })).toBe(0);
    expect(
      sample(text, 'fleet_graph_subscription_events_delivered_total', { subscription: 'alertEvents' }),
    ).toBe(2);
    // The removals stream of the alert test ended: the engine has no subscriber left.
    await expect.poll(() => metric(gw, 'fleet_graph_subscription_engine_subscribers')).toBe(0);
    expect(sample(text, 'fleet_graph_subscription_replay_buffer_events')).toBeGreaterThanOrEqual(0);

    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l['requestId'] === 'monitoring-req-1');
    expect(mine).toEqual([
      expect.objectContaining({
        msg: 'graphql operation',
        level: 30,
        operation: 'NodeProbe',
        type: 'query',
        transport: 'http',
        caller: 'anonymous',
        errors: ['INVALID_ID'],
        durationMs: expect.any(Number) as unknown,
      }),
    ]);
    expect(logs.lines.some((l) => l.includes('very-secret-token'))).toBe(false);
    // Child loggers never repeat a binding (a repeated key is ambiguous to log pipelines).
    expect(logs.lines.filter((l) => duplicateKeys(l).length > 0)).toEqual([]);
    expect(lines.some((l) => l['msg'] === 'watch state' && typeof l['kind'] === 'string')).toBe(true);
    expect(lines.some((l) => l['msg'] === 'alert firing' && l['rule'] === 'STALE_DEPLOYMENT')).toBe(true);
  });

  it('moves the watch-health counters under fault injection: relists after 410, errors during failures', async () => {
    const text = await scrape(gw);
    const relists = sample(text, 'fleet_graph_watch_relists_total', { kind: 'GitRepo' })!;
    const restarts = sample(text, 'fleet_graph_watch_restarts_total', { kind: 'Cluster' })!;
    sim.apiServer.faults.goneOnNextWatch({ resource: 'gitrepos' });
    sim.apiServer.faults.endWatches({ resource: 'gitrepos' });
    await expect
      .poll(() => metric(gw, 'fleet_graph_watch_relists_total', { kind: 'GitRepo' }), { timeout: 10_000 })
      .toBe(relists + 1);

    sim.apiServer.faults.failRequests({
      status: 500,
      count: 2,
      match: { verb: 'watch', resource: 'clusters' },
    });
    sim.apiServer.faults.endWatches({ resource: 'clusters' });
    await expect
      .poll(
        () => metric(gw, 'fleet_graph_watch_errors_total', { kind: 'Cluster', reason: 'watch_http_500' }),
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
    await expect
      .poll(() => metric(gw, 'fleet_graph_watch_state', { kind: 'Cluster', state: 'watching' }), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(await metric(gw, 'fleet_graph_watch_restarts_total', { kind: 'Cluster' })).toBeGreaterThan(
      restarts,
    );
  });

  it('turns /readyz unready during an outage, with the reason, and ready after recovery', async () => {
    const base = gw.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    sim.apiServer.faults.outage();
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000 }).toBe(503);
    expect(await (await fetch(`${base}/readyz`)).text()).toContain('watch failing');
    const during = await scrape(gw);
    expect(during).toMatch(/fleet_graph_watch_state\{kind="\w+",state="backoff"\} 1/);
    sim.apiServer.faults.clear();
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000 }).toBe(200);
  });
});
