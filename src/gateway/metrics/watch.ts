/**
 * Watch health as metrics, read from the reflectors' own counters at scrape time (kube/ keeps them;
 * nothing here touches the watch loop). Labels are bounded: the watched kinds, the reflector
 * states, and error reasons (`list_http_500`, `watch_ECONNREFUSED`, `watchdog`: HTTP statuses and
 * transport error codes, a short fixed vocabulary).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReflectorState } from '../kube/types.js';
import type { KindWatchStatus } from '../store/watching.js';
import type { FleetRecord, Snapshot } from '../store/records.js';

const STATES: readonly ReflectorState[] = ['listing', 'watching', 'backoff', 'stopped'];

/** Records sampled per kind to estimate the cache's size. */
const SAMPLE = 32;

export interface WatchHealthSource {
  /** Per-kind watch status (store/watching.ts `Watching.status`). */
  status(): readonly KindWatchStatus[];
  /** The store's current snapshot, to estimate what each kind's records take. */
  snapshot(): Snapshot;
}

/**
 * A rough size of the records of one kind: their count times the mean JSON length of an evenly
 * spread sample. Interned strings are shared in memory but counted at every use here, so this
 * overstates; it is for trends and ratios between kinds, not a heap measurement.
 */
export function estimateCacheBytes(records: readonly FleetRecord[]): number {
  if (records.length === 0) return 0;
  const step = Math.max(1, Math.floor(records.length / SAMPLE));
  let bytes = 0;
  let n = 0;
  for (let i = 0; i < records.length && n < SAMPLE; i += step, n++)
    bytes += JSON.stringify(records[i]).length;
  return Math.round((bytes / n) * records.length);
}

/** A counter that mirrors a cumulative count kept elsewhere: it grows by the difference per scrape. */
class Mirror {
  private readonly last = new Map<string, number>();

  constructor(private readonly counter: Counter) {}

  set(labels: Record<string, string>, value: number): void {
    const id = JSON.stringify(labels);
    const delta = value - (this.last.get(id) ?? 0);
    if (delta > 0) this.counter.inc(labels, delta);
    // Seen at zero: export the series so that rate() has a starting point.
    else if (!this.last.has(id)) this.counter.inc(labels, 0);
    this.last.set(id, Math.max(value, this.last.get(id) ?? 0));
  }
}

/**
 * A value read once per scrape: every collector of one scrape runs in the same turn of the event
 * loop (prom-client starts them all before awaiting any), so they share one read whatever their order.
 */
export function oncePerScrape<T>(read: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (!cached) {
      cached = { value: read() };
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}

export function registerWatchHealth(registry: Registry, source: WatchHealthSource): void {
  const registers = [registry];
  const status = oncePerScrape(() => source.status());
  const relists = new Counter({
    name: 'fleet_graph_watch_relists_total',
    help: 'Lists after the first, forced by 410 Gone (the watch fell behind the API server).',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const s of status()) mirrors.relists.set({ kind: s.kind }, s.relists);
    },
  });
  const restarts = new Counter({
    name: 'fleet_graph_watch_restarts_total',
    help: 'Watch connections opened after the first one (resumes after a close, reconnects after errors).',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const s of status()) mirrors.restarts.set({ kind: s.kind }, s.restarts);
    },
  });
  const errors = new Counter({
    name: 'fleet_graph_watch_errors_total',
    help: 'Failed lists and watches, by kind and reason (e.g. list_http_500, watch_ECONNREFUSED, watchdog).',
    labelNames: ['kind', 'reason'],
    registers,
    collect() {
      for (const s of status())
        for (const [reason, n] of Object.entries(s.errors)) mirrors.errors.set({ kind: s.kind, reason }, n);
    },
  });
  const probes = new Counter({
    name: 'fleet_graph_watch_progress_probes_total',
    help: 'Progress probes sent (a consistent LIST with limit=1 comparing the server with the watch), by kind.',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const s of status())
        mirrors.probes.set(
          { kind: s.kind },
          s.scopes.reduce((n, x) => n + (x.probes ?? 0), 0),
        );
    },
  });
  const mirrors = {
    relists: new Mirror(relists),
    restarts: new Mirror(restarts),
    errors: new Mirror(errors),
    probes: new Mirror(probes),
  };
  new Gauge({
    name: 'fleet_graph_watch_synced',
    help: '1 once every scope of the kind has completed its first list.',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const s of status()) this.set({ kind: s.kind }, s.synced ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fleet_graph_watch_state',
    help: 'The worst state among the scopes of the kind (1 for the current state): listing, watching, backoff or stopped.',
    labelNames: ['kind', 'state'],
    registers,
    collect() {
      for (const s of status())
        for (const st of STATES) this.set({ kind: s.kind, state: st }, s.state === st ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fleet_graph_watch_last_event_age_seconds',
    help: 'Seconds since the stalest scope of the kind received anything (event, bookmark or list); -1 before the first.',
    labelNames: ['kind'],
    registers,
    collect() {
      const now = Date.now();
      for (const s of status()) {
        const times = s.scopes.map((x) => x.lastEventAt);
        const oldest = times.some((t) => t === undefined) ? undefined : Math.min(...(times as number[]));
        this.set({ kind: s.kind }, oldest === undefined ? -1 : Math.max(0, (now - oldest) / 1000));
      }
    },
  });
  new Gauge({
    name: 'fleet_graph_watch_objects',
    help: 'Objects of the kind held in the cache.',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const s of status()) this.set({ kind: s.kind }, s.objects);
    },
  });
  new Gauge({
    name: 'fleet_graph_watch_cache_bytes_estimate',
    help: 'Rough size of the cached records of the kind (count × mean JSON size of a sample); for trends, not exact heap.',
    labelNames: ['kind'],
    registers,
    collect() {
      const snap = source.snapshot();
      for (const s of status()) this.set({ kind: s.kind }, estimateCacheBytes(snap.list(s.kind)));
    },
  });
}
