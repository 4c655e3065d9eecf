/**
 * A tiny Kubernetes API over node:http for reflector tests (docs/libraries.md §1.5 point 10): paged
 * lists, NDJSON watches with resume, bookmarks and server timeouts, merge patch with resourceVersion
 * preconditions, and faults (HTTP errors, 410 as status or in-stream, ended and silent watches).
 * Only what the reflector needs; the full emulator lives in src/simulator/apiserver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/apis/kube.js';
import { parseLabelSelector, Selector } from '../../src/apis/selector.js';

interface LoggedEvent {
  rv: number;
  plural: string;
  namespace: string | undefined;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface Watcher {
  plural: string;
  namespace: string | undefined;
  selector: Selector;
  res: ServerResponse;
  silent: boolean;
  bookmarks: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly watch: boolean;
  readonly contentType: string | undefined;
}

export interface FakeApiServer {
  readonly url: string;
  kubeConfig(): KubeConfig;
  /** Creates or replaces an object (plural from the caller), emitting the watch event. */
  put(plural: string, obj: KubeObject): KubeObject;
  remove(plural: string, namespace: string | undefined, name: string): void;
  list(plural: string): KubeObject[];
  readonly requests: RequestRecord[];
  lists(plural: string): number;
  watches(plural: string): RequestRecord[];
  /** Sends a BOOKMARK at the current resourceVersion on every open watch that asked for bookmarks. */
  bookmark(): void;
  /** Writes one event line, as given, to the open watches of `plural` (a misbehaving server). */
  sendRaw(plural: string, type: string, object: KubeObject): void;
  readonly faults: {
    /** Ends every open watch cleanly. */
    endWatches(): void;
    /** The next `n` requests (of `kind`, whose path ends with `/<plural>` if given) answer `status`. */
    failRequests(n: number, status: number, kind?: 'list' | 'watch' | 'any', plural?: string): void;
    /** Drops pending request failures. */
    clearFailures(): void;
    /** Forget history: watches from an older resourceVersion get 410 (as HTTP or in the stream). */
    compact(mode: 'http' | 'stream'): void;
    /** While on, every request answers 503 and open watches are cut. */
    outage(on: boolean): void;
    /** While on, every watch request answers HTTP 410. */
    goneAlways(on: boolean): void;
    /** New watches are accepted and closed at once, cleanly (a misbehaving proxy). */
    closeWatchesAtOnce(on: boolean): void;
    /** New watches are accepted and then never written to (until cleared). */
    silenceWatches(on: boolean): void;
  };
  openWatches(plural?: string): number;
  stop(): Promise<void>;
}

export async function startFakeApiServer(opts: { pageSizeCap?: number } = {}): Promise<FakeApiServer> {
  let rv = 1000;
  const objects = new Map<string, Map<string, KubeObject>>();
  const log: LoggedEvent[] = [];
  let compactedBelow = 0;
  let goneMode: 'http' | 'stream' = 'http';
  let silent = false;
  let down = false;
  let closeAtOnce = false;
  let alwaysGone = false;
  const failures: {
    n: number;
    status: number;
    kind: 'list' | 'watch' | 'any';
    plural?: string | undefined;
  }[] = [];
  const watchers = new Set<Watcher>();
  const requests: RequestRecord[] = [];

  const coll = (plural: string) => {
    let m = objects.get(plural);
    if (!m) objects.set(plural, (m = new Map()));
    return m;
  };
  const keyOf = (ns: string | undefined, name: string) => (ns ? `${ns}/${name}` : name);

  function send(w: Watcher, type: string, object: unknown): void {
    if (w.silent || w.res.writableEnded || w.res.destroyed) return;
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  function emit(e: LoggedEvent): void {
    log.push(e);
    for (const w of watchers) {
      if (w.plural === e.plural && inScope(e.object, w.namespace, w.selector)) {
        send(w, e.type, e.object);
      }
    }
  }

  function parse(
    url: URL,
  ): { plural: string; namespace: string | undefined; name: string | undefined } | null {
    const parts = url.pathname.split('/').filter(Boolean);
    // /api/v1/namespaces[/name] | /apis/g/v[/namespaces/ns]/plural[/name]
    if (parts[0] === 'api') return { plural: 'namespaces', namespace: undefined, name: parts[3] };
    if (parts[0] !== 'apis') return null;
    const rest = parts.slice(3);
    if (rest[0] === 'namespaces' && rest.length >= 3)
      return { plural: rest[2]!, namespace: rest[1], name: rest[3] };
    return { plural: rest[0]!, namespace: undefined, name: rest[1] };
  }

  function json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function status(res: ServerResponse, code: number, reason: string, message: string): void {
    json(res, code, {
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      reason,
      message,
      code,
    });
  }

  function selectorOf(url: URL): Selector {
    const s = url.searchParams.get('labelSelector');
    return s ? parseLabelSelector(s) : Selector.everything;
  }

  function inScope(o: KubeObject, namespace: string | undefined, selector: Selector = Selector.everything) {
    return (
      (namespace === undefined || o.metadata.namespace === namespace) && selector.matches(o.metadata.labels)
    );
  }

  function handleList(url: URL, res: ServerResponse, plural: string, namespace: string | undefined): void {
    const limit = Math.min(
      Number(url.searchParams.get('limit') ?? 0) || Infinity,
      opts.pageSizeCap ?? Infinity,
    );
    const cont = url.searchParams.get('continue');
    let snapshotRv = rv;
    let offset = 0;
    let items: KubeObject[];
    if (cont) {
      const token = JSON.parse(Buffer.from(cont, 'base64').toString()) as {
        rv: number;
        offset: number;
        keys: string[];
      };
      snapshotRv = token.rv;
      offset = token.offset;
      // Snapshot semantics are approximated: items are read now; tests do not write mid-list.
      items = [...coll(plural).values()].filter((o) => inScope(o, namespace, selectorOf(url)));
    } else {
      items = [...coll(plural).values()].filter((o) => inScope(o, namespace, selectorOf(url)));
    }
    items.sort((a, b) =>
      keyOf(a.metadata.namespace, a.metadata.name!).localeCompare(
        keyOf(b.metadata.namespace, b.metadata.name!),
      ),
    );
    const page = items.slice(offset, offset + limit);
    const next = offset + page.length < items.length;
    json(res, 200, {
      apiVersion: 'v1',
      kind: 'List',
      metadata: {
        resourceVersion: String(snapshotRv),
        ...(next
          ? {
              continue: Buffer.from(
                JSON.stringify({ rv: snapshotRv, offset: offset + page.length }),
              ).toString('base64'),
            }
          : {}),
      },
      items: page,
    });
  }

  function handleWatch(url: URL, res: ServerResponse, plural: string, namespace: string | undefined): void {
    const from = Number(url.searchParams.get('resourceVersion') || rv);
    if (alwaysGone || (from < compactedBelow && goneMode === 'http')) {
      status(res, 410, 'Expired', `too old resource version: ${from} (${compactedBelow})`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (closeAtOnce) {
      res.end();
      return;
    }
    res.flushHeaders();
    const w: Watcher = {
      plural,
      namespace,
      selector: selectorOf(url),
      res,
      silent,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      timer: undefined,
    };
    if (from < compactedBelow) {
      res.write(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`,
      );
      res.end();
      return;
    }
    watchers.add(w);
    for (const e of log) {
      if (e.rv > from && e.plural === plural && inScope(e.object, namespace, w.selector))
        send(w, e.type, e.object);
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    // A silenced watch stands for a hung connection: not even the server timeout ends it.
    if (timeout > 0 && !w.silent) {
      w.timer = setTimeout(() => {
        watchers.delete(w);
        res.end();
      }, timeout * 1000);
    }
    res.on('close', () => {
      clearTimeout(w.timer);
      watchers.delete(w);
    });
  }

  async function body(req: IncomingMessage): Promise<string> {
    let s = '';
    for await (const chunk of req) s += String(chunk);
    return s;
  }

  function merge(target: unknown, patch: unknown): unknown {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
    const out: Record<string, unknown> =
      target && typeof target === 'object' && !Array.isArray(target)
        ? { ...(target as Record<string, unknown>) }
        : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = merge(out[k], v);
    }
    return out;
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const watch = url.searchParams.get('watch') === 'true';
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      watch,
      contentType: req.headers['content-type'],
    });
    const target = parse(url);
    if (!target) return status(res, 404, 'NotFound', 'unknown path');
    const isList = req.method === 'GET' && !target.name && !watch;
    if (down) return status(res, 503, 'ServiceUnavailable', 'outage');
    const f = failures.find(
      (x) =>
        (x.kind === 'any' || (x.kind === 'watch' && watch) || (x.kind === 'list' && isList)) &&
        (x.plural === undefined || x.plural === target.plural),
    );
    if (f) {
      if (--f.n <= 0) failures.splice(failures.indexOf(f), 1);
      return status(
        res,
        f.status,
        f.status === 429 ? 'TooManyRequests' : 'InternalError',
        `injected ${f.status}`,
      );
    }
    if (req.method === 'GET' && watch) return handleWatch(url, res, target.plural, target.namespace);
    if (isList) return handleList(url, res, target.plural, target.namespace);
    const key = keyOf(target.namespace, target.name!);
    if (req.method === 'GET') {
      const o = coll(target.plural).get(key);
      return o ? json(res, 200, o) : status(res, 404, 'NotFound', `${key} not found`);
    }
    if (req.method === 'PATCH') {
      void body(req).then((text) => {
        const current = coll(target.plural).get(key);
        if (!current) return status(res, 404, 'NotFound', `${key} not found`);
        const patch = JSON.parse(text) as { metadata?: { resourceVersion?: string } };
        const want = patch.metadata?.resourceVersion;
        if (want && want !== current.metadata.resourceVersion) {
          return status(res, 409, 'Conflict', 'the object has been modified');
        }
        const next = merge(current, patch) as KubeObject;
        json(res, 200, api.put(target.plural, next));
      });
      return;
    }
    status(res, 405, 'MethodNotAllowed', 'not supported');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: FakeApiServer = {
    url,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'u', token: 'test-token' }],
        contexts: [{ name: 'ctx', cluster: 'fake', user: 'u' }],
        currentContext: 'ctx',
      });
      return kc;
    },
    sendRaw(plural, type, object) {
      for (const w of watchers) if (w.plural === plural) send(w, type, object);
    },
    put(plural, obj) {
      const m = coll(plural);
      const key = keyOf(obj.metadata.namespace, obj.metadata.name!);
      const existed = m.has(key);
      const stored: KubeObject = structuredClone({
        ...obj,
        metadata: { ...obj.metadata, uid: obj.metadata.uid ?? `uid-${key}`, resourceVersion: String(++rv) },
      });
      m.set(key, stored);
      emit({
        rv,
        plural,
        namespace: obj.metadata.namespace,
        type: existed ? 'MODIFIED' : 'ADDED',
        object: stored,
      });
      return stored;
    },
    remove(plural, namespace, name) {
      const m = coll(plural);
      const key = keyOf(namespace, name);
      const o = m.get(key);
      if (!o) return;
      m.delete(key);
      const gone = { ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } };
      emit({ rv, plural, namespace, type: 'DELETED', object: gone });
    },
    list: (plural) => [...coll(plural).values()],
    lists: (plural) =>
      requests.filter((r) => r.method === 'GET' && !r.watch && r.path.endsWith(`/${plural}`)).length,
    watches: (plural) => requests.filter((r) => r.watch && r.path.endsWith(`/${plural}`)),
    bookmark() {
      rv++;
      for (const w of watchers) {
        if (w.bookmarks) send(w, 'BOOKMARK', { kind: 'Bookmark', metadata: { resourceVersion: String(rv) } });
      }
    },
    faults: {
      endWatches() {
        for (const w of [...watchers]) {
          watchers.delete(w);
          w.res.end();
        }
      },
      failRequests(n, code, kind = 'any', plural) {
        failures.push({ n, status: code, kind, plural });
      },
      clearFailures() {
        failures.length = 0;
      },
      compact(mode) {
        goneMode = mode;
        compactedBelow = rv;
      },
      outage(on) {
        down = on;
        if (on) {
          for (const w of [...watchers]) {
            watchers.delete(w);
            w.res.destroy();
          }
        }
      },
      goneAlways(on) {
        alwaysGone = on;
      },
      closeWatchesAtOnce(on) {
        closeAtOnce = on;
      },
      silenceWatches(on) {
        silent = on;
      },
    },
    openWatches: (plural) => [...watchers].filter((w) => plural === undefined || w.plural === plural).length,
    async stop() {
      for (const w of watchers) w.res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
