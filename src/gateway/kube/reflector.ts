/**
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
 * - Single flight: one loop, one connection; every attempt has a generation, and callbacks from an
 *   abandoned attempt are ignored (client-node's Watch hands out its AbortController only after
 *   the response headers, so a late controller is aborted on arrival).
 *
 * Backoff and watchdog use real timers, not the domain Clock: they protect real sockets.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, Status } from '../../apis/kube.js';
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
  }

  /** Stops the loop and closes the connection; resolves when nothing is left running. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopController?.abort();
    this.abortWatch?.();
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
    let continueToken: string | undefined;
    let count = 0;
    do {
      const page = await this.client.listPage(type, this.namespace, {
        limit: this.pageSize,
        labelSelector: this.labelSelector,
        continueToken,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.listPageTimeoutMs)]),
      });
      if (signal.aborted) return;
      session ??= this.sink.beginRelist(this.kind, this.namespace);
      // All pages are served from the first page's snapshot; its resourceVersion is the list's.
      listRv ??= page.metadata.resourceVersion ?? '';
      for (const item of page.items) {
        this.deliver(() => session!.upsert(item, true));
        count++;
      }
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    this.deliver(() => session.finish(listRv ?? ''));
    if (this.lastSeenRv !== undefined && listRv !== undefined && olderThan(listRv, this.lastSeenRv)) {
      // A list older than what we saw: another history (a replaced server). The diff above made
      // the store equal to this server's state; say so, it explains the events it produced.
      this.count('history_replaced');
      this.logger?.warn({ listRv, lastSeenRv: this.lastSeenRv }, 'API server history replaced: relisted');
    }
    this.rv = listRv ?? '';
    this.lastSeenRv = this.rv;
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
        controller?.abort();
        resolve(outcome);
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => finish({ kind: 'stalled' }), this.watchdogMs);
      };
      this.abortWatch = () => finish({ kind: 'stopped' });
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
            break;
          }
          case 'BOOKMARK':
            // A bookmark carries only a resourceVersion: the point to resume from.
            this.rv = obj.metadata?.resourceVersion ?? this.rv;
            this.lastSeenRv = this.rv;
            this.backoff.reset();
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
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

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
