/**
 * The server on a real socket (port 0): health and readiness, GraphiQL from local assets, limits
 * with their codes, masked internal errors, SSE, graphql-ws on the same port (a bad operation
 * never closes the socket), and shutdown.
 */
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildSchema, createContext, VERSION } from '../../src/gateway/graphql/index.js';
import { createApp, startServer, type RunningServer } from '../../src/gateway/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { graphql } from '../gql/index.js';
import { demoSnapshot } from './fixtures.js';
import { appOver, codes, post, run, type TestApp } from './support.js';

const Clusters = graphql(`
  query ServerClusters {
    clusters(first: 10) {
      totalCount
      edges {
        node {
          name
        }
      }
    }
  }
`);

let t: TestApp;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  t = appOver(demoSnapshot(), { limits: { maxDepth: 8, maxAliases: 3, maxBodyBytes: 20_000 } });
  server = await startServer({
    app: t.app,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    shutdownGraceMs: 200,
  });
  base = server.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await server?.stop();
});

describe('health and readiness', () => {
  it('is alive at /healthz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 503 with the reason at /readyz until ready, then 200', async () => {
    t.setReadiness({ ready: false, reason: 'not synced yet: Bundle' });
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('not synced yet: Bundle');
    t.setReadiness({ ready: true });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});

describe('GraphiQL', () => {
  it('is a small page at /graphql for browsers, linking local hashed files', async () => {
    const res = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await res.text();
    expect(html).toContain('fleet-graph');
    expect(html.length).toBeLessThan(10_000);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain('"defaultQuery"');
    const script = /<script src="(\/graphiql\/graphiql\.[0-9a-f]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(new URL(script!, server.url), { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    const again = await fetch(new URL(script!, server.url), {
      headers: { 'if-none-match': js.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  }, 60_000);
});

describe('HTTP and SSE', () => {
  it('answers a typed query over HTTP', async () => {
    const r = await run(server.url, Clusters);
    expect(r.status).toBe(200);
    expect(r.data!.clusters.totalCount).toBe(4);
  });

  it('streams a result over SSE', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(Clusters) }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('event: next');
    expect(text).toContain('"totalCount":4');
    expect(text).toContain('event: complete');
  });
});

describe('limits', () => {
  it('rejects too deep, too many aliases, and too large bodies with stable codes', async () => {
    const deep = await post(server.url, {
      query: '{ clusters { edges { node { groups { clusters { edges { node { groups { name } } } } } } } } }',
    });
    expect(codes(deep)).toContain('MAX_DEPTH_EXCEEDED');
    const aliases = await post(server.url, {
      query: '{ a: version b: version c: version d: version e: version }',
    });
    expect(codes(aliases)).toContain('MAX_ALIASES_EXCEEDED');
    const big = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ version } # ${'x'.repeat(30_000)}` }),
    });
    expect(big.status).toBe(413);
    expect(
      ((await big.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('errors', () => {
  it('masks unexpected errors as INTERNAL and logs them', async () => {
    const logged: unknown[] = [];
    const logger = silentLogger();
    logger.error = (obj: unknown) => {
      logged.push(obj);
    };
    const app = createApp({
      schema: buildSchema(),
      context: (caller) =>
        createContext({
          readModel: () => {
            throw new Error('database password is hunter2');
          },
          caller,
          version: VERSION,
        }),
      readiness: () => ({ ready: true }),
      logger,
    });
    const r = await run(app, Clusters);
    expect(codes(r)).toEqual(['INTERNAL']);
    expect(JSON.stringify(r.errors)).not.toContain('hunter2');
    expect(logged.some((l) => String((l as { err?: Error }).err?.message).includes('hunter2'))).toBe(true);
    // Fields that need no snapshot still work.
    expect((await post(app, { query: '{ version }' })).data).toEqual({ version: VERSION });
  });
});

describe('graphql-ws', () => {
  let client: Client;
  beforeAll(() => {
    client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
    });
  });
  afterAll(async () => {
    await client?.dispose();
  });

  const once = async (query: string) => {
    for await (const r of client.iterate({ query })) return r;
    throw new Error('no result');
  };

  it('answers operations on the same port and path', async () => {
    const r = await once(print(Clusters));
    expect((r.data as { clusters: { totalCount: number } }).clusters.totalCount).toBe(4);
  });

  it('returns errors for a malformed or over-limit operation and keeps the socket open', async () => {
    let closed = false;
    client.on('closed', () => (closed = true));
    await expect(once('{ clusters { ')).rejects.toSatisfy((e) => JSON.stringify(e).includes('Syntax Error'));
    await expect(once('{ a: version b: version c: version d: version }')).rejects.toSatisfy((e) =>
      JSON.stringify(e).includes('MAX_ALIASES_EXCEEDED'),
    );
    await expect(once('{ nope }')).rejects.toSatisfy((e) => JSON.stringify(e).includes('nope'));
    const r = await once('{ version }');
    expect(r.data).toEqual({ version: VERSION });
    expect(closed).toBe(false);
  });

  it('refuses a cross-site WebSocket upgrade', async () => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { origin: 'https://evil.example' },
    });
    const code = await new Promise<number>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('close', (c) => resolve(c));
    });
    expect(code).toBe(4403);
  });
});

describe('shutdown', () => {
  it('stops accepting connections and resolves', async () => {
    const other = appOver(demoSnapshot());
    const s = await startServer({
      app: other.app,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      shutdownGraceMs: 100,
    });
    expect((await fetch(s.url.replace(/graphql$/, 'healthz'))).status).toBe(200);
    let disposedBefore = false;
    await s.stop({
      beforeDispose: () => {
        disposedBefore = true;
        return Promise.resolve();
      },
    });
    expect(disposedBefore).toBe(true);
    await expect(fetch(s.url.replace(/graphql$/, 'healthz'))).rejects.toThrow();
  });
});
