/**
 * The gateway: watches Fleet through client-node, keeps the read model, serves GraphQL. This is
 * the composition of the layers (kube → store → fleet → graphql → server) and their lifecycle.
 *
 * Why this file is over 400 lines: it is the composition root. startGateway wires every layer
 * in start order and stops them in reverse, and the helpers beside it (kubeconfig choice, freshness
 * source, consistency tracking, operation signing) are adapters that exist only for that wiring;
 * moving them apart would scatter one lifecycle over several files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config.js';
import { SystemClock, type Clock } from '../shared/clock.js';
import { ErrorCode, FleetGraphError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { AlertEngine, followFleet } from './fleet/live/alerts/index.js';
import { detailSourceOf, fleetDetails } from './fleet/details.js';
import { GatewayAccess, type UserIdentity } from './access/index.js';
import {
  FleetCommands,
  OperationSigner,
  type AuthorizationPolicy,
  type CommandCaller,
} from './fleet/commands/index.js';
import {
  ConsistencyTracker,
  createReadModel,
  namespacesByKind,
  scopedAlerts,
  scopedEvents,
  visibleSnapshot,
  type ChangedRecord,
  type FleetReadModel,
  type LiveAlerts,
  type LiveEvents,
  type Visibility,
} from './fleet/index.js';
import type { Snapshot } from './store/records.js';
import { EventEngine, type EventEngineStats } from './fleet/live/events/index.js';
import {
  buildSchema,
  createContext,
  VERSION,
  type Caller,
  type CallerAccess,
  type RequestSource,
} from './graphql/index.js';
import { withAlerts } from './graphql/alerts/context.js';
import { withLive } from './graphql/subscriptions/live.js';
import { SharedSubscriptions, type SharedSubscriptionStats } from './graphql/subscriptions/shared.js';
import { KubeClient } from './kube/client.js';
import { KubeFleetWriter } from './kube/fleet-writer.js';
import { KubeLeaseLock, LeaderElector, LEADER_LEASE_NAME, newHolderIdentity } from './kube/leader.js';
import {
  freshnessOf,
  GatewayMetrics,
  readinessFrom,
  type FreshnessRules,
  type KindFreshness,
} from './metrics/index.js';
import type { Freshness, FreshnessSource } from './graphql/common/freshness.js';
import {
  createApp,
  startMetricsServer,
  startServer,
  type AppOptions,
  type Authenticate,
  type Limits,
  type MetricsServer,
  type Readiness,
  type StreamBuffers,
} from './server/index.js';
import { useFreshness } from './server/freshness.js';
import { ResponseCache } from './server/response-cache.js';
import { bearerToken } from './server/index.js';
import { WATCH_KINDS } from './kube/types.js';
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
  /** Who is calling when authentication is off (default: everyone anonymous); see AppOptions.identify. */
  readonly identify?: AppOptions['identify'];
  /**
   * An extra authorization point of the write commands (default: allow everything). With
   * `--auth kubernetes` a write must pass both this and Kubernetes (SubjectAccessReview).
   */
  readonly authorizeCommand?: AuthorizationPolicy | undefined;
  /** How long a mutation waits for its write to show in the store (default 10 s). */
  readonly writeWaitMs?: number | undefined;
  /**
   * How long a watch may be unhealthy (reconnecting, relisting after a 410) before the kinds it
   * serves count as stale (default 2 s).
   */
  readonly staleGraceMs?: number | undefined;
  /** Wall-clock ms for the token and access caches (tests). */
  readonly accessNow?: (() => number) | undefined;
  /** Leader election overrides (tests): the clock it times the Lease with, a fixed identity. */
  readonly leaderElection?: { readonly clock?: Clock; readonly identity?: string } | undefined;
}

export interface Leadership {
  /** This replica's holder identity, `<hostname>_<random id>`. */
  readonly identity: string;
  /** Whether this replica leads (always true with leader election off). */
  readonly leading: boolean;
  /** The holder last observed on the Lease ('' when none). */
  readonly holder: string;
}

/** The namespaces each kind occupies, computed once per store revision (every request asks). */
function namespacesMemo(): (snapshot: Snapshot) => ReadonlyMap<string, Iterable<string>> {
  let memo: { revision: number; value: ReadonlyMap<string, Iterable<string>> } | undefined;
  return (snapshot) => {
    if (memo?.revision !== snapshot.revision)
      memo = { revision: snapshot.revision, value: namespacesByKind(snapshot) };
    return memo.value;
  };
}

function userOf(caller: CommandCaller | Caller): UserIdentity | undefined {
  return caller.kind === 'user'
    ? { kind: 'user', name: caller.name, uid: caller.uid, groups: caller.groups, extra: caller.extra }
    : undefined;
}

/** How often a long-lived subscription re-decides its visibility (answers are cached meanwhile). */
const VISIBILITY_REFRESH_MS = 1_000;

export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  /** `/metrics` on its own port (`--metrics-port`, default 9090 or a free one if that is taken). */
  readonly metricsUrl: string;
  /** Resolves once every watched kind has been listed. */
  readonly synced: Promise<void>;
  /** What /readyz reports. */
  readiness(): Readiness;
  /** The live event engine's counters (replay buffer, subscribers, deepest queue). */
  eventStats(): EventEngineStats;
  /** Unsent bytes the server holds for SSE streams and WebSockets (bounded per subscriber). */
  streamBuffers(): StreamBuffers;
  /** Subscription events executed, and deliveries that reused a group member's execution. */
  subscriptionSharing(): SharedSubscriptionStats;
  /** Who leads, as this replica sees it. */
  leadership(): Leadership;
  /**
   * Drains and stops: /readyz fails first, staged work stops and the Lease is released, in-flight
   * requests finish, WebSocket clients are told to reconnect (1012), SSE streams end. With
   * `releaseLease: false` the Lease is left held, as a crashed replica would leave it.
   */
  stop(opts?: { releaseLease?: boolean }): Promise<void>;
}

/** The service account's namespace file, present in every pod that mounts its token. */
const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The Lease's namespace: the setting, else (in-cluster) the pod's own namespace, else `default`.
 * Only the in-cluster backend reads the pod's namespace: with the embedded simulator or a
 * kubeconfig, the API server is not the pod's own and may not have that namespace.
 */
export function leaderElectionNamespace(config: Config): string {
  if (config.leaderElectionNamespace) return config.leaderElectionNamespace;
  if (config.backend !== 'in-cluster') return 'default';
  try {
    const ns = readFileSync(POD_NAMESPACE_FILE, 'utf8').trim();
    if (ns) return ns;
  } catch {
    // Not in a pod.
  }
  return 'default';
}

/**
 * The service account's config, or a clear error outside a cluster. client-node builds the server
 * URL from KUBERNETES_SERVICE_HOST/PORT, which only a Pod has; without them it would build
 * `https://undefined:undefined` and every request would fail with "Invalid URL", forever.
 */
function inClusterConfig(kc: KubeConfig): KubeConfig {
  kc.loadFromCluster();
  const server = kc.getCurrentCluster()?.server ?? '';
  let host = '';
  try {
    host = new URL(server).hostname;
  } catch {
    // not a URL: not in a cluster
  }
  const user = kc.getCurrentUser();
  const hasToken = existsSync(IN_CLUSTER_TOKEN) || Boolean(user?.token);
  if (!host || host === 'undefined' || !hasToken) {
    throw new FleetGraphError(
      ErrorCode.INVALID_CONFIG,
      '--backend in-cluster: not running in a Kubernetes cluster (no KUBERNETES_SERVICE_HOST/PORT or no service account token); use --backend kubeconfig outside one',
    );
  }
  return kc;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The KubeConfig for the configured backend (the simulator's is handed in by main.ts). */
export function kubeConfigFor(config: Config): KubeConfig {
  const kc = new KubeConfig();
  switch (config.backend) {
    case 'kubeconfig':
      if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
      else kc.loadFromDefault();
      return kc;
    case 'in-cluster':
      return inClusterConfig(kc);
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

/**
 * The answers' freshness, from the watches' health by the one definition (metrics/health.ts
 * `freshnessOf`) that /readyz also uses. Staleness depends on time (the grace), so changes are
 * looked for on a short interval, only while someone listens (subscriptions).
 */
function freshnessSource(watching: Watching, rules: FreshnessRules): FreshnessSource & { stop(): void } {
  const synced = new Map<string, Promise<void>>();
  for (const r of watching.reflectors) {
    const prev = synced.get(r.kind);
    synced.set(r.kind, prev ? Promise.all([prev, r.synced]).then(() => undefined) : r.synced);
  }
  // Every answer (and every subscription event) asks; under a burst of events, reuse one reading
  // for a few milliseconds instead of walking every watch scope each time.
  let cached: { at: number; value: KindFreshness[] } | undefined;
  const current = (): KindFreshness[] => {
    const now = Date.now();
    if (!cached || now - cached.at > 50)
      cached = { at: now, value: freshnessOf(watching.status(), rules, now) };
    return cached.value;
  };
  // Any change a reflector reports makes the next answer read the watches again.
  const invalidate = () => {
    cached = undefined;
  };
  for (const r of watching.reflectors)
    for (const event of ['state', 'synced', 'healthy', 'failure', 'lagging', 'caught-up'])
      r.on(event, invalidate);
  const listeners = new Map<() => void, { kinds: ReadonlySet<string>; last: string }>();
  let timer: NodeJS.Timeout | undefined;
  const signature = (all: readonly KindFreshness[], kinds: ReadonlySet<string>) =>
    all
      .filter((f) => kinds.has(f.kind))
      .map((f) => `${f.kind}:${f.synced}:${f.staleSince}`)
      .join(',');
  const check = () => {
    const all = freshnessOf(watching.status(), rules);
    for (const [listener, l] of [...listeners]) {
      const now = signature(all, l.kinds);
      if (now === l.last) continue;
      l.last = now;
      listener();
    }
  };
  // One report per set of kinds and reading: every subscriber of a burst gets the same object
  // (which also lets subscribers sharing a result share its freshened copy, server/freshness.ts).
  let reports = new Map<string, Freshness>();
  let reportsOf: KindFreshness[] | undefined;
  return {
    report(kinds) {
      const reading = current();
      if (reading !== reportsOf) {
        reports = new Map();
        reportsOf = reading;
      }
      const key = kinds.join('\u0000');
      const known = reports.get(key);
      if (known) return known;
      const wanted = new Set(kinds);
      const all = reading.filter((f) => wanted.has(f.kind));
      const stale = all.filter((f) => f.staleSince !== undefined);
      const since = stale.length > 0 ? Math.min(...stale.map((f) => f.staleSince!)) : undefined;
      const made: Freshness = {
        synced: all.every((f) => f.synced),
        stale: stale.length > 0,
        staleKinds: stale.map((f) => f.kind).sort(),
        staleSince: since === undefined ? null : new Date(since).toISOString(),
      };
      reports.set(key, made);
      return made;
    },
    async waitSynced(kinds, timeoutMs) {
      const waits = kinds.map((k) => synced.get(k)).filter((p) => p !== undefined);
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), timeoutMs);
      });
      const done = await Promise.race([Promise.all(waits).then(() => true), timedOut]);
      clearTimeout(timeout);
      return done;
    },
    onChange(kinds, listener) {
      const set = new Set(kinds);
      listeners.set(listener, { kinds: set, last: signature(freshnessOf(watching.status(), rules), set) });
      if (!timer) {
        timer = setInterval(check, 200);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    stop() {
      listeners.clear();
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * The key staged retarget records are signed with: the shared one from
 * `--operation-signing-key-file`, or this process's own, announced once (a record another process
 * signed then reads as FAILED here instead of being resumed).
 */
function operationSigner(config: Config, log: Logger): OperationSigner {
  if (config.operationSigningKeyFile) return OperationSigner.fromFile(config.operationSigningKeyFile);
  const { signer, created } = OperationSigner.forProcess();
  if (created)
    log.info(
      'no --operation-signing-key-file: staged retargets are signed with a key of this process; one started by another replica or before a restart is reported FAILED here, not resumed',
    );
  return signer;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, logger: log } = opts;
  // Read before anything starts: a missing or short key file stops the gateway with INVALID_CONFIG.
  const signer = operationSigner(config, log);
  const clock = opts.clock ?? new SystemClock(config.backend === 'simulator' ? config.speed : 1);
  const kubeConfig = opts.kubeConfig ?? kubeConfigFor(config);
  const store = createStore({ clock, logger: log.child({ component: 'store' }) });
  const tracker = new ConsistencyTracker({
    clock,
    onListenerError: (e) => log.error({ err: e }, 'inconsistency listener failed'),
  });
  const consistency = trackConsistency(store, tracker);
  const metrics = new GatewayMetrics({ version: VERSION });
  // Subscriptions (issue #6): started before the watches, so the initial list sets the resume horizon.
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
  // Alerts (issue #7): findings and silent agents that outlive their thresholds, on the gateway clock.
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
    tuning: {
      relistAfterOutageMs: config.relistAfterOutageSeconds * 1000,
      progressIntervalMs: config.watchProgressSeconds * 1000,
      ...opts.watchTuning,
    },
  });
  const identity = opts.leaderElection?.identity ?? newHolderIdentity();
  // Authentication and per-caller access (--auth kubernetes): TokenReview, SAR, impersonation.
  const access =
    config.auth === 'kubernetes'
      ? new GatewayAccess({
          kubeConfig,
          audiences: config.authAudiences,
          authCacheMs: config.authCacheSeconds * 1000,
          accessCacheMs: config.accessCacheSeconds * 1000,
          logger: log.child({ component: 'access' }),
          now: opts.accessNow,
        })
      : undefined;
  const extraPolicy = opts.authorizeCommand;
  const authorizeCommand: AuthorizationPolicy | undefined = access
    ? async (caller, request) => {
        const user = userOf(caller);
        if (!user) return false;
        const verdict = await access.mayWrite(user, request.action, request.namespace, request.name);
        if (verdict !== true) return verdict;
        return extraPolicy ? extraPolicy(caller, request) : true;
      }
    : extraPolicy;
  const freshnessRules: FreshnessRules = {
    graceMs: opts.staleGraceMs ?? 2_000,
    silentMs: config.readyStaleSeconds * 1000,
  };
  const freshness = freshnessSource(watching, freshnessRules);
  // The write side: commands over the same store, writing through the API server (issue #5).
  const commands = new FleetCommands({
    writer: new KubeFleetWriter(new KubeClient(kubeConfig)),
    // With authentication every write impersonates its caller; an anonymous one cannot write.
    writerFor: access
      ? (caller) => {
          const user = userOf(caller);
          return user ? access.writerFor(user) : undefined;
        }
      : undefined,
    namespaces: config.namespaces,
    store,
    clock,
    logger: log.child({ component: 'commands' }),
    authorize: authorizeCommand,
    identity,
    signer,
    writeWaitMs: opts.writeWaitMs,
  });
  // What must happen once (staged retarget steps and the orphan pruning they schedule) runs on
  // the leader only, once the store has listed everything; every replica serves queries,
  // subscriptions and mutations. Alerts are derived in memory on every replica and write nothing.
  let commandsStopped = false;
  let synced = false;
  let leading = !config.leaderElection;
  const applyLeadership = () => {
    if (synced && leading && !commandsStopped) commands.runner.start();
    else commands.runner.stop();
  };
  const electionLog = log.child({ component: 'leader-election' });
  const elector = config.leaderElection
    ? new LeaderElector({
        lock: new KubeLeaseLock(kubeConfig, leaderElectionNamespace(config), LEADER_LEASE_NAME),
        identity,
        // Lease durations are wall-clock seconds on every replica, whatever the simulated speed.
        clock: opts.leaderElection?.clock ?? new SystemClock(1),
        logger: electionLog,
        leaseDurationMs: config.leaderElectionLeaseSeconds * 1000,
        renewDeadlineMs: config.leaderElectionRenewSeconds * 1000,
        retryPeriodMs: config.leaderElectionRetrySeconds * 1000,
        onStartedLeading: () => {
          leading = true;
          applyLeadership();
        },
        onStoppedLeading: () => {
          leading = false;
          applyLeadership();
        },
        onNewLeader: (holder) => electionLog.info({ holder, self: holder === identity }, 'new leader'),
      })
    : undefined;
  elector?.start();
  metrics.leader({
    identity,
    isLeader: () => leading,
    transitions: () => elector?.transitions() ?? 0,
  });
  // Findings, and staged retargets recorded on GitRepos, start once the store has listed everything.
  watching.ready.then(
    () => {
      consistency.start();
      synced = true;
      applyLeadership();
    },
    () => undefined,
  );
  const stopCommands = async (releaseLease: boolean) => {
    commandsStopped = true;
    applyLeadership();
    // A step in flight finishes (or is abandoned before its write) before the Lease goes.
    await commands.runner.idle();
    commands.stop();
    await elector?.stop({ release: releaseLease });
    leading = false;
  };
  metrics.watchHealth({ status: () => watching.status(), snapshot: () => store.snapshot() });
  let draining = false;
  // Ready when every kind is listed and none is stale: the same rules as the answers' freshness.
  const readiness = (): Readiness =>
    draining
      ? { ready: false, reason: 'shutting down' }
      : readinessFrom(freshnessOf(watching.status(), freshnessRules), freshnessRules);
  // Details on demand (status lists, raw objects): GETs through the watches' client, batched per operation.
  const fetchDetails = kubeFetcher(watching.client);
  const namespacesOf = namespacesMemo();
  /**
   * The caller's view: the one authorization point of reads. The read model of every operation is
   * built over the snapshot filtered by what the caller may list (fleet/visible.ts), and the live
   * streams re-check each event, so lists, counts, edges and events all agree.
   */
  const scopeFor = async (caller: Caller) => {
    if (!access) return undefined;
    const user = userOf(caller);
    if (!user) throw new FleetGraphError(ErrorCode.UNAVAILABLE, 'the caller was not authenticated');
    const decide = () => access.visibility(user, namespacesOf(store.snapshot()));
    let visibility: Visibility = await decide();
    let decidedAt = Date.now();
    const fresh = async () => {
      if (Date.now() - decidedAt >= VISIBILITY_REFRESH_MS) {
        visibility = await decide();
        decidedAt = Date.now();
      }
      return visibility;
    };
    const mayList = async (kind: string, namespace: string) => {
      await fresh();
      return access.mayList(user, kind, namespace);
    };
    return {
      authorize: (model: FleetReadModel) =>
        createReadModel(visibleSnapshot(model.snapshot, visibility), { tracker, clock, visibility }),
      access: { can: (q) => access.can(user, q) } satisfies CallerAccess,
      events: scopedEvents(events, mayList),
      alerts: scopedAlerts(alerts, () => visibility, fresh),
    };
  };
  const authenticate: Authenticate | undefined = access
    ? async (token) => {
        const result = await access.authenticate(token);
        return result.authenticated
          ? { ok: true, caller: result.user }
          : { ok: false, reason: result.reason };
      }
    : undefined;
  /**
   * Repeated queries answered before yoga (server/response-cache.ts): an answer is reused only by
   * the same caller (with authentication, the identity the token review gave; the access set is
   * derived from it), for the same store revision and watch freshness, for at most 250 ms.
   */
  const cacheLog = log.child({ component: 'graphql' });
  const responseCache = new ResponseCache({
    // Not executed, so no operation line from the operation log: one at debug says it was served.
    onHit: ({ requestId, operation }) =>
      cacheLog.debug(
        { requestId, operation, type: 'query', transport: 'http', cached: true },
        'graphql operation',
      ),
    version: () => `${store.revision}\u0000${JSON.stringify(freshness.report(WATCH_KINDS))}`,
    // The gateway's own clock: ages and grace periods in answers move with it, so must the bound.
    now: () => clock.now(),
    scope: access
      ? async (req) => {
          const header = req.headers.authorization;
          const result = await access.authenticate(
            bearerToken(typeof header === 'string' ? header : undefined),
          );
          return result.authenticated ? `user\u0000${JSON.stringify(result.user)}` : undefined;
        }
      : (req) =>
          opts.identify
            ? `caller\u0000${JSON.stringify(
                opts.identify((name) => {
                  const v = req.headers[name.toLowerCase()];
                  return Array.isArray(v) ? v.join(', ') : v;
                }, {}),
              )}`
            : 'anonymous',
  });
  // Subscribers with the same operation, variables and caller share each event's execution.
  const shared = new SharedSubscriptions({ revision: () => store.revision });
  const app = createApp({
    schema: buildSchema(),
    authenticate,
    context: async (caller, source: RequestSource) => {
      const scope = await scopeFor(caller);
      const make = () =>
        createContext({
          readModel: () => {
            consistency.flush();
            return createReadModel(store.snapshot(), { tracker, clock });
          },
          authorize: scope?.authorize,
          caller,
          access: scope?.access,
          source,
          version: VERSION,
          commands,
          // raw comes back whole only to a caller Kubernetes lets read Secrets in that namespace.
          details: fleetDetails(detailSourceOf(createDetailLoader(fetchDetails)), {
            mayReadSecrets: scope
              ? (namespace) => scope.access.can({ verb: 'get', group: '', resource: 'secrets', namespace })
              : undefined,
          }),
        });
      const liveEvents: LiveEvents = scope?.events ?? events;
      const liveAlerts: LiveAlerts = scope?.alerts ?? alerts;
      // Subscriptions renew the read model per event (no stale snapshot or loaders).
      return withAlerts(withLive(make(), { events: liveEvents, renew: make, freshness }), liveAlerts);
    },
    identify: opts.identify,
    readiness,
    logger: log.child({ component: 'graphql' }),
    limits: opts.limits,
    corsOrigins: config.corsOrigins,
    streamLimits: {
      streamsPerIdentity: config.streamsPerIdentity,
      streamsPerAddress: config.streamsPerAddress,
      maxSubscriptions: config.maxSubscriptions,
    },
    graphiql: config.graphiql,
    introspection: config.introspection,
    plugins: [
      useFreshness({ source: freshness, syncWaitMs: config.syncWaitSeconds * 1000 }),
      metrics.graphql.plugin,
      responseCache.plugin(),
    ],
    executionPlugins: [shared.plugin()],
    // Never on the API port: /metrics has its own listener (metrics-server.ts).
    metrics: undefined,
  });
  let server;
  let metricsServer: MetricsServer | undefined;
  try {
    metricsServer = await startMetricsServer({
      port: config.metricsPort,
      host: config.host,
      render: () => metrics.render(),
      logger: log,
    });
    server = await startServer({
      app,
      port: config.port,
      host: config.host,
      logger: log,
      shutdownGraceMs: opts.shutdownGraceMs,
      authenticate,
      subscriptionLimits: {
        subscriptionsPerConnection: config.subscriptionsPerConnection,
        connectionsPerClient: config.connectionsPerClient,
      },
      onDraining: () => {
        draining = true;
      },
      gate: { allowedHosts: config.allowedHosts, corsOrigins: config.corsOrigins },
      responseCache,
      resultJson: (result, make) => shared.json(result, make),
    });
  } catch (e) {
    await metricsServer?.stop();
    await stopCommands(true);
    freshness.stop();
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
    metricsUrl: metricsServer.url,
    synced: watching.ready,
    readiness,
    eventStats: () => events.stats(),
    streamBuffers: () => running.streamBuffers(),
    subscriptionSharing: () => shared.stats(),
    leadership: () => ({ identity, leading, holder: elector ? elector.leader() : identity }),
    stop(stopOpts) {
      stopping ??= (async () => {
        // Readiness fails first, so load balancers stop sending new work.
        draining = true;
        await stopCommands(stopOpts?.releaseLease ?? true);
        freshness.stop();
        await running.stop({
          beforeDispose: async () => {
            events.stop();
            await watching.stop();
          },
        });
        await metricsServer?.stop();
        consistency.stop();
        stopObservability();
      })();
      return stopping;
    },
  };
}
