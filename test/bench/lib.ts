/**
 * Small tools shared by the benchmark harness: percentiles, a bounded keep-alive HTTP load loop,
 * a counter of the requests an in-process API emulator receives, and plain-text tables.
 * Everything runs on loopback; every loop stops at a request count or a deadline, whichever
 * comes first.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Statistics

export interface Latencies {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(ms: readonly number[]): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(sorted.length ? sum / sorted.length : NaN),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs `fn` sequentially until `maxCount` runs or `maxMs` elapsed (at least `minCount` runs). */
export async function timeRepeated(
  fn: () => Promise<void>,
  bounds: { minCount: number; maxCount: number; maxMs: number },
): Promise<number[]> {
  const out: number[] = [];
  const start = performance.now();
  while (
    out.length < bounds.maxCount &&
    (out.length < bounds.minCount || performance.now() - start < bounds.maxMs)
  ) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpTarget {
  readonly url: URL;
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly body?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** One request on `agent`; resolves with status and body once the body has been read. */
export function request(agent: Agent, target: HttpTarget): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target.url,
      {
        agent,
        method: target.method,
        headers: {
          ...(target.body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(target.body) }
            : {}),
          ...target.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(target.body);
  });
}

export interface LoadResult extends Latencies {
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  /** Requests sent during the warm-up (not in the figures; the auth reviews count them). */
  readonly warmupRequests: number;
}

/**
 * Closed-loop load: `connections` workers on one keep-alive agent, each sending its next request
 * when the previous answer has been read. Runs a short warm-up, then measures until `maxMs` or
 * `maxRequests`, whichever comes first.
 */
export async function load(
  target: HttpTarget,
  opts: { connections: number; maxMs: number; maxRequests: number; warmupMs: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  try {
    const phase = async (ms: number, maxRequests: number, record: number[] | undefined) => {
      const deadline = performance.now() + ms;
      let sent = 0;
      let errors = 0;
      const worker = async () => {
        while (sent < maxRequests && performance.now() < deadline) {
          sent++;
          const t0 = performance.now();
          try {
            const res = await request(agent, target);
            if (res.status !== 200) errors++;
            else record?.push(performance.now() - t0);
          } catch {
            errors++;
          }
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: opts.connections }, worker));
      return { errors, sent, seconds: (performance.now() - t0) / 1000 };
    };
    const warmup = await phase(opts.warmupMs, opts.maxRequests, undefined);
    const ms: number[] = [];
    const { errors, seconds } = await phase(opts.maxMs, opts.maxRequests, ms);
    return {
      connections: opts.connections,
      requests: ms.length,
      errors,
      seconds: round(seconds),
      reqPerSec: round(ms.length / seconds, 1),
      warmupRequests: warmup.sent,
      ...summarize(ms),
    };
  } finally {
    agent.destroy();
  }
}

/** A bare node:http server answering every request with the same JSON bytes (the raw ceiling). */
export async function startRawJsonServer(body: string): Promise<{ url: URL; stop(): Promise<void> }> {
  const bytes = Buffer.from(body);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.end(bytes);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// API server request counting

export interface RequestCounts {
  list: number;
  /**
   * Of `list`: one-object LISTs (`limit=1`, no `continue`), the reflectors' periodic progress
   * probes, which run on a timer whatever the clients do.
   */
  probe?: number;
  watch: number;
  other: number;
  total: number;
}

const emptyCounts = (): RequestCounts => ({ list: 0, probe: 0, watch: 0, other: 0, total: 0 });

/**
 * Counts the requests the in-process API emulator on `port` receives, through Node's built-in
 * `http.server.request.start` diagnostics channel (the emulator needs no hook for this).
 * A GET on a collection without `watch` is a LIST; a GET of one named object counts as other.
 */
export function countApiRequests(port: number, isCollection: (path: string) => boolean) {
  let counts = emptyCounts();
  const onStart = (message: unknown) => {
    // The emulator serves HTTP and HTTPS on one port by handing sockets to its servers, which then
    // have no address of their own: match on the socket's local port instead.
    const m = message as { request: IncomingMessage };
    if (m.request.socket.localPort !== port) return;
    const url = new URL(m.request.url ?? '/', 'http://x');
    counts.total++;
    const watch = url.searchParams.get('watch');
    if (m.request.method === 'GET' && (watch === 'true' || watch === '1')) counts.watch++;
    else if (m.request.method === 'GET' && isCollection(url.pathname)) {
      counts.list++;
      if (url.searchParams.get('limit') === '1' && !url.searchParams.get('continue'))
        counts.probe = (counts.probe ?? 0) + 1;
    } else counts.other++;
  };
  subscribe('http.server.request.start', onStart);
  return {
    /** The counts since the last take, and a fresh start. */
    take(): RequestCounts {
      const c = counts;
      counts = emptyCounts();
      return c;
    },
    stop() {
      unsubscribe('http.server.request.start', onStart);
    },
  };
}

export interface ReviewCounts {
  tokenReviews: number;
  accessReviews: number;
}

/**
 * Counts the TokenReviews and SubjectAccessReviews the in-process API emulator on `port` serves:
 * what the gateway pays the API server to authenticate and authorize its callers.
 */
export function countReviews(port: number) {
  let counts: ReviewCounts = { tokenReviews: 0, accessReviews: 0 };
  const onStart = (message: unknown) => {
    const m = message as { request: IncomingMessage };
    if (m.request.socket.localPort !== port || m.request.method !== 'POST') return;
    const path = new URL(m.request.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/tokenreviews')) counts.tokenReviews++;
    else if (path.endsWith('/subjectaccessreviews')) counts.accessReviews++;
  };
  subscribe('http.server.request.start', onStart);
  return {
    /** The counts since the last take, and a fresh start. */
    take(): ReviewCounts {
      const c = counts;
      counts = { tokenReviews: 0, accessReviews: 0 };
      return c;
    },
    stop() {
      unsubscribe('http.server.request.start', onStart);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Report formatting

export type Cell = string | number | undefined;

export function fmt(x: Cell, unit = ''): string {
  if (x === undefined) return '—';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return '—';
  const abs = Math.abs(x);
  const s = abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : abs >= 1 ? x.toFixed(2) : x.toPrecision(2);
  return `${s}${unit}`;
}

/** Ratio as "1/N" when below one, "N×" otherwise. */
export function ratioText(r: number): string {
  if (!Number.isFinite(r)) return '—';
  if (r > 0 && r < 1) return `1/${fmt(1 / r)}`;
  return `${fmt(r)}×`;
}

/** A plain-text table: the first `leftColumns` columns aligned left, the rest right. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  leftColumns = 1,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
