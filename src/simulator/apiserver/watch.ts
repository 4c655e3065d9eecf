/**
 * One open watch of the emulator: an NDJSON stream of a resource's events through a label/field
 * filter, with selector-boundary crossings turned into ADDED/DELETED, bookmarks, the server-chosen
 * timeout, and the cut-off of a client that stops reading.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../apis/kube.js';
import type { Clock } from '../../shared/clock.js';
import { Engine, type Filter } from './engine.js';
import type { ApiError } from './errors.js';
import { toJson, type Format } from './http.js';
import type { Resource } from './registry.js';
import type { StoreEvent, StoreWatcher, ResourceStorage } from './store.js';
import { partialMetadata, table, type IncludeObject } from './table.js';

/** What a watch needs from its server: the time, the current resourceVersion, the open-watch set. */
export interface WatchHost {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly watches: Set<WatchStream>;
}

export class WatchStream implements StoreWatcher {
  private first = true;
  private closed = false;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  silent = false;

  constructor(
    readonly resource: Resource,
    private readonly storage: ResourceStorage,
    private readonly filter: Filter,
    private readonly format: Format,
    private readonly include: IncludeObject,
    private readonly res: ServerResponse,
    private readonly server: WatchHost,
    opts: { bookmarks: boolean; bookmarkIntervalMs: number; timeoutSeconds: number },
  ) {
    if (opts.bookmarks) this.bookmarkTimer = setInterval(() => this.bookmark(), opts.bookmarkIntervalMs);
    this.timeoutTimer = setTimeout(() => {
      if (!this.silent) this.end();
    }, opts.timeoutSeconds * 1000);
    res.on('close', () => this.end());
  }

  start(): void {
    this.storage.watchers.add(this);
  }

  private line(type: string, obj: KubeObject, ev?: StoreEvent): string {
    const key = `${type}|${this.format}|${this.include}|${this.first ? 'h' : ''}`;
    const cached = ev?.lines.get(key);
    if (cached) return cached;
    let objectJson: string;
    if (this.format === 'table') {
      objectJson = JSON.stringify(
        table(
          this.resource,
          [obj],
          this.server.clock.now(),
          this.include,
          { resourceVersion: obj.metadata.resourceVersion ?? '' },
          this.first,
        ),
      );
    } else if (this.format === 'meta') objectJson = JSON.stringify(partialMetadata(obj));
    else objectJson = toJson(obj);
    const line = `{"type":"${type}","object":${objectJson}}\n`;
    ev?.lines.set(key, line);
    return line;
  }

  write(text: string): void {
    if (this.closed || this.silent) return;
    this.first = false;
    this.res.write(text);
    // A client that stops reading is cut off rather than buffered without bound.
    if (this.res.writableLength > 64 * 1024 * 1024) this.end();
  }

  sendInitial(obj: KubeObject): void {
    this.write(this.line('ADDED', obj));
  }

  onEvent(ev: StoreEvent): void {
    if (this.closed || this.silent) return;
    const now = Engine.matches(this.filter, ev.object);
    if (ev.type === 'ADDED') {
      if (now) this.write(this.line('ADDED', ev.object, ev));
      return;
    }
    if (ev.type === 'DELETED') {
      if (ev.prev ? Engine.matches(this.filter, ev.prev) : now)
        this.write(this.line('DELETED', ev.object, ev));
      return;
    }
    // A MODIFIED event crossing the selector boundary shows up as ADDED or DELETED
    // (apiserver cacheWatcher.convertToWatchEvent).
    const before = ev.prev ? Engine.matches(this.filter, ev.prev) : true;
    if (now && before) this.write(this.line('MODIFIED', ev.object, ev));
    else if (now) this.write(this.line('ADDED', ev.object, ev));
    else if (before) this.write(this.line('DELETED', ev.object, ev));
  }

  bookmark(annotations?: Record<string, string>): void {
    const r = this.resource;
    const obj = {
      kind: r.kind,
      apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
      metadata: {
        resourceVersion: String(this.server.engine.store.resourceVersion),
        ...(annotations ? { annotations } : {}),
      },
    };
    this.write(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
  }

  error(status: ApiError): void {
    this.write(`{"type":"ERROR","object":${JSON.stringify(status.status)}}\n`);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.storage.watchers.delete(this);
    this.server.watches.delete(this);
    clearInterval(this.bookmarkTimer);
    clearTimeout(this.timeoutTimer);
    this.res.end();
  }
}
