/**
 * Why this file is over 400 lines: the replay buffer, history epochs, cursor positions,
 * per-subscriber queues and the memory of dooming edits are one piece of state that every change
 * passes through in order; the parts that stand alone (cursor.ts, queue.ts) already live apart.
 *
 * The event engine: turns the store's change feed into the events live subscriptions serve.
 *
 * - BundleDeployment events (ADDED, UPDATED, TERMINATING, REMOVED with the removal's reason and
 *   latency, RESYNC_REQUIRED), each with a cursor derived from the Kubernetes resourceVersion
 *   (cursor.ts), kept in a bounded replay buffer so a client can resume where it left off, on this
 *   replica or another.
 * - The latest GitRepo or Cluster per object, coalesced per subscriber (LatestQueue).
 * - The ConsistencyTracker's APPEARED/CLEARED findings, filtered per subscriber.
 *
 * The store calls its listeners synchronously inside its apply, so the listener here only records
 * the change (and the few facts that must be read at that instant, such as when the tracker first
 * saw the deployment stale) and returns; the events are built once per turn of the event loop,
 * against the snapshot of that moment. Subscribers with the same filter form one group, so an
 * event is matched once per distinct filter, not once per subscriber.
 */
import type { BundleState } from '../../../../apis/fleet.js';
import type { Clock } from '../../../../shared/clock.js';
import type { ChangeEvent } from '../../../store/store.js';
import type {
  BundleDeploymentRecord,
  ClusterRecord,
  GitRepoRecord,
  RecordKind,
  Snapshot,
} from '../../../store/records.js';
import { staleId } from '../../rules/consistency.js';
import { removalOf, type Removal } from '../../rules/still-targeted.js';
import { DoomingEditLog, EDIT_MEMORY, Recent } from '../dooming-edits.js';
import { groupHasMember } from '../../rules/groups.js';
import type { InconsistencyKind } from '../../rules/read-model.js';
import type { ConsistencyTracker, InconsistencyEvent } from '../tracker.js';
import { FleetView, stateOf } from '../../rules/view.js';
import { compare, decodeCursor, encodeCursor, nextPosition, ORIGIN, parseResourceVersion } from './cursor.js';
import type { Position } from './cursor.js';
import { BoundedQueue, LatestQueue } from './queue.js';
import type { FleetGraphError } from '../../../../shared/errors.js';

export type BundleDeploymentEventType =
  'ADDED' | 'UPDATED' | 'TERMINATING' | 'REMOVED' | 'RESYNC_REQUIRED' | 'FRESHNESS_CHANGED';

export const BUNDLE_DEPLOYMENT_EVENT_TYPES: readonly BundleDeploymentEventType[] = [
  'ADDED',
  'UPDATED',
  'TERMINATING',
  'REMOVED',
  'RESYNC_REQUIRED',
  'FRESHNESS_CHANGED',
];

export type { Removal };

export interface BundleDeploymentEvent {
  readonly type: BundleDeploymentEventType;
  /** Opaque position in the stream, for `after`. */
  readonly cursor: string;
  readonly position: Position;
  /** Gateway clock when the store applied the change. */
  readonly observedAt: number;
  /** The deployment after the change; its last known state for REMOVED; absent for RESYNC_REQUIRED. */
  readonly bundleDeployment?: BundleDeploymentRecord | undefined;
  /** Its derived state after the change (its last one for REMOVED). */
  readonly state?: BundleState | undefined;
  /** Its derived state before the change; absent for ADDED. */
  readonly previousState?: BundleState | undefined;
  readonly removal?: Removal | undefined;
  /** True when a relist found the change (the gateway's watch was down when it happened). */
  readonly viaRelist: boolean;
}

/** Names within the workspace; all given criteria must hold. */
export interface BundleDeploymentEventFilter {
  /** The workspace: the Bundle's namespace (`fleet.cattle.io/bundle-namespace`). */
  readonly workspace?: string | undefined;
  readonly gitRepo?: string | undefined;
  readonly bundle?: string | undefined;
  /** Cluster name (`fleet.cattle.io/cluster`). */
  readonly cluster?: string | undefined;
  /** Only deployments to clusters this ClusterGroup selects (in the workspace, or the cluster's namespace). */
  readonly clusterGroup?: string | undefined;
  /** The deployment's state after the change (last known state for removals). */
  readonly states?: readonly BundleState[] | undefined;
  /** Event types; RESYNC_REQUIRED is always delivered. */
  readonly types?: readonly BundleDeploymentEventType[] | undefined;
}

export interface InconsistencyEventFilter {
  readonly workspace?: string | undefined;
  readonly kinds?: readonly InconsistencyKind[] | undefined;
  readonly gitRepo?: string | undefined;
  readonly cluster?: string | undefined;
}

/** The newest state of one watched object; `record` is undefined once it is deleted. */
export interface ObjectChange<R> {
  readonly record: R | undefined;
  readonly observedAt: number;
  readonly resourceVersion: string;
}

/** What the engine reads from the store. */
export interface EventSource {
  subscribe(listener: (event: ChangeEvent) => void): () => void;
  snapshot(): Snapshot;
  syncState(): Readonly<Record<RecordKind, { readonly synced: boolean }>>;
  /** Reports a watch that found the API server's history replaced, before its relist applies. */
  onHistoryReplaced?(listener: (kind: RecordKind) => void): () => void;
}

export interface EventEngineOptions {
  readonly source: EventSource;
  readonly clock: Clock;
  /** Supplies orphan times (STALE findings' firstSeenAt) and inconsistency events. */
  readonly tracker?: ConsistencyTracker | undefined;
  /** BundleDeployment events kept for resume. */
  readonly replayBuffer: number;
  /** Events a subscriber may fall behind before it is cut off. */
  readonly subscriberQueue: number;
  /** Runs the batched build; defaults to `setImmediate`. */
  readonly schedule?: ((flush: () => void) => void) | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
  readonly observer?: EventEngineObserver | undefined;
}

/**
 * What the engine reports about its subscribers, by root field: events lost by subscribers cut off
 * for falling behind, values coalesced for slow readers, and each live queue's depth. The metrics
 * layer implements it; the engine does not depend on how it is exported.
 */
export interface EventEngineObserver {
  dropped(subscription: string, count?: number): void;
  coalesced(subscription: string, count?: number): void;
  /** Registers a queue read at scrape time; the returned function unregisters it. */
  watchQueue(subscription: string, depth: () => number): () => void;
}

export interface SubscribeOptions {
  /** Called when the subscriber is cut off for falling behind (the transport closes its connection). */
  readonly onOverflow?: ((error: FleetGraphError) => void) | undefined;
}

export interface EventEngineStats {
  /** BundleDeployment events in the replay buffer. */
  readonly buffered: number;
  readonly subscribers: number;
  /** Distinct filters among BundleDeployment subscribers. */
  readonly groups: number;
  /** The most events any live subscriber queue holds now. */
  readonly deepestQueue: number;
  /** The newest cursor, if any event was produced. */
  readonly head: string | undefined;
}

interface Subscriber {
  readonly queue: BoundedQueue<BundleDeploymentEvent>;
  /** Deliver only events after this position (set while resuming from a cursor ahead of ours). */
  after: Position | undefined;
  /** The uid the cursor ahead of ours names: the event at `after` must be about it (cursor.ts). */
  afterUid: string | undefined;
}

interface Group {
  readonly filter: BundleDeploymentEventFilter;
  readonly subscribers: Set<Subscriber>;
}

interface Pending {
  readonly change: ChangeEvent;
  /** For a deleted BundleDeployment: when the tracker first saw it stale, read at deletion time. */
  readonly staleSince?: number | undefined;
}

type AnyChange = ObjectChange<GitRepoRecord | ClusterRecord>;

/** A filter's identity: identical subscriptions share one group. */
export function filterKey(f: BundleDeploymentEventFilter): string {
  const list = (l: readonly string[] | undefined) => (l && l.length > 0 ? [...new Set(l)].sort() : null);
  return JSON.stringify([
    f.workspace ?? null,
    f.gitRepo ?? null,
    f.bundle ?? null,
    f.cluster ?? null,
    f.clusterGroup ?? null,
    list(f.states),
    list(f.types),
  ]);
}

export class EventEngine {
  private readonly source: EventSource;
  private readonly clock: Clock;
  private readonly tracker: ConsistencyTracker | undefined;
  private readonly capacity: number;
  private readonly queueSize: number;
  private readonly schedule: (flush: () => void) => void;
  private readonly onError: (error: unknown) => void;
  private readonly observer: EventEngineObserver | undefined;

  /** The replay buffer: a ring of the newest events, ordered by position. */
  private readonly ring: (BundleDeploymentEvent | undefined)[];
  private ringStart = 0;
  private ringSize = 0;
  /** A cursor before this cannot be served: events after it may have been evicted or never seen. */
  private floor: Position = ORIGIN;
  /** The uid of the event at `floor`, when one was evicted there. */
  private floorUid: string | undefined;
  private last: Position = ORIGIN;
  /** The uid of the event at `last`, when `last` is an event's position. */
  private lastUid: string | undefined;
  /** True once the BundleDeployment kind has been listed: earlier changes are the initial load. */
  private live = false;
  private horizon = 0n;

  private pending: Pending[] = [];
  private scheduled = false;
  private readonly groups = new Map<string, Group>();
  private readonly objectWatchers = new Map<string, Set<LatestQueue<AnyChange>>>();
  private readonly lastPushed = new WeakMap<LatestQueue<AnyChange>, string>();
  private readonly inconsistencySubs = new Set<{
    filter: InconsistencyEventFilter;
    queue: BoundedQueue<InconsistencyEvent>;
  }>();

  /** When the edits that doom deployments were first seen: the "since when" of a removal. */
  private readonly edits = new DoomingEditLog();
  /**
   * Deleted Clusters as last seen: a Cluster goes before its deployments do, so a removal's
   * `clusterGroup` match needs the cluster as it was (every other filter field reads the
   * deployment's last known state).
   */
  private readonly goneClusters = new Recent<ClusterRecord>(EDIT_MEMORY);
  private stops: (() => void)[] = [];

  constructor(opts: EventEngineOptions) {
    this.source = opts.source;
    this.clock = opts.clock;
    this.tracker = opts.tracker;
    this.capacity = Math.max(0, opts.replayBuffer);
    this.queueSize = Math.max(1, opts.subscriberQueue);
    this.ring = new Array<BundleDeploymentEvent | undefined>(this.capacity);
    this.schedule = opts.schedule ?? ((flush) => void setImmediate(flush));
    this.onError = opts.onError ?? (() => undefined);
    this.observer = opts.observer;
  }

  /** Starts following the store (and the tracker). Call before the watches start, to see the initial load. */
  start(): void {
    if (this.stops.length > 0) return;
    this.stops.push(this.source.subscribe((e) => this.onChange(e)));
    const replaced = this.source.onHistoryReplaced?.((kind) => {
      if (kind === 'BundleDeployment') this.historyReplaced();
    });
    if (replaced) this.stops.push(replaced);
    if (this.tracker) this.stops.push(this.tracker.subscribe((e) => this.onInconsistency(e)));
  }

  /** Stops following and ends every subscription. */
  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    for (const g of this.groups.values()) for (const s of g.subscribers) void s.queue.return();
    for (const set of this.objectWatchers.values()) for (const q of set) void q.return();
    for (const s of this.inconsistencySubs) void s.queue.return();
  }

  stats(): EventEngineStats {
    let subscribers = this.inconsistencySubs.size;
    let deepest = 0;
    for (const g of this.groups.values()) {
      subscribers += g.subscribers.size;
      for (const s of g.subscribers) deepest = Math.max(deepest, s.queue.size);
    }
    for (const s of this.inconsistencySubs) deepest = Math.max(deepest, s.queue.size);
    for (const set of this.objectWatchers.values()) subscribers += set.size;
    return {
      buffered: this.ringSize,
      subscribers,
      groups: this.groups.size,
      deepestQueue: deepest,
      head:
        this.ringSize > 0 || compare(this.last, ORIGIN) > 0
          ? encodeCursor(this.last, this.lastUid)
          : undefined,
    };
  }

  /**
   * BundleDeployment events matching `filter`, from now on, or — with `after` — every buffered
   * event after that cursor first. A cursor older than the buffer (or than what this replica has
   * seen) yields RESYNC_REQUIRED first, then live events: never a silent gap. Throws INVALID_CURSOR
   * for a cursor that is not one.
   */
  bundleDeploymentEvents(
    filter: BundleDeploymentEventFilter,
    after?: string,
    opts: SubscribeOptions = {},
  ): AsyncIterableIterator<BundleDeploymentEvent, undefined> {
    const from = after === undefined ? undefined : decodeCursor(after);
    if (!this.live && this.source.syncState().BundleDeployment.synced) this.goLive();
    this.flush();
    const key = filterKey(filter);
    let replay: BundleDeploymentEvent[] = [];
    let resync = false;
    if (from !== undefined) {
      // Another epoch's resourceVersions name other changes (cursor.ts): only a resync is honest.
      if (!this.live || from.epoch !== this.last.epoch || compare(from, this.floor) < 0) resync = true;
      else if (compare(from, this.last) <= 0 && from.uid !== undefined && this.uidAt(from) !== from.uid) {
        // The position holds another change here: another replica's relist ordered it otherwise,
        // or the cursor comes from another history. Replaying from it would skip or repeat.
        resync = true;
      } else replay = this.eventsAfter(from).filter((e) => this.matches(filter, e, undefined));
    }
    const ahead = from !== undefined && !resync && compare(from, this.last) > 0;
    let group = this.groups.get(key);
    const subscriber: Subscriber = {
      after: from !== undefined && !resync ? from : undefined,
      afterUid: ahead ? from.uid : undefined,
      queue: new BoundedQueue<BundleDeploymentEvent>({
        capacity: this.queueSize + replay.length + 1,
        onOverflow: opts.onOverflow,
        onDrop: (n) => this.observer?.dropped('bundleDeploymentEvents', n),
        onClose: () => {
          unwatch?.();
          const g = this.groups.get(key);
          g?.subscribers.delete(subscriber);
          if (g?.subscribers.size === 0) this.groups.delete(key);
        },
      }),
    };
    const unwatch = this.observer?.watchQueue('bundleDeploymentEvents', () => subscriber.queue.size);
    if (!group) this.groups.set(key, (group = { filter, subscribers: new Set() }));
    group.subscribers.add(subscriber);
    if (resync) subscriber.queue.push(this.resyncEvent());
    for (const e of replay) subscriber.queue.push(e);
    return subscriber.queue;
  }

  /**
   * The newest GitRepo or Cluster each time it changes, coalesced per subscriber, starting with
   * `initial` (the object as the subscriber first sees it) when given. Ends after its deletion.
   */
  objectChanges<K extends 'GitRepo' | 'Cluster'>(
    kind: K,
    namespace: string,
    name: string,
    initial?: ObjectChange<K extends 'GitRepo' ? GitRepoRecord : ClusterRecord>,
  ): AsyncIterableIterator<ObjectChange<K extends 'GitRepo' ? GitRepoRecord : ClusterRecord>, undefined> {
    type R = K extends 'GitRepo' ? GitRepoRecord : ClusterRecord;
    const key = `${kind}:${namespace}/${name}`;
    let set = this.objectWatchers.get(key);
    if (!set) this.objectWatchers.set(key, (set = new Set()));
    const watchers = set;
    const field = kind === 'GitRepo' ? 'gitRepoChanged' : 'clusterChanged';
    const queue = new LatestQueue<AnyChange>(
      () => {
        watchers.delete(queue);
        if (watchers.size === 0) this.objectWatchers.delete(key);
      },
      () => this.observer?.coalesced(field),
    );
    watchers.add(queue);
    if (initial) {
      queue.push(initial);
      this.lastPushed.set(queue, initial.resourceVersion);
    }
    // The key names the kind, so every value this queue receives is an R.
    return queue as unknown as AsyncIterableIterator<ObjectChange<R>, undefined>;
  }

  /** The tracker's findings appearing and clearing, filtered. */
  inconsistencyEvents(
    filter: InconsistencyEventFilter,
    opts: SubscribeOptions = {},
  ): AsyncIterableIterator<InconsistencyEvent, undefined> {
    const sub = {
      filter,
      queue: new BoundedQueue<InconsistencyEvent>({
        capacity: this.queueSize,
        onOverflow: opts.onOverflow,
        onDrop: (n) => this.observer?.dropped('inconsistencyEvents', n),
        onClose: () => {
          unwatch?.();
          this.inconsistencySubs.delete(sub);
        },
      }),
    };
    const unwatch = this.observer?.watchQueue('inconsistencyEvents', () => sub.queue.size);
    this.inconsistencySubs.add(sub);
    return sub.queue;
  }

  /** Builds the events of every change recorded so far (normally run once per event-loop turn). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let view: FleetView | undefined;
    const viewNow = () => (view ??= new FleetView(this.source.snapshot()));
    for (const p of batch) {
      try {
        this.process(p, viewNow);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  // ---- the change feed -------------------------------------------------------------------

  private onChange(e: ChangeEvent): void {
    this.noteEdits(e);
    if (!this.live) {
      if (!this.source.syncState().BundleDeployment.synced) {
        // The initial list is state, not news: it only moves the horizon a resume can start from.
        const rv = parseResourceVersion(e.resourceVersion);
        if (rv !== undefined && rv > this.horizon) this.horizon = rv;
        if (e.kind === 'GitRepo' || e.kind === 'Cluster') this.enqueue({ change: e });
        return;
      }
      this.goLive();
    }
    if (e.kind === 'BundleDeployment') {
      const staleSince =
        e.type === 'DELETED' && e.before && this.tracker
          ? this.tracker.firstSeenAt(staleId(e.before as BundleDeploymentRecord))
          : undefined;
      this.enqueue({ change: e, staleSince });
    } else if (e.kind === 'GitRepo' || e.kind === 'Cluster') {
      this.enqueue({ change: e });
    }
  }

  private goLive(): void {
    this.live = true;
    this.floor = { epoch: this.last.epoch, rv: this.horizon, index: 0 };
    this.last = this.floor;
    this.floorUid = undefined;
    this.lastUid = undefined;
  }

  /**
   * The BundleDeployment watch found the server's history replaced and is about to relist. Changes
   * already recorded take their positions in the old epoch first; the relist's diff and everything
   * after it go to a new epoch, starting over at the new history's resourceVersions. No cursor of
   * the old epoch resumes into the new one (RESYNC_REQUIRED). Subscribers connected now get
   * RESYNC_REQUIRED too, then the diff (the true REMOVED and ADDED events): whatever the new
   * history did before our list (an object created and deleted again) no list can show.
   */
  historyReplaced(): void {
    this.flush();
    const start: Position = { epoch: this.last.epoch + 1, rv: 0n, index: 0 };
    this.last = start;
    this.lastUid = undefined;
    this.horizon = 0n;
    if (!this.live) return;
    this.floor = start;
    const resync = this.resyncEvent({ position: start, uid: undefined });
    for (const g of this.groups.values())
      for (const s of g.subscribers) {
        // A cursor ahead of ours belonged to the old history: nothing of the new one is held back.
        s.after = undefined;
        s.afterUid = undefined;
        s.queue.push(resync);
      }
  }

  private enqueue(p: Pending): void {
    this.pending.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Records when the edits that doom deployments were seen (docs/fleet/lifecycle.md §6.1–6.2). */
  private noteEdits(e: ChangeEvent): void {
    this.edits.note(e);
    if (e.type === 'DELETED' && e.before?.kind === 'Cluster') this.goneClusters.set(e.key, e.before, true);
  }

  private process(p: Pending, view: () => FleetView): void {
    const c = p.change;
    if (c.kind === 'GitRepo' || c.kind === 'Cluster') {
      const watchers = this.objectWatchers.get(`${c.kind}:${c.key}`);
      if (!watchers) return;
      const change: AnyChange = {
        record: c.after as GitRepoRecord | ClusterRecord | undefined,
        observedAt: c.observedAt,
        resourceVersion: c.resourceVersion,
      };
      for (const q of [...watchers]) {
        // The initial value may already be this change (taken from a snapshot that included it).
        if (c.after && this.lastPushed.get(q) === c.resourceVersion) continue;
        this.lastPushed.set(q, c.resourceVersion);
        q.push(change);
        if (!c.after) q.end();
      }
      return;
    }
    if (c.kind !== 'BundleDeployment') return;
    const before = c.before as BundleDeploymentRecord | undefined;
    const after = c.after as BundleDeploymentRecord | undefined;
    let type: BundleDeploymentEventType;
    let removal: Removal | undefined;
    if (c.type === 'ADDED' || !before) type = 'ADDED';
    else if (c.type === 'DELETED' || !after) {
      type = 'REMOVED';
      removal = removalOf(view(), before, c.observedAt, p.staleSince, this.edits);
    } else if (after.deletionTimestamp && !before.deletionTimestamp) type = 'TERMINATING';
    else type = 'UPDATED';
    const bd = after ?? before!;
    const previous = { position: this.last, uid: this.lastUid };
    const position = nextPosition(this.last, c.resourceVersion);
    this.last = position;
    this.lastUid = (after ?? before)?.uid || undefined;
    const event: BundleDeploymentEvent = {
      type,
      cursor: encodeCursor(position, this.lastUid),
      position,
      observedAt: c.observedAt,
      bundleDeployment: bd,
      state: stateOf(bd),
      previousState: before ? stateOf(before) : undefined,
      removal,
      viaRelist: c.viaRelist,
    };
    this.remember(event);
    this.dispatch(event, view, previous);
  }

  private remember(e: BundleDeploymentEvent): void {
    if (this.capacity === 0) {
      this.floor = e.position;
      this.floorUid = e.bundleDeployment?.uid || undefined;
      return;
    }
    if (this.ringSize === this.capacity) {
      const evicted = this.ring[this.ringStart]!;
      this.floor = evicted.position;
      this.floorUid = evicted.bundleDeployment?.uid || undefined;
      this.ring[this.ringStart] = e;
      this.ringStart = (this.ringStart + 1) % this.capacity;
    } else {
      this.ring[(this.ringStart + this.ringSize) % this.capacity] = e;
      this.ringSize++;
    }
  }

  private at(i: number): BundleDeploymentEvent {
    return this.ring[(this.ringStart + i) % this.capacity]!;
  }

  /** The uid of the event at exactly `p` (buffered, or the last evicted one), if there is one. */
  private uidAt(p: Position): string | undefined {
    if (compare(p, this.floor) === 0) return this.floorUid;
    if (compare(p, this.last) === 0) return this.lastUid;
    let lo = 0;
    let hi = this.ringSize;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.at(mid).position, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    const e = lo < this.ringSize ? this.at(lo) : undefined;
    return e && compare(e.position, p) === 0 ? e.bundleDeployment?.uid || undefined : undefined;
  }

  /** Buffered events strictly after `p`, by binary search (positions increase). */
  private eventsAfter(p: Position): BundleDeploymentEvent[] {
    let lo = 0;
    let hi = this.ringSize;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.at(mid).position, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const out: BundleDeploymentEvent[] = [];
    for (let i = lo; i < this.ringSize; i++) out.push(this.at(i));
    return out;
  }

  /**
   * A status event: the watches behind the stream turned stale or fresh again. It sits at the
   * position of the last event, so resuming after its cursor loses nothing.
   */
  freshnessEvent(): BundleDeploymentEvent {
    return {
      type: 'FRESHNESS_CHANGED',
      cursor: encodeCursor(this.last, this.lastUid),
      position: this.last,
      observedAt: this.clock.now(),
      viaRelist: false,
    };
  }

  private resyncEvent(
    at: { position: Position; uid: string | undefined } = this.lastAt(),
  ): BundleDeploymentEvent {
    return {
      type: 'RESYNC_REQUIRED',
      cursor: encodeCursor(at.position, at.uid),
      position: at.position,
      observedAt: this.clock.now(),
      viaRelist: false,
    };
  }

  private lastAt(): { position: Position; uid: string | undefined } {
    return { position: this.last, uid: this.lastUid };
  }

  private dispatch(
    e: BundleDeploymentEvent,
    view: () => FleetView,
    previous: { position: Position; uid: string | undefined },
  ): void {
    for (const g of this.groups.values()) {
      let matched: boolean | undefined;
      for (const s of [...g.subscribers]) {
        if (s.after) {
          // Judged on every event, matching or not: the cursor's own event may be filtered out.
          const c = compare(e.position, s.after);
          if (c < 0) continue;
          const uid = s.afterUid;
          s.after = undefined;
          s.afterUid = undefined;
          if (uid !== undefined && (c > 0 || e.bundleDeployment?.uid !== uid)) {
            // The cursor named a change this replica never had at that position (another history,
            // or another order): what was held back since cannot be vouched for.
            s.queue.push(this.resyncEvent(previous));
          } else if (c === 0) continue;
        }
        if ((matched ??= this.matches(g.filter, e, view))) s.queue.push(e);
      }
    }
  }

  /**
   * Whether an event passes a filter. Every field is read from the event's deployment (its last
   * known state for REMOVED), so each field selects every event type alike. `view` is needed only
   * for `clusterGroup` (undefined: replay, use now).
   */
  private matches(
    f: BundleDeploymentEventFilter,
    e: BundleDeploymentEvent,
    view: (() => FleetView) | undefined,
  ): boolean {
    const bd = e.bundleDeployment;
    if (e.type === 'RESYNC_REQUIRED' || !bd) return true;
    if (f.types && f.types.length > 0 && !f.types.includes(e.type)) return false;
    if (f.workspace !== undefined && bd.bundleNamespace !== f.workspace) return false;
    if (f.gitRepo !== undefined && bd.repoName !== f.gitRepo) return false;
    if (f.bundle !== undefined && bd.bundleName !== f.bundle) return false;
    if (f.cluster !== undefined && bd.clusterName !== f.cluster) return false;
    if (f.states && f.states.length > 0 && (!e.state || !f.states.includes(e.state))) return false;
    if (f.clusterGroup !== undefined) {
      const snap = (view ?? (() => new FleetView(this.source.snapshot())))().snapshot;
      const ns = f.workspace ?? bd.clusterNamespace;
      const group = snap.get('ClusterGroup', `${ns}/${f.clusterGroup}`);
      const clusterKey = `${bd.clusterNamespace}/${bd.clusterName}`;
      const cluster =
        snap.get('Cluster', clusterKey) ??
        (e.type === 'REMOVED' ? this.goneClusters.get(clusterKey) : undefined);
      if (!group || !cluster || !groupHasMember(group, cluster)) return false;
    }
    return true;
  }

  // ---- inconsistencies ---------------------------------------------------------------------

  private onInconsistency(e: InconsistencyEvent): void {
    const i = e.inconsistency;
    for (const s of [...this.inconsistencySubs]) {
      const f = s.filter;
      if (f.workspace !== undefined && i.workspace !== f.workspace) continue;
      if (f.kinds && f.kinds.length > 0 && !f.kinds.includes(i.kind)) continue;
      if (f.gitRepo !== undefined && i.gitRepo?.name !== f.gitRepo) continue;
      if (f.cluster !== undefined && i.cluster?.name !== f.cluster) continue;
      s.queue.push(e);
    }
  }
}
