/**
 * The gateway: watches Fleet through client-node, keeps the read model, serves GraphQL. This is
 * the composition of the layers (kube → store → fleet → graphql → server) and their lifecycle.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config.js';
import { SystemClock, type Clock } from '../shared/clock.js';
import { ErrorCode, FleetGraphError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { AlertEngine, followFleet } from './fleet/alerts/index.js';
import { detailSourceOf, fleetDetails } from './fleet/details.js';
import { FleetCommands, type AuthorizationPolicy } from './fleet/commands/index.js';
import { ConsistencyTracker, createReadModel, type ChangedRecord } from './fleet/index.js';
import { EventEngine, type EventEngineStats } from './fleet/events/index.js';
import { buildSchema, createContext, VERSION } from './graphql/index.js';
import { withAlerts } from './graphql/alerts/context.js';
import { withLive } from './graphql/subscriptions/live.js';
import { KubeClient } from './kube/client.js';
import { KubeFleetWriter } from './kube/fleet-writer.js';
import { GatewayMetrics, staleReason } from './metrics/index.js';
import { createApp, startServer, type Limits, type Readiness } from './server/index.js';
import { createDetailLoader, kubeFetcher } from './store/details.js';
import { createStore, type Store } from './store/store.js';
import { startWatching, type Watching, type WatchTuning } from './store/watching.js';

export interface GatewayOptions {
  readonly config: Config;
  /** The API server to watch; when absent, taken from `config.backend`. */
  readonly kubeConfig?: KubeConfig | undefined;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Reflector tuning (tests shorten timeouts). */
  readonly watchTuning?: WatchTuning | undefined;
  readonly limits?: Partial<Limits> | undefined;
  /** How long shutdown waits for open streams (default 5 s). */
  readonly shutdownGraceMs?: number | undefined;
  /** The one authorization point of the write commands (default: allow everything). */
  readonly authorizeCommand?: AuthorizationPolicy | undefined;
}

export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  /** Resolves once every watched kind has been listed. */
  readonly synced: Promise<void>;
  /** What /readyz reports. */
  readiness(): Readiness;
  /** The live event engine's counters (replay buffer, subscribers, deepest queue). */
  eventStats(): EventEngineStats;
  stop(): Promise<void>;
}

/** The KubeConfig for the configured backend (the simulator's is handed in by main.ts). */
export function kubeConfigFor(config: Config): KubeConfig {
  const kc = new KubeConfig();
  switch (config.backend) {
    case 'kubeconfig':
      if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
      else kc.loadFromDefault();
      return kc;
    case 'in-cluster':
      kc.loadFromCluster();
      return kc;
    case 'simulator':
      throw new FleetGraphError(
        ErrorCode.INVALID_CONFIG,
        'the simulator backend needs the embedded simulator; start it with `fleet-graph serve`',
      );
  }
}

/**
 * Keeps the consistency tracker current with the store: changes are collected from the change
 * feed and applied in one batch per turn of the event loop (a relist of thousands of objects is one
 * update, not thousands). An operation flushes what is pending first, so its findings and their
 * `firstSeenAt` match the snapshot it reads.
 *
 * Tracking starts only once every kind has been listed (`start`): while the first lists arrive,
 * BundleDeployments can land before their Bundles and Clusters, which would report them as stale
 * with a `firstSeenAt` from the start-up and feed alerts and cleanup metrics with findings that
 * never existed. One full update on the synced snapshot is also far cheaper than hundreds of
 * incremental updates, one per page of the initial lists.
 */
function trackConsistency(store: Store, tracker: ConsistencyTracker) {
  let pending = new Map<string, ChangedRecord>();
  let scheduled = false;
  let active = false;
  const flush = () => {
    scheduled = false;
    if (!active) return;
    if (pending.size === 0 && tracker.revision === store.revision) return;
    const changed = [...pending.values()];
    pending = new Map();
    tracker.update(store.snapshot(), changed);
  };
  const unsubscribe = store.subscribe((e) => {
    if (!active) return;
    pending.set(`${e.kind}:${e.key}`, { kind: e.kind, key: e.key });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  const start = () => {
    if (active) return;
    active = true;
    pending = new Map();
    tracker.update(store.snapshot());
  };
  return { flush, start, stop: unsubscribe };
}

function readinessOf(watching: Watching, draining: boolean): Readiness {
  if (draining) return { ready: false, reason: 'shutting down' };
  const status = watching.status();
  const unsynced = status.filter((s) => !s.synced).map((s) => s.kind);
  if (unsynced.length > 0) return { ready: false, reason: `not synced yet: ${unsynced.join(', ')}` };
  // A watch that keeps failing means the answers may be stale; a reconnect in progress does not.
  const failing = status.filter((s) => s.state === 'backoff').map((s) => s.kind);
  if (failing.length > 0) return { ready: false, reason: `watch failing, retrying: ${failing.join(', ')}` };
  return { ready: true };
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, logger: log } = opts;
  const clock = opts.clock ?? new SystemClock(config.backend === 'simulator' ? config.speed : 1);
  const kubeConfig = opts.kubeConfig ?? kubeConfigFor(config);
  const store = createStore({ clock, logger: log.child({ component: 'store' }) });
  const tracker = new ConsistencyTracker({
    clock,
    onListenerError: (e) => log.error({ err: e }, 'inconsistency listener failed'),
  });
  const consistency = trackConsistency(store, tracker);
  const metrics = new GatewayMetrics({ version: VERSION });
  // Subscriptions: started before the watches, so the initial list sets the resume horizon.
  const events = new EventEngine({
    source: store,
    clock,
    tracker,
    replayBuffer: config.replayBuffer,
    subscriberQueue: config.subscriberQueue,
    onError: (e) => log.error({ err: e }, 'event engine failed on a change'),
    observer: metrics.subscriptions,
  });
  events.start();
  // Alerts: findings and silent agents that outlive their thresholds, on the gateway clock.
  const alerts = new AlertEngine({
    clock,
    thresholds: {
      staleDeploymentMs: config.alertStaleDeploymentSeconds * 1000,
      statusMismatchMs: config.alertStatusMismatchSeconds * 1000,
      checkInIntervalMs: config.agentCheckinIntervalSeconds * 1000,
    },
    inputs: {
      inconsistencies: () => {
        consistency.flush();
        return tracker.current();
      },
      clusters: () => store.snapshot().list('Cluster'),
    },
    onListenerError: (e) => log.error({ err: e }, 'alert listener failed'),
  });
  const alertLog = log.child({ component: 'alerts' });
  const alertFeeds = [
    followFleet(alerts, { tracker, changes: store }),
    alerts.subscribe((e) => {
      const fields = {
        alert: e.alert.id,
        rule: e.alert.rule,
        severity: e.alert.severity,
        workspace: e.alert.workspace,
      };
      if (e.type === 'FIRING') alertLog.warn(fields, 'alert firing');
      else alertLog.info(fields, 'alert resolved');
    }),
  ];
  metrics.consistency({ tracker, store, refresh: consistency.flush, clock });
  metrics.eventEngine(() => events.stats());
  metrics.alerts({ firing: () => alerts.alerts({ states: ['FIRING'] }), snapshot: () => store.snapshot() });
  const stopObservability = () => {
    for (const stop of alertFeeds) stop();
    alerts.stop();
    metrics.stop();
  };
  const watching = startWatching({
    kubeConfig,
    namespaces: config.namespaces,
    store,
    logger: log,
    tuning: opts.watchTuning,
  });
  // The write side: commands over the same store, writing through the API server.
  const commands = new FleetCommands({
    writer: new KubeFleetWriter(new KubeClient(kubeConfig)),
    store,
    clock,
    logger: log.child({ component: 'commands' }),
    authorize: opts.authorizeCommand,
  });
  let commandsStopped = false;
  // Findings, and staged retargets recorded on GitRepos, start once the store has listed everything.
  watching.ready.then(
    () => {
      consistency.start();
      if (!commandsStopped) commands.start();
    },
    () => undefined,
  );
  const stopCommands = () => {
    commandsStopped = true;
    commands.stop();
  };
  metrics.watchHealth({ status: () => watching.status(), snapshot: () => store.snapshot() });
  let draining = false;
  const readiness = (): Readiness => {
    const r = readinessOf(watching, draining);
    if (!r.ready) return r;
    // A watch silent beyond the threshold may be half-open: its kind's answers may be stale.
    const stale = staleReason(watching.status(), config.readyStaleSeconds * 1000);
    return stale ? { ready: false, reason: stale } : r;
  };
  // Details on demand (status lists, raw objects): GETs through the watches' client, batched per operation.
  const fetchDetails = kubeFetcher(watching.client);
  const app = createApp({
    schema: buildSchema(),
    context: (caller) => {
      const make = () =>
        createContext({
          readModel: () => {
            consistency.flush();
            return createReadModel(store.snapshot(), { tracker, clock });
          },
          caller,
          version: VERSION,
          commands,
          details: fleetDetails(detailSourceOf(createDetailLoader(fetchDetails))),
        });
      // Subscriptions renew the read model per event (no stale snapshot or loaders).
      return withAlerts(withLive(make(), { events, renew: make }), alerts);
    },
    readiness,
    logger: log.child({ component: 'graphql' }),
    limits: opts.limits,
    plugins: [metrics.graphql.plugin],
    metrics: () => metrics.render(),
  });
  let server;
  try {
    server = await startServer({
      app,
      port: config.port,
      host: config.host,
      logger: log,
      shutdownGraceMs: opts.shutdownGraceMs,
      subscriptionLimits: {
        subscriptionsPerConnection: config.subscriptionsPerConnection,
        connectionsPerClient: config.connectionsPerClient,
      },
      onDraining: () => {
        draining = true;
      },
    });
  } catch (e) {
    stopCommands();
    await watching.stop();
    consistency.stop();
    events.stop();
    stopObservability();
    throw e;
  }
  const running = server;
  let stopping: Promise<void> | undefined;
  return {
    url: running.url,
    synced: watching.ready,
    readiness,
    eventStats: () => events.stats(),
    stop() {
      stopping ??= (async () => {
        stopCommands();
        await running.stop({
          beforeDispose: async () => {
            events.stop();
            await watching.stop();
          },
        });
        consistency.stop();
        stopObservability();
      })();
      return stopping;
    },
  };
}
