/**
 * The gateway's metrics: one prom-client Registry per gateway (tests run several in one process),
 * rendered in the Prometheus text format at /metrics. Everything is either read at scrape time from
 * state other layers already keep (watch status, findings, alerts), or counted by hooks (GraphQL
 * operations, subscription queues, lifecycle histograms). Every label set is bounded: kinds,
 * workspaces, rules, error codes, schema root fields, and at most 200 operation names.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../../shared/clock.js';
import type { Alert, AlertRule } from '../fleet/live/alerts/index.js';
import { ALERT_RULES } from '../fleet/live/alerts/index.js';
import type { ConsistencyTracker, InconsistencyKind } from '../fleet/index.js';
import type { Snapshot } from '../store/records.js';
import type { Store } from '../store/store.js';
import { registerGraphQLMetrics, type GraphQLMetrics } from './graphql.js';
import { LIFECYCLE_BUCKETS, observeLifecycle, type LifecycleHistograms } from '../fleet/live/lifecycle.js';
import { oncePerScrape, registerWatchHealth, type WatchHealthSource } from './watch.js';

const KINDS: readonly InconsistencyKind[] = ['STALE_DEPLOYMENT', 'MISSING_DEPLOYMENT', 'STATUS_MISMATCH'];

/**
 * Hooks for the subscription event engine (fleet/live/events): what only the engine knows. Active
 * subscriptions and events delivered are counted by the GraphQL plugin for every subscription.
 */
export interface SubscriptionMetrics {
  /** Events a slow subscriber lost because its bounded queue was full. */
  dropped(subscription: string, count?: number): void;
  /** Events merged into a newer one for the same object while queued. */
  coalesced(subscription: string, count?: number): void;
  /** Registers a subscriber's queue, read at scrape time; call the returned function when it ends. */
  watchQueue(subscription: string, depth: () => number): () => void;
}

export interface MetricsOptions {
  /** fleet-graph's version (package.json), for `fleet_graph_build_info`. */
  readonly version: string;
  /** Node process metrics (CPU, memory, handles, GC, event-loop lag); default true. */
  readonly processMetrics?: boolean | undefined;
}

/** What metrics read from the event engine (fleet/live/events `EventEngineStats` fits). */
export interface LeaderSource {
  readonly identity: string;
  isLeader(): boolean;
  transitions(): number;
}

export interface EventEngineCounters {
  readonly buffered: number;
  readonly subscribers: number;
  readonly deepestQueue: number;
}

export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

export interface ConsistencySource {
  readonly tracker: Pick<ConsistencyTracker, 'current' | 'firstSeenAt'>;
  readonly store: Pick<Store, 'snapshot' | 'subscribe'>;
  /** Brings the tracker up to date with the store before it is read. */
  readonly refresh: () => void;
  readonly clock: Clock;
}

export interface AlertSource {
  /** Alerts firing now (evaluated on the gateway clock). */
  firing(): readonly Alert[];
  snapshot(): Snapshot;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly graphql: GraphQLMetrics;
  readonly subscriptions: SubscriptionMetrics;
  private readonly stops: (() => void)[] = [];
  private readonly lifecycle: LifecycleHistograms;

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    new Gauge({
      name: 'fleet_graph_build_info',
      help: 'Always 1; the labels say which fleet-graph version runs on which Node.js.',
      labelNames: ['version', 'node_version'],
      registers,
    }).set({ version: opts.version, node_version: process.versions.node }, 1);
    if (opts.processMetrics !== false) {
      // Includes nodejs_eventloop_lag_* from perf_hooks.monitorEventLoopDelay, and process_open_fds.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    }
    this.graphql = registerGraphQLMetrics(this.registry);
    this.subscriptions = this.registerSubscriptionHooks();
    this.lifecycle = {
      cleanup: new Histogram({
        name: 'fleet_graph_bundledeployment_cleanup_seconds',
        help: 'From a BundleDeployment becoming an orphan (stale) to its removal, by workspace and removal reason.',
        labelNames: ['workspace', 'reason'],
        buckets: LIFECYCLE_BUCKETS,
        registers,
      }),
      retargetBundles: new Histogram({
        name: 'fleet_graph_gitrepo_retarget_bundles_seconds',
        help: 'From a GitRepo spec.targets edit to every one of its Bundles carrying the new targets, by workspace.',
        labelNames: ['workspace'],
        buckets: LIFECYCLE_BUCKETS,
        registers,
      }),
      retargetCleanup: new Histogram({
        name: 'fleet_graph_gitrepo_retarget_cleanup_seconds',
        help: 'From a GitRepo spec.targets edit to the removal of the last BundleDeployment it orphaned, by workspace.',
        labelNames: ['workspace'],
        buckets: LIFECYCLE_BUCKETS,
        registers,
      }),
    };
  }

  /** Watch health per kind (synced, state, relists, restarts, errors, last event age, objects, bytes). */
  watchHealth(source: WatchHealthSource): void {
    registerWatchHealth(this.registry, source);
  }

  /** Gauges of current findings per workspace, and the lifecycle histograms fed from the change feed. */
  consistency(src: ConsistencySource): void {
    const registers = [this.registry];
    const read = oncePerScrape(() => {
      src.refresh();
      const now = src.clock.now();
      const rows = new Map<string, { count: number; oldest: number }>();
      for (const ws of src.store.snapshot().workspaces())
        for (const kind of KINDS) rows.set(`${ws}\0${kind}`, { count: 0, oldest: now });
      for (const f of src.tracker.current()) {
        const id = `${f.workspace}\0${f.kind}`;
        const row = rows.get(id) ?? { count: 0, oldest: now };
        rows.set(id, { count: row.count + 1, oldest: Math.min(row.oldest, f.firstSeenAt) });
      }
      return [...rows].map(([id, row]) => {
        const [workspace, kind] = id.split('\0') as [string, string];
        return { labels: { workspace, kind }, count: row.count, age: (now - row.oldest) / 1000 };
      });
    });
    new Gauge({
      name: 'fleet_graph_inconsistencies',
      help: 'Current consistency findings per workspace: kind STALE_DEPLOYMENT, MISSING_DEPLOYMENT or STATUS_MISMATCH.',
      labelNames: ['workspace', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const r of read()) this.set(r.labels, r.count);
      },
    });
    new Gauge({
      name: 'fleet_graph_inconsistency_oldest_age_seconds',
      help: 'Age of the oldest current finding of each kind per workspace (gateway clock); 0 when there is none.',
      labelNames: ['workspace', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const r of read()) this.set(r.labels, r.age);
      },
    });
    this.stops.push(observeLifecycle(src, this.lifecycle));
  }

  /** `fleet_graph_alerts_firing{rule, workspace}`, 0 for every rule in every workspace not firing. */
  alerts(source: AlertSource): void {
    new Gauge({
      name: 'fleet_graph_alerts_firing',
      help: 'Alerts firing now, by rule and workspace (see Query.alerts for each one).',
      labelNames: ['rule', 'workspace'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        const key = (rule: AlertRule, ws: string) => `${rule}\0${ws}`;
        for (const ws of source.snapshot().workspaces())
          for (const r of ALERT_RULES) counts.set(key(r, ws), 0);
        for (const a of source.firing())
          counts.set(key(a.rule, a.workspace), (counts.get(key(a.rule, a.workspace)) ?? 0) + 1);
        for (const [id, n] of counts) {
          const [rule, workspace] = id.split('\0') as [string, string];
          this.set({ rule, workspace }, n);
        }
      },
    });
  }

  /**
   * The subscription event engine's own counters, read at scrape time (fleet/live/events
   * `EventEngine.stats`): its replay buffer, its subscribers and its deepest subscriber queue.
   */
  eventEngine(stats: () => EventEngineCounters): void {
    const registers = [this.registry];
    const read = oncePerScrape(stats);
    new Gauge({
      name: 'fleet_graph_subscription_replay_buffer_events',
      help: 'BundleDeployment events kept for subscription resume (the replay buffer).',
      registers,
      collect() {
        this.set(read().buffered);
      },
    });
    new Gauge({
      name: 'fleet_graph_subscription_engine_subscribers',
      help: 'Subscribers of the event engine (BundleDeployment, object and inconsistency streams).',
      registers,
      collect() {
        this.set(read().subscribers);
      },
    });
    new Gauge({
      name: 'fleet_graph_subscription_engine_deepest_queue',
      help: 'Events waiting in the deepest subscriber queue of the event engine (a subscriber that cannot keep up).',
      registers,
      collect() {
        this.set(read().deepestQueue);
      },
    });
  }

  /** The Prometheus text exposition of everything registered. */
  async render(): Promise<MetricsText> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * `fleet_graph_leader{identity}`: 1 on the replica that leads, 0 on the others (one series per
   * replica, so a sum over the scrape targets must be 1); and the leadership changes it observed.
   */
  leader(source: LeaderSource): void {
    const registers = [this.registry];
    new Gauge({
      name: 'fleet_graph_leader',
      help: 'Whether this replica holds the leader Lease (1) and runs staged retargets, or follows (0).',
      labelNames: ['identity'],
      registers,
      collect() {
        this.reset();
        this.set({ identity: source.identity }, source.isLeader() ? 1 : 0);
      },
    });
    new Counter({
      name: 'fleet_graph_leader_transitions_total',
      help: 'Changes of the Lease holder this replica observed (itself included), since it started.',
      registers,
      collect() {
        this.reset();
        this.inc(source.transitions());
      },
    });
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private registerSubscriptionHooks(): SubscriptionMetrics {
    const registers = [this.registry];
    const dropped = new Counter({
      name: 'fleet_graph_subscription_events_dropped_total',
      help: 'Events a slow subscriber lost because its bounded queue was full, by root field.',
      labelNames: ['subscription'],
      registers,
    });
    const coalesced = new Counter({
      name: 'fleet_graph_subscription_events_coalesced_total',
      help: 'Queued events merged into a newer event for the same object, by root field.',
      labelNames: ['subscription'],
      registers,
    });
    const queues = new Map<string, Set<() => number>>();
    const depths = () =>
      [...queues].map(([subscription, set]) => ({ subscription, depths: [...set].map((d) => d()) }));
    new Gauge({
      name: 'fleet_graph_subscription_queue_depth_max',
      help: 'The deepest subscriber queue, by root field (a subscriber that cannot keep up).',
      labelNames: ['subscription'],
      registers,
      collect() {
        this.reset();
        for (const q of depths()) this.set({ subscription: q.subscription }, Math.max(0, ...q.depths));
      },
    });
    new Gauge({
      name: 'fleet_graph_subscription_queued_events',
      help: 'Events waiting in subscriber queues, summed over subscribers, by root field.',
      labelNames: ['subscription'],
      registers,
      collect() {
        this.reset();
        for (const q of depths())
          this.set(
            { subscription: q.subscription },
            q.depths.reduce((a, b) => a + b, 0),
          );
      },
    });
    return {
      dropped: (subscription, count = 1) => dropped.inc({ subscription }, count),
      coalesced: (subscription, count = 1) => coalesced.inc({ subscription }, count),
      watchQueue: (subscription, depth) => {
        let set = queues.get(subscription);
        if (!set) queues.set(subscription, (set = new Set()));
        set.add(depth);
        return () => {
          set.delete(depth);
        };
      },
    };
  }
}
