/**
 * A small list+watch cache per kind (the reflector pattern): list, then watch from the list's
 * resourceVersion; resume from the last version seen; relist on 410 Gone and emit deletes for what
 * vanished; back off with real timers on errors (transport, not simulated time). Handlers receive
 * the object before and after each change.
 */
import type { ResourceType } from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import { keyOf } from '../../apis/kube.js';
import { Backoff } from '../../shared/backoff.js';
import type { Logger } from '../../shared/logger.js';
import type { KubeClient } from './client.js';
import { statusCode } from './client.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type Handler<T> = (type: ChangeType, obj: T, old: T | undefined) => void;

interface Index<T> {
  readonly keyOf: (o: T) => string | undefined;
  readonly buckets: Map<string, Map<string, T>>;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();
  private readonly handlers: Handler<T>[] = [];
  private rv = '';
  private abort: AbortController | undefined;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 5_000 });
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly type: ResourceType,
    private readonly client: KubeClient,
    private readonly log: Logger,
  ) {}

  on(h: Handler<T>): void {
    this.handlers.push(h);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  /** Adds a secondary index (like client-go's Indexers); add before start. */
  addIndex(name: string, keyOf: (o: T) => string | undefined): void {
    const idx: Index<T> = { keyOf, buckets: new Map() };
    for (const [k, o] of this.cache) this.indexInto(idx, k, o);
    this.indexes.set(name, idx);
  }

  /** The cached objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`no index ${name} on ${this.type.kind}`);
    return [...(idx.buckets.get(value)?.values() ?? [])];
  }

  private indexInto(idx: Index<T>, k: string, o: T): void {
    const v = idx.keyOf(o);
    if (v === undefined) return;
    let b = idx.buckets.get(v);
    if (!b) idx.buckets.set(v, (b = new Map<string, T>()));
    b.set(k, o);
  }

  private unindex(k: string, o: T): void {
    for (const idx of this.indexes.values()) {
      const v = idx.keyOf(o);
      if (v === undefined) continue;
      const b = idx.buckets.get(v);
      b?.delete(k);
      if (b?.size === 0) idx.buckets.delete(v);
    }
  }

  private store(k: string, o: T | undefined, old: T | undefined): void {
    if (old) this.unindex(k, old);
    if (o) {
      this.cache.set(k, o);
      for (const idx of this.indexes.values()) this.indexInto(idx, k, o);
    } else this.cache.delete(k);
  }

  get size(): number {
    return this.cache.size;
  }

  /** Resolves after the first successful list. */
  async start(): Promise<void> {
    await this.relist();
    this.startWatch();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }

  private emit(type: ChangeType, obj: T, old: T | undefined): void {
    for (const h of this.handlers) {
      try {
        h(type, obj, old);
      } catch (e) {
        this.log.error({ err: e, kind: this.type.kind }, 'informer handler failed');
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.type);
    const seen = new Set<string>();
    for (const item of list.items) {
      const obj = {
        ...item,
        apiVersion: item.apiVersion ?? this.apiVersion(),
        kind: item.kind ?? this.type.kind,
      };
      const k = keyOf(obj);
      seen.add(k);
      this.apply('ADDED', obj);
    }
    for (const [k, old] of [...this.cache]) {
      if (!seen.has(k)) {
        this.store(k, undefined, old);
        this.emit('DELETED', old, old);
      }
    }
    this.rv = list.metadata.resourceVersion ?? '';
  }

  private apiVersion(): string {
    return this.type.group ? `${this.type.group}/${this.type.version}` : this.type.version;
  }

  private apply(type: ChangeType, obj: T): void {
    const k = keyOf(obj);
    const old = this.cache.get(k);
    if (type === 'DELETED') {
      this.store(k, undefined, old);
      this.emit('DELETED', obj, old);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store(k, obj, old);
    this.emit(old ? 'MODIFIED' : 'ADDED', obj, old);
  }

  private startWatch(): void {
    if (this.stopped) return;
    let gone = false;
    let finished = false;
    const done = (err: unknown) => {
      if (finished) return;
      finished = true;
      if (this.stopped) return;
      const code = statusCode(err);
      if (gone || code === 410) {
        this.rv = '';
        this.retry(0, true);
      } else if (err && (err as { name?: string }).name !== 'AbortError') {
        this.log.debug({ err, kind: this.type.kind }, 'watch failed; retrying');
        this.retry(this.backoff.next(), false);
      } else {
        // A clean close (server timeout): resume from the last version after a short pause so a
        // misbehaving server cannot cause a hot loop.
        this.retry(100, false);
      }
    };
    this.client
      .watch(
        this.type,
        this.rv,
        (type, obj) => {
          if (type === 'BOOKMARK') {
            this.rv = obj.metadata.resourceVersion ?? this.rv;
            return;
          }
          if (type === 'ERROR') {
            if ((obj as unknown as { code?: number }).code === 410) gone = true;
            return;
          }
          this.backoff.reset();
          this.rv = obj.metadata.resourceVersion ?? this.rv;
          this.apply(type as ChangeType, obj as T);
        },
        done,
      )
      .then((ac) => {
        this.abort = ac;
        if (this.stopped) ac.abort();
      })
      .catch(done);
  }

  private retry(ms: number, relist: boolean): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      const next = relist || this.rv === '' ? this.relist() : Promise.resolve();
      next.then(
        () => this.startWatch(),
        (e: unknown) => {
          this.log.debug({ err: e, kind: this.type.kind }, 'relist failed; retrying');
          this.retry(this.backoff.next(), true);
        },
      );
    }, ms);
    this.timer.unref?.();
  }
}
