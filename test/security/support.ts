/** Helpers for attacking a running gateway: raw HTTP with any Host, SSE openers, a health prober. */
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request through node:http, which (unlike fetch) sends whatever Host it is given. */
export function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function codeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors?.[0]?.extensions
      ?.code;
  } catch {
    return undefined;
  }
}

/** An SSE request that stays open until `close()`: resolves with its status once headers arrive. */
export interface OpenSse {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly code: unknown;
  readonly body: string;
  /** Whether an accepted stream is still open (the server has not ended it). */
  open(): boolean;
  close(): void;
}

export async function openSse(
  url: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<OpenSse> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  let code: unknown;
  let body = '';
  // Refusals of an SSE request may come as JSON or as one SSE event: read the code either way.
  if (res.status !== 200) body = await res.text();
  if (body) code = /"code":"([A-Z_]+)"/.exec(body)?.[1];
  let ended = res.status !== 200;
  if (!ended) {
    // Drain in the background, noting when the server ends the stream.
    void res.body
      ?.pipeTo(new WritableStream())
      .catch(() => undefined)
      .finally(() => (ended = true));
  }
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    code,
    body,
    open: () => !ended,
    close: () => abort.abort(),
  };
}

/**
 * Polls /healthz back to back while a flood runs; `stop()` returns how many answered, how many
 * failed, and the 95th percentile latency (printed, never asserted: timing is for benchmarks).
 */
export function probeHealth(base: string): {
  stop(): Promise<{ ok: number; failed: number; p95Ms: number }>;
} {
  let running = true;
  const latencies: number[] = [];
  let failed = 0;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      try {
        const res = await fetch(`${base}/healthz`);
        await res.arrayBuffer();
        if (res.status === 200) latencies.push(performance.now() - start);
        else failed++;
      } catch {
        failed++;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const p95Ms = sorted.length
        ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!
        : NaN;
      return { ok: latencies.length, failed, p95Ms: Math.round(p95Ms * 10) / 10 };
    },
  };
}
