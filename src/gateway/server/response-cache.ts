/**
 * Answers repeated queries from memory, before yoga, while nothing they depend on has changed.
 *
 * A small cached read costs a bare node:http server a few tens of microseconds and yoga about a
 * millisecond, nearly all of it the fixed cost of the request pipeline (WHATWG Request/Response
 * adaptor, plugin chain, parse/validate lookups, execution), not the data. The same body from the
 * same caller against the same store version gets the same bytes, so this keeps the bytes of
 * successful query answers and serves a repeat with one map lookup and one write.
 *
 * What makes an answer reusable, all of which must hold:
 * - the same request body (document, variables and operation name, byte for byte);
 * - the same caller scope (`scope`: with authentication, the authenticated identity; an answer is
 *   never shared between callers whose rights could differ) and the same `Origin` (CORS headers);
 * - the same `version` (store revision and the watches' freshness), read before the answer was
 *   computed, so an answer is never filed under a version newer than the data it read;
 * - at most `maxAgeMs` old, which bounds anything that depends on time alone (ages, the grace of
 *   staleness) and keeps a caller's rights no older than the access caches plus that bound;
 * - the operation was a query, ran, and had no errors (errors and mutations always go to yoga);
 * - it read nothing live from the API server (`raw` and the other details on demand promise the
 *   object as the server has it now, so such an answer is never kept).
 *
 * Anything else (GET, SSE, WebSocket, uploads, a body without Content-Length or above
 * `maxBodyBytes`) goes to yoga untouched. A miss goes to yoga with the body already read.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { getOperationAST, OperationTypeNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GRAPHQL_PATH } from './app.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './observability.js';

export interface ResponseCacheOptions {
  /** Changes whenever any answer could (the store's revision, the watches' freshness). */
  readonly version: () => string;
  /**
   * Who is asking, as far as answers differ between callers; `undefined` leaves the request to
   * yoga (no token, a refused token: yoga answers those).
   */
  readonly scope: (req: IncomingMessage) => string | undefined | Promise<string | undefined>;
  readonly maxAgeMs?: number | undefined;
  readonly maxEntries?: number | undefined;
  readonly maxBodyBytes?: number | undefined;
  readonly maxResponseBytes?: number | undefined;
  /**
   * Called for every answer served from memory (no execution happened, so no operation log line
   * or execution metric was recorded for it): the request id it was sent with and the operation.
   */
  readonly onHit?: ((hit: { requestId: string; operation: string | null }) => void) | undefined;
  /** Monotonic milliseconds (tests move it). */
  readonly now?: (() => number) | undefined;
}

interface Entry {
  readonly version: string;
  readonly at: number;
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
  readonly operation: string | null;
}

/** What one request on the miss path has learnt about itself. */
interface Pending {
  readonly key: string;
  readonly version: string;
  cacheable: boolean;
  operation: string | null;
}

export interface ResponseCacheStats {
  hits: number;
  /** Requests that waited for the same answer being computed, then got it. */
  waited: number;
  misses: number;
  stored: number;
  bypassed: number;
}

const DEFAULTS = { maxAgeMs: 250, maxEntries: 1000, maxBodyBytes: 16 * 1024, maxResponseBytes: 256 * 1024 };

/** Headers of an answer that belong to one request, never to a stored answer. */
const PER_REQUEST = new Set([REQUEST_ID_HEADER, 'date', 'connection', 'keep-alive', 'set-cookie']);

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new WeakMap<IncomingMessage, Pending>();
  /**
   * Misses being computed, by key: a request for the same key and version waits for that answer
   * instead of running the same query again (at 32 connections, every request arriving while the
   * first one runs would otherwise miss too).
   */
  private readonly inFlight = new Map<
    string,
    { version: string; waiters: ((e: Entry | undefined) => void)[] }
  >();
  private readonly o: Required<ResponseCacheOptions>;
  readonly stats: ResponseCacheStats = { hits: 0, waited: 0, misses: 0, stored: 0, bypassed: 0 };

  constructor(opts: ResponseCacheOptions) {
    this.o = {
      ...DEFAULTS,
      now: () => performance.now(),
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    } as Required<ResponseCacheOptions>;
  }

  /**
   * Marks successful query executions of requests on the miss path as reusable. Runs for every
   * operation (HTTP, SSE, WebSocket); only requests this cache is waiting for are looked at.
   */
  plugin(): Plugin {
    return {
      onExecute: ({ args }) => {
        const a = args as ExecutionArgs;
        const ctx = a.contextValue as
          { req?: IncomingMessage; details?: { readonly reads?: number } } | undefined;
        const req = ctx?.req;
        const p = req ? this.pending.get(req) : undefined;
        if (!p) return;
        const op = getOperationAST(a.document, a.operationName);
        if (op?.operation !== OperationTypeNode.QUERY) return;
        p.operation = op.name?.value ?? a.operationName ?? null;
        return {
          onExecuteDone: ({ result }) => {
            if (Symbol.asyncIterator in result) return;
            const live = (ctx?.details?.reads ?? 0) > 0;
            p.cacheable = !live && (!result.errors || result.errors.length === 0);
          },
        };
      },
    };
  }

  /** Drops every stored answer (tests; a configuration change). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Takes the request when it may be answered from memory: answers it, or reads its body and
   * hands it to `pass` (yoga) with the body attached. Returns false when the request is not one
   * this cache handles; the caller then passes it on itself, unread.
   */
  handle(req: IncomingMessage, res: ServerResponse, pass: () => void): boolean {
    if (req.method !== 'POST' || req.url !== GRAPHQL_PATH) return false;
    if (!(req.headers['content-type'] ?? '').includes('application/json')) return false;
    const accept = req.headers.accept ?? '';
    if (accept.includes('text/event-stream') || accept.includes('multipart')) return false;
    const length = Number(req.headers['content-length']);
    if (!Number.isInteger(length) || length <= 0 || length > this.o.maxBodyBytes) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= this.o.maxBodyBytes) chunks.push(c);
    });
    req.once('end', () => {
      const body = Buffer.concat(chunks);
      this.answer(req, res, body, size === body.length ? body : undefined, pass);
    });
    req.once('error', () => res.destroy());
    return true;
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    usable: Buffer | undefined,
    pass: () => void,
  ): void {
    // The body stays the request's body for yoga (the node adaptor reads `req.body` when set).
    (req as IncomingMessage & { body?: Buffer }).body = body;
    let scope: string | undefined | Promise<string | undefined>;
    try {
      scope = usable ? this.o.scope(req) : undefined;
    } catch {
      scope = undefined;
    }
    // Without authentication the scope is known at once: no promise on the hot path.
    if (scope instanceof Promise)
      scope.then(
        (s) => this.lookup(req, res, body, s, pass),
        () => this.lookup(req, res, body, undefined, pass),
      );
    else this.lookup(req, res, body, scope, pass);
  }

  private lookup(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    scope: string | undefined,
    pass: () => void,
  ): void {
    if (scope === undefined) {
      this.stats.bypassed++;
      pass();
      return;
    }
    const key = `${scope}\u0000${req.headers.origin ?? ''}\u0000${body.toString('utf8')}`;
    const version = this.o.version();
    const now = this.o.now();
    const hit = this.entries.get(key);
    if (hit && hit.version === version && now - hit.at <= this.o.maxAgeMs) {
      this.stats.hits++;
      this.send(req, res, hit);
      return;
    }
    if (hit) this.entries.delete(key);
    const running = this.inFlight.get(key);
    if (running && running.version === version) {
      this.stats.waited++;
      running.waiters.push((entry) => (entry ? this.send(req, res, entry) : pass()));
      return;
    }
    this.stats.misses++;
    const flight = { version, waiters: [] as ((e: Entry | undefined) => void)[] };
    this.inFlight.set(key, flight);
    const p: Pending = { key, version, cacheable: false, operation: null };
    this.pending.set(req, p);
    this.capture(res, p, now, (entry) => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      // Not reusable (errors, a mutation, an interrupted answer): each waiter asks yoga itself.
      for (const w of flight.waiters) w(entry);
    });
    pass();
  }

  private send(req: IncomingMessage, res: ServerResponse, entry: Entry): void {
    for (const [name, value] of Object.entries(entry.headers))
      if (value !== undefined) res.setHeader(name, value);
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.writeHead(entry.status);
    res.end(entry.body);
    this.o.onHit?.({ requestId, operation: entry.operation });
  }

  /** Records what yoga writes for a miss, and files it once it is known to be reusable. */
  private capture(
    res: ServerResponse,
    p: Pending,
    startedAt: number,
    done: (entry: Entry | undefined) => void,
  ): void {
    const parts: Buffer[] = [];
    let settled = false;
    const settle = (entry: Entry | undefined) => {
      if (settled) return;
      settled = true;
      done(entry);
    };
    let bytes = 0;
    let status = 0;
    let tooBig = false;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const b =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      bytes += b.length;
      if (bytes > this.o.maxResponseBytes) tooBig = true;
      else parts.push(b);
    };
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    // Headers passed to writeHead are set first, so getHeaders() sees every header of the answer.
    res.writeHead = (code: number, ...rest: unknown[]) => {
      status = code;
      const headers = rest.find((x) => typeof x === 'object' && x !== null);
      if (headers && !Array.isArray(headers))
        for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders))
          if (value !== undefined) res.setHeader(name, value);
      const text = rest.find((x) => typeof x === 'string');
      return text === undefined ? writeHead(code) : writeHead(code, text);
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      const out = end(chunk, ...rest);
      settle(
        p.cacheable && !tooBig && (status || res.statusCode) === 200
          ? this.store(p, res, parts, startedAt)
          : undefined,
      );
      return out;
    }) as ServerResponse['end'];
    // An answer that never ends (the client went away) releases its waiters too.
    res.once('close', () => settle(undefined));
  }

  private store(p: Pending, res: ServerResponse, parts: Buffer[], at: number): Entry {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(res.getHeaders()))
      if (!PER_REQUEST.has(name.toLowerCase())) headers[name] = value;
    if (this.entries.size >= this.o.maxEntries) {
      // The oldest entry goes first (insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const entry: Entry = {
      version: p.version,
      at,
      status: 200,
      headers,
      body: Buffer.concat(parts),
      operation: p.operation,
    };
    this.entries.set(p.key, entry);
    this.stats.stored++;
    return entry;
  }
}
