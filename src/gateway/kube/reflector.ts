/**
 * Why this file is over 400 lines: it is one state machine per watched kind. Paging the list,
 * the watch and its bookmarks, every relist trigger, the progress probe and the quiet-kind check
 * all read and move the same per-kind state (resourceVersion, lag, backoff, uids); split apart,
 * they would share that state through an interface as wide as the class.
 *
 * A supervised list/watch loop for one kind in one scope (client-go's "reflector"), replacing
 * client-node 1.4's Informer, which stops for good on the first non-410 error, hot-loops on
 * immediate closes, leaks watches on concurrent starts and has no inactivity timeout
 * (docs/libraries.md §1.4–1.5). What it does, with the Kubernetes rule behind each step:
 *
 * - List in pages (`limit` + `continue`); every page belongs to the first page's snapshot, and the
 *   list's `metadata.resourceVersion` is where the watch starts (API concepts, "Retrieving large
 *   results sets in chunks" and "Efficient detection of changes").
 * - Watch with `allowWatchBookmarks=true` and a server `timeoutSeconds`, keeping the last
 *   resourceVersion from every event including BOOKMARK; a clean close resumes from it, without a
 *   relist, after a minimum delay that grows when watches end at once (no hot loop).
 * - 410 Gone (HTTP status, or an in-stream ERROR with code 410) means the version left the
 *   server's window: drop it and relist; the sink diffs the relist and emits synthetic deletes.
 * - The history was replaced (a new API server or a restored etcd on the same address): relist
 *   with `resourceVersion=""` when the server says our version is from its future (504 Timeout,
 *   cause `ResourceVersionTooLarge`, as client-go's reflector does), when a known key comes back
 *   with another uid, when an event's resourceVersion goes backwards, and after an outage longer
 *   than `relistAfterOutageMs` (whatever happened meanwhile, only a list tells). resourceVersions
 *   are opaque; they are compared only when both are decimal integers (etcd's and the emulator's
 *   are), and never to order two servers' histories, only to notice one replaced the other.
 * - Any other failure: exponential backoff with full jitter, reset once an event arrives. Never
 *   gives up.
 * - Watchdog: no line (event or bookmark) for `timeoutSeconds` + margin aborts the watch (a
 *   half-open TCP connection, or a server that accepted and went silent).
 * - Progress probe (optional, `progressIntervalMs`): a silent watch may be half-open long before
 *   the watchdog fires. Every interval, a consistent LIST with `limit=1` (no resourceVersion: a
 *   quorum read) gives the collection's current resourceVersion. When it is newer than the last
 *   one the watch delivered (event, bookmark or list) and the watch has not reached it within
 *   `progressGraceMs`, the scope is lagging from the probe's time until an event or bookmark at or
 *   past that version arrives. Lagging longer than `progressRestartMs` ends the watch and resumes
 *   on a new connection (what a half-open one needs); lagging twice as long relists, which reaches
 *   the server's version by construction. Versions that do not compare (opaque
 *   ones) count as reached when the watch delivers any line after the probe. API servers share one
 *   resourceVersion counter across kinds (a consistent list answers etcd's current revision, even
 *   with `limit=1` on one kind), so a quiet kind in a busy cluster trails the counter until its next
 *   bookmark (about a minute on kube-apiserver). Before calling such a watch lagging, the kind is
 *   judged on its own: a second, short watch from the same version (`timeoutSeconds=1`, no
 *   bookmarks) replays what the server holds for this kind after it. Ended cleanly by the server
 *   with nothing in it, the kind had no change we missed: not lagging, no restart, no relist. An
 *   event in it sets the kind's own target (its version); the watch must reach that within the
 *   grace. No clean end (error, silence) is no proof of quiet: lagging, as before.
 * - Single flight: one loop, one connection; every attempt has a generation, and callbacks from an
 *   abandoned attempt are ignored (client-node's Watch hands out its AbortController only after
 *   the response headers, so a late controller is aborted on arrival).
 *
 * Backoff and watchdog use real timers, not the domain Clock: they protect real sockets.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeList, KubeObject, Status } from '../../apis/kube.js';
import { keyOf } from '../../apis/kube.js';
import { Backoff, type BackoffOptions } from '../../shared/backoff.js';
import type { Logger } from '../../shared/logger.js';
import type { KubeClient, KubeRequestError } from './client.js';
import { toKubeError } from './client.js';
import type { ReflectorState, ReflectorStats, RelistSession, WatchKind, WatchSink } from './types.js';
import { WATCH_TYPES } from './types.js';

export interface ReflectorOptions {
  readonly client: KubeClient;
  readonly kind: WatchKind;
  /** One namespace, or undefined for all namespaces (always undefined for cluster-scoped kinds). */
  readonly namespace?: string | undefined;
  readonly sink: WatchSink;
  readonly logger?: Logger | undefined;
  /**
   * Only objects with these labels (string form). The sink must hold nothing else of this kind in
   * this scope: a relist deletes whatever it did not list.
   */
  readonly labelSelector?: string | undefined;
  /** Items per list page. */
  readonly pageSize?: number | undefined;
  /** Server-side watch timeout; the server ends each watch cleanly after about this long. */
  readonly timeoutSeconds?: number | undefined;
  /** Extra silence allowed beyond `timeoutSeconds` before the watchdog aborts a watch. */
  readonly watchdogMarginMs?: number | undefined;
  /** Delay before resuming after a clean close; grows while watches keep ending at once. */
  readonly minReconnectDelayMs?: number | undefined;
  readonly maxReconnectDelayMs?: number | undefined;
  /** Backoff after errors (default 0.5 s → 30 s, full jitter). */
  readonly backoff?: BackoffOptions | undefined;
  /** Timeout for each list page. */
  readonly listPageTimeoutMs?: number | undefined;
  /** An outage (failing since) longer than this ends in a relist instead of a resume (default 60 s). */
  readonly relistAfterOutageMs?: number | undefined;
  /**
   * A resumed watch counts as healthy again once it delivers an event or bookmark, or once it has
   * been open this long without an error (default 1 s). A server that does not know our version
   * answers at once (410, or 504 after its own wait), so a short confirmation suffices.
   */
  readonly healthyAfterMs?: number | undefined;
  /** Period of the progress probe (see the module comment); 0 or absent: no probe. */
  readonly progressIntervalMs?: number | undefined;
  /** How long the watch may take to reach the version a probe saw (default: one probe period). */
  readonly progressGraceMs?: number | undefined;
  /**
   * Lagging this long ends the watch and resumes on a new connection; twice this long, relists
   * (default: 12 probe periods, at least 10 s).
   */
  readonly progressRestartMs?: number | undefined;
  /**
   * A watch that delivered nothing (no event, no bookmark) for this long when a probe finds it
   * behind is lagging at once, without the per-kind check. Only for servers known to bookmark
   * more often than this; default 0 (off): kube-apiserver bookmarks about once a minute, so silence
   * alone says nothing there.
   */
  readonly silentLagMs?: number | undefined;
}

export interface StateChange {
  readonly kind: WatchKind;
  readonly namespace: string | undefined;
  readonly from: ReflectorState;
  readonly to: ReflectorState;
  readonly reason: string;
}

export interface ReflectorFailure {
  readonly kind: WatchKind;
  readonly namespace: string | undefined;
  /** e.g. `list_http_500`, `watch_http_429`, `watch_ECONNREFUSED`, `watchdog`. */
  readonly reason: string;
  readonly error: Error;
}

type Outcome =
  | { readonly kind: 'closed' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'relist'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'stalled' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly error: KubeRequestError; readonly reason?: string };

/** A version a probe saw ahead of the watch: when, and how many lines the watch had delivered then. */
interface Behind {
  readonly rv: string;
  readonly at: number;
  readonly lines: number;
}

/** Events: `state` (StateChange), `synced` (), `failure` (ReflectorFailure). */
export class Reflector extends EventEmitter {
  readonly kind: WatchKind;
  readonly namespace: string | undefined;
  readonly labelSelector: string | undefined;
  /** Resolves after the first complete list. Never rejects: the reflector never gives up. */
  readonly synced: Promise<void>;

  private readonly client: KubeClient;
  private readonly sink: WatchSink;
  private readonly logger: Logger | undefined;
  private readonly pageSize: number;
  private readonly timeoutSeconds: number;
  private readonly watchdogMs: number;
  private readonly minReconnectMs: number;
  private readonly backoff: Backoff;
  private readonly backoffMaxMs: number;
  private readonly reconnect: Backoff;
  private readonly listPageTimeoutMs: number;
  private readonly relistAfterOutageMs: number;
  private readonly healthyAfterMs: number;
  private readonly progressIntervalMs: number;
  private readonly progressGraceMs: number;
  private readonly progressRestartMs: number;
  private readonly silentLagMs: number;
  /** The current lag has already cost one watch restart. */
  private lagRestarted = false;

  /** The version a probe saw ahead of the watch, and when; cleared once the watch reaches it. */
  private behind: Behind | undefined;
  /** Wall-clock ms since which the watch has trailed a probe beyond the grace; undefined if not. */
  private laggingSince: number | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private probeController: AbortController | undefined;
  private probes = 0;
  /** The open per-kind check of a probe's lag (see `confirmLag`), if any. */
  private checkController: AbortController | undefined;
  /** Lines received since start: an opaque version counts as reached when this moves. */
  private lines = 0;
  /** Ends the open watch with this outcome (set while a watch is open). */
  private endWatch: ((outcome: Outcome) => void) | undefined;

  /** Wall-clock ms since which this scope has not been healthy; undefined while it is. */
  private troubleSince: number | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;

  private state: ReflectorState = 'stopped';
  private hasSynced = false;
  private markSynced!: () => void;
  private rv: string | undefined;
  private loop: Promise<void> | undefined;
  private stopController: AbortController | undefined;
  private abortWatch: (() => void) | undefined;
  private generation = 0;

  private lists = 0;
  private watches = 0;
  private restarts = 0;
  private readonly errors = new Map<string, number>();
  private lastEventAt: number | undefined;
  private objects = 0;

  constructor(opts: ReflectorOptions) {
    super();
    this.kind = opts.kind;
    this.client = opts.client;
    this.sink = opts.sink;
    const type = WATCH_TYPES[opts.kind];
    this.namespace = type.namespaced ? opts.namespace : undefined;
    // Every line names the watch once, through the bindings (never again in the line's fields).
    this.logger = opts.logger?.child({
      kind: this.kind,
      ...(this.namespace ? { namespace: this.namespace } : {}),
    });
    this.labelSelector = opts.labelSelector || undefined;
    this.pageSize = opts.pageSize ?? 500;
    this.timeoutSeconds = opts.timeoutSeconds ?? 290;
    this.watchdogMs = this.timeoutSeconds * 1000 + (opts.watchdogMarginMs ?? 30_000);
    this.minReconnectMs = opts.minReconnectDelayMs ?? 250;
    this.reconnect = new Backoff({
      initialMs: this.minReconnectMs,
      maxMs: Math.max(this.minReconnectMs, opts.maxReconnectDelayMs ?? 5_000),
    });
    this.backoff = new Backoff({ initialMs: 500, maxMs: 30_000, ...opts.backoff });
    this.backoffMaxMs = opts.backoff?.maxMs ?? 30_000;
    this.listPageTimeoutMs = opts.listPageTimeoutMs ?? 60_000;
    this.relistAfterOutageMs = opts.relistAfterOutageMs ?? 60_000;
    this.healthyAfterMs = opts.healthyAfterMs ?? 1_000;
    this.progressIntervalMs = Math.max(0, opts.progressIntervalMs ?? 0);
    this.progressGraceMs = opts.progressGraceMs ?? this.progressIntervalMs;
    this.progressRestartMs = opts.progressRestartMs ?? Math.max(10_000, 12 * this.progressIntervalMs);
    this.silentLagMs = opts.silentLagMs ?? 0;
    this.synced = new Promise<void>((resolve) => {
      this.markSynced = resolve;
    });
  }

  get isSynced(): boolean {
    return this.hasSynced;
  }

  get currentState(): ReflectorState {
    return this.state;
  }

  stats(): ReflectorStats {
    return {
      kind: this.kind,
      namespace: this.namespace,
      labelSelector: this.labelSelector,
      state: this.state,
      synced: this.hasSynced,
      resourceVersion: this.rv,
      lists: this.lists,
      relists: Math.max(0, this.lists - 1),
      restarts: this.restarts,
      errors: Object.fromEntries(this.errors),
      lastEventAt: this.lastEventAt,
      objects: this.objects,
      troubleSince: this.hasSynced ? this.troubleSince : undefined,
      laggingSince: this.hasSynced ? this.laggingSince : undefined,
      probes: this.probes,
    };
  }

  /** Marks the start of trouble (kept if already in trouble: staleness counts from the first). */
  private trouble(): void {
    clearTimeout(this.healthyTimer);
    this.troubleSince ??= Date.now();
  }

  private healthy(): void {
    clearTimeout(this.healthyTimer);
    if (this.troubleSince === undefined) return;
    this.troubleSince = undefined;
    this.emit('healthy');
  }

  /** Starts the loop. Calling it while running does nothing (single flight). */
  start(): void {
    if (this.loop) return;
    const stop = new AbortController();
    this.stopController = stop;
    this.loop = this.run(stop.signal).catch((err: unknown) => {
      // run() handles its own errors; reaching here is a bug, logged rather than crashing the process.
      this.logger?.error({ err }, 'reflector loop crashed');
    });
    if (this.progressIntervalMs > 0) this.scheduleProbe(stop.signal);
  }

  /** Stops the loop and closes the connection; resolves when nothing is left running. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopController?.abort();
    this.abortWatch?.();
    clearTimeout(this.probeTimer);
    clearTimeout(this.graceTimer);
    this.probeController?.abort();
    this.checkController?.abort();
    await loop;
    clearTimeout(this.healthyTimer);
    this.loop = undefined;
    this.stopController = undefined;
  }

  private setState(to: ReflectorState, reason: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    const change: StateChange = { kind: this.kind, namespace: this.namespace, from, to, reason };
    this.logger?.info({ from, to, reason }, 'watch state');
    this.emit('state', change);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (
        this.rv !== undefined &&
        this.troubleSince !== undefined &&
        Date.now() - this.troubleSince >= this.relistAfterOutageMs
      ) {
        // Anything may have happened while we could not watch, the server itself may have been
        // replaced: only a full list tells.
        this.count('relist_after_outage');
        this.logger?.info({ outageMs: Date.now() - this.troubleSince }, 'long outage, relisting');
        this.rv = undefined;
      }
      if (this.rv === undefined) {
        this.setState('listing', this.lists === 0 ? 'initial list' : 'relist');
        try {
          await this.list(signal);
        } catch (err) {
          if (signal.aborted) break;
          await this.fail(signal, 'list', toKubeError(err));
          continue;
        }
      }
      this.setState('watching', 'watch from resourceVersion');
      const outcome = await this.watchOnce(signal);
      if (signal.aborted) break;
      switch (outcome.kind) {
        case 'closed':
          // The server ended the watch (timeoutSeconds): resume from the last resourceVersion.
          break;
        case 'gone':
          // 410: our resourceVersion is older than the server keeps; only a list can catch up.
          // The reconnect pause below also applies, so a server that answers 410 to every fresh
          // watch cannot drive a list/watch hot loop.
          this.logger?.info('watch expired (410), relisting');
          this.trouble();
          this.rv = undefined;
          break;
        case 'relist':
          // The server does not have the history we resume from: list again, from scratch.
          this.count(outcome.reason);
          if (REPLACED_HISTORY_REASONS.has(outcome.reason)) this.suspectReplaced = true;
          this.trouble();
          this.emitFailure(outcome.reason, new Error(outcome.detail));
          this.rv = undefined;
          break;
        case 'stalled':
          this.trouble();
          this.count('watchdog');
          this.emitFailure('watchdog', new Error(`no watch event for ${this.watchdogMs} ms`));
          break;
        case 'error':
          await this.fail(signal, 'watch', outcome.error, outcome.reason);
          continue;
        case 'stopped':
          continue;
      }
      await this.pause(signal, this.nextReconnectDelay());
    }
    this.setState('stopped', 'stopped');
  }

  private lastWatchStart = 0;
  /** The relist that comes next follows a sign of a replaced history (see REPLACED_HISTORY_REASONS). */
  private suspectReplaced = false;
  /** The newest resourceVersion seen from the server, to notice one going backwards. */
  private lastSeenRv: string | undefined;
  private lastWatchHadLines = false;

  /** Minimum pause between watches; grows while watches keep ending within a second with nothing. */
  private nextReconnectDelay(): number {
    const lasted = Date.now() - this.lastWatchStart;
    if (this.lastWatchHadLines || lasted >= 1000) {
      this.reconnect.reset();
      return this.minReconnectMs;
    }
    return Math.max(this.minReconnectMs, this.reconnect.next());
  }

  private async list(signal: AbortSignal): Promise<void> {
    const type = WATCH_TYPES[this.kind];
    let session: RelistSession | undefined;
    let listRv: string | undefined;
    let count = 0;
    const fetchPage = (continueToken: string | undefined): Promise<KubeList> =>
      this.client.listPage(type, this.namespace, {
        limit: this.pageSize,
        labelSelector: this.labelSelector,
        continueToken,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.listPageTimeoutMs)]),
      });
    let next: Promise<KubeList> | undefined = fetchPage(undefined);
    while (next) {
      const page: KubeList = await next;
      if (signal.aborted) return;
      // Ask for the next page before applying this one, and let the request leave first: the API
      // server prepares it while this thread builds and indexes the records (a paged list of 50k
      // objects otherwise alternates between waiting and working, and takes the sum of both).
      const continueToken: string | undefined = page.metadata.continue || undefined;
      next = continueToken ? fetchPage(continueToken) : undefined;
      if (next) {
        // Its failure is handled where it is awaited; until then it must not count as unhandled.
        next.catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) return;
      }
      // All pages are served from the first page's snapshot; its resourceVersion is the list's.
      listRv ??= page.metadata.resourceVersion ?? '';
      if (!session) {
        if (this.suspectReplaced || (this.lastSeenRv !== undefined && olderThan(listRv, this.lastSeenRv))) {
          // Told before the diff applies, so the positions of the events it produces start after
          // a marker no cursor from the old history can reach.
          this.sink.historyReplaced?.(this.kind, this.namespace);
        }
        this.suspectReplaced = false;
        session = this.sink.beginRelist(this.kind, this.namespace);
      }
      for (const item of page.items) {
        this.deliver(() => session!.upsert(item, true));
        count++;
      }
    }
    this.deliver(() => session?.finish(listRv ?? ''));
    if (this.lastSeenRv !== undefined && listRv !== undefined && olderThan(listRv, this.lastSeenRv)) {
      // A list older than what we saw: another history (a replaced server). The diff above made
      // the store equal to this server's state; say so, it explains the events it produced.
      this.count('history_replaced');
      this.logger?.warn({ listRv, lastSeenRv: this.lastSeenRv }, 'API server history replaced: relisted');
    }
    this.rv = listRv ?? '';
    this.lastSeenRv = this.rv;
    this.lines++;
    this.progressed();
    this.healthy();
    this.objects = count;
    this.lists++;
    this.lastEventAt = Date.now();
    this.backoff.reset();
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.markSynced();
      this.emit('synced');
    }
  }

  private watchOnce(signal: AbortSignal): Promise<Outcome> {
    const type = WATCH_TYPES[this.kind];
    const generation = ++this.generation;
    if (this.watches++ > 0) this.restarts++;
    this.lastWatchStart = Date.now();
    this.lastWatchHadLines = false;
    return new Promise<Outcome>((resolve) => {
      let controller: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const live = () => generation === this.generation;
      const finish = (outcome: Outcome) => {
        if (!live()) return;
        this.generation++; // abandons this attempt: its late callbacks are ignored
        clearTimeout(watchdog);
        this.abortWatch = undefined;
        this.endWatch = undefined;
        controller?.abort();
        resolve(outcome);
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => finish({ kind: 'stalled' }), this.watchdogMs);
      };
      this.abortWatch = () => finish({ kind: 'stopped' });
      this.endWatch = finish;
      if (signal.aborted) {
        finish({ kind: 'stopped' });
        return;
      }
      arm();
      const onLine = (eventType: string, obj: KubeObject) => {
        if (!live()) return;
        arm();
        this.lastWatchHadLines = true;
        this.lastEventAt = Date.now();
        this.lines++;
        if (eventType !== 'ERROR') {
          const replaced = this.replacedHistory(eventType, obj);
          if (replaced) {
            finish({ kind: 'relist', ...replaced });
            return;
          }
          this.healthy();
        }
        switch (eventType) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED': {
            this.rv = obj.metadata?.resourceVersion ?? this.rv;
            this.lastSeenRv = this.rv;
            if (eventType === 'ADDED') this.objects++;
            else if (eventType === 'DELETED') this.objects = Math.max(0, this.objects - 1);
            this.backoff.reset();
            this.deliver(() => this.sink.apply(this.kind, eventType, obj, { viaRelist: false, adopt: true }));
            this.progressed();
            break;
          }
          case 'BOOKMARK':
            // A bookmark carries only a resourceVersion: the point to resume from.
            this.rv = obj.metadata?.resourceVersion ?? this.rv;
            this.lastSeenRv = this.rv;
            this.backoff.reset();
            this.progressed();
            break;
          case 'ERROR': {
            const status = obj as unknown as Partial<Status>;
            if (status.code === 410) finish({ kind: 'gone' });
            else if (isTooLargeResourceVersion(status))
              finish({
                kind: 'relist',
                reason: 'too_large_resource_version',
                detail: status.message ?? 'Too large resource version',
              });
            else {
              const code = status.code ?? 0;
              const error = toKubeError({ statusCode: code, message: status.message ?? 'watch error' });
              finish({ kind: 'error', error, reason: `watch_error_${code}` });
            }
            break;
          }
          default:
            break;
        }
      };
      const onDone = (err: KubeRequestError | null) => {
        if (!live()) return;
        if (!err) finish({ kind: 'closed' });
        else if (err.status === 410) finish({ kind: 'gone' });
        else if (isTooLargeError(err))
          finish({ kind: 'relist', reason: 'too_large_resource_version', detail: err.message });
        else finish({ kind: 'error', error: err });
      };
      this.client
        .watch(
          type,
          this.namespace,
          {
            resourceVersion: this.rv ?? '',
            labelSelector: this.labelSelector,
            timeoutSeconds: this.timeoutSeconds,
          },
          onLine,
          onDone,
        )
        .then(
          (c) => {
            controller = c;
            if (!live()) {
              c.abort();
              return;
            }
            // Connected. A server that does not know our version says so at once; one that stays
            // quiet this long without an error is serving our history.
            clearTimeout(this.healthyTimer);
            this.healthyTimer = setTimeout(() => {
              if (live()) this.healthy();
            }, this.healthyAfterMs);
          },
          (err: unknown) => {
            const error = toKubeError(err);
            if (error.status === 410) finish({ kind: 'gone' });
            else if (isTooLargeError(error))
              finish({ kind: 'relist', reason: 'too_large_resource_version', detail: error.message });
            else finish({ kind: 'error', error });
          },
        );
    });
  }

  /**
   * Whether this watch event shows the server's history is not the one we hold: a known key with
   * another uid (the object was replaced, and we missed its deletion), or a resourceVersion older
   * than one we already saw from the server.
   */
  private replacedHistory(
    eventType: string,
    obj: KubeObject,
  ): { reason: string; detail: string } | undefined {
    const rv = obj.metadata?.resourceVersion;
    if (rv && this.lastSeenRv && olderThan(rv, this.lastSeenRv)) {
      return {
        reason: 'resource_version_backwards',
        detail: `${eventType} at resourceVersion ${rv} after ${this.lastSeenRv}`,
      };
    }
    if (eventType === 'BOOKMARK') return undefined;
    const uid = obj.metadata?.uid;
    const known = uid ? this.sink.knownUid?.(this.kind, keyOf(obj)) : undefined;
    if (uid && known && known !== uid) {
      return { reason: 'uid_changed', detail: `${keyOf(obj)}: uid ${known} is now ${uid}` };
    }
    return undefined;
  }

  private scheduleProbe(signal: AbortSignal, delayMs = this.progressIntervalMs): void {
    if (signal.aborted) return;
    this.probeTimer = setTimeout(() => {
      void this.probe(signal).then(
        (retryAfterMs) => this.scheduleProbe(signal, Math.max(this.progressIntervalMs, retryAfterMs ?? 0)),
        () => this.scheduleProbe(signal),
      );
    }, delayMs);
    // The probe alone must not keep a process alive.
    this.probeTimer.unref();
  }

  /**
   * One progress probe: the collection's current resourceVersion by a consistent LIST with
   * `limit=1`, compared with what the watch has delivered. Only while a watch is open: a failing,
   * listing or backing-off scope is already counted unhealthy by `troubleSince`. Resolves to the
   * delay the server asked for before the next request (Retry-After), if any.
   */
  private async probe(signal: AbortSignal): Promise<number | undefined> {
    if (!this.hasSynced || this.state !== 'watching' || this.rv === undefined) return;
    const type = WATCH_TYPES[this.kind];
    const controller = new AbortController();
    this.probeController = controller;
    const at = Date.now();
    const linesBefore = this.lines;
    let serverRv: string;
    try {
      this.probes++;
      const page = await this.client.listPage(type, this.namespace, {
        limit: 1,
        labelSelector: this.labelSelector,
        signal: AbortSignal.any([signal, controller.signal, AbortSignal.timeout(this.listPageTimeoutMs)]),
      });
      serverRv = page.metadata.resourceVersion ?? '';
      const replaced = this.foreignItem(page.items[0]);
      if (replaced && !signal.aborted) {
        this.endWatch?.({ kind: 'relist', ...replaced });
        return;
      }
    } catch (err) {
      if (signal.aborted) return;
      // A failing probe says nothing about the watch; the watch's own errors and the watchdog
      // cover an unreachable server. Counted, so a probe that always fails shows in the metrics.
      const error = toKubeError(err);
      this.count(`progress_${error.status ? `http_${error.status}` : error.reason}`);
      // A 429 or 503 that says when to come back is honoured, within the backoff ceiling.
      return error.retryAfterSeconds === undefined
        ? undefined
        : Math.min(error.retryAfterSeconds * 1000, this.backoffMaxMs);
    } finally {
      if (this.probeController === controller) this.probeController = undefined;
    }
    if (signal.aborted || !serverRv || this.rv === undefined) return;
    if (!this.isBehind(serverRv, linesBefore)) {
      // Caught up, or another probe's target still pending: nothing new to wait for.
      if (!this.behind) this.clearLag();
      return;
    }
    if (!this.behind) {
      this.behind = { rv: serverRv, at, lines: linesBefore };
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => this.graceOver(), this.progressGraceMs);
      this.graceTimer.unref();
    } else if (this.laggingSince !== undefined) {
      const lagged = Date.now() - this.laggingSince;
      const detail = `watch at ${this.rv} trails the server's ${serverRv} for ${lagged} ms`;
      // A new connection is tried first, even when the lag was confirmed late (the kind check):
      // a half-open stream needs no more.
      if (lagged >= 2 * this.progressRestartMs && this.lagRestarted) {
        // A new connection did not catch up either: only a list is sure to. run() counts it.
        this.endWatch?.({ kind: 'relist', reason: 'watch_lagging_relist', detail });
      } else if (lagged >= this.progressRestartMs && !this.lagRestarted) {
        // A half-open connection is fixed by a new one, resumed from our version: no list.
        this.lagRestarted = true;
        this.count('watch_lagging_restart');
        this.emitFailure('watch_lagging_restart', new Error(detail));
        this.endWatch?.({ kind: 'closed' });
      }
    }
  }

  /**
   * Whether the item a probe listed shows another history than ours: an object at or below the
   * version our watch has passed that we hold must have the uid we hold. A server replaced on the
   * same address whose new history has already passed our version accepts our resumed watch, and
   * objects it never streams (ours that it lacks) would otherwise stay as ghosts.
   */
  private foreignItem(item: KubeObject | undefined): { reason: string; detail: string } | undefined {
    const rv = item?.metadata?.resourceVersion;
    const uid = item?.metadata?.uid;
    if (!item || !rv || !uid || this.rv === undefined || !comparable(rv, this.rv) || olderThan(this.rv, rv))
      return undefined;
    if (!this.sink.knownUid) return undefined;
    const key = keyOf(item);
    const known = this.sink.knownUid(this.kind, key);
    // A key we do not hold is not judged: the sink may keep uids for some kinds only.
    if (!known || known === uid) return undefined;
    return {
      reason: 'history_replaced_probe',
      detail: `${key} at resourceVersion ${rv} (not after ours, ${this.rv}) has uid ${uid}, ours ${known}`,
    };
  }

  /**
   * Whether the watch is behind a version the server reported: numerically when both versions
   * are decimal integers, otherwise (opaque versions) when they differ and no line arrived since
   * the probe was sent.
   */
  private isBehind(serverRv: string, linesBefore: number): boolean {
    const rv = this.rv;
    if (rv === undefined) return false;
    if (comparable(rv, serverRv)) return olderThan(rv, serverRv);
    return rv !== serverRv && this.lines === linesBefore;
  }

  private graceOver(): void {
    const b = this.behind;
    if (!b || this.laggingSince !== undefined || this.checkController) return;
    if (this.silentLagMs > 0 && Date.now() - (this.lastEventAt ?? 0) >= this.silentLagMs) {
      // Silent past the server's bookmark period: no quiet kind looks like that.
      this.markLagging(b);
      return;
    }
    void this.confirmLag(b);
  }

  /**
   * Whether the kind itself moved past the watch, or only the server's shared counter did: a short
   * watch from the watch's version (the server ends it after `timeoutSeconds=1`) replays this
   * kind's changes after it. A real API server serves it from its watch cache, so an event in it
   * arrives at once and a quiet kind costs one second of an idle stream.
   */
  private async confirmLag(b: Behind): Promise<void> {
    const from = this.rv;
    const stop = this.stopController?.signal;
    if (from === undefined || !stop || stop.aborted) return;
    const controller = new AbortController();
    this.checkController = controller;
    let target: string | undefined;
    const verdict = await new Promise<'quiet' | 'moved' | 'unknown'>((resolve) => {
      // The server ends it after one second; a busy server or event loop gets another second and
      // the grace. No end by then is no proof of quiet (a server that accepts and stays silent).
      const deadline = setTimeout(() => settle('unknown'), 2_000 + this.progressGraceMs);
      const settle = (v: 'quiet' | 'moved' | 'unknown') => {
        clearTimeout(deadline);
        resolve(v);
      };
      controller.signal.addEventListener('abort', () => settle('unknown'), { once: true });
      this.client
        .watch(
          WATCH_TYPES[this.kind],
          this.namespace,
          {
            resourceVersion: from,
            labelSelector: this.labelSelector,
            timeoutSeconds: 1,
            allowWatchBookmarks: false,
          },
          (type, obj) => {
            if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
              target = obj.metadata?.resourceVersion ?? b.rv;
              settle('moved');
            } else if (type === 'ERROR') settle('unknown');
          },
          (err) => settle(err ? 'unknown' : 'quiet'),
        )
        .then(
          (c) => {
            if (controller.signal.aborted) c.abort();
            else controller.signal.addEventListener('abort', () => c.abort(), { once: true });
          },
          () => settle('unknown'),
        );
    });
    if (this.checkController === controller) this.checkController = undefined;
    controller.abort();
    // Reached meanwhile, stopped, or superseded: the verdict is about a question nobody asks now.
    if (this.behind !== b || stop.aborted || this.laggingSince !== undefined) return;
    if (verdict === 'quiet') {
      // Nothing of this kind after our version: the watch is as fresh as the server for this kind.
      this.count('progress_quiet');
      this.clearLag();
      return;
    }
    if (verdict === 'moved' && target !== undefined) {
      // This kind did change: its own version is the target, and the watch gets the grace for it.
      this.behind = { rv: target, at: b.at, lines: b.lines };
      this.progressed();
      if (this.behind === undefined) return;
      const moved = this.behind;
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => {
        if (this.behind === moved) this.markLagging(moved);
      }, this.progressGraceMs);
      this.graceTimer.unref();
      return;
    }
    this.markLagging(b);
  }

  private markLagging(b: Behind): void {
    if (this.laggingSince !== undefined) return;
    this.laggingSince = b.at;
    this.count('watch_lagging');
    this.logger?.warn(
      { resourceVersion: this.rv, serverResourceVersion: b.rv, graceMs: this.progressGraceMs },
      'watch trails the API server',
    );
    this.emit('lagging');
  }

  /** After the watch delivered a version: ends the lag once it reaches what the probe saw. */
  private progressed(): void {
    const b = this.behind;
    if (!b || this.rv === undefined) return;
    const reached = comparable(this.rv, b.rv) ? !olderThan(this.rv, b.rv) : this.lines > b.lines;
    if (reached) this.clearLag();
  }

  private clearLag(): void {
    clearTimeout(this.graceTimer);
    this.checkController?.abort();
    this.behind = undefined;
    this.lagRestarted = false;
    if (this.laggingSince === undefined) return;
    this.laggingSince = undefined;
    this.logger?.info({ resourceVersion: this.rv }, 'watch caught up with the API server');
    this.emit('caught-up');
  }

  private deliver(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // The sink is ours (the store); a throw there is a bug, logged so that one bad object
      // cannot stall the watch for every other one.
      this.logger?.error({ err }, 'watch sink threw');
    }
  }

  private count(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  private emitFailure(reason: string, error: Error): void {
    const failure: ReflectorFailure = { kind: this.kind, namespace: this.namespace, reason, error };
    this.logger?.warn({ reason, err: error.message }, 'watch failure');
    this.emit('failure', failure);
  }

  private async fail(
    signal: AbortSignal,
    phase: 'list' | 'watch',
    error: KubeRequestError,
    reason?: string,
  ): Promise<void> {
    const r = reason ?? `${phase}_${error.status ? `http_${error.status}` : error.reason}`;
    this.count(r);
    this.trouble();
    this.emitFailure(r, error);
    this.setState('backoff', r);
    let delay = this.backoff.next();
    // 429 and 503 may say when to come back; honour it, within the backoff ceiling.
    if (error.retryAfterSeconds !== undefined) {
      delay = Math.max(delay, Math.min(error.retryAfterSeconds * 1000, this.backoffMaxMs));
    }
    await this.pause(signal, delay);
  }

  private async pause(signal: AbortSignal, ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      // aborted by stop()
    }
  }
}

/** True when both are decimal integers and `a` is older than `b`; opaque versions never compare. */
function olderThan(a: string, b: string): boolean {
  if (!comparable(a, b)) return false;
  return BigInt(a) < BigInt(b);
}

/** Both versions are decimal integers (etcd's and the emulator's are); others are opaque. */
function comparable(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b);
}

/**
 * Relist reasons that show another history, not just a gap in ours. "Too large resource version"
 * is not one: a lagging API server cache answers it too, and a replaced server that does shows
 * it again by listing at an older resourceVersion than we saw.
 */
const REPLACED_HISTORY_REASONS: ReadonlySet<string> = new Set([
  'uid_changed',
  'resource_version_backwards',
  'history_replaced_probe',
]);

const TOO_LARGE = 'Too large resource version';

/**
 * kube-apiserver's answer to a version from its future (apiserver pkg/storage/errors.go): 504
 * Timeout with the cause `ResourceVersionTooLarge` (its JSON key is `reason`); older servers only
 * say it in the message. client-go's reflector checks both.
 */
export function isTooLargeResourceVersion(status: Partial<Status>): boolean {
  if (status.code !== 504 && status.reason !== 'Timeout') return false;
  const causes = status.details?.causes ?? [];
  if (causes.some((c) => c.reason === 'ResourceVersionTooLarge' || c.type === 'ResourceVersionTooLarge'))
    return true;
  return (status.message ?? '').includes(TOO_LARGE);
}

function isTooLargeError(err: KubeRequestError): boolean {
  return err.status === 504 && err.message.includes(TOO_LARGE);
}
